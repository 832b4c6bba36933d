//! A YAML profile whose top-level `tenants:` list is handed over one entry at a time.
//!
//! A profile of 100,000 tenants is mostly that list, and held as one tree it was most of
//! the loader's memory. [`parse_streaming`] passes each entry of the list to a callback
//! as soon as it is read (the loader checks it into a declaration and drops the node),
//! and returns the rest of the document as the usual tree, `tenants:` being an empty
//! list where the list was written. Limits, errors and positions are those of
//! [`super::yaml::parse`]; `tests` hold the two to the same tree.

use super::tree::{Key, Node, Pos, Value};
use super::yaml::{self, Raw, RawVisitor, YamlError};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// Receives the index and the node of each entry of the top-level `tenants:` list.
pub type TenantSink<'s> = dyn FnMut(usize, Node) + 's;

/// The top-level key whose list is streamed.
const STREAMED_KEY: &str = "tenants";

/// Parse one YAML document, giving each entry of its top-level `tenants:` list to
/// `on_tenant` instead of keeping it in the returned tree.
pub fn parse_streaming(text: &str, on_tenant: &mut TenantSink<'_>) -> Result<Node, YamlError> {
    let parsed = serde_saphyr::with_deserializer_from_str_with_options(text, yaml::options(), |de| {
        RootSeed { text, on_tenant }.deserialize(de)
    });
    match parsed {
        Ok(Some(root)) => Ok(root),
        Ok(None) => Ok(yaml::empty_document()),
        Err(err) => Err(yaml::located(text, &err)),
    }
}

/// The document: nothing (empty or comment-only), or its root value.
struct RootSeed<'t, 's, 'k> {
    text: &'t str,
    on_tenant: &'s mut TenantSink<'k>,
}

impl<'de> DeserializeSeed<'de> for RootSeed<'_, '_, '_> {
    type Value = Option<Node>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Node>, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for RootSeed<'_, '_, '_> {
    type Value = Option<Node>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML document")
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<Node>, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<Node>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<Node>, D::Error> {
        let text = self.text;
        let value = d.deserialize_any(Top { text, on_tenant: self.on_tenant })?;
        let at = first_token(text);
        Ok(Some(Node { pos: Pos::new(at.line(), at.col(), token_len(&value)), value }))
    }
}

/// The root value: a table's `tenants:` entry is streamed; anything else is read as
/// [`yaml::parse`] reads it.
struct Top<'t, 's, 'k> {
    text: &'t str,
    on_tenant: &'s mut TenantSink<'k>,
}

/// The visitor methods of [`RawVisitor`] but `visit_map`, unchanged, for a visitor that
/// treats only tables differently.
macro_rules! like_raw_but_maps {
    () => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
            RawVisitor.visit_bool(v).map(|r| r.0)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
            RawVisitor.visit_i64(v).map(|r| r.0)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
            RawVisitor.visit_u64(v).map(|r| r.0)
        }
        fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
            RawVisitor.visit_i128(v).map(|r| r.0)
        }
        fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
            RawVisitor.visit_u128(v).map(|r| r.0)
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
            RawVisitor.visit_f64(v).map(|r| r.0)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
            RawVisitor.visit_str(v).map(|r| r.0)
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
            RawVisitor.visit_string(v).map(|r| r.0)
        }
        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
            RawVisitor.visit_bytes(v).map(|r| r.0)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
            RawVisitor.visit_unit().map(|r| r.0)
        }
        fn visit_none<E: de::Error>(self) -> Result<Value, E> {
            RawVisitor.visit_none().map(|r| r.0)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            RawVisitor.visit_some(d).map(|r| r.0)
        }
    };
}

impl<'de> Visitor<'de> for Top<'_, '_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    like_raw_but_maps!();
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        RawVisitor.visit_seq(seq).map(|r| r.0)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let pos = yaml::pos_of(&key, key.value.chars().count());
            let value = match key.value == STREAMED_KEY {
                true => map.next_value_seed(Streamed {
                    text: self.text,
                    key: pos,
                    on_tenant: &mut *self.on_tenant,
                })?,
                false => yaml::to_node(map.next_value::<Spanned<Raw>>()?),
            };
            entries.push((Key { name: key.value, pos }, value));
        }
        entries.shrink_to_fit();
        Ok(Value::Map(entries))
    }
}

/// The value of the top-level `tenants:` key: a list is streamed entry by entry; any
/// other value (which the checker refuses) is kept.
struct Streamed<'t, 's, 'k> {
    text: &'t str,
    key: Pos,
    on_tenant: &'s mut TenantSink<'k>,
}

impl<'de> DeserializeSeed<'de> for Streamed<'_, '_, '_> {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        let (text, key) = (self.text, self.key);
        let value = d.deserialize_any(self)?;
        let len = token_len(&value);
        // An empty value is where the parser found it missing: at the `:`.
        let at = value_start(text, key, value == Value::Null);
        Ok(Node { pos: Pos::new(at.line(), at.col(), len), value })
    }
}

impl<'de> Visitor<'de> for Streamed<'_, '_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of tenants")
    }
    like_raw_but_maps!();
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut index = 0;
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            (self.on_tenant)(index, yaml::to_node(item));
            index += 1;
        }
        Ok(Value::Seq(Vec::new()))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        RawVisitor.visit_map(map).map(|r| r.0)
    }
}

/// A node's length as [`yaml::to_node`] gives it: a string's characters, else 1.
fn token_len(value: &Value) -> usize {
    match value {
        Value::Str(s) => s.chars().count().max(1),
        _ => 1,
    }
}

/// Where the document's root value starts: its first token after comments, blank
/// lines, directives and a `---` marker.
fn first_token(text: &str) -> Pos {
    let mut at = Cursor::start(text);
    loop {
        at.skip_blank_and_comments();
        if at.col == 1 && (at.rest().starts_with('%') || at.rest().starts_with("---")) {
            at.skip_marker_or_directive();
            continue;
        }
        return at.pos();
    }
}

/// Where the value of the key at `key` starts: past the key, its `:`, blanks,
/// comments, and an anchor or tag (for an empty value, the `:` itself).
fn value_start(text: &str, key: Pos, empty: bool) -> Pos {
    let mut at = Cursor::at(text, key);
    at.skip_key();
    if empty {
        return at.pos();
    }
    at.bump();
    loop {
        at.skip_blank_and_comments();
        if at.rest().starts_with(['&', '!']) {
            at.skip_word();
            continue;
        }
        // A list written at its key's own indentation starts, for the parser, at its
        // first entry rather than at the `-`.
        if at.col == key.col() && at.rest().starts_with("- ") {
            at.bump();
            at.skip_blank_and_comments();
        }
        return at.pos();
    }
}

/// A place in the text, kept as a byte offset and the 1-based line and column.
struct Cursor<'t> {
    text: &'t str,
    offset: usize,
    line: usize,
    col: usize,
}

impl<'t> Cursor<'t> {
    fn start(text: &'t str) -> Self {
        let offset = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
        Cursor { text, offset, line: 1, col: 1 }
    }

    fn at(text: &'t str, pos: Pos) -> Self {
        let mut c = Cursor::start(text);
        while c.line < pos.line() && c.bump().is_some() {}
        while c.col < pos.col() && c.rest().chars().next().is_some_and(|ch| ch != '\n') {
            c.bump();
        }
        c
    }

    fn rest(&self) -> &'t str {
        self.text.get(self.offset..).unwrap_or("")
    }

    fn pos(&self) -> Pos {
        Pos::new(self.line, self.col, 1)
    }

    fn bump(&mut self) -> Option<char> {
        let ch = self.rest().chars().next()?;
        self.offset += ch.len_utf8();
        if ch == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(ch)
    }

    fn skip_blank_and_comments(&mut self) {
        while let Some(ch) = self.rest().chars().next() {
            match ch {
                ' ' | '\t' | '\r' | '\n' => {
                    self.bump();
                }
                '#' => {
                    while self.rest().chars().next().is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                _ => return,
            }
        }
    }

    fn skip_marker_or_directive(&mut self) {
        if self.rest().starts_with("---") {
            for _ in 0..3 {
                self.bump();
            }
            return;
        }
        while self.rest().chars().next().is_some_and(|c| c != '\n') {
            self.bump();
        }
    }

    fn skip_word(&mut self) {
        while self.rest().chars().next().is_some_and(|c| !c.is_whitespace()) {
            self.bump();
        }
    }

    /// Past a key (plain or quoted), onto the `:` after it.
    fn skip_key(&mut self) {
        if let Some(q @ ('"' | '\'')) = self.rest().chars().next() {
            self.bump();
            while let Some(ch) = self.bump() {
                if ch == '\\' && q == '"' {
                    self.bump();
                } else if ch == q {
                    break;
                }
            }
        }
        while let Some(ch) = self.rest().chars().next() {
            if ch == ':' {
                return;
            }
            self.bump();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Streaming and the tree parser agree: the same tree once the tree's list is
    /// emptied, and the same entries, in order, with the same positions.
    fn agrees(text: &str) {
        let mut tree = yaml::parse(text).unwrap_or_else(|e| panic!("{e:?} in {text:?}"));
        let mut streamed = Vec::new();
        let rest = parse_streaming(text, &mut |i, n| streamed.push((i, n))).expect("streams");
        let mut listed = Vec::new();
        if let Value::Map(entries) = &mut tree.value {
            for (k, v) in entries.iter_mut().filter(|(k, _)| k.name == STREAMED_KEY) {
                let _ = k;
                if let Value::Seq(items) = &mut v.value {
                    listed.extend(std::mem::take(items));
                }
            }
        }
        assert_eq!(rest, tree, "tree of {text:?}");
        let indexed: Vec<(usize, Node)> = listed.into_iter().enumerate().collect();
        assert_eq!(streamed, indexed, "entries of {text:?}");
    }

    #[test]
    fn streaming_matches_the_tree() {
        for text in [
            "version: 1\ntenants:\n  - id: a.onmicrosoft.com\n    tags: [x, y]\n  - id: b.onmicrosoft.com\n",
            "# comment\n\nversion: 1\ntenants:\n# between\n- id: a.onmicrosoft.com\n",
            "---\nversion: 1\ntenants: [ {id: a.onmicrosoft.com}, {id: b.onmicrosoft.com} ]\n",
            "version: 1\n\"tenants\": # note\n  - id: a.onmicrosoft.com\n",
            "version: 1\ntenants: &t\n  - id: a.onmicrosoft.com\nagain: *t\n",
            "version: 1\ntenants: contoso.onmicrosoft.com\n",
            "version: 1\ntenants:\n  id: a.onmicrosoft.com\n",
            "version: 1\ntenants:\n",
            "{version: 1, tenants: [{id: a.onmicrosoft.com}]}\n",
            "- a\n- b\n",
            "just a string\n",
            "%YAML 1.2\n---\nversion: 1\n",
            "\u{feff}version: 1\ntenants:\n  - id: é.onmicrosoft.com\n",
            "commands:\n  x:\n    - Get-Label\nnested:\n  tenants:\n    - kept in the tree\n",
        ] {
            agrees(text);
        }
    }

    #[test]
    fn empty_documents_and_errors_are_those_of_the_tree_parser() {
        for text in ["", "# only a comment\n", "---\n"] {
            assert_eq!(parse_streaming(text, &mut |_, _| {}), yaml::parse(text), "{text:?}");
        }
        for text in ["a: [1, 2\n", "tenants:\n  - id: a\n  - [\n", "a:\n\t- b\n", "tenants:\n  - *nope\n"] {
            let streamed = parse_streaming(text, &mut |_, _| {}).expect_err("refused");
            assert_eq!(Err::<Node, _>(streamed), yaml::parse(text), "{text:?}");
        }
    }
}
