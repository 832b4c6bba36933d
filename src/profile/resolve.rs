//! The cross-file pass: merge the checked files of one profile, report names
//! defined twice (naming both places) and references to names that do not
//! exist (pointing at the reference), and apply defaults.

use super::builtin_identity;
use super::check::{FileDecl, Sp};
use super::diagnostic::{did_you_mean, Diagnostic, Location};
use super::model::{CommandList, Defaults, Identity, Profile, Step, Tenant};
use super::syntax::Source;
use crate::environment::{self, Environment};
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod sources;

/// One checked file.
pub struct Checked {
    pub source: Source,
    pub decl: FileDecl,
}

/// Where a name was first defined: (file index, position).
type Origin = (usize, super::syntax::Pos);

struct Resolver<'a> {
    files: &'a [Checked],
    diags: Vec<Diagnostic>,
    /// Names written anywhere, valid or not (see `FileDecl::written`).
    written_envs: BTreeSet<String>,
    written_ids: BTreeSet<String>,
}

impl Resolver<'_> {
    fn at(&self, file: usize, pos: super::syntax::Pos, message: String) -> Diagnostic {
        Diagnostic::at(&self.files[file].source, pos, message)
    }

    fn twice(&mut self, what: &str, name: &str, first: Origin, again: Origin) {
        let note = Location::at(&self.files[first.0].source, first.1);
        let d = self
            .at(again.0, again.1, format!("{what} `{name}` is defined twice"))
            .note("first defined here", note)
            .hint(format!("names must be unique across all merged files; remove or rename one {what}"));
        self.diags.push(d);
    }

    fn unknown(&mut self, what: &str, name: &Sp<String>, file: usize, known: &[&str], extra: &str) {
        let written = match what {
            "environment" => &self.written_envs,
            _ => &self.written_ids,
        };
        if written.contains(&name.value) && !known.contains(&name.value.as_str()) {
            // Its definition has an error of its own, already reported.
            return;
        }
        let candidates = known.iter().copied().chain(written.iter().map(String::as_str));
        let hint = match did_you_mean(&name.value, candidates) {
            Some(m) => format!("did you mean `{m}`?"),
            None if known.is_empty() => format!("no {what} is defined; declare it under `{extra}`"),
            None if known.len() > 8 => {
                format!("defined: {}, … ({} in all)", known[..8].join(", "), known.len())
            }
            None => format!("defined: {}", known.join(", ")),
        };
        let d = self.at(file, name.pos, format!("unknown {what} `{}`", name.value)).hint(hint);
        self.diags.push(d);
    }
}

/// The tenant entries (file, index) that repeat an earlier entry's id, each reported
/// naming both places. The ids are borrowed from the declarations: a profile of
/// 100,000 tenants does not copy every id into a map of its own.
fn repeated_tenants(
    r: &mut Resolver<'_>,
    declared: &[Vec<super::check::TenantDecl>],
) -> std::collections::HashSet<(usize, usize)> {
    let mut first: HashMap<&str, Origin> = HashMap::with_capacity(declared.iter().map(Vec::len).sum());
    let mut repeated = std::collections::HashSet::new();
    for (i, file_tenants) in declared.iter().enumerate() {
        for (j, t) in file_tenants.iter().enumerate() {
            match first.get(t.id.value.as_str()) {
                Some(&origin) => {
                    r.twice("tenant", &t.id.value, origin, (i, t.id.pos));
                    repeated.insert((i, j));
                }
                None => {
                    first.insert(&t.id.value, (i, t.id.pos));
                }
            }
        }
    }
    repeated
}

/// Merge checked files into a [`Profile`]; every problem is returned.
pub fn resolve(mut files: Vec<Checked>, digest: String) -> Result<Profile, Vec<Diagnostic>> {
    // Each file's tenant declarations are consumed as their tenants are made (below): a
    // profile of 100,000 tenants never holds both lists whole.
    let declared: Vec<Vec<super::check::TenantDecl>> =
        files.iter_mut().map(|f| std::mem::take(&mut f.decl.tenants)).collect();
    let mut r = Resolver {
        files: &files,
        diags: Vec::new(),
        written_envs: files.iter().flat_map(|f| f.decl.written.environments.iter().cloned()).collect(),
        written_ids: files.iter().flat_map(|f| f.decl.written.identities.iter().cloned()).collect(),
    };
    let default_identity_written = files.iter().any(|f| f.decl.written.default_identity);

    // defaults: each field may be set by one file only.
    let mut defaults = Defaults::default();
    let mut default_env: Option<(usize, Sp<String>)> = None;
    let mut default_identity: Option<(usize, Sp<String>)> = None;
    let mut seen: HashMap<&str, Origin> = HashMap::new();
    for (i, f) in files.iter().enumerate() {
        let d = &f.decl.defaults;
        let fields = [
            ("environment", d.environment.as_ref().map(|s| s.pos)),
            ("identity", d.identity.as_ref().map(|s| s.pos)),
            ("service", d.service.as_ref().map(|s| s.pos)),
            ("concurrency", d.concurrency.as_ref().map(|s| s.pos)),
            ("timeout", d.timeout.as_ref().map(|s| s.pos)),
            ("step_timeout", d.step_timeout.as_ref().map(|s| s.pos)),
            ("retries", d.retries.as_ref().map(|s| s.pos)),
            ("read_only", d.read_only.as_ref().map(|s| s.pos)),
        ];
        for (field, pos) in fields {
            let Some(pos) = pos else { continue };
            if let Some(first) = seen.get(field).copied() {
                let note = Location::at(&files[first.0].source, first.1);
                let d = r
                    .at(i, pos, format!("`defaults.{field}` is set in more than one file"))
                    .note("first set here", note)
                    .hint("keep defaults in one file (e.g. a shared base) and override per tenant");
                r.diags.push(d);
            } else {
                seen.insert(field, (i, pos));
            }
        }
        if let Some(v) = &d.environment {
            default_env.get_or_insert((i, v.clone()));
        }
        if let Some(v) = &d.identity {
            default_identity.get_or_insert((i, v.clone()));
        }
        if let (Some(v), false) = (&d.service, seen.get("service").is_some_and(|o| o.0 != i)) {
            defaults.service = v.value;
        }
        if let (Some(v), false) = (&d.concurrency, seen.get("concurrency").is_some_and(|o| o.0 != i)) {
            defaults.concurrency = v.value;
        }
        if let (Some(v), false) = (&d.timeout, seen.get("timeout").is_some_and(|o| o.0 != i)) {
            defaults.timeout = v.value;
        }
        if let (Some(v), false) = (&d.step_timeout, seen.get("step_timeout").is_some_and(|o| o.0 != i)) {
            defaults.step_timeout = v.value;
        }
        if let (Some(v), false) = (&d.retries, seen.get("retries").is_some_and(|o| o.0 != i)) {
            defaults.retries = v.value;
        }
        if let (Some(v), false) = (&d.read_only, seen.get("read_only").is_some_and(|o| o.0 != i)) {
            defaults.read_only = v.value;
        }
    }

    // environments: built-ins, then declarations (a declaration may override a built-in once).
    let mut environments: BTreeMap<String, Environment> = environment::builtins();
    let mut env_origin: HashMap<String, Origin> = HashMap::new();
    let mut identities: BTreeMap<String, Identity> = BTreeMap::new();
    let mut id_origin: HashMap<String, Origin> = HashMap::new();
    let mut identity_origins = BTreeMap::new();
    let mut commands: Vec<CommandList> = Vec::new();
    let mut cmd_origin: HashMap<String, Origin> = HashMap::new();
    for (i, f) in files.iter().enumerate() {
        for (name, env) in &f.decl.environments {
            if let Some(first) = env_origin.get(&name.value).copied() {
                r.twice("environment", &name.value, first, (i, name.pos));
                continue;
            }
            env_origin.insert(name.value.clone(), (i, name.pos));
            environments.insert(name.value.clone(), env.clone());
        }
        for (name, kind) in &f.decl.identities {
            if let Some(first) = id_origin.get(&name.value).copied() {
                r.twice("identity", &name.value, first, (i, name.pos));
                continue;
            }
            id_origin.insert(name.value.clone(), (i, name.pos));
            identity_origins.insert(name.value.clone(), Location::at(&f.source, name.pos));
            identities.insert(name.value.clone(), Identity { name: name.value.clone(), kind: kind.clone() });
        }
        for (name, steps) in &f.decl.commands {
            if let Some(first) = cmd_origin.get(&name.value).copied() {
                r.twice("command list", &name.value, first, (i, name.pos));
                continue;
            }
            cmd_origin.insert(name.value.clone(), (i, name.pos));
            let steps = steps
                .iter()
                .map(|s| Step {
                    cmdlet: s.cmdlet.value.clone(),
                    service: s.service.unwrap_or(defaults.service),
                    parameters: s.parameters.clone(),
                    select: s.select.clone(),
                    expect: s.expect.iter().map(|e| e.value.clone()).collect(),
                })
                .collect();
            commands.push(CommandList { name: name.value.clone(), steps });
        }
    }
    let env_names: Vec<String> = environments.keys().cloned().collect();
    let id_names: Vec<String> = identities.keys().cloned().collect();
    let env_known: Vec<&str> = env_names.iter().map(String::as_str).collect();
    let id_known: Vec<&str> = id_names.iter().map(String::as_str).collect();

    let mut default_env_ok = true;
    if let Some((i, name)) = &default_env {
        if environments.contains_key(&name.value) {
            defaults.environment = name.value.clone();
        } else {
            default_env_ok = false;
            r.unknown("environment", name, *i, &env_known, "environments:");
        }
    }
    // The built-in `emulator` identity exists unless the profile declares its own.
    let builtin_identity = !identities.contains_key(builtin_identity::NAME);
    let identity_known =
        |name: &str| identities.contains_key(name) || (builtin_identity && name == builtin_identity::NAME);
    let mut default_id_ok = true;
    if let Some((i, name)) = &default_identity {
        if identity_known(&name.value) {
            defaults.identity = Some(name.value.clone());
        } else {
            default_id_ok = false;
            r.unknown("identity", name, *i, &id_known, "identities:");
        }
    }

    let mut tenants: Vec<Tenant> = Vec::with_capacity(declared.iter().map(Vec::len).sum());
    let repeated = repeated_tenants(&mut r, &declared);
    // What each entry wrote itself matters only to tenant sources' overrides.
    let keep_written = files.iter().any(|f| !f.decl.tenant_sources.is_empty());
    let mut written = BTreeMap::new();
    for (i, file_tenants) in declared.into_iter().enumerate() {
        for (j, t) in file_tenants.into_iter().enumerate() {
            if repeated.contains(&(i, j)) {
                continue;
            }
            if keep_written {
                written.insert(
                    t.id.value.clone(),
                    super::WrittenFields {
                        name: t.name.is_some(),
                        identity: t.identity.is_some(),
                        environment: t.environment.is_some(),
                        anchor_mailbox: t.anchor_mailbox.is_some(),
                        bypass_mailbox_anchoring: t.bypass_mailbox_anchoring,
                    },
                );
            }
            let environment = match &t.environment {
                Some(name) if environments.contains_key(&name.value) => Some(name.value.clone()),
                Some(name) => {
                    r.unknown("environment", name, i, &env_known, "environments:");
                    None
                }
                None => default_env_ok.then(|| defaults.environment.clone()),
            };
            let on_emulator =
                environment.as_ref().and_then(|e| environments.get(e)).is_some_and(|e| e.is_emulator);
            let identity = match &t.identity {
                Some(name) if identity_known(&name.value) => Some(name.value.clone()),
                Some(name) => {
                    r.unknown("identity", name, i, &id_known, "identities:");
                    None
                }
                None if default_identity.is_none() && !default_identity_written && on_emulator => {
                    builtin_identity.then(|| builtin_identity::NAME.to_string())
                }
                None if default_identity.is_none() && !default_identity_written => {
                    // Only now, for the message: it lists the file's folder.
                    let folder = if files.len() == 1 && has_siblings(&files[0].source.path) {
                        "; if this file is part of a folder profile, validate the folder"
                    } else {
                        ""
                    };
                    let d = r.at(i, t.id.pos, format!("tenant `{}` has no identity", t.id.value)).hint_in(
                        format!("set `identity:` on the tenant or `defaults.identity`{folder}"),
                        format!("set `identity = \"...\"` on the tenant or `defaults.identity`{folder}"),
                    );
                    r.diags.push(d);
                    None
                }
                None => default_id_ok.then(|| defaults.identity.clone()).flatten(),
            };
            if let (Some(identity), Some(environment)) = (&identity, &environment) {
                if builtin_identity && identity == builtin_identity::NAME && !on_emulator {
                    let (file, pos) = match (&t.identity, &default_identity) {
                        (Some(name), _) => (i, name.pos),
                        (None, Some((file, name))) => (*file, name.pos),
                        (None, None) => (i, t.id.pos),
                    };
                    let d = r
                        .at(
                            file,
                            pos,
                            format!(
                                "the built-in `emulator` identity is refused on environment `{environment}` \
                                 (tenant `{}`)",
                                t.id.value
                            ),
                        )
                        .hint_in(
                            "its secret is public and only signs in to the built-in emulator; declare an \
                             identity under `identities:` for this environment",
                            "its secret is public and only signs in to the built-in emulator; declare an \
                             identity under `[identities.NAME]` for this environment",
                        );
                    r.diags.push(d);
                    continue;
                }
            }
            if let (Some(identity), Some(environment)) = (identity, environment) {
                tenants.push(Tenant {
                    id: t.id.value,
                    name: t.name,
                    tags: t.tags,
                    identity,
                    environment,
                    anchor_mailbox: t.anchor_mailbox,
                    bypass_mailbox_anchoring: t.bypass_mailbox_anchoring,
                });
            }
        }
    }

    let tenant_sources = r.sources(&sources::Known {
        environments: &environments,
        env_known: &env_known,
        id_known: &id_known,
        identity_known: &identity_known,
        builtin_available: builtin_identity,
        defaults: &defaults,
        default_identity: default_identity.as_ref().map(|(i, n)| (*i, n)),
        default_env_ok,
    });

    let (expect_errors, mut warnings) = super::check::expect_refs::cross_check(&files);
    warnings.extend(super::check::enum_values::warnings(&files));
    warnings.extend(super::check::cmdlet_names::warnings(&files));
    r.diags.extend(expect_errors);
    if !r.diags.is_empty() {
        return Err(r.diags);
    }
    let source_uses_builtin = tenant_sources.iter().any(|s| {
        s.tenant_defaults.identity == builtin_identity::NAME
            || matches!(&s.kind, super::SourceKind::Gdap { identity, .. } | super::SourceKind::Contracts { identity, .. } if identity == builtin_identity::NAME)
    });
    if builtin_identity
        && (source_uses_builtin || tenants.iter().any(|t| t.identity == builtin_identity::NAME))
    {
        identities.insert(builtin_identity::NAME.into(), builtin_identity::identity());
    }
    let sources = files.iter().map(|f| f.source.path.clone()).collect();
    let exemptions = files.iter().flat_map(|f| f.decl.exemptions.iter().map(|x| x.value.clone())).collect();
    Ok(Profile {
        environments,
        identities,
        identity_origins,
        defaults,
        tenants,
        tenant_sources,
        written,
        commands,
        exemptions,
        warnings,
        sources,
        digest,
    })
}

/// Whether other profile files sit next to `path` (it may be one part of a folder profile).
fn has_siblings(path: &std::path::Path) -> bool {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else { return false };
    super::load_files_in(dir).is_ok_and(|files| files.iter().any(|f| f.file_name() != path.file_name()))
}
