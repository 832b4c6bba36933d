//! Reading profile files and directories and resolving them into a [`Profile`].
//!
//! NOTE: this first loader uses plain serde errors; the diagnostics pass
//! (every problem as FILE:LINE:COL with a caret) replaces its error reporting.

use super::document::{IdentityDoc, ProfileDocument, SecretDoc, StepDoc};
use super::duration::parse_duration;
use super::model::*;
use super::secret::SecretRef;
use crate::environment;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Why profiles failed to load; `Display` is the full user-facing report.
#[derive(Debug, thiserror::Error)]
#[error("{report}")]
pub struct LoadError {
    /// One line (or block) per problem.
    pub problems: Vec<String>,
    report: String,
}

impl LoadError {
    fn new(problems: Vec<String>) -> Self {
        let report = problems.join("\n");
        LoadError { problems, report }
    }
}

/// Load profile files and/or directories (not recursive) into one [`Profile`].
pub fn load(paths: &[PathBuf]) -> Result<Profile, LoadError> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        if path.is_dir() {
            match std::fs::read_dir(path) {
                Ok(entries) => {
                    let mut found: Vec<PathBuf> = entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.is_file() && is_profile_file(p))
                        .collect();
                    found.sort();
                    if found.is_empty() {
                        problems.push(format!(
                            "{}: no profile files (.yaml, .yml, .toml) in this folder",
                            path.display()
                        ));
                    }
                    files.extend(found);
                }
                Err(e) => problems.push(format!("{}: {e}", path.display())),
            }
        } else {
            files.push(path.clone());
        }
    }
    let mut docs = Vec::new();
    let mut hasher = Sha256::new();
    for file in &files {
        match std::fs::read_to_string(file) {
            Ok(text) => {
                hasher.update(file.to_string_lossy().as_bytes());
                hasher.update([0]);
                hasher.update(text.as_bytes());
                match parse_document(file, &text) {
                    Ok(doc) => docs.push((file.clone(), doc)),
                    Err(e) => problems.push(e),
                }
            }
            Err(e) => problems.push(format!("{}: {e}", file.display())),
        }
    }
    if !problems.is_empty() {
        return Err(LoadError::new(problems));
    }
    let digest = format!("sha256:{:x}", hasher.finalize());
    resolve(docs, files, digest).map_err(LoadError::new)
}

fn is_profile_file(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "toml"))
}

fn parse_document(file: &Path, text: &str) -> Result<ProfileDocument, String> {
    let is_toml = file.extension().and_then(|e| e.to_str()) == Some("toml");
    if is_toml {
        toml::from_str(text).map_err(|e| format!("{}: {e}", file.display()))
    } else {
        serde_saphyr::from_str(text).map_err(|e| format!("{}: {e}", file.display()))
    }
}

fn resolve(
    docs: Vec<(PathBuf, ProfileDocument)>,
    sources: Vec<PathBuf>,
    digest: String,
) -> Result<Profile, Vec<String>> {
    let mut problems = Vec::new();
    let mut environments = environment::builtins();
    let mut identities = std::collections::BTreeMap::new();
    let mut defaults = Defaults::default();
    let mut raw_tenants = Vec::new();
    let mut commands: Vec<CommandList> = Vec::new();
    let mut default_service = Service::Compliance;

    // Defaults first so steps can take the default service.
    for (file, doc) in &docs {
        if doc.version != 1 {
            problems.push(format!(
                "{}: unsupported version {} (hint: use `version: 1`)",
                file.display(),
                doc.version
            ));
        }
        if let Some(d) = &doc.defaults {
            if let Some(v) = &d.environment {
                defaults.environment = v.clone();
            }
            if d.identity.is_some() {
                defaults.identity = d.identity.clone();
            }
            if let Some(v) = d.service {
                defaults.service = v;
                default_service = v;
            }
            if let Some(v) = d.concurrency {
                defaults.concurrency = v;
            }
            if let Some(v) = &d.timeout {
                match parse_duration(v) {
                    Ok(t) => defaults.timeout = t,
                    Err(e) => problems.push(format!("{}: defaults.timeout: {e}", file.display())),
                }
            }
            if let Some(v) = d.retries {
                defaults.retries = v;
            }
            if let Some(v) = d.read_only {
                defaults.read_only = v;
            }
        }
    }

    for (file, doc) in docs {
        let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
        for (name, env) in doc.environments {
            match environment::Environment::from_doc(&name, &env, &base) {
                Ok(e) => {
                    environments.insert(name, e);
                }
                Err(e) => problems.push(format!("{}: environments.{name}: {e}", file.display())),
            }
        }
        for (name, id) in doc.identities {
            if identities.contains_key(&name) {
                problems.push(format!("{}: identity `{name}` is defined twice", file.display()));
            }
            identities.insert(name.clone(), Identity { name: name.clone(), kind: identity_kind(id, &base) });
        }
        for t in doc.tenants {
            raw_tenants.push((file.clone(), t));
        }
        for (name, steps) in doc.commands {
            if commands.iter().any(|c| c.name == name) {
                problems.push(format!("{}: command list `{name}` is defined twice", file.display()));
            }
            let steps = steps
                .into_iter()
                .map(|s| match s {
                    StepDoc::Name(cmdlet) => Step {
                        cmdlet,
                        service: default_service,
                        parameters: Default::default(),
                        select: vec![],
                    },
                    StepDoc::Full(s) => Step {
                        cmdlet: s.cmdlet,
                        service: s.service.unwrap_or(default_service),
                        parameters: s.parameters,
                        select: s.select,
                    },
                })
                .collect();
            commands.push(CommandList { name, steps });
        }
    }

    let mut tenants: Vec<Tenant> = Vec::new();
    for (file, t) in raw_tenants {
        let id = t.id.trim().to_ascii_lowercase();
        if tenants.iter().any(|x| x.id == id) {
            problems.push(format!("{}: tenant `{id}` is defined twice", file.display()));
            continue;
        }
        let identity = match t.identity.or_else(|| defaults.identity.clone()) {
            Some(i) => i,
            None => {
                problems.push(format!(
                    "{}: tenant `{id}` has no identity and there is no defaults.identity",
                    file.display()
                ));
                continue;
            }
        };
        if !identities.contains_key(&identity) {
            problems.push(format!("{}: tenant `{id}`: unknown identity `{identity}`", file.display()));
        }
        let environment = t.environment.unwrap_or_else(|| defaults.environment.clone());
        if !environments.contains_key(&environment) {
            problems.push(format!("{}: tenant `{id}`: unknown environment `{environment}`", file.display()));
        }
        tenants.push(Tenant {
            id,
            name: t.name,
            tags: t.tags,
            identity,
            environment,
            anchor_mailbox: t.anchor_mailbox,
            bypass_mailbox_anchoring: t.bypass_mailbox_anchoring.unwrap_or(false),
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Profile { environments, identities, defaults, tenants, commands, sources, digest })
}

fn secret(doc: SecretDoc, base: &Path) -> SecretRef {
    match doc {
        SecretDoc::Env(name) => SecretRef::Env(name),
        SecretDoc::File(path) => SecretRef::File(base.join(path)),
    }
}

fn identity_kind(doc: IdentityDoc, base: &Path) -> IdentityKind {
    let public = || EXO_POWERSHELL_CLIENT_ID.to_string();
    match doc {
        IdentityDoc::Certificate { client_id, certificate } => IdentityKind::Certificate {
            client_id,
            certificate: CertificateSource {
                path: base.join(certificate.path),
                key: certificate.key.map(|k| base.join(k)),
                password: certificate.password.map(|p| secret(p, base)),
            },
        },
        IdentityDoc::ClientSecret { client_id, client_secret } => {
            IdentityKind::ClientSecret { client_id, client_secret: secret(client_secret, base) }
        }
        IdentityDoc::RefreshToken { client_id, refresh_token, user_principal_name } => {
            IdentityKind::RefreshToken {
                client_id: client_id.unwrap_or_else(public),
                refresh_token: secret(refresh_token, base),
                user_principal_name,
            }
        }
        IdentityDoc::DeviceCode { client_id, user_principal_name, tenant } => IdentityKind::DeviceCode {
            client_id: client_id.unwrap_or_else(public),
            user_principal_name,
            tenant: tenant.unwrap_or_else(|| "organizations".into()),
        },
        IdentityDoc::Password { client_id, user_principal_name, password } => IdentityKind::Password {
            client_id: client_id.unwrap_or_else(public),
            user_principal_name,
            password: secret(password, base),
        },
        IdentityDoc::ManagedIdentity { client_id } => IdentityKind::ManagedIdentity { client_id },
        IdentityDoc::AccessToken { token } => IdentityKind::AccessToken { token: secret(token, base) },
    }
}
