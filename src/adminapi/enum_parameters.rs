//! Cmdlet parameters typed with an enumeration, and the names each accepts as the live
//! service lists them in the 400 it answers for a name it does not know (a
//! `ParameterTransformationException` whose message ends "… enumerator names …: A, B, C").
//! `validate` and `plan --check` warn about a value outside the list, with the list as the
//! hint, before every tenant answers that 400; the emulator accepts exactly these names.

use serde_json::Value;

/// One enumeration-typed parameter of a cmdlet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnumParameter {
    pub cmdlet: &'static str,
    pub parameter: &'static str,
    /// The .NET type the service names in its error.
    pub type_name: &'static str,
    pub names: &'static [&'static str],
}

/// `Get-QuarantineMessage -QuarantineTypes`.
pub const QUARANTINE_TYPES: EnumParameter = EnumParameter {
    cmdlet: "Get-QuarantineMessage",
    parameter: "QuarantineTypes",
    type_name: "Microsoft.Exchange.Management.FfoQuarantine.QuarantineMessageTypeEnum[]",
    names: &[
        "Spam",
        "TransportRule",
        "Bulk",
        "Phish",
        "HighConfPhish",
        "Malware",
        "SPOMalware",
        "DataLossPrevention",
        "FileTypeBlock",
        "AdminTriggered",
        "PPI",
    ],
};

/// Every enumeration parameter whose names are known.
pub const ENUM_PARAMETERS: &[EnumParameter] = &[QUARANTINE_TYPES];

/// The enumeration parameter `parameter` of `cmdlet` (names compared ignoring case).
pub fn find(cmdlet: &str, parameter: &str) -> Option<&'static EnumParameter> {
    ENUM_PARAMETERS
        .iter()
        .find(|e| e.cmdlet.eq_ignore_ascii_case(cmdlet) && e.parameter.eq_ignore_ascii_case(parameter))
}

impl EnumParameter {
    /// The first name `value` gives that is not one of this enumeration's.
    pub fn first_unknown<'v>(&self, value: &'v Value) -> Option<&'v str> {
        given_names(value).into_iter().find(|g| !self.names.iter().any(|n| n.eq_ignore_ascii_case(g)))
    }
}

/// The names a value gives: a string (PowerShell also takes `"A,B"`), or an array of strings.
pub fn given_names(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => s.split(',').map(str::trim).filter(|s| !s.is_empty()).collect(),
        Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::trim).collect(),
        _ => Vec::new(),
    }
}

/// The valid names an enumeration error lists: the comma-separated words after the last
/// "enumerator names" and its colon; `None` when the message lists none.
pub fn listed_names(message: &str) -> Option<Vec<String>> {
    let lower = message.to_ascii_lowercase();
    let at = lower.rfind("enumerator names")?;
    let colon = message[at..].find(':')? + at + 1;
    let names: Vec<String> = message[colon..]
        .split(',')
        .map(|n| n.trim().trim_end_matches(['"', '.', '\'']).trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    let words = names.iter().all(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    (words && !names.is_empty()).then_some(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_are_read_from_strings_and_arrays() {
        assert_eq!(given_names(&json!("Spam, Phish")), ["Spam", "Phish"]);
        assert_eq!(given_names(&json!(["Bulk", 3, "PPI"])), ["Bulk", "PPI"]);
        assert!(given_names(&json!(true)).is_empty());
        assert_eq!(QUARANTINE_TYPES.first_unknown(&json!(["spam", "Bogus"])), Some("Bogus"));
        assert_eq!(QUARANTINE_TYPES.first_unknown(&json!("phish,HIGHCONFPHISH")), None);
        assert_eq!(find("get-quarantinemessage", "quarantinetypes"), Some(&QUARANTINE_TYPES));
        assert_eq!(find("Get-QuarantineMessage", "Identity"), None);
    }

    #[test]
    fn listed_names_come_from_the_end_of_the_message() {
        let m = "Cannot convert value \"X\". Error: \"Unable to match X to a valid enumerator name. \
                 Pick one of these enumerator names: Spam, Bulk, PPI\"";
        assert_eq!(listed_names(m), Some(vec!["Spam".to_string(), "Bulk".into(), "PPI".into()]));
        assert_eq!(listed_names("no list here"), None);
        assert_eq!(listed_names("enumerator names: a sentence, not names"), None);
    }
}
