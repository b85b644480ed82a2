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
//!
//! Every new plug-in version and every new `attest` adds entries that the
//! old ones no longer use, and an authority runs Attest for years: the
//! cache would only grow. So a load marks its entry as used (its
//! modification time, at most once a day), and storing a new entry
//! removes those not used for [`UNUSED_FOR`]. A removed entry costs one
//! compilation the next time it is needed, never a wrong result.

use crate::reference::hex;
use sha2::{Digest, Sha256};
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use wasmtime::{Engine, Module};

const MAGIC: &[u8; 8] = b"ATTESTC1";

/// Entries not loaded for this long are removed when a new one is stored.
/// Long enough that a policy screened monthly keeps its entry; a removed
/// entry is only compiled again (about 0.3 s per plug-in).
pub const UNUSED_FOR: Duration = Duration::from_secs(30 * 24 * 3600);

/// A load refreshes its entry's time only when it is older than this, so
/// that a start-up does not write to the cache at every run.
const MARK_USED_EVERY: Duration = Duration::from_secs(24 * 3600);

/// A half-written entry (`*.tmpPID`) older than this belongs to a run that
/// died while storing it; a live one finishes within seconds.
const ABANDONED_AFTER: Duration = Duration::from_secs(24 * 3600);

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
        if self.store(&path, &module).is_ok() {
            self.prune(SystemTime::now());
        }
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
        mark_used(path, &meta);
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

    /// Removes the entries not used since `now - UNUSED_FOR` and the
    /// half-written ones left by runs that died, whatever engine they were
    /// compiled for: only files named as this cache names them, and owned
    /// by this user, are touched.
    fn prune(&self, now: SystemTime) {
        let Ok(listing) = fs::read_dir(&self.dir) else {
            return;
        };
        let uid = rustix::process::getuid().as_raw();
        for item in listing.flatten() {
            let name = item.file_name();
            let Some(kind) = name.to_str().and_then(file_kind) else {
                continue;
            };
            let Ok(meta) = item.path().symlink_metadata() else {
                continue;
            };
            let idle = meta
                .modified()
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .unwrap_or_default();
            let limit = match kind {
                FileKind::Entry => UNUSED_FOR,
                FileKind::HalfWritten => ABANDONED_AFTER,
            };
            if meta.is_file() && meta.uid() == uid && idle > limit {
                // Another run may have removed it first: nothing to do.
                let _ = fs::remove_file(item.path());
            }
        }
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

/// What a file in the cache folder is, by its name:
/// `{module sha256}-{engine hash}.cwasm`, or the same stem with
/// `.tmpPID` while it is being written. Anything else is not the cache's.
enum FileKind {
    Entry,
    HalfWritten,
}

fn file_kind(name: &str) -> Option<FileKind> {
    let (stem, extension) = name.split_once('.')?;
    let (module, engine) = stem.split_once('-')?;
    let hex = |s: &str, len| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex(module, 64) || !hex(engine, 16) {
        return None;
    }
    if extension == "cwasm" {
        return Some(FileKind::Entry);
    }
    let pid = extension.strip_prefix("tmp")?;
    (!pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())).then_some(FileKind::HalfWritten)
}

/// Records that the entry at `path` was just used, unless it was recently.
/// Failing to is harmless: the entry may be compiled again one day.
fn mark_used(path: &Path, meta: &fs::Metadata) {
    let recent = meta
        .modified()
        .ok()
        .and_then(|m| m.elapsed().ok())
        .is_some_and(|age| age < MARK_USED_EVERY);
    if !recent {
        if let Ok(file) = fs::File::open(path) {
            let _ = file.set_modified(SystemTime::now());
        }
    }
}
