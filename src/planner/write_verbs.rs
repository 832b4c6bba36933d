//! Which cmdlets change state: the guard behind `read_only` and `--allow-write`.
//!
//! Only verbs known to read are reads; every other verb (Set, New, Remove, Add,
//! Enable, Disable, Start, Stop, Update, Import, Clear, Restore, …, and any verb we
//! do not know) counts as a write. Refusing by mistake is safer than writing by mistake.

/// PowerShell verbs that only read.
pub const READ_VERBS: &[&str] =
    &["Get", "Search", "Find", "Export", "Read", "Measure", "Compare", "Show", "Select", "Trace", "Watch"];

/// True when the cmdlet's verb (the part before the first `-`) may change state.
pub fn is_write_cmdlet(cmdlet: &str) -> bool {
    let verb = cmdlet.split('-').next().unwrap_or(cmdlet);
    !READ_VERBS.iter().any(|v| v.eq_ignore_ascii_case(verb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes() {
        for read in ["Get-Label", "get-mailbox", "Search-UnifiedAuditLog", "Export-ContentExplorerData"] {
            assert!(!is_write_cmdlet(read), "{read}");
        }
        for write in [
            "Set-OrganizationConfig",
            "New-ComplianceSearch",
            "remove-label",
            "Start-ComplianceSearch",
            "Frobnicate-Thing",
            "Get",
        ] {
            assert!(is_write_cmdlet(write) != (write == "Get"), "{write}");
        }
    }
}
