//! `tenants:`: ids (verified domain or GUID), names, tags and per-tenant overrides.

use super::decl::TenantDecl;
use super::rules::{is_guid, is_simple_name, is_tenant_id};
use super::walk::{Checker, Sp, Table};
use crate::profile::syntax::{Node, Value};

pub const TENANT_KEYS: &[&str] =
    &["id", "name", "tags", "identity", "environment", "anchor_mailbox", "bypass_mailbox_anchoring"];

pub fn tenants(ck: &mut Checker<'_>, node: &Node) -> Vec<TenantDecl> {
    let Value::Seq(items) = &node.value else {
        ck.wrong_type(node, "tenants", "a list of tenants");
        if let Value::Map(_) = node.value {
            ck.diags.last_mut().map(|d| {
                d.set_hint_in(
                    "write each tenant as a list item: `- id: contoso.onmicrosoft.com`",
                    "write each tenant as a `[[tenants]]` table with `id = \"contoso.onmicrosoft.com\"`",
                )
            });
        }
        return Vec::new();
    };
    items.iter().enumerate().filter_map(|(i, n)| tenant(ck, n, &format!("tenants[{i}]"))).collect()
}

/// One entry of `tenants:` (`path` names it in messages, e.g. `tenants[3]`).
pub(in crate::profile) fn tenant(ck: &mut Checker<'_>, node: &Node, path: &str) -> Option<TenantDecl> {
    if let Value::Str(s) = &node.value {
        ck.wrong_type(node, path, "a table");
        ck.diags.last_mut()?.set_hint_in(format!("write `- id: {s}`"), format!("write `{{ id = \"{s}\" }}`"));
        return None;
    }
    let t = ck.table(node, path, TENANT_KEYS)?;
    let id = ck.required(&t, path, "id").and_then(|n| tenant_id(ck, n, &format!("{path}.id")));
    let name = ck.opt_string(&t, path, "name").map(|s| s.value);
    let tags = tags(ck, &t, path);
    let identity = ck.opt_string(&t, path, "identity");
    let environment = ck.opt_string(&t, path, "environment");
    let anchor_mailbox = anchor(ck, &t, path);
    let bypass = bypass(ck, &t, path, anchor_mailbox.as_ref());
    Some(TenantDecl {
        id: id?,
        name,
        tags,
        identity,
        environment,
        anchor_mailbox: anchor_mailbox.map(|a| a.value),
        bypass_mailbox_anchoring: bypass.map(|b| b.value).unwrap_or(false),
    })
}

/// `tags:` of a table: each must be selectable with `-t tag:NAME`.
pub(super) fn tags(ck: &mut Checker<'_>, t: &Table<'_>, path: &str) -> Vec<String> {
    let Some(n) = t.get("tags") else { return Vec::new() };
    let tags = ck.string_list(n, &format!("{path}.tags"));
    let mut kept = Vec::with_capacity(tags.len());
    kept.extend(
        tags.into_iter()
            .filter(|tag| {
                let ok = is_simple_name(&tag.value);
                if !ok {
                    ck.error(tag.pos, format!("tag `{}` cannot be selected with `-t tag:NAME`", tag.value))
                        .set_hint("use letters, digits, `-`, `_` and `.`");
                }
                ok
            })
            .map(|t| t.value),
    );
    // A fresh vector: collecting in place would keep the positions' larger allocation.
    kept
}

/// `anchor_mailbox:` of a table, with its `UPN:`/`SMTP:`/`APP:` prefix checked.
pub(super) fn anchor(ck: &mut Checker<'_>, t: &Table<'_>, path: &str) -> Option<Sp<String>> {
    let a = ck.opt_string(t, path, "anchor_mailbox")?;
    let prefix = a.value.split_once(':').map(|(p, _)| p.to_ascii_uppercase());
    if !matches!(prefix.as_deref(), Some("UPN" | "APP" | "SMTP")) {
        ck.error(
            a.pos,
            format!("`{path}.anchor_mailbox` has no `UPN:`/`SMTP:`/`APP:` prefix: `{}`", a.value),
        )
        .set_hint("write e.g. `UPN:ops@fabrikam.us`");
    }
    Some(a)
}

/// `bypass_mailbox_anchoring:` of a table; it cannot go with an anchor mailbox.
pub(super) fn bypass(
    ck: &mut Checker<'_>,
    t: &Table<'_>,
    path: &str,
    anchor: Option<&Sp<String>>,
) -> Option<Sp<bool>> {
    let bypass = ck.opt_bool(t, path, "bypass_mailbox_anchoring");
    if let (Some(a), Some(b)) = (anchor, &bypass) {
        if b.value {
            ck.error(a.pos, format!("`{path}` sets `anchor_mailbox` and `bypass_mailbox_anchoring: true`"))
                .set_hint("keep one: an anchor mailbox, or no anchor at all");
        }
    }
    bypass
}

/// A verified domain or a tenant GUID, lower-cased.
pub(super) fn tenant_id(ck: &mut Checker<'_>, node: &Node, path: &str) -> Option<Sp<String>> {
    let s = ck.string(node, path)?;
    let id = s.value.trim().to_ascii_lowercase();
    if is_tenant_id(&id) {
        return Some(Sp { value: id, pos: s.pos });
    }
    let hint = if id.contains('@') {
        "a tenant id is a domain, not a user: drop the part before `@`".to_string()
    } else if id.contains("://") {
        "a tenant id is a domain, not a URL: keep only the host name".to_string()
    } else if id.matches('-').count() == 4 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        "a tenant GUID has 8-4-4-4-12 hexadecimal digits, e.g. `8e3b2b9c-0000-4000-8000-00000000fab1`"
            .to_string()
    } else if !id.contains('.') && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && !is_guid(&id)
    {
        format!("verified domains have a dot: did you mean `{id}.onmicrosoft.com`?")
    } else {
        "use a verified domain such as `contoso.onmicrosoft.com` or the tenant GUID".to_string()
    };
    ck.error(s.pos, format!("`{}` is not a tenant id", s.value)).set_hint(hint);
    None
}
