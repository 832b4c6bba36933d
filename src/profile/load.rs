//! Reading profile files and directories: find the files, read them (bounded
//! size, UTF-8), parse (YAML or TOML by extension), check each file, then merge
//! them ([`super::resolve`]). Every problem of every file is collected.

use super::check::{document, tenant, Checker};
use super::diagnostic::{Diagnostic, Location};
use super::model::Profile;
use super::resolve::{resolve, Checked};
use super::syntax::yaml_stream::{self, TenantSink};
use super::syntax::{toml_tree, Node, Pos, Source};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Files larger than this are refused before being read.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Why profiles failed to load. `Display` is the full user-facing report.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{report}")]
pub struct LoadError {
    /// Each problem, rendered (source excerpt included).
    pub problems: Vec<String>,
    /// Each problem, structured.
    pub diagnostics: Vec<Diagnostic>,
    report: String,
}

impl LoadError {
    pub fn new(diagnostics: Vec<Diagnostic>) -> Self {
        let problems: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
        let count = problems.len();
        let mut report = problems.join("\n");
        report.push_str(&format!("\n{count} problem{} found", if count == 1 { "" } else { "s" }));
        LoadError { problems, diagnostics, report }
    }
}

/// Load profile files and/or directories (not recursive) into one merged [`Profile`].
pub fn load(paths: &[PathBuf]) -> Result<Profile, LoadError> {
    let mut diags = Vec::new();
    let files = profile_files(paths, &mut diags);
    load_files(&files, diags)
}

/// Stack for the loading thread: parsers recurse per nesting level, and callers
/// may be on small-stack threads (tokio workers, tests); nesting is bounded
/// (64 levels) so this is far more than any input can use.
const LOADER_STACK: usize = 64 * 1024 * 1024;

/// Load exactly these files as one profile; `diags` are problems found earlier.
pub fn load_files(files: &[PathBuf], diags: Vec<Diagnostic>) -> Result<Profile, LoadError> {
    load_files_based(files, None, diags)
}

/// Load copies of profile files (a run's `profile/`) whose relative references
/// (secret files, certificates, `ca_file`) resolve against `bases[i]`, the folder the
/// original file `files[i]` was in, rather than against the copy's folder.
pub fn load_copies(files: &[PathBuf], bases: &[PathBuf]) -> Result<Profile, LoadError> {
    load_files_based(files, Some(bases), Vec::new())
}

fn load_files_based(
    files: &[PathBuf],
    bases: Option<&[PathBuf]>,
    diags: Vec<Diagnostic>,
) -> Result<Profile, LoadError> {
    let loaded = std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("profile-loader".into())
            .stack_size(LOADER_STACK)
            .spawn_scoped(scope, || load_files_here(files, bases, diags));
        match worker {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                Err(LoadError::new(vec![Diagnostic::new(
                    Location::file(files.first().map(PathBuf::as_path).unwrap_or(Path::new("."))),
                    "internal error while loading the profile",
                )]))
            }),
            Err(e) => Err(LoadError::new(vec![Diagnostic::new(
                Location::file(Path::new(".")),
                format!("cannot start the profile loader: {e}"),
            )])),
        }
    });
    // The syntax trees were freed on the loader's thread, into its own arena: give
    // those pages back rather than carry them through the run (`crate::heap`).
    crate::heap::release_free_memory();
    loaded
}

fn load_files_here(
    files: &[PathBuf],
    bases: Option<&[PathBuf]>,
    mut diags: Vec<Diagnostic>,
) -> Result<Profile, LoadError> {
    let outcomes = read_and_check_all(files, bases);
    let mut hasher = Sha256::new();
    let mut checked = Vec::new();
    for (file, outcome) in files.iter().zip(outcomes) {
        let (source, decl, file_diags) = match outcome {
            FileOutcome::Unreadable(d) => {
                diags.push(*d);
                continue;
            }
            FileOutcome::Parsed { source, decl, diags } => (source, decl, diags),
        };
        // File names (not paths) and contents: the same profile checked out in
        // different places, e.g. on each shard's machine, has the same digest.
        hasher.update(file.file_name().map(|n| n.to_string_lossy()).unwrap_or_default().as_bytes());
        hasher.update([0]);
        hasher.update(source.text.as_bytes());
        hasher.update([0]);
        diags.extend(file_diags);
        match decl {
            Some(decl) => checked.push(Checked { source, decl: *decl }),
            None => continue,
        }
    }
    // Cross-file checks need every file parsed; they run even when files have
    // their own errors, so one run reports everything.
    if checked.len() < files.len() {
        return Err(LoadError::new(sorted(diags, files)));
    }
    let digest = format!("sha256:{:x}", hasher.finalize());
    match resolve(checked, digest) {
        Ok(profile) if diags.is_empty() => Ok(profile),
        Ok(_) => Err(LoadError::new(sorted(diags, files))),
        Err(more) => {
            diags.extend(more);
            Err(LoadError::new(sorted(diags, files)))
        }
    }
}

/// What reading, parsing and checking one file gave.
enum FileOutcome {
    Unreadable(Box<Diagnostic>),
    /// Read; `decl` is `None` when the file does not parse (its syntax errors are in `diags`).
    Parsed {
        source: Source,
        decl: Option<Box<super::check::FileDecl>>,
        diags: Vec<Diagnostic>,
    },
}

/// Read, parse and check each file on its own, in load order. Files are independent
/// until they are merged, so a folder of many files is shared among the machine's
/// cores (a pool whose threads have the loader's stack); one file stays on this thread.
fn read_and_check_all(files: &[PathBuf], bases: Option<&[PathBuf]>) -> Vec<FileOutcome> {
    let one = |(index, file): (usize, &PathBuf)| read_and_check(file, index, bases);
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(files.len());
    // One file, one core, or no threads to be had: load on this thread.
    let pool = (threads > 1)
        .then(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .stack_size(LOADER_STACK)
                .thread_name(|i| format!("profile-loader-{i}"))
                .build()
                .ok()
        })
        .flatten();
    match pool {
        Some(pool) => pool.install(|| {
            use rayon::prelude::*;
            files.par_iter().enumerate().map(one).collect()
        }),
        None => files.iter().enumerate().map(one).collect(),
    }
}

fn read_and_check(file: &Path, index: usize, bases: Option<&[PathBuf]>) -> FileOutcome {
    let source = match read_source(file) {
        Ok(s) => s,
        Err(d) => return FileOutcome::Unreadable(d),
    };
    let mut ck = Checker::new(&source);
    // A YAML file's `tenants:` entries are checked as they are read and never kept as
    // a tree (`syntax::yaml_stream`); a syntax error discards what they reported.
    let mut streamed = Vec::new();
    let parsed = parse(&source, &mut |i, node| {
        streamed.extend(tenant::tenant(&mut ck, &node, &format!("tenants[{i}]")));
    });
    let root = match parsed {
        Ok(root) => root,
        Err(errors) => return FileOutcome::Parsed { source, decl: None, diags: errors },
    };
    let base = match bases.and_then(|b| b.get(index)) {
        Some(base) => base.clone(),
        None => file.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let mut decl = document::check(&mut ck, &root, &base);
    match decl.tenants.is_empty() {
        true => decl.tenants = streamed,
        false => decl.tenants.append(&mut streamed),
    }
    let mut diags = std::mem::take(&mut ck.diags);
    diags.sort_by_key(|d| d.location.pos.map(|p| (p.line, p.col)));
    FileOutcome::Parsed { source, decl: Some(Box::new(decl)), diags }
}

/// Order problems by file (load order), then line and column.
fn sorted(mut diags: Vec<Diagnostic>, files: &[PathBuf]) -> Vec<Diagnostic> {
    let order: std::collections::HashMap<&Path, usize> =
        files.iter().enumerate().map(|(i, f)| (f.as_path(), i + 1)).collect();
    diags.sort_by_key(|d| {
        let file = order.get(d.location.file.as_path()).copied().unwrap_or(0);
        (file, d.location.pos.map(|p| (p.line, p.col)))
    });
    diags
}

/// Whether a path names a profile file by its extension.
pub fn is_profile_file(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "toml"))
}

/// The profile files directly in `dir` (not hidden), sorted by name.
pub fn files_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| {
            let p = e.path();
            is_profile_file(&p)
                && !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'))
                // The folder listing says what each entry is; only a link needs a stat.
                && match e.file_type() {
                    Ok(t) if t.is_symlink() => p.is_file(),
                    Ok(t) => t.is_file(),
                    Err(_) => p.is_file(),
                }
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    Ok(found)
}

/// Expand arguments: a file stands for itself, a directory for its profile files.
pub fn profile_files(paths: &[PathBuf], diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            match files_in(path) {
                Ok(found) if found.is_empty() => {
                    let mut d = Diagnostic::new(
                        Location::file(path),
                        "no profile files (.yaml, .yml, .toml) in this folder",
                    );
                    let sub = profile_folders(path);
                    if let Some(first) = sub.first() {
                        d.set_hint(format!(
                            "it holds profile folders; pass one of them, e.g. {}",
                            first.display()
                        ));
                    }
                    diags.push(d);
                }
                Ok(found) => files.extend(found),
                Err(e) => {
                    diags.push(Diagnostic::new(Location::file(path), format!("cannot read folder: {e}")))
                }
            }
        } else {
            files.push(path.clone());
        }
    }
    files
}

/// Subfolders of `dir` (recursively, at most 3 levels) that hold profile files,
/// each a profile of its own; used by `validate` on a folder of profiles.
pub fn profile_folders(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut subdirs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_dir() && !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'))
            })
            .collect();
        subdirs.sort();
        for sub in subdirs {
            if files_in(&sub).is_ok_and(|f| !f.is_empty()) {
                out.push(sub);
            } else if depth < 3 {
                walk(&sub, depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, 1, &mut out);
    out
}

trait WithHint {
    fn with_hint(self, hint: &str) -> Self;
}

impl WithHint for Box<Diagnostic> {
    fn with_hint(mut self, hint: &str) -> Self {
        self.set_hint(hint);
        self
    }
}

/// Read a file as UTF-8 text, refusing huge and binary files with a located message.
pub fn read_source(path: &Path) -> Result<Source, Box<Diagnostic>> {
    let whole = |msg: String| Box::new(Diagnostic::new(Location::file(path), msg));
    let meta = std::fs::metadata(path).map_err(|e| whole(format!("cannot read profile: {e}")))?;
    if meta.is_dir() {
        return Err(whole("is a folder, not a profile file".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(whole(format!(
            "profile file is {} MiB; the limit is {} MiB",
            meta.len() / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        ))
        .with_hint("split it into several files in one folder; a folder is merged"));
    }
    if !is_profile_file(path) {
        return Err(whole("not a profile file".into()).with_hint("profiles end in .yaml, .yml or .toml"));
    }
    let bytes = std::fs::read(path).map_err(|e| whole(format!("cannot read profile: {e}")))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").map(<[u8]>::to_vec).unwrap_or(bytes);
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source::new(path.to_path_buf(), text)),
        Err(e) => {
            let good = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..good]).into_owned();
            let line = prefix.matches('\n').count() + 1;
            let col = prefix.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let source = Source::new(path.to_path_buf(), lossy);
            Err(Box::new(
                Diagnostic::at(&source, Pos::new(line, col, 1), "the file is not UTF-8 text")
                    .hint("profiles are UTF-8 YAML or TOML; is this a binary file?"),
            ))
        }
    }
}

/// Parse by extension: `.toml` is TOML, anything else YAML, whose top-level `tenants:`
/// entries go to `on_tenant` (a TOML file's stay in the tree).
fn parse(source: &Source, on_tenant: &mut TenantSink<'_>) -> Result<Node, Vec<Diagnostic>> {
    let is_toml = source.path.extension().and_then(|e| e.to_str()) == Some("toml");
    if is_toml {
        toml_tree::parse(&source.text, &source.lines).map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let mut d = syntax_diag(source, e.pos, format!("invalid TOML: {}", e.message));
                    if e.message.starts_with("nesting is deeper") {
                        d.hint = Some("a profile needs at most a few levels".into());
                    }
                    d
                })
                .collect()
        })
    } else {
        yaml_stream::parse_streaming(&source.text, on_tenant).map_err(|e| {
            let mut d = syntax_diag(source, e.pos, format!("invalid YAML: {}", e.message));
            d.hint = e.hint;
            vec![d]
        })
    }
}

fn syntax_diag(source: &Source, pos: Option<Pos>, message: String) -> Diagnostic {
    match pos {
        Some(pos) => Diagnostic::at(source, pos, message),
        None => Diagnostic::new(Location::file(&source.path), message),
    }
}
