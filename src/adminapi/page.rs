//! One page of an InvokeCommand answer, parsed as a stream: its objects go to the caller
//! in batches of items lines as they are read, each copied from the body by
//! [`transcode`] (compact, OData annotations removed) without building a `Value` tree
//! (issue #15), so a page of millions of tiny objects costs the body and one batch, not
//! tens of times the body (issue #9 item 8); `@odata.nextLink` is kept and
//! `@adminapi.warnings` go to the step's capped [`WarningLog`]. Other keys are skipped
//! without being built.

use super::transcode::{transcode, Malformed};
use super::warnings::WarningLog;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;
use std::fmt;

/// Objects handed to the caller at once, at most.
pub const BATCH: usize = 1000;

/// Bytes of items lines handed to the caller at once, at most (past one object's own size).
pub const BATCH_BYTES: usize = 256 * 1024;

/// Where a page's objects go: complete items lines (`{...}\n`), one batch at a time.
pub type LineSink<'s> = dyn FnMut(&[u8]) -> std::io::Result<()> + 's;

/// What a page said besides its objects.
#[derive(Debug, Default, PartialEq)]
pub struct PageMeta {
    pub next_link: Option<String>,
    pub item_count: u64,
}

/// Why a page could not be taken.
#[derive(Debug)]
pub enum PageError {
    /// The body is not a page (never echoes the body).
    Malformed(String),
    /// The caller's sink failed.
    Sink(std::io::Error),
}

/// Parse a 200 body, handing its objects to `sink` as items lines, in batches of at most
/// [`BATCH`] objects and [`BATCH_BYTES`] bytes.
pub fn parse_page(
    body: &[u8],
    sink: &mut LineSink<'_>,
    warnings: &mut WarningLog,
) -> Result<PageMeta, PageError> {
    let mut state = State {
        sink,
        warnings,
        sink_error: None,
        meta: PageMeta::default(),
        // Lines are never longer than the body they are copied from.
        lines: Vec::with_capacity(body.len().min(BATCH_BYTES) + 1),
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let parsed = RootSeed(&mut state).deserialize(&mut de).and_then(|()| de.end());
    if let Some(e) = state.sink_error.take() {
        return Err(PageError::Sink(e));
    }
    match parsed {
        Ok(()) => Ok(state.meta),
        Err(e) if e.is_data() && e.to_string().starts_with("invalid type") => {
            Err(PageError::Malformed("answer is not a JSON object".into()))
        }
        Err(e) if e.is_data() => Err(PageError::Malformed(e.to_string())),
        Err(e) => Err(PageError::Malformed(format!("answer is not JSON: {e}"))),
    }
}

struct State<'s> {
    sink: &'s mut LineSink<'s>,
    warnings: &'s mut WarningLog,
    sink_error: Option<std::io::Error>,
    meta: PageMeta,
    /// The batch: items lines not yet handed to `sink`.
    lines: Vec<u8>,
}

struct RootSeed<'a, 's>(&'a mut State<'s>);

impl<'de> DeserializeSeed<'de> for RootSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RootSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "value" => map.next_value_seed(ItemsSeed(self.0))?,
                "@odata.nextLink" => {
                    if let Value::String(s) = map.next_value::<Value>()? {
                        self.0.meta.next_link = Some(s);
                    }
                }
                "@adminapi.warnings" => map.next_value_seed(WarningsSeed(self.0.warnings))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `value`: an array of objects, or null.
struct ItemsSeed<'a, 's>(&'a mut State<'s>);

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`value` as an array")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let state = self.0;
        let mut batch = 0u64;
        let flush = |batch: &mut u64, state: &mut State<'_>| -> Result<(), A::Error> {
            if *batch == 0 {
                return Ok(());
            }
            state.meta.item_count += *batch;
            *batch = 0;
            let written = (state.sink)(&state.lines);
            state.lines.clear();
            written.map_err(|e| {
                state.sink_error = Some(e);
                de::Error::custom("the items could not be written")
            })
        };
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            transcode(item.get().as_bytes(), &mut state.lines)
                .map_err(|Malformed(why)| de::Error::custom(why))?;
            state.lines.push(b'\n');
            batch += 1;
            if batch >= BATCH as u64 || state.lines.len() >= BATCH_BYTES {
                flush(&mut batch, state)?;
            }
        }
        flush(&mut batch, state)
    }
    fn visit_map<A: MapAccess<'de>>(self, _map: A) -> Result<(), A::Error> {
        Err(de::Error::custom("`value` is not an array"))
    }
    fn visit_str<E: de::Error>(self, _v: &str) -> Result<(), E> {
        Err(de::Error::custom("`value` is not an array"))
    }
    fn visit_bool<E: de::Error>(self, _v: bool) -> Result<(), E> {
        Err(de::Error::custom("`value` is not an array"))
    }
    fn visit_i64<E: de::Error>(self, _v: i64) -> Result<(), E> {
        Err(de::Error::custom("`value` is not an array"))
    }
    fn visit_u64<E: de::Error>(self, _v: u64) -> Result<(), E> {
        Err(de::Error::custom("`value` is not an array"))
    }
    fn visit_f64<E: de::Error>(self, _v: f64) -> Result<(), E> {
        Err(de::Error::custom("`value` is not an array"))
    }
}

/// `@adminapi.warnings`: an array (of strings, or anything, shown as JSON) or one string.
/// Warnings past the log's cap are skipped without being built.
struct WarningsSeed<'a>(&'a mut WarningLog);

impl<'de> DeserializeSeed<'de> for WarningsSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for WarningsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("warnings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            if self.0.is_full() {
                match seq.next_element::<IgnoredAny>()? {
                    Some(_) => self.0.skip(),
                    None => return Ok(()),
                }
            } else {
                match seq.next_element::<Value>()? {
                    Some(Value::String(s)) => self.0.push(&s),
                    Some(other) => self.0.push(&other.to_string()),
                    None => return Ok(()),
                }
            }
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.push(v);
        Ok(())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        self.0.push(&v);
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _v: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _v: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _v: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _v: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The page's items lines, each parsed back, and the lines' exact text.
    fn parse(body: &[u8]) -> Result<(Vec<Value>, PageMeta, Vec<String>), String> {
        parse_text(body).map(|(text, meta, warnings)| {
            (text.lines().map(|l| serde_json::from_str(l).unwrap()).collect(), meta, warnings)
        })
    }

    fn parse_text(body: &[u8]) -> Result<(String, PageMeta, Vec<String>), String> {
        let mut items = Vec::new();
        let mut log = WarningLog::default();
        let mut sink = |batch: &[u8]| {
            assert_eq!(batch.last(), Some(&b'\n'), "a batch is whole lines");
            items.extend_from_slice(batch);
            Ok(())
        };
        match parse_page(body, &mut sink, &mut log) {
            Ok(meta) => Ok((String::from_utf8(items).unwrap(), meta, log.into_vec())),
            Err(PageError::Malformed(m)) => Err(m),
            Err(PageError::Sink(e)) => Err(e.to_string()),
        }
    }

    #[test]
    fn parses_items_next_link_and_warnings() {
        let body = json!({
            "@odata.context": "https://x/$metadata#Collection",
            "value": [
                {"@odata.type": "#Exchange.Label", "Name": "A", "Name@odata.type": "#String",
                 "Settings": [{"@odata.type": "#x", "k": 1}]},
                {"Name": "B"}
            ],
            "@odata.nextLink": "https://x/adminapi/beta/t/InvokeCommand?$skiptoken=2",
            "@adminapi.warnings": ["careful", {"not": "text"}]
        });
        let (items, meta, warnings) = parse_text(body.to_string().as_bytes()).unwrap();
        assert_eq!(items, "{\"Name\":\"A\",\"Settings\":[{\"k\":1}]}\n{\"Name\":\"B\"}\n");
        assert_eq!(meta.next_link.as_deref(), Some("https://x/adminapi/beta/t/InvokeCommand?$skiptoken=2"));
        assert_eq!(meta.item_count, 2);
        assert_eq!(warnings, vec!["careful".to_string(), r#"{"not":"text"}"#.to_string()]);
    }

    #[test]
    fn objects_arrive_in_batches() {
        let body = format!("{{\"value\":[{}]}}", vec!["{}"; 2 * BATCH + 1].join(","));
        let mut sizes = Vec::new();
        let mut sink = |batch: &[u8]| {
            sizes.push(batch.iter().filter(|&&b| b == b'\n').count());
            Ok(())
        };
        let meta = parse_page(body.as_bytes(), &mut sink, &mut WarningLog::default()).unwrap();
        assert_eq!(sizes, vec![BATCH, BATCH, 1]);
        assert_eq!(meta.item_count, 2 * BATCH as u64 + 1);
    }

    #[test]
    fn last_page_and_malformed() {
        assert_eq!(parse(br#"{"value":[]}"#).unwrap(), (vec![], PageMeta::default(), vec![]));
        assert_eq!(parse(br#"{"value":null,"@adminapi.warnings":"one"}"#).unwrap().2, vec!["one"]);
        assert!(parse(b"nope").unwrap_err().starts_with("answer is not JSON"));
        assert_eq!(parse(b"[1]").unwrap_err(), "answer is not a JSON object");
        assert!(parse(br#"{"value":3}"#).unwrap_err().starts_with("`value` is not an array"));
        assert!(parse(br#"{"value":[]} trailing"#).unwrap_err().starts_with("answer is not JSON"));
    }

    #[test]
    fn a_failing_sink_stops_the_page() {
        let body = format!("{{\"value\":[{}]}}", vec!["{}"; BATCH + 5].join(","));
        let mut sink = |_: &[u8]| Err(std::io::Error::other("disk full"));
        match parse_page(body.as_bytes(), &mut sink, &mut WarningLog::default()) {
            Err(PageError::Sink(e)) => assert_eq!(e.to_string(), "disk full"),
            other => panic!("{other:?}"),
        }
    }
}
