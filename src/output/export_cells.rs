//! What an export does to an item's names and values so a spreadsheet or a script reads
//! them safely (SPEC §9): CSV cells that would run as a formula are made text, and an
//! item's own `tenant`/`tenant_name` never overwrite the export's.

use std::borrow::Cow;

/// `cell` as a spreadsheet will not run it (SPEC §9): text starting with `=`, `+`, `@`, a
/// tab, a carriage return, or `-` when it is not a number gets a leading `'`, which Excel,
/// LibreOffice and Google Sheets read as "this is text" (and hide).
pub fn inert(cell: &str) -> Cow<'_, str> {
    let risky = match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'@' | b'\t' | b'\r') => true,
        Some(b'-') => cell.parse::<serde_json::Number>().is_err(),
        _ => false,
    };
    if risky {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The name an item's own property takes in an export: ours (`tenant`, `tenant_name`) come
/// first and keep their names, so the item's are renamed `item.tenant`, `item.tenant_name`
/// (and a property already named `item.tenant` becomes `item.item.tenant`: no two names meet).
pub fn item_key(key: &str) -> Cow<'_, str> {
    fn reserved(key: &str) -> bool {
        key == "tenant" || key == "tenant_name" || key.strip_prefix("item.").is_some_and(reserved)
    }
    if reserved(key) {
        Cow::Owned(format!("item.{key}"))
    } else {
        Cow::Borrowed(key)
    }
}

/// [`item_key`] of an owned name, reusing it when it keeps its name.
pub fn item_key_owned(key: String) -> String {
    match item_key(&key) {
        Cow::Borrowed(_) => key,
        Cow::Owned(renamed) => renamed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_get_a_quote_numbers_do_not() {
        for (raw, out) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-2+3", "'-2+3"),
            ("-", "'-"),
            ("-inf", "'-inf"),
            ("-12.5", "-12.5"),
            ("-3e5", "-3e5"),
            ("plain", "plain"),
            ("", ""),
            ("a=b", "a=b"),
        ] {
            assert_eq!(inert(raw), out, "{raw:?}");
        }
    }

    #[test]
    fn clashing_names_are_renamed_without_meeting() {
        for (raw, out) in [
            ("tenant", "item.tenant"),
            ("tenant_name", "item.tenant_name"),
            ("item.tenant", "item.item.tenant"),
            ("item.other", "item.other"),
            ("Tenant", "Tenant"),
            ("tenants", "tenants"),
        ] {
            assert_eq!(item_key(raw), out);
            assert_eq!(item_key_owned(raw.to_string()), out);
        }
    }
}
