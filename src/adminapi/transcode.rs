//! One object of a page, copied from the response bytes to its items line without
//! building a `Value` tree: whitespace dropped, every key containing `@odata.` removed
//! with its value (at any depth, as [`super::page::strip_annotations`] does), strings
//! written as serde_json writes them, numbers exactly as sent. Where the bytes differ
//! from a `Value` tree written back: a number is not rounded through `f64`, and a key
//! repeated in one object stays twice (a reader takes the last one, as the tree did).
//!
//! The input has already been parsed by serde_json (it is a `RawValue` of the page), so
//! it is valid JSON within serde_json's depth limit; anything else is still refused
//! with an error, never a panic.

use std::borrow::Cow;

/// Nesting deeper than this is refused (serde_json's own limit, 128, comes first).
const MAX_DEPTH: usize = 256;

/// The key fragment whose keys are removed (`@odata.type`, `Name@odata.type`, ...).
const ANNOTATION: &[u8] = b"@odata.";

/// Why a value could not be copied (only for input serde_json would not have accepted).
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

/// Append `raw` (one JSON value) to `out`, compact and without OData annotations.
pub fn transcode(raw: &[u8], out: &mut Vec<u8>) -> Result<(), Malformed> {
    let mut cursor = Cursor { bytes: raw, at: 0, depth: 0 };
    cursor.value(out)?;
    cursor.skip_ws();
    match cursor.at == raw.len() {
        true => Ok(()),
        false => Err(Malformed("trailing characters after the value")),
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Objects and arrays open around the cursor.
    depth: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    /// The next non-space byte, consumed.
    fn next_token(&mut self) -> Result<u8, Malformed> {
        self.skip_ws();
        let b = self.peek().ok_or(Malformed("unexpected end of the value"))?;
        self.at += 1;
        Ok(b)
    }

    fn value(&mut self, out: &mut Vec<u8>) -> Result<(), Malformed> {
        self.skip_ws();
        match self.peek() {
            Some(b'{' | b'[') if self.depth >= MAX_DEPTH => Err(Malformed("nested too deeply")),
            Some(b'{') => {
                self.depth += 1;
                let done = self.object(out);
                self.depth -= 1;
                done
            }
            Some(b'[') => {
                self.depth += 1;
                let done = self.array(out);
                self.depth -= 1;
                done
            }
            Some(b'"') => {
                let s = self.string()?;
                write_string(s, out)
            }
            Some(_) => {
                out.extend_from_slice(self.scalar());
                Ok(())
            }
            None => Err(Malformed("unexpected end of the value")),
        }
    }

    fn object(&mut self, out: &mut Vec<u8>) -> Result<(), Malformed> {
        self.at += 1;
        out.push(b'{');
        let mut first = true;
        loop {
            match self.next_token()? {
                b'}' => break,
                b',' => continue,
                b'"' => {
                    self.at -= 1;
                    let key = self.string()?;
                    if self.next_token()? != b':' {
                        return Err(Malformed("expected `:` after a key"));
                    }
                    if is_annotation(key)? {
                        self.skip_value()?;
                        continue;
                    }
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    write_string(key, out)?;
                    out.push(b':');
                    self.value(out)?;
                }
                _ => return Err(Malformed("expected a key")),
            }
        }
        out.push(b'}');
        Ok(())
    }

    fn array(&mut self, out: &mut Vec<u8>) -> Result<(), Malformed> {
        self.at += 1;
        out.push(b'[');
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.at += 1;
            out.push(b']');
            return Ok(());
        }
        loop {
            self.value(out)?;
            match self.next_token()? {
                b',' => out.push(b','),
                b']' => break,
                _ => return Err(Malformed("expected `,` or `]`")),
            }
        }
        out.push(b']');
        Ok(())
    }

    /// A string token, quotes included, as it is in the input.
    fn string(&mut self) -> Result<&'a [u8], Malformed> {
        let start = self.at;
        self.at += 1;
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(&self.bytes[start..self.at]);
                }
                Some(b'\\') => self.at += 2,
                Some(_) => self.at += 1,
                None => return Err(Malformed("unterminated string")),
            }
        }
    }

    /// Pass over one value without writing it (the value of an annotation).
    fn skip_value(&mut self) -> Result<(), Malformed> {
        self.skip_ws();
        match self.peek() {
            Some(b'"') => self.string().map(|_| ()),
            Some(b'{' | b'[') => {
                self.at += 1;
                let mut depth = 1usize;
                while depth > 0 {
                    match self.peek() {
                        Some(b'"') => {
                            self.string()?;
                        }
                        Some(b'{' | b'[') => {
                            depth += 1;
                            self.at += 1;
                        }
                        Some(b'}' | b']') => {
                            depth -= 1;
                            self.at += 1;
                        }
                        Some(_) => self.at += 1,
                        None => return Err(Malformed("unexpected end of the value")),
                    }
                }
                Ok(())
            }
            Some(_) => {
                self.scalar();
                Ok(())
            }
            None => Err(Malformed("unexpected end of the value")),
        }
    }

    /// A number, `true`, `false` or `null`, as it is in the input.
    fn scalar(&mut self) -> &'a [u8] {
        let start = self.at;
        while let Some(b) = self.peek() {
            if matches!(b, b',' | b']' | b'}' | b' ' | b'\n' | b'\r' | b'\t') {
                break;
            }
            self.at += 1;
        }
        &self.bytes[start..self.at]
    }
}

/// Whether the key token `key` (quotes included) names an OData annotation.
fn is_annotation(key: &[u8]) -> Result<bool, Malformed> {
    Ok(match key.contains(&b'\\') {
        false => contains(key, ANNOTATION),
        true => contains(decode(key)?.as_bytes(), ANNOTATION),
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.iter().enumerate().any(|(i, &b)| b == b'@' && haystack[i..].starts_with(needle))
}

fn decode(token: &[u8]) -> Result<Cow<'_, str>, Malformed> {
    serde_json::from_slice::<Cow<'_, str>>(token).map_err(|_| Malformed("invalid string"))
}

/// A string token as serde_json writes it: as sent unless it has escapes (those are
/// decoded and written again, so `\u0041` becomes `A` and `\/` becomes `/`).
fn write_string(token: &[u8], out: &mut Vec<u8>) -> Result<(), Malformed> {
    if !token.contains(&b'\\') {
        out.extend_from_slice(token);
        return Ok(());
    }
    let text = decode(token)?;
    serde_json::to_writer(&mut *out, text.as_ref()).map_err(|_| Malformed("invalid string"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// What the page parser does: serde_json checks the value, then it is copied.
    fn copy(raw: &str) -> String {
        let checked: &serde_json::value::RawValue = serde_json::from_str(raw).unwrap();
        let mut out = Vec::new();
        transcode(checked.get().as_bytes(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Today's reference: a `Value` tree with every `@odata.` key removed, written compact.
    fn through_value(raw: &str) -> String {
        fn strip(v: &mut Value) {
            match v {
                Value::Object(map) => {
                    map.retain(|k, _| !k.contains("@odata."));
                    map.values_mut().for_each(strip);
                }
                Value::Array(items) => items.iter_mut().for_each(strip),
                _ => {}
            }
        }
        let mut v: Value = serde_json::from_str(raw).unwrap();
        strip(&mut v);
        serde_json::to_string(&v).unwrap()
    }

    #[test]
    fn annotations_go_at_every_depth() {
        let raw = r##"{ "@odata.type" : "#Exchange.Label", "Name":"A", "Name@odata.type":"#String",
            "Settings": [ {"@odata.type": {"deep": ["x", {"@odata.id": 1}]}, "k": 1},
                          [{"a": {"b@odata.navigationLink": "u", "c": null}}] ],
            "odata.type": "kept", "@odata": "kept too", "Last@odata.type": "#x" }"##;
        let want =
            r#"{"Name":"A","Settings":[{"k":1},[{"a":{"c":null}}]],"odata.type":"kept","@odata":"kept too"}"#;
        assert_eq!(copy(raw), want);
        assert_eq!(through_value(raw), want);
    }

    #[test]
    fn only_annotations_leave_an_empty_object() {
        assert_eq!(copy(r##"{"@odata.type":"#x","@odata.id":[1,{"a":2}]}"##), "{}");
        assert_eq!(copy(r#"{"@odata.type":"x","a":1}"#), r#"{"a":1}"#);
        assert_eq!(copy(r#"{"a":1,"@odata.type":"x"}"#), r#"{"a":1}"#);
        assert_eq!(copy(r#"{"a":1,"@odata.type":"x","b":2}"#), r#"{"a":1,"b":2}"#);
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        for raw in [
            r#"{"a":"\u0041\/\"\\\b\f\n\r\t\u001f\u007f","\u00e9t\u00e9":"\ud83d\ude00 é 日本"}"#,
            r#"["tab\there", "quote \" brace } bracket ] comma ,", "", "\\"]"#,
            r#"{"k\"ey":"v","\u0040odata.type":"escaped annotation","x\u0040odata.y":1}"#,
        ] {
            assert_eq!(copy(raw), through_value(raw), "{raw}");
        }
        assert_eq!(copy(r#"{"\u0040odata.type":"x","a":"\u00e9"}"#), r#"{"a":"é"}"#);
        assert_eq!(copy(r#"["😀 \"x\" \\"]"#), r#"["😀 \"x\" \\"]"#);
    }

    #[test]
    fn numbers_are_kept_exactly_as_sent() {
        let raw = r#"{"big":123456789012345678901234567890,"neg":-18446744073709551617,
            "f":1.10,"e":1e5,"E":-2.5E-3,"z":-0,"i":42,"max":18446744073709551615}"#;
        assert_eq!(
            copy(raw),
            r#"{"big":123456789012345678901234567890,"neg":-18446744073709551617,"f":1.10,"e":1e5,"E":-2.5E-3,"z":-0,"i":42,"max":18446744073709551615}"#
        );
        // A reader still parses them as before.
        let v: Value = serde_json::from_str(&copy(raw)).unwrap();
        assert_eq!(v["i"], 42);
        assert_eq!(v["e"], 100000.0);
    }

    #[test]
    fn a_repeated_key_is_kept_as_sent_and_read_back_as_before() {
        let raw = r#"{"a":1,"b":0,"a":2}"#;
        assert_eq!(copy(raw), raw);
        let read: Value = serde_json::from_str(&copy(raw)).unwrap();
        assert_eq!(read, serde_json::from_str::<Value>(&through_value(raw)).unwrap());
    }

    #[test]
    fn scalars_arrays_and_null() {
        for (raw, want) in [
            ("null", "null"),
            (" true ", "true"),
            ("[]", "[]"),
            ("[ ]", "[]"),
            ("{ }", "{}"),
            ("[1, [2, [ ]], {\"a\" : [null,false]}]", "[1,[2,[]],{\"a\":[null,false]}]"),
            ("\"s\"", "\"s\""),
        ] {
            assert_eq!(copy(raw), want, "{raw}");
        }
    }

    #[test]
    fn input_serde_json_would_refuse_is_an_error_not_a_panic() {
        for raw in [
            "",
            "{",
            "[1,",
            "{\"a\"",
            "{\"a\":",
            "{\"a\" 1}",
            "{1:2}",
            "\"open",
            "[1 2]",
            "{\"@odata.x\":[",
            "{\"@odata.x\":\"",
            "\"\\",
            "1 2",
            "[\"\\u00\"]",
            "{\"\\ud800\":1}",
        ] {
            let mut out = Vec::new();
            let _ = transcode(raw.as_bytes(), &mut out);
        }
        assert_eq!(transcode(b"{\"a\":1", &mut Vec::new()), Err(Malformed("unexpected end of the value")));
        assert_eq!(transcode(b"1 2", &mut Vec::new()), Err(Malformed("trailing characters after the value")));
        assert_eq!(transcode(b"{1:2}", &mut Vec::new()), Err(Malformed("expected a key")));
    }

    #[test]
    fn deep_nesting_within_serde_jsons_limit_and_refused_past_its_own() {
        let raw = format!("{}{{\"@odata.type\":1,\"a\":1}}{}", "[".repeat(120), "]".repeat(120));
        assert_eq!(copy(&raw), format!("{}{{\"a\":1}}{}", "[".repeat(120), "]".repeat(120)));
        let bomb = "[".repeat(100_000);
        assert_eq!(transcode(bomb.as_bytes(), &mut Vec::new()), Err(Malformed("nested too deeply")));
    }
}
