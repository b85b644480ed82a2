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

const DAY: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// A file in `dir` last modified `age` ago.
fn planted(dir: &Path, name: &str, age: std::time::Duration) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, b"not a compiled module").unwrap();
    set_age(&path, age);
    path
}

fn set_age(path: &Path, age: std::time::Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(std::time::SystemTime::now() - age)
        .unwrap();
}

fn age(path: &Path) -> std::time::Duration {
    let modified = std::fs::metadata(path).unwrap().modified().unwrap();
    modified.elapsed().unwrap_or_default()
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    found.sort();
    found
}

#[test]
fn loading_an_entry_marks_it_used() {
    let (_scratch, dir) = cache_dir("used");
    drop(cached_screener(&dir));
    let stored = entries(&dir);
    for entry in &stored {
        set_age(entry, 40 * DAY);
    }
    let screener = cached_screener(&dir);
    assert_eq!(entries(&dir), stored, "all loaded, none compiled again");
    for entry in &stored {
        assert!(age(entry) < DAY, "{}: marked used", entry.display());
    }
    assert_eq!(
        screener.screen(&clean_export(), None).outcome.as_str(),
        "approve"
    );
}

#[test]
fn storing_an_entry_removes_those_unused_for_thirty_days() {
    let (_scratch, dir) = cache_dir("prune");
    drop(cached_screener(&dir));
    let stored = entries(&dir);
    let engine = stored[0].file_name().unwrap().to_str().unwrap()[65..81].to_string();
    let name = |c: char, ext: &str| format!("{}-{engine}.{ext}", c.to_string().repeat(64));
    // Entries of plug-in versions and engines no longer run, and files
    // the cache did not write.
    let unused = planted(&dir, &name('a', "cwasm"), 31 * DAY);
    let other_engine = planted(
        &dir,
        &format!("{}-{}.cwasm", "b".repeat(64), "0".repeat(16)),
        45 * DAY,
    );
    let lately_used = planted(&dir, &name('c', "cwasm"), 29 * DAY);
    let abandoned = planted(&dir, &name('d', "tmp4242"), 2 * DAY);
    let being_written = planted(&dir, &name('e', "tmp4343"), std::time::Duration::ZERO);
    let not_ours = planted(&dir, "notes.txt", 400 * DAY);
    // One module compiles again, so its entry is stored: that prunes.
    std::fs::remove_file(&stored[0]).unwrap();
    let screener = cached_screener(&dir);
    assert!(stored[0].exists(), "the missing entry was stored again");
    for gone in [&unused, &other_engine, &abandoned] {
        assert!(!gone.exists(), "{} removed", gone.display());
    }
    for kept in [&lately_used, &being_written, &not_ours] {
        assert!(kept.exists(), "{} kept", kept.display());
    }
    for entry in &stored {
        assert!(entry.exists(), "{}: in use, kept", entry.display());
    }
    assert_eq!(
        screener.screen(&clean_export(), None).outcome.as_str(),
        "approve"
    );
}
