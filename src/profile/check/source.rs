//! `tenant_sources:` (SPEC §6): each source's kind and fields, checked in one file.
//! References (identities, environments) are checked across files in `resolve`.

use super::document::named;
use super::tenant::{anchor, bypass, tags, tenant_id};
use super::walk::{Checker, Sp, Table};
use crate::profile::diagnostic::did_you_mean;
use crate::profile::syntax::{Node, Value};
use std::path::{Path, PathBuf};

/// Each kind and the keys it takes (besides `kind`).
pub const SOURCE_KINDS: &[(&str, &[&str])] = &[
    (
        "gdap",
        &[
            "identity",
            "partner_tenant",
            "require_roles",
            "include_mlt",
            "environment",
            "tags",
            "tenant_defaults",
        ],
    ),
    ("contracts", &["identity", "partner_tenant", "environment", "tags", "tenant_defaults"]),
    ("file", &["path", "environment", "tags", "tenant_defaults"]),
];
pub const TENANT_DEFAULTS_KEYS: &[&str] =
    &["identity", "environment", "anchor_mailbox", "bypass_mailbox_anchoring"];

/// One source as written in one file.
#[derive(Debug, Clone)]
pub struct SourceDecl {
    pub name: Sp<String>,
    pub kind: SourceKindDecl,
    pub environment: Option<Sp<String>>,
    pub tags: Vec<String>,
    pub tenant_defaults: TenantDefaultsDecl,
}

/// Where a source's tenants come from.
#[derive(Debug, Clone)]
pub enum SourceKindDecl {
    Gdap {
        identity: Option<Sp<String>>,
        partner_tenant: String,
        /// Lower-case role template ids, with the text written (for messages).
        require_roles: Vec<(String, String)>,
        include_mlt: bool,
    },
    Contracts {
        identity: Option<Sp<String>>,
        partner_tenant: String,
    },
    File {
        /// Absolute (resolved against the profile file's folder).
        path: PathBuf,
    },
}

impl SourceKindDecl {
    /// The Graph identity, for the kinds that read Graph.
    pub fn identity(&self) -> Option<&Sp<String>> {
        match self {
            SourceKindDecl::Gdap { identity, .. } | SourceKindDecl::Contracts { identity, .. } => {
                identity.as_ref()
            }
            SourceKindDecl::File { .. } => None,
        }
    }

    /// Whether the kind reads Microsoft Graph.
    pub fn reads_graph(&self) -> bool {
        !matches!(self, SourceKindDecl::File { .. })
    }
}

/// `tenant_defaults:` as written.
#[derive(Debug, Clone, Default)]
pub struct TenantDefaultsDecl {
    pub identity: Option<Sp<String>>,
    pub environment: Option<Sp<String>>,
    pub anchor_mailbox: Option<String>,
    pub bypass_mailbox_anchoring: bool,
}

/// Check `tenant_sources:`; `base` is the file's folder (for `file` paths).
pub fn sources(ck: &mut Checker<'_>, node: &Node, base: &Path) -> Vec<SourceDecl> {
    let mut out = Vec::new();
    for (name, value) in named(ck, node, "tenant_sources") {
        let path = format!("tenant_sources.{}", name.value);
        if let Some(decl) = source(ck, name, value, &path, base) {
            out.push(decl);
        }
    }
    out
}

fn source(
    ck: &mut Checker<'_>,
    name: Sp<String>,
    node: &Node,
    path: &str,
    base: &Path,
) -> Option<SourceDecl> {
    let kinds = || SOURCE_KINDS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ");
    let Value::Map(entries) = &node.value else {
        ck.wrong_type(node, path, "a table with a `kind`");
        return None;
    };
    let Some((_, kind_node)) = entries.iter().find(|(k, _)| k.name == "kind") else {
        ck.error(node.pos, format!("`{path}` has no `kind`"))
            .set_hint(format!("add `kind:` with one of: {}", kinds()));
        return None;
    };
    let kind = ck.string(kind_node, &format!("{path}.kind"))?;
    let Some((kind_name, keys)) = SOURCE_KINDS.iter().find(|(k, _)| *k == kind.value) else {
        let hint = match did_you_mean(&kind.value, SOURCE_KINDS.iter().map(|(k, _)| *k)) {
            Some(m) => format!("did you mean `{m}`?"),
            None => format!("the kinds are: {}", kinds()),
        };
        ck.error(kind.pos, format!("unknown tenant source kind `{}` in `{path}.kind`", kind.value))
            .set_hint(hint);
        return None;
    };
    let mut allowed = vec!["kind"];
    allowed.extend_from_slice(keys);
    let t = ck.table(node, &format!("{path} ({kind_name})"), &allowed)?;
    let environment = ck.opt_string(&t, path, "environment");
    let tags = tags(ck, &t, path);
    let tenant_defaults = match t.get("tenant_defaults") {
        Some(n) => tenant_defaults(ck, n, &format!("{path}.tenant_defaults"))?,
        None => TenantDefaultsDecl::default(),
    };
    let kind = match *kind_name {
        "file" => {
            let file = ck.required(&t, path, "path").and_then(|n| ck.string(n, &format!("{path}.path")))?;
            let ext =
                Path::new(&file.value).extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
            if !matches!(ext.as_deref(), Some("csv" | "yaml" | "yml" | "json")) {
                ck.error(file.pos, format!("`{path}.path` must name a .csv, .yaml, .yml or .json file: `{}`", file.value))
                    .set_hint("a CSV has the header `id,name,tags,identity,environment`; YAML/JSON hold a list of tenants");
                return None;
            }
            SourceKindDecl::File { path: base.join(&file.value) }
        }
        graph_kind => {
            let identity = ck.opt_string(&t, path, "identity");
            let partner = ck
                .required(&t, path, "partner_tenant")
                .and_then(|n| tenant_id(ck, n, &format!("{path}.partner_tenant")));
            if graph_kind == "contracts" {
                SourceKindDecl::Contracts { identity, partner_tenant: partner?.value }
            } else {
                let require_roles = match t.get("require_roles") {
                    Some(n) => roles(ck, n, &format!("{path}.require_roles"))?,
                    None => Vec::new(),
                };
                let include_mlt = ck.opt_bool(&t, path, "include_mlt").is_some_and(|b| b.value);
                SourceKindDecl::Gdap { identity, partner_tenant: partner?.value, require_roles, include_mlt }
            }
        }
    };
    Some(SourceDecl { name, kind, environment, tags, tenant_defaults })
}

fn tenant_defaults(ck: &mut Checker<'_>, node: &Node, path: &str) -> Option<TenantDefaultsDecl> {
    let t: Table<'_> = ck.table(node, path, TENANT_DEFAULTS_KEYS)?;
    let anchor_mailbox = anchor(ck, &t, path);
    let bypass = bypass(ck, &t, path, anchor_mailbox.as_ref());
    Some(TenantDefaultsDecl {
        identity: ck.opt_string(&t, path, "identity"),
        environment: ck.opt_string(&t, path, "environment"),
        anchor_mailbox: anchor_mailbox.map(|a| a.value),
        bypass_mailbox_anchoring: bypass.is_some_and(|b| b.value),
    })
}

/// Role names or template GUIDs → (template id, as written); an unknown name is an error.
fn roles(ck: &mut Checker<'_>, node: &Node, path: &str) -> Option<Vec<(String, String)>> {
    let before = ck.diags.len();
    let mut out = Vec::new();
    for role in ck.string_list(node, path) {
        match crate::discovery::roles::template_id(&role.value) {
            Some(id) => out.push((id, role.value)),
            None => {
                let hint = match did_you_mean(&role.value, crate::discovery::roles::names()) {
                    Some(m) => format!("did you mean `{m}`?"),
                    None => {
                        "write a role name such as `exchange-administrator`, or the role template GUID".into()
                    }
                };
                ck.error(role.pos, format!("unknown Entra role `{}` in `{path}`", role.value)).set_hint(hint);
            }
        }
    }
    (ck.diags.len() == before).then_some(out)
}
