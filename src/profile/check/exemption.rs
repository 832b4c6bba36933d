//! `exemptions:` (SPEC §7): a check id or glob, tenant selectors as for `-t`, a
//! required `reason` and `expires` date. Whether each exemption matches a check is
//! a cross-file question, answered in [`super::expect_refs`].

use super::walk::{Checker, Sp};
use crate::expect::exemption::{parse_date, Exemption, ExemptionError};
use crate::profile::syntax::{Node, Value};

pub const EXEMPTION_KEYS: &[&str] = &["check", "tenants", "reason", "expires"];

pub fn exemptions(ck: &mut Checker<'_>, node: &Node) -> Vec<Sp<Exemption>> {
    let Value::Seq(items) = &node.value else {
        ck.wrong_type(node, "exemptions", "a list of exemptions");
        return Vec::new();
    };
    items.iter().enumerate().filter_map(|(i, n)| exemption(ck, n, &format!("exemptions[{i}]"))).collect()
}

fn exemption(ck: &mut Checker<'_>, node: &Node, path: &str) -> Option<Sp<Exemption>> {
    let before = ck.diags.len();
    let t = ck.table(node, path, EXEMPTION_KEYS)?;
    let check = ck.required(&t, path, "check").and_then(|n| ck.string(n, &format!("{path}.check")));
    let reason = ck.required(&t, path, "reason").and_then(|n| ck.string(n, &format!("{path}.reason")));
    let tenants = t.get("tenants").map(|n| ck.string_list(n, &format!("{path}.tenants"))).unwrap_or_default();
    for sel in &tenants {
        let text = sel.value.trim().trim_start_matches('!');
        if let Err(e) = crate::planner::TenantSelector::parse(text) {
            ck.error(
                sel.pos,
                format!(
                    "`{}` is not a tenant selector: {}",
                    sel.value,
                    e.to_string().split(" (hint:").next().unwrap_or_default()
                ),
            )
            .set_hint("use an id, `tag:NAME`, `name:GLOB`, or `!SEL` to exclude, as for `-t`");
        }
    }
    let expires = ck.required(&t, path, "expires").and_then(|n| match &n.value {
        Value::Str(s) => match parse_date(s) {
            Some(d) => Some(d),
            None => {
                ck.error(n.pos, format!("`{path}.expires` is not a date: `{s}`"))
                    .set_hint("write the last day the exemption holds as `YYYY-MM-DD`, e.g. `2027-06-30`");
                None
            }
        },
        _ => {
            ck.wrong_type(n, &format!("{path}.expires"), "a date `YYYY-MM-DD`");
            None
        }
    });
    if ck.diags.len() > before {
        return None;
    }
    let check = check?;
    match Exemption::new(
        &check.value,
        tenants.into_iter().map(|s| s.value).collect(),
        reason?.value,
        expires?,
    ) {
        Ok(x) => Some(Sp { value: x, pos: check.pos }),
        Err(ExemptionError::Glob(why)) => {
            ck.error(check.pos, format!("`{path}.check` is not a valid id glob: {why}"));
            None
        }
        Err(ExemptionError::Selector(why)) => {
            ck.error(t.pos, format!("`{path}.tenants`: {why}"));
            None
        }
    }
}
