//! Profile-level warnings about identities, known before anything is contacted: a managed
//! identity signs in only to its own tenant, so a profile that gives it several tenants
//! (or an access token, which has one tenant and one audience) will fail for all but one.

use crate::profile::{IdentityKind, Profile};
use std::collections::BTreeMap;

/// One line per problem, naming the identity and its tenants.
pub fn profile_warnings(profile: &Profile) -> Vec<String> {
    let mut by_identity: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for t in &profile.tenants {
        by_identity.entry(t.identity.as_str()).or_default().push(t.id.as_str());
    }
    let mut out = Vec::new();
    for (name, tenants) in by_identity {
        let Some(identity) = profile.identity(name) else { continue };
        if tenants.len() < 2 {
            continue;
        }
        let shown = if tenants.len() > 5 {
            format!("{}, … ({} tenants)", tenants[..5].join(", "), tenants.len())
        } else {
            tenants.join(", ")
        };
        match &identity.kind {
            IdentityKind::ManagedIdentity { .. } => out.push(format!(
                "identity `{name}` is a managed identity, which signs in only to its own tenant, but several \
                 tenants use it: {shown} (hint: give the other tenants a certificate, client_secret or \
                 refresh_token identity)"
            )),
            IdentityKind::AccessToken { .. } => out.push(format!(
                "identity `{name}` is a handed-in access token, valid for one tenant and one service, but several \
                 tenants use it: {shown}"
            )),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Identity, Tenant};

    fn tenant(id: &str, identity: &str) -> Tenant {
        Tenant {
            id: id.into(),
            name: None,
            tags: vec![],
            identity: identity.into(),
            environment: "commercial".into(),
            anchor_mailbox: None,
            bypass_mailbox_anchoring: false,
        }
    }

    #[test]
    fn a_managed_identity_for_several_tenants_is_flagged() {
        let mut profile = Profile {
            environments: crate::environment::builtins(),
            identities: Default::default(),
            identity_origins: Default::default(),
            defaults: Default::default(),
            tenants: vec![tenant("a.example", "msi"), tenant("b.example", "msi"), tenant("c.example", "app")],
            tenant_sources: vec![],
            written: Default::default(),
            commands: vec![],
            exemptions: vec![],
            warnings: vec![],
            sources: vec![],
            digest: String::new(),
        };
        for (name, kind) in [
            ("msi", IdentityKind::ManagedIdentity { client_id: None }),
            ("app", IdentityKind::ManagedIdentity { client_id: None }),
        ] {
            profile.identities.insert(name.into(), Identity { name: name.into(), kind });
        }
        let w = profile_warnings(&profile);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("`msi`") && w[0].contains("a.example, b.example"), "{}", w[0]);
    }
}
