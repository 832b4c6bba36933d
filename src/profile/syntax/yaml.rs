//! YAML to [`Node`] with serde-saphyr: every key and value keeps its line and
//! column (`Spanned`), and the parser's budget bounds alias expansion, nesting and
//! size so an alias bomb or a hostile file is refused quickly instead of
//! exhausting memory.

use super::tree::{Key, Node, Pos, Value};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// A YAML syntax or limit error, with its position when known.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub message: String,
    pub pos: Option<Pos>,
    pub hint: Option<String>,
}

/// Parse one YAML document.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    match serde_saphyr::from_str_with_options::<Option<Spanned<Raw>>>(text, options()) {
        Ok(Some(root)) => Ok(to_node(root)),
        Ok(None) => Ok(empty_document()),
        Err(err) => Err(located(text, &err)),
    }
}

/// What an empty (or comment-only) document parses to.
pub(super) fn empty_document() -> Node {
    Node { pos: Pos::new(1, 1, 1), value: Value::Null }
}

/// A parser error as a [`YamlError`], a tab pointed at where it is.
pub(super) fn located(text: &str, err: &serde_saphyr::Error) -> YamlError {
    locate_tab(text, convert_error(err))
}

/// The parser's limits: alias expansion, nesting and size are bounded.
pub(super) fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: 64,
            max_aliases: 10_000,
            max_nodes: 2_000_000,
            max_events: 5_000_000,
            max_recorded_anchor_events: 50_000,
        },
        // Repeated keys reach the checker, which names both places.
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
    }
}

/// The parser notices a tab where it trips over it (on the line before, or one column
/// after it): point at the tab itself, the first from the start of the reported line.
fn locate_tab(text: &str, mut e: YamlError) -> YamlError {
    let Some(pos) = e.pos.filter(|_| e.message.contains("tab")) else { return e };
    for (i, line) in text.lines().enumerate().skip(pos.line().saturating_sub(1)).take(3) {
        let Some(byte) = line.find('\t') else { continue };
        let before = &line[..byte];
        e.pos = Some(Pos::new(i + 1, before.chars().count() + 1, 1));
        if before.chars().all(|c| c == ' ' || c == '\t') {
            e.message = "a tab in the indentation; YAML indents with spaces only".into();
            e.hint = Some("replace the tab with spaces".into());
        }
        return e;
    }
    e
}

fn convert_error(err: &serde_saphyr::Error) -> YamlError {
    let mut inner = err;
    while let serde_saphyr::Error::AliasError { error, .. } | serde_saphyr::Error::WithSnippet { error, .. } =
        inner
    {
        inner = error;
    }
    if let serde_saphyr::Error::Budget { breach, location } = inner {
        use serde_saphyr::budget::BudgetBreach as B;
        let (message, hint) = match breach {
            B::Aliases { .. }
            | B::RecordedAnchorEvents { .. }
            | B::RecordedAnchorBytes { .. }
            | B::Anchors { .. } => (
                "anchors and aliases expand beyond the limit (an alias bomb?); refusing to expand them"
                    .to_string(),
                "a profile needs only a few aliases; write the values out",
            ),
            B::Depth { .. } => {
                ("nesting is deeper than 64 levels".to_string(), "a profile needs at most a few levels")
            }
            other => (
                format!("the document exceeds a size limit ({other:?})"),
                "split it into several files in one folder; a folder is merged",
            ),
        };
        let location = err.location().unwrap_or(*location);
        let pos = (location.line() > 0)
            .then(|| Pos::new(location.line() as usize, location.column().max(1) as usize, 1));
        return YamlError { message, pos, hint: Some(hint.to_string()) };
    }
    let pos = err
        .location()
        .filter(|l| l.line() > 0)
        .map(|l| Pos::new(l.line() as usize, l.column().max(1) as usize, 1));
    let message = inner.to_string();
    // Positions are shown separately: cut " at line L, column C" and alias notes.
    let cut = [" at line ", " (defined at line", " (used at line"]
        .iter()
        .filter_map(|m| message.find(m))
        .min()
        .unwrap_or(message.len());
    let message = message[..cut].trim().to_string();
    // Say what the library's wording means for a profile.
    let (message, hint) = if message.starts_with("multiple YAML documents") {
        (
            "a profile file holds one YAML document; this one has more (`---`)".to_string(),
            Some("put each document in its own file in one folder; a folder is merged".to_string()),
        )
    } else if message == "expected string scalar" {
        (
            "keys must be plain strings".to_string(),
            Some("write the key as a name, e.g. `automation:`".to_string()),
        )
    } else {
        (message, None)
    };
    YamlError { message, pos, hint }
}

pub(super) fn pos_of<T>(s: &Spanned<T>, len: usize) -> Pos {
    Pos::new(s.referenced.line() as usize, s.referenced.column() as usize, len.max(1))
}

/// A child as the parser hands it over (value and span), made a [`Node`] at once:
/// the spans' bookkeeping lives only while its own value is being read, so the file
/// is held as one tree, never as a spanned tree and a converted copy of it.
pub(super) fn to_node(s: Spanned<Raw>) -> Node {
    let len = match &s.value.0 {
        Value::Str(t) => t.chars().count(),
        _ => 1,
    };
    Node { pos: pos_of(&s, len), value: s.value.0 }
}

/// The untyped YAML value as serde sees it; its children are already [`Node`]s.
pub(super) struct Raw(pub(super) Value);

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

pub(super) struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw(Value::Int(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw(i64::try_from(v).map(Value::Int).unwrap_or(Value::Float(v as f64))))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw(i64::try_from(v).map(Value::Int).unwrap_or(Value::Float(v as f64))))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        Ok(Raw(i64::try_from(v).map(Value::Int).unwrap_or(Value::Float(v as f64))))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw(Value::Float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw(Value::Str(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw(Value::Str(v)))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw(Value::Str(String::from_utf8_lossy(v).into_owned())))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(to_node(item));
        }
        // Lists and tables are mostly short (a tenant's three keys): no spare capacity
        // kept for each of a hundred thousand of them.
        items.shrink_to_fit();
        Ok(Raw(Value::Seq(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Spanned<Raw>>()?;
            let kpos = pos_of(&key, key.value.chars().count());
            entries.push((Key { name: key.value, pos: kpos }, to_node(value)));
        }
        entries.shrink_to_fit();
        Ok(Raw(Value::Map(entries)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_keys_and_values() {
        let node =
            parse("version: 1\ntenants:\n  - id: contoso.onmicrosoft.com\n    tags: [a, b]\n").unwrap();
        let Value::Map(entries) = &node.value else { panic!("{node:?}") };
        assert_eq!(entries[0].0.name, "version");
        assert_eq!((entries[0].0.pos.line, entries[0].0.pos.col), (1, 1));
        assert_eq!(entries[0].1.value, Value::Int(1));
        assert_eq!((entries[0].1.pos.line, entries[0].1.pos.col), (1, 10));
        let Value::Seq(tenants) = &entries[1].1.value else { panic!() };
        let Value::Map(t) = &tenants[0].value else { panic!() };
        assert_eq!((t[0].0.pos.line, t[0].0.pos.col), (3, 5));
        assert_eq!((t[0].1.pos.line, t[0].1.pos.col), (3, 9));
        let Value::Seq(tags) = &t[1].1.value else { panic!() };
        assert_eq!((tags[1].pos.line, tags[1].pos.col), (4, 15));
    }

    #[test]
    fn errors_have_positions() {
        let at =
            |text: &str| parse(text).map(|_| ()).map_err(|e| (e.message, e.pos.map(|p| (p.line, p.col))));
        assert_eq!(at("a: [1, 2\n"), Err(("unclosed bracket '['".into(), Some((1, 4)))));
        assert_eq!(
            at("a: b\n a: c: d\n"),
            Err(("mapping values are not allowed in this context".into(), Some((2, 3))))
        );
        assert_eq!(at("a: *nope\n"), Err(("alias references unknown anchor".into(), Some((1, 4)))));
        assert!(at("\u{0}\u{1}").is_err());
    }

    #[test]
    fn a_tab_is_located_at_the_tab() {
        let at =
            |text: &str| parse(text).map(|_| ()).map_err(|e| (e.message, e.pos.map(|p| (p.line, p.col))));
        let indent = "a tab in the indentation; YAML indents with spaces only".to_string();
        // Reported by the parser one column after the tab, and on the line before it.
        assert_eq!(at("a:\n\t- b\n"), Err((indent.clone(), Some((2, 1)))));
        assert_eq!(at("a:\n  b:\n  \t- c\n"), Err((indent.clone(), Some((3, 3)))));
        assert_eq!(at("a:\n  - b: c\n\t  d: e\n"), Err((indent, Some((3, 1)))));
        // Tabs elsewhere are fine.
        assert!(at("a: b\tc\n").is_ok());
    }

    #[test]
    fn repeated_keys_reach_the_checker() {
        let node = parse("a: 1\na: 2\n").unwrap();
        let Value::Map(entries) = node.value else { panic!() };
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].0.pos.line, 2);
    }

    #[test]
    fn empty_and_comment_only_documents_are_null() {
        for text in ["", "# only a comment\n", "---\n"] {
            assert_eq!(parse(text).map(|n| n.value), Ok(Value::Null), "{text:?}");
        }
        let node = parse("k: ~\nk2: 0x1F\nk3: 1.5\nk4: true\nk5: 'true'\n").unwrap();
        let Value::Map(e) = node.value else { panic!() };
        let values: Vec<Value> = e.into_iter().map(|(_, v)| v.value).collect();
        assert_eq!(
            values,
            [Value::Null, Value::Int(31), Value::Float(1.5), Value::Bool(true), Value::Str("true".into())]
        );
    }

    #[test]
    fn alias_bomb_is_refused_quickly() {
        let mut text =
            String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        let mut prev = 'a';
        for c in 'b'..='j' {
            text.push_str(&format!(
                "{c}: &{c} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
            prev = c;
        }
        // Refused by the budget (before expanding), not by running out of time or memory;
        // no wall-time assertion: a loaded machine must not fail it.
        let e = parse(&text).unwrap_err();
        assert!(e.message.starts_with("anchors and aliases expand beyond the limit"), "{e:?}");
        assert!(e.pos.is_some());
    }
}
