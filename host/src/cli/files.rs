//! The files a command names: a name for one beside another (`MODULE.sig`)
//! and the check that no file is named for two roles.

use std::path::{Path, PathBuf};

pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Where a file, or the file a path will create, is: the device and inode
/// of one that exists (so that two names of one file match), else the
/// absolute path.
#[derive(PartialEq)]
enum FileIdentity {
    #[cfg(unix)]
    Existing(u64, u64),
    #[cfg(not(unix))]
    Existing(PathBuf),
    ToCreate(PathBuf),
}

fn file_identity(path: &Path) -> FileIdentity {
    #[cfg(unix)]
    if let Ok(m) = std::fs::metadata(path) {
        use std::os::unix::fs::MetadataExt;
        return FileIdentity::Existing(m.dev(), m.ino());
    }
    #[cfg(not(unix))]
    if let Ok(p) = std::fs::canonicalize(path) {
        return FileIdentity::Existing(p);
    }
    FileIdentity::ToCreate(std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// Refuses a command whose files overlap, before anything is read or
/// written: `batch --out` naming the input would, with `--restart`,
/// truncate the applications before the first was read; `register export
/// --out` naming the register would truncate ten years of records;
/// `--baseline` naming `--out` would compare the new decisions with
/// themselves and report no change; `policy sign --out` naming the key
/// would replace the secret key.
pub fn distinct_files(files: &[(&str, &Path)]) -> Result<(), String> {
    let ids: Vec<FileIdentity> = files.iter().map(|(_, p)| file_identity(p)).collect();
    for (i, (role, path)) in files.iter().enumerate() {
        if let Some(first) = ids[..i].iter().position(|id| *id == ids[i]) {
            return Err(format!(
                "{role} {} is also {}: give each its own file",
                path.display(),
                files[first].0
            ));
        }
    }
    Ok(())
}
