//! The precompiled module cache: compiled plug-ins serialised to disk so
//! that a cold `attest screen` skips Cranelift.
//!
//! Deserialising compiled code is `unsafe` in wasmtime: bytes from anyone
//! but this host could run as native code. So the cache is used only when
//! it is a directory owned by the current user and writable by nobody
//! else, entries are files owned by the user and not group- or
//! world-writable, and each entry carries the sha256 of its payload (a
//! torn or corrupted write is recompiled, never loaded). Entries are keyed
//! by the module's sha256 and the engine's compatibility hash (wasmtime
//! version, compiler settings, CPU features): a change of either misses.

use crate::reference::hex;
use sha2::{Digest, Sha256};
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use wasmtime::{Engine, Module};

const MAGIC: &[u8; 8] = b"ATTESTC1";

#[derive(Clone)]
pub struct ModuleCache {
    dir: PathBuf,
    compat: String,
}

impl ModuleCache {
    /// `$ATTEST_CACHE_DIR`, else `$XDG_CACHE_HOME/attest`, else
    /// `$HOME/.cache/attest`.
    pub fn default_dir() -> Option<PathBuf> {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        env("ATTEST_CACHE_DIR")
            .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("attest")))
            .or_else(|| env("HOME").map(|d| d.join(".cache").join("attest")))
    }

    /// Opens (creating, mode 0700) the cache at `dir` for `engine`, after
    /// checking that only the current user can write there.
    pub fn open(dir: &Path, engine: &Engine) -> Result<ModuleCache, String> {
        let fail = |what: String| format!("module cache {}: {what}", dir.display());
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| fail(e.to_string()))?;
        let meta = fs::metadata(dir).map_err(|e| fail(e.to_string()))?;
        if meta.uid() != rustix::process::getuid().as_raw() {
            return Err(fail("not owned by the current user; not used".into()));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(fail("writable by other users; not used".into()));
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Ok(ModuleCache {
            dir: dir.to_path_buf(),
            compat: format!("{:016x}", hasher.finish()),
        })
    }

    fn entry(&self, module_sha256: &str) -> PathBuf {
        self.dir
            .join(format!("{module_sha256}-{}.cwasm", self.compat))
    }

    /// The compiled module: from the cache when a valid entry exists,
    /// otherwise compiled and stored.
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        wasm: &[u8],
        module_sha256: &str,
    ) -> wasmtime::Result<Module> {
        let path = self.entry(module_sha256);
        if let Some(module) = self.load(engine, &path) {
            return Ok(module);
        }
        let module = Module::new(engine, wasm)?;
        // A cache that cannot be written is only slower, never wrong.
        let _ = self.store(&path, &module);
        Ok(module)
    }

    fn load(&self, engine: &Engine, path: &Path) -> Option<Module> {
        let meta = fs::symlink_metadata(path).ok()?;
        let own = meta.uid() == rustix::process::getuid().as_raw();
        if !meta.is_file() || !own || meta.mode() & 0o022 != 0 {
            return None;
        }
        let bytes = fs::read(path).ok()?;
        let (header, payload) = bytes.split_at_checked(MAGIC.len() + 32)?;
        let (magic, digest) = header.split_at(MAGIC.len());
        if magic != MAGIC || digest != Sha256::digest(payload).as_slice() {
            return None;
        }
        // SAFETY: the payload was written by `store` below, in a directory
        // and file only this user can write (checked above and at open),
        // and its digest matches; wasmtime checks the engine compatibility.
        unsafe { Module::deserialize(engine, payload) }.ok()
    }

    fn store(&self, path: &Path, module: &Module) -> std::io::Result<()> {
        let payload = module
            .serialize()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(MAGIC)?;
        file.write_all(&Sha256::digest(&payload))?;
        file.write_all(&payload)?;
        file.sync_all()?;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600))?;
        fs::rename(&tmp, path)
    }

    /// The entry file for a module (for tests and `policy list`).
    pub fn entry_path(&self, module_sha256: &str) -> PathBuf {
        self.entry(module_sha256)
    }

    /// The digest of an entry's payload, as stored.
    pub fn entry_digest(&self, module_sha256: &str) -> Option<String> {
        let bytes = fs::read(self.entry(module_sha256)).ok()?;
        bytes.get(MAGIC.len()..MAGIC.len() + 32).map(hex)
    }
}
