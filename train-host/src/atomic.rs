//! Atomic file replacement: write a sibling temporary file, flush it to disk,
//! then rename it over the destination.
//!
//! Why: training runs are long and get interrupted (Ctrl-C, out of memory,
//! power loss). Every file the trainer produces — checkpoints, exported
//! models, CSV tables — must be either the complete old version or the
//! complete new version, never a truncated mixture that fails to parse hours
//! later. `rename(2)` within one directory is atomic on POSIX file systems
//! (and `MoveFileEx` with replace is on Windows), so readers see one file or
//! the other.
//!
//! The sequence is:
//!
//! 1. create `.<name>.<random>.tmp` in the destination's directory (same
//!    directory, hence same file system, so the rename cannot degrade into a
//!    copy);
//! 2. write the contents and `fsync` the file, so the data is on disk before
//!    the name points at it;
//! 3. rename it over the destination;
//! 4. on Unix, `fsync` the directory, so the rename itself is durable before
//!    this function returns (a caller that writes file A and then file B can
//!    rely on A's new version being durable whenever B's is);
//! 5. remove the `.<name>.*.tmp` files earlier writes of the same
//!    destination left behind.
//!
//! If any step fails the temporary file is removed (by `tempfile`'s drop
//! guard) and the destination is untouched. Only a crash (process killed or
//! power lost) between steps 1 and 3 can leave a `.*.tmp` file behind; it is
//! never mistaken for the destination, and the next write of the same
//! destination removes it (step 5), so a training run killed during
//! checkpoints again and again does not fill its directory. (Two processes
//! writing one destination at once already lose one's output; with step 5
//! the one that renames last fails instead of replacing the other's file
//! unnoticed.)
//!
//! Caveats: if the destination is a symbolic link, the link itself is
//! replaced by a regular file. The new file gets the permissions a plain
//! `File::create` would give (`0o666` minus the umask), not the old file's.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// Replaces the file at `path` with `bytes`, atomically and durably.
///
/// Readers of `path` see either its previous contents (or its absence) or
/// exactly `bytes`, never a partial write; see the [module
/// documentation](self) for the sequence and its guarantees. The parent
/// directory must exist.
///
/// # Errors
///
/// Any I/O error from creating, writing, syncing or renaming the temporary
/// file; `path` is then unchanged and the temporary file removed. The error
/// does not name `path`: callers add that context.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// Like [`write_atomic`], but the contents are produced by `fill`, which
/// writes into the temporary file (wrap it in a `BufWriter` for many small
/// writes, and flush it before returning).
///
/// Use this to stream large outputs (CSV tables, sample dumps) without
/// building them in memory first. If `fill` returns an error, the temporary
/// file is removed, `path` is untouched and the error is returned.
///
/// # Errors
///
/// The error from `fill`, or any I/O error from creating, syncing or renaming
/// the temporary file.
pub fn write_atomic_with<F>(path: &Path, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut File) -> io::Result<()>,
{
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "atomic write needs a path that ends in a file name",
        )
    })?;
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");

    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(dir)?;

    fill(temp.as_file_mut())?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)?;
    remove_leftovers(dir, &prefix);
    Ok(())
}

/// Removes the files of `dir` named `<prefix>*.tmp`: temporary files of
/// writes of the same destination that a crash interrupted. A leftover
/// that cannot be removed stays, as harmless as before.
fn remove_leftovers(dir: &Path, prefix: &std::ffi::OsStr) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = prefix.as_encoded_bytes();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.as_encoded_bytes();
        if name.starts_with(prefix) && name.ends_with(b".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Makes a completed rename in `dir` durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Directories cannot be opened for syncing on this platform; the rename is
/// still atomic, only its durability across power loss is up to the OS.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Names of the entries of `dir`, sorted: tests use it to check that no
/// temporary file is left behind.
#[cfg(test)]
pub(crate) fn dir_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable test directory")
        .map(|e| {
            e.expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn creates_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write_atomic(&path, b"first").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"first");
        write_atomic(&path, b"second, longer").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second, longer");
        write_atomic(&path, b"").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"");
        assert_eq!(dir_entries(dir.path()), ["out.csv"]);
    }

    #[test]
    fn failing_fill_leaves_old_file_and_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write_atomic(&path, b"old contents").unwrap();
        let err = write_atomic_with(&path, |file| {
            file.write_all(b"half of the new")?;
            Err(io::Error::other("injected failure"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "injected failure");
        assert_eq!(fs::read(&path).unwrap(), b"old contents");
        assert_eq!(dir_entries(dir.path()), ["out.csv"]);
    }

    #[test]
    fn failing_rename_leaves_destination_and_no_temp_file() {
        // A non-empty directory cannot be replaced by a file.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blocked");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("inside"), b"keep").unwrap();
        assert!(write_atomic(&path, b"new").is_err());
        assert_eq!(fs::read(path.join("inside")).unwrap(), b"keep");
        assert_eq!(dir_entries(dir.path()), ["blocked"]);
    }

    #[test]
    fn leftovers_of_the_same_destination_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        // What a write killed between creating and renaming leaves behind,
        // for this destination and for two others.
        for name in [
            ".out.csv.a1B2c3.tmp",
            ".out.csv.zzzzzz.tmp",
            ".other.csv.a1B2c3.tmp",
            ".out.csv.keep",
        ] {
            fs::write(dir.path().join(name), b"partial").unwrap();
        }
        write_atomic(&dir.path().join("out.csv"), b"x").unwrap();
        assert_eq!(
            dir_entries(dir.path()),
            [".other.csv.a1B2c3.tmp", ".out.csv.keep", "out.csv"]
        );
    }

    #[test]
    fn missing_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/out.csv");
        let err = write_atomic(&path, b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn path_without_file_name_is_rejected() {
        let err = write_atomic(Path::new("/"), b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[cfg(unix)]
    #[test]
    fn permissions_are_those_of_a_plain_create() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        let atomic = dir.path().join("atomic");
        fs::write(&plain, b"x").unwrap();
        write_atomic(&atomic, b"x").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&atomic), mode(&plain));
    }
}
