//! Every identity's secrets read once, before anything is contacted (SPEC §2): an
//! unset variable, a missing secret file or an unreadable certificate is the same
//! for every tenant of the identity, so it is one problem of the whole run (exit 2,
//! zero requests), not a failure per tenant.

use super::certificate::CertificateCredential;
use super::refresh_store::RefreshStore;
use crate::profile::diagnostic::{Diagnostic, Location};
use crate::profile::{IdentityKind, Profile, SecretRef, Tenant};
use std::collections::BTreeMap;
use std::path::Path;

/// Check the secrets of the identities `tenants` use; one diagnostic per identity
/// whose secrets cannot be read, located at the identity's definition.
/// `cache_dir` is the refresh-token cache: a cached token makes the profile's optional.
pub fn check_secrets(profile: &Profile, tenants: &[&Tenant], cache_dir: Option<&Path>) -> Vec<Diagnostic> {
    let mut users: BTreeMap<&str, Vec<&Tenant>> = BTreeMap::new();
    for t in tenants {
        users.entry(t.identity.as_str()).or_default().push(t);
    }
    let refresh = RefreshStore::new(cache_dir.map(Path::to_path_buf));
    let mut problems = Vec::new();
    for (name, tenants) in users {
        let Some(identity) = profile.identity(name) else { continue };
        let problem = match &identity.kind {
            IdentityKind::ClientSecret { client_secret: s, .. } => read(s, "client secret"),
            IdentityKind::Password { password: s, .. } => read(s, "password"),
            IdentityKind::AccessToken { token: s } => read(s, "access token"),
            IdentityKind::Certificate { certificate, .. } => CertificateCredential::load(certificate).err(),
            IdentityKind::RefreshToken { refresh_token: s, .. } => read(s, "refresh token").filter(|_| {
                // A token cached by an earlier run or `tenantrun login` is used first.
                !tenants.iter().any(|t| {
                    profile
                        .environment(&t.environment)
                        .is_some_and(|env| refresh.get(&RefreshStore::key(identity, env)).is_some())
                })
            }),
            IdentityKind::DeviceCode { .. } | IdentityKind::ManagedIdentity { .. } => None,
        };
        let Some(problem) = problem else { continue };
        let location = profile.identity_origins.get(name).cloned().unwrap_or_else(|| {
            Location::file(profile.sources.first().map(|p| p.as_path()).unwrap_or(Path::new(".")))
        });
        let count = tenants.len();
        let shown: Vec<&str> = tenants.iter().take(3).map(|t| t.id.as_str()).collect();
        let more = if count > 3 { ", …" } else { "" };
        // A partner admin without a token yet signs in once instead.
        let login = match identity.kind {
            IdentityKind::RefreshToken { .. } => format!(
                "; run `tenantrun login PROFILE --identity {name}` once on this machine \
                 (device-code sign-in; the refresh token is cached)"
            ),
            _ => String::new(),
        };
        problems.push(Diagnostic::new(location, format!("identity `{name}`: {problem}")).hint(format!(
            "{count} selected tenant{} as `{name}` ({}{more}); nothing was contacted{login}",
            if count == 1 { " signs in" } else { "s sign in" },
            shown.join(", ")
        )));
    }
    problems
}

fn read(secret: &SecretRef, what: &str) -> Option<String> {
    secret.resolve().err().map(|e| format!("cannot read the {what}: {e}"))
}
