//! The cross-file checks of expectations: check ids are unique across every merged
//! file, every exemption matches at least one check, and expired exemptions are
//! warned about (they no longer apply).

use crate::expect::exemption::{format_date, today_utc};
use crate::profile::diagnostic::{did_you_mean, Diagnostic, Location};
use crate::profile::resolve::Checked;
use std::collections::HashMap;

/// Errors (duplicate ids, exemptions matching nothing) and warnings (expired exemptions).
pub fn cross_check(files: &[Checked]) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut seen: HashMap<String, Location> = HashMap::new();
    let mut ids: Vec<&str> = Vec::new();
    for f in files {
        for (_, steps) in &f.decl.commands {
            for step in steps {
                for e in &step.expect {
                    let here = Location::at(&f.source, e.pos);
                    match seen.get(&e.value.id.to_ascii_lowercase()) {
                        Some(first) => errors.push(
                            Diagnostic::new(here, format!("check id `{}` is used twice", e.value.id))
                                .note("first used here", first.clone())
                                .hint("check ids must be unique across the profile; they name the check in every run"),
                        ),
                        None => {
                            seen.insert(e.value.id.to_ascii_lowercase(), here);
                            ids.push(&e.value.id);
                        }
                    }
                }
            }
        }
    }
    // When an `expect:` block has its own errors its ids are unknown: do not guess.
    let ids_complete = !files.iter().any(|f| f.decl.written.expect_failed);
    let today = today_utc();
    for f in files {
        for x in &f.decl.exemptions {
            let here = Location::at(&f.source, x.pos);
            if ids_complete && !ids.iter().any(|id| x.value.names_check(id)) {
                let hint = match did_you_mean(&x.value.check, ids.iter().copied()) {
                    Some(m) => format!("did you mean `{m}`?"),
                    None if ids.is_empty() => "the profile declares no checks (`expect:` on a step)".into(),
                    None => format!(
                        "check ids start: {}",
                        ids.iter().take(8).copied().collect::<Vec<_>>().join(", ")
                    ),
                };
                errors.push(
                    Diagnostic::new(here.clone(), format!("exemption `{}` matches no check", x.value.check))
                        .hint(hint),
                );
            }
            if x.value.expired_on(today) {
                warnings.push(
                    Diagnostic::new(
                        here,
                        format!(
                            "exemption `{}` expired on {}; it no longer applies",
                            x.value.check,
                            format_date(x.value.expires)
                        ),
                    )
                    .hint("renew `expires` if the reason still holds, or remove the exemption"),
                );
            }
        }
    }
    (errors, warnings)
}
