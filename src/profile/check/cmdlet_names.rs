//! The cmdlet names tenantrun knows: the Security & Compliance and Exchange Online
//! lists shipped as data (`cmdlet_names.txt`, which holds every cmdlet the emulator
//! serves too). A step whose cmdlet is in neither is warned about, not refused (the
//! services add cmdlets faster than a release ships), with the closest names as the hint:
//! a typo would otherwise fail in every tenant with "is not recognized".

use crate::profile::diagnostic::{closest, Diagnostic};
use crate::profile::resolve::Checked;
use std::collections::HashSet;
use std::sync::OnceLock;

/// The shipped lists: `[section]` lines, `#` comments, one name a line.
const DATA: &str = include_str!("cmdlet_names.txt");

/// How many close names the hint offers.
const SUGGESTIONS: usize = 3;

/// The names of one `[section]` of the data file, in file order.
pub fn section(name: &str) -> Vec<&'static str> {
    let mut current = "";
    let mut out = Vec::new();
    for line in DATA.lines().map(str::trim) {
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = s;
        } else if !line.is_empty() && !line.starts_with('#') && current == name {
            out.push(line);
        }
    }
    out
}

/// Every known name once, in file order.
fn names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut seen = HashSet::new();
        ["security-compliance", "exchange-online"]
            .into_iter()
            .flat_map(section)
            .filter(|n| seen.insert(n.to_ascii_lowercase()))
            .collect()
    })
}

/// Whether `name` is a known cmdlet; case does not matter, as in PowerShell.
pub fn is_known(name: &str) -> bool {
    static LOWER: OnceLock<HashSet<String>> = OnceLock::new();
    LOWER
        .get_or_init(|| names().iter().map(|n| n.to_ascii_lowercase()).collect())
        .contains(&name.to_ascii_lowercase())
}

/// One warning per step whose cmdlet is not a known name, at the cmdlet.
pub fn warnings(files: &[Checked]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for f in files {
        for step in f.decl.commands.iter().flat_map(|(_, steps)| steps) {
            let cmdlet = &step.cmdlet;
            if is_known(&cmdlet.value) {
                continue;
            }
            let near = closest(&cmdlet.value, names().iter().copied(), SUGGESTIONS);
            let hint = match near.as_slice() {
                [] => "check the spelling; a cmdlet newer than this list still runs (`plan --check` asks \
                       each tenant which cmdlets it grants)"
                    .to_string(),
                [one] => format!("did you mean `{one}`?"),
                [first @ .., last] => format!(
                    "did you mean {} or `{last}`?",
                    first.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                ),
            };
            out.push(
                Diagnostic::at(
                    &f.source,
                    cmdlet.pos,
                    format!("`{}` is not a Security & Compliance or Exchange Online cmdlet", cmdlet.value),
                )
                .hint(hint),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_lists_are_read_and_case_does_not_matter() {
        let scc = section("security-compliance");
        let exo = section("exchange-online");
        assert!(scc.contains(&"Get-Label") && !exo.contains(&"Get-Label"));
        assert!(exo.contains(&"Get-Mailbox") && !scc.contains(&"Get-Mailbox"));
        assert!(scc.contains(&"Get-RoleGroup") && exo.contains(&"Get-RoleGroup"), "in both");
        assert!(scc.len() > 200 && exo.len() > 600, "{} {}", scc.len(), exo.len());
        assert!(is_known("get-label") && is_known("GET-MAILBOX"));
        assert!(!is_known("Get-Lable") && !is_known("Connect-IPPSSession"));
        assert_eq!(names().len(), scc.len() + exo.len() - scc.iter().filter(|n| exo.contains(n)).count());
    }

    #[test]
    fn every_name_is_a_cmdlet_name_and_written_once_per_list() {
        for list in ["security-compliance", "exchange-online"] {
            let names = section(list);
            let unique: HashSet<_> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
            assert_eq!(unique.len(), names.len(), "{list}");
            for n in names {
                assert!(super::super::rules::is_cmdlet(n), "{n}");
            }
        }
    }

    #[test]
    fn the_closest_names_come_first() {
        assert_eq!(closest("Get-Lable", names().iter().copied(), SUGGESTIONS), ["Get-Label"]);
        assert_eq!(
            closest("Get-DlpCompliancePolicys", names().iter().copied(), SUGGESTIONS).first(),
            Some(&"Get-DlpCompliancePolicy")
        );
    }
}
