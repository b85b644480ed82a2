//! The precompiled module cache: used when only this user can write it,
//! never trusted when an entry is damaged, and giving the same decisions.

mod common;

use attest::config::Config;
use attest::module_cache::ModuleCache;
use attest::screen::Screener;
use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A cache folder that does not exist yet, inside a scratch folder.
fn cache_dir(name: &str) -> (Scratch, PathBuf) {
    let scratch = Scratch::new(&format!("cache-{name}"));
    let dir = scratch.join("cache");
    (scratch, dir)
}

fn cached_screener(dir: &Path) -> Screener {
    Screener::new(Config {
        cache_dir: Some(dir.to_path_buf()),
        ..Config::default()
    })
    .unwrap()
}

#[test]
fn compiled_modules_are_cached_and_give_the_same_decisions() {
    let (_scratch, dir) = cache_dir("same");
    let first = cached_screener(&dir);
    let entries = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(entries, first.registry().len(), "one entry per module");
    let second = cached_screener(&dir);
    let app = clean_export();
    let a = serde_json::to_string(&second.screen(&app, None)).unwrap();
    assert_eq!(a, serde_json::to_string(&screen(&app)).unwrap());
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "cache directory is private");
}

#[test]
fn a_damaged_entry_is_recompiled_not_loaded() {
    let (_scratch, dir) = cache_dir("damaged");
    drop(cached_screener(&dir));
    let entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let good: Vec<Vec<u8>> = entries.iter().map(|e| std::fs::read(e).unwrap()).collect();
    for (entry, bytes) in entries.iter().zip(&good) {
        let mut bad = bytes.clone();
        let middle = bad.len() / 2;
        bad[middle] ^= 0xFF;
        std::fs::write(entry, &bad).unwrap();
    }
    let again = cached_screener(&dir);
    assert_eq!(
        again.screen(&clean_export(), None).outcome.as_str(),
        "approve"
    );
    for (entry, bytes) in entries.iter().zip(&good) {
        assert_eq!(
            &std::fs::read(entry).unwrap(),
            bytes,
            "{}: the damaged entry was replaced by a fresh compile",
            entry.display()
        );
    }
}

#[test]
fn a_cache_others_can_write_to_is_not_used() {
    let (_scratch, dir) = cache_dir("shared");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = ModuleCache::open(&dir, &wasmtime::Engine::default())
        .err()
        .expect("refused");
    assert!(err.contains("writable by other users; not used"), "{err}");
    let screener = cached_screener(&dir);
    assert_eq!(
        screener.screen(&clean_export(), None).outcome.as_str(),
        "approve"
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing written to a shared directory"
    );
}

#[test]
fn no_cache_screens_without_touching_the_cache() {
    let (_scratch, dir) = cache_dir("cli");
    let example = format!("{EXAMPLES}/gb-ke-police-rifles.toml");
    let run = |flags: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_attest"))
            .env("ATTEST_CACHE_DIR", &dir)
            .args(flags)
            .args(["screen", "--format", "json", &example])
            .output()
            .unwrap()
    };
    let uncached = run(&["--no-cache"]);
    assert!(uncached.status.success());
    assert!(!dir.exists(), "--no-cache created no cache");
    let cached = run(&[]);
    assert_eq!(cached.stdout, uncached.stdout);
    assert!(std::fs::read_dir(&dir).unwrap().count() > 0);
}
