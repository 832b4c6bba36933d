//! The cross-file pass over `tenant_sources:`: names defined twice, references to
//! identities and environments, the Graph URL of the environment a source reads, and
//! the identity its tenants get (`tenant_defaults`, else `defaults.identity`, else the
//! built-in `emulator` identity on the emulator).

use super::{Origin, Resolver};
use crate::environment::Environment;
use crate::profile::builtin_identity;
use crate::profile::check::source::{SourceDecl, SourceKindDecl};
use crate::profile::check::Sp;
use crate::profile::diagnostic::Location;
use crate::profile::model::Defaults;
use crate::profile::tenant_source::{SourceKind, SourceTenantDefaults, TenantSource};
use std::collections::{BTreeMap, HashMap};

/// What the sources pass needs from the rest of the profile.
pub(super) struct Known<'a> {
    pub environments: &'a BTreeMap<String, Environment>,
    pub env_known: &'a [&'a str],
    pub id_known: &'a [&'a str],
    pub identity_known: &'a dyn Fn(&str) -> bool,
    pub builtin_available: bool,
    pub defaults: &'a Defaults,
    /// `defaults.identity` as written (file, name), when it is.
    pub default_identity: Option<(usize, &'a Sp<String>)>,
    pub default_env_ok: bool,
}

impl Resolver<'_> {
    /// Resolve every file's sources, in load order.
    pub(super) fn sources(&mut self, known: &Known<'_>) -> Vec<TenantSource> {
        let mut out = Vec::new();
        let mut origin: HashMap<String, Origin> = HashMap::new();
        let files = self.files;
        for (i, f) in files.iter().enumerate() {
            for decl in &f.decl.tenant_sources {
                if let Some(first) = origin.get(&decl.name.value).copied() {
                    self.twice("tenant source", &decl.name.value, first, (i, decl.name.pos));
                    continue;
                }
                origin.insert(decl.name.value.clone(), (i, decl.name.pos));
                if let Some(source) = self.source(i, decl, known) {
                    out.push(source);
                }
            }
        }
        out
    }

    fn environment_ref(&mut self, i: usize, name: Option<&Sp<String>>, known: &Known<'_>) -> Option<String> {
        match name {
            Some(n) if known.environments.contains_key(&n.value) => Some(n.value.clone()),
            Some(n) => {
                self.unknown("environment", n, i, known.env_known, "environments:");
                None
            }
            None => known.default_env_ok.then(|| known.defaults.environment.clone()),
        }
    }

    /// An identity reference; without one, `fallback` (the profile default, else the
    /// built-in identity on the emulator). `what` names the use in messages.
    fn identity_ref(
        &mut self,
        i: usize,
        name: Option<&Sp<String>>,
        environment: &str,
        known: &Known<'_>,
        what: &str,
        decl: &SourceDecl,
    ) -> Option<String> {
        let on_emulator = known.environments.get(environment).is_some_and(|e| e.is_emulator);
        let (identity, pos) = match name {
            Some(n) if (known.identity_known)(&n.value) => (n.value.clone(), n.pos),
            Some(n) => {
                self.unknown("identity", n, i, known.id_known, "identities:");
                return None;
            }
            None => match (&known.defaults.identity, known.default_identity) {
                (Some(d), Some((_, sp))) => (d.clone(), sp.pos),
                (None, Some(_)) => return None, // reported where `defaults.identity` is written
                _ if on_emulator && known.builtin_available => {
                    (builtin_identity::NAME.to_string(), decl.name.pos)
                }
                _ => {
                    let d = self
                        .at(
                            i,
                            decl.name.pos,
                            format!("tenant source `{}` has no identity for {what}", decl.name.value),
                        )
                        .hint(match what {
                            "Microsoft Graph" => {
                                "set `identity:` on the source (it signs in to `partner_tenant`)"
                            }
                            _ => "set `tenant_defaults.identity` on the source or `defaults.identity`",
                        });
                    self.diags.push(d);
                    return None;
                }
            },
        };
        if known.builtin_available && identity == builtin_identity::NAME && !on_emulator {
            let d = self
                .at(
                    i,
                    pos,
                    format!(
                        "the built-in `emulator` identity is refused on environment `{environment}` (tenant source `{}`)",
                        decl.name.value
                    ),
                )
                .hint("its secret is public and only signs in to the built-in emulator; declare an identity under `identities:`");
            self.diags.push(d);
            return None;
        }
        Some(identity)
    }

    fn source(&mut self, i: usize, decl: &SourceDecl, known: &Known<'_>) -> Option<TenantSource> {
        let environment = self.environment_ref(i, decl.environment.as_ref(), known);
        let tenant_env = match &decl.tenant_defaults.environment {
            Some(_) => self.environment_ref(i, decl.tenant_defaults.environment.as_ref(), known),
            None => environment.clone(),
        };
        let environment = environment?;
        if decl.kind.reads_graph() && known.environments.get(&environment).is_some_and(|e| e.graph.is_none())
        {
            let pos = decl.environment.as_ref().map(|e| e.pos).unwrap_or(decl.name.pos);
            let d = self
                .at(
                    i,
                    pos,
                    format!(
                        "tenant source `{}` reads Microsoft Graph, but environment `{environment}` declares no `graph` URL",
                        decl.name.value
                    ),
                )
                .hint("add `graph:` (and `resource_graph:` if its token audience differs) to the environment");
            self.diags.push(d);
            return None;
        }
        let graph_identity = match decl.kind.identity() {
            Some(name) => self.identity_ref(i, Some(name), &environment, known, "Microsoft Graph", decl),
            None if decl.kind.reads_graph() => {
                self.identity_ref(i, None, &environment, known, "Microsoft Graph", decl)
            }
            None => Some(String::new()),
        };
        let tenant_env = tenant_env?;
        let tenant_identity = self.identity_ref(
            i,
            decl.tenant_defaults.identity.as_ref(),
            &tenant_env,
            known,
            "its tenants",
            decl,
        );
        let kind = match &decl.kind {
            SourceKindDecl::Gdap { partner_tenant, require_roles, include_mlt, .. } => SourceKind::Gdap {
                identity: graph_identity?,
                partner_tenant: partner_tenant.clone(),
                require_roles: require_roles.clone(),
                include_mlt: *include_mlt,
            },
            SourceKindDecl::Contracts { partner_tenant, .. } => {
                SourceKind::Contracts { identity: graph_identity?, partner_tenant: partner_tenant.clone() }
            }
            SourceKindDecl::File { path } => SourceKind::File { path: path.clone() },
        };
        Some(TenantSource {
            name: decl.name.value.clone(),
            kind,
            environment,
            tags: decl.tags.clone(),
            tenant_defaults: SourceTenantDefaults {
                identity: tenant_identity?,
                environment: tenant_env,
                anchor_mailbox: decl.tenant_defaults.anchor_mailbox.clone(),
                bypass_mailbox_anchoring: decl.tenant_defaults.bypass_mailbox_anchoring,
            },
            origin: Location::at(&self.files[i].source, decl.name.pos),
        })
    }
}
