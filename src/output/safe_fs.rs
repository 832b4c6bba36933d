//! Files inside a run directory (SPEC §9): nothing read from one is trusted as a path and
//! nothing written into one goes through a symbolic link. Every file is created owner-only
//! (0600) and every folder 0700 whatever the umask allows more of, since a run directory
//! holds tenant data.
//!
//! Writes go through three primitives: [`create_new`] (a fresh file under a name nobody
//! else can hold: `O_CREAT|O_EXCL` never follows a link), [`open_append`] (`O_NOFOLLOW`)
//! and [`write_atomic`] (a fresh temporary file renamed over the final name: a rename
//! replaces a link, it never writes through it). [`refuse_links`] checks a whole run
//! directory before `--resume`, `merge` or a report writes into it.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// Permissions of every file written into a run directory.
pub const FILE_MODE: u32 = 0o600;
/// Permissions of the run directory and every folder inside it.
pub const DIR_MODE: u32 = 0o700;

/// Why a run directory was refused.
#[derive(Debug, thiserror::Error)]
pub enum RunDirError {
    #[error(
        "{0}: is a symbolic link; tenantrun never writes through one inside a run directory (refused: remove the link or start a new run)"
    )]
    Link(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

fn options() -> OpenOptions {
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(FILE_MODE).custom_flags(libc::O_NOFOLLOW);
    }
    o
}

/// The error of opening a link with `O_NOFOLLOW` (`ELOOP`) said in words.
fn name_link(path: &Path, e: std::io::Error) -> std::io::Error {
    let is_link = std::fs::symlink_metadata(path).map(|m| m.file_type().is_symlink()).unwrap_or(false);
    if is_link {
        std::io::Error::other(RunDirError::Link(path.to_path_buf()).to_string())
    } else {
        e
    }
}

/// Create `path` for writing, 0600. A file or link already under that name (a temporary
/// left by a killed run) is removed first, never opened.
pub fn create_new(path: &Path) -> std::io::Result<File> {
    // `O_CREAT | O_EXCL` never follows a link: try it first (one system call per step
    // file), and look at what is in the way only when something is.
    match options().write(true).create_new(true).open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            if !std::fs::symlink_metadata(path)?.is_dir() {
                std::fs::remove_file(path)?;
            }
            options().write(true).create_new(true).open(path)
        }
        other => other,
    }
}

/// Make a file another library created (the XLSX writer) owner-only, as [`create_new`] would have.
pub fn owner_only(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(FILE_MODE))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Open `path` for reading and appending (creating it, 0600); a link is refused.
pub fn open_append(path: &Path) -> std::io::Result<File> {
    options().read(true).append(true).create(true).open(path).map_err(|e| name_link(path, e))
}

/// Open `path` for reading; a link is refused.
pub fn open_read(path: &Path) -> std::io::Result<File> {
    options().read(true).open(path).map_err(|e| name_link(path, e))
}

/// The hidden temporary sibling `.<name>.tmp` that [`write_atomic`] and friends rename.
pub fn temp_sibling(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// Replace `path` with `bytes`: a fresh temporary file renamed into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = Replacement::create(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// A file written under a fresh temporary name and renamed over `path` by [`Replacement::commit`]:
/// readers never see half of it, and a link under the final name is replaced, not followed.
pub struct Replacement {
    out: std::io::BufWriter<File>,
    temp: PathBuf,
    path: PathBuf,
}

impl Replacement {
    pub fn create(path: &Path) -> std::io::Result<Replacement> {
        let temp = temp_sibling(path);
        let out = std::io::BufWriter::with_capacity(64 * 1024, create_new(&temp)?);
        Ok(Replacement { out, temp, path: path.to_path_buf() })
    }

    pub fn commit(self) -> std::io::Result<()> {
        self.out.into_inner().map_err(|e| e.into_error())?;
        std::fs::rename(&self.temp, &self.path)
    }
}

impl Write for Replacement {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Create `dir` and its missing parents (0700 for the new ones); an existing `dir` must be
/// a real folder, not a link to one.
pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    if std::fs::symlink_metadata(dir).map(|m| m.file_type().is_symlink()).unwrap_or(false) {
        return Err(std::io::Error::other(RunDirError::Link(dir.to_path_buf()).to_string()));
    }
    builder.create(dir)
}

/// Create the single folder `dir` (0700); fails if it exists.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    builder.create(dir)
}

/// Every entry of `run_dir`, at any depth, must be a file or a folder: the first link
/// found is refused. `run_dir` itself may be a link (the user named it).
pub fn refuse_links(run_dir: &Path) -> Result<(), RunDirError> {
    let mut pending = vec![run_dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(RunDirError::Io { path: dir, source }),
        };
        for entry in entries {
            let entry = entry.map_err(|source| RunDirError::Io { path: dir.clone(), source })?;
            let kind = entry.file_type().map_err(|source| RunDirError::Io { path: entry.path(), source })?;
            if kind.is_symlink() {
                return Err(RunDirError::Link(entry.path()));
            }
            if kind.is_dir() {
                pending.push(entry.path());
            }
        }
    }
    Ok(())
}

/// Whether `rel`, an items path read from a journal, names a file inside `items/`:
/// relative, `/`-separated plain names under `items/`, no `..`, no root or drive.
pub fn is_items_path(rel: &str) -> bool {
    let path = Path::new(rel);
    let mut components = path.components();
    components.next() == Some(Component::Normal(super::rundir::ITEMS.as_ref()))
        && components.clone().next().is_some()
        && components.all(|c| matches!(c, Component::Normal(_)))
        && !rel.contains('\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_paths_stay_inside_items() {
        for ok in ["items/labels/a.0.jsonl", "items/x"] {
            assert!(is_items_path(ok), "{ok}");
        }
        for bad in [
            "/some/file",
            "../x",
            "items/../../x",
            "items",
            "items/",
            "csv/x.csv",
            "./items/a",
            "items/a/../../b",
            "items\\..\\x",
            "",
        ] {
            assert!(!is_items_path(bad), "{bad}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn links_are_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let e = open_append(&link).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{}: is a symbolic link; tenantrun never writes through one inside a run directory (refused: remove the link or start a new run)", link.display())
        );
        assert!(open_read(&link).is_err());
        // A temporary name held by a link is replaced, the victim untouched.
        write_atomic(&dir.path().join("final"), b"new").unwrap();
        std::os::unix::fs::symlink(&victim, temp_sibling(&dir.path().join("final"))).unwrap();
        write_atomic(&dir.path().join("final"), b"newer").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(std::fs::read_to_string(dir.path().join("final")).unwrap(), "newer");
        assert!(matches!(refuse_links(dir.path()), Err(RunDirError::Link(p)) if p == link));
    }
}
