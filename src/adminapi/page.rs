//! One page of an InvokeCommand answer: its objects (OData annotations removed),
//! the absolute `@odata.nextLink`, and `@adminapi.warnings`.

use crate::server_text;
use serde_json::{Map, Value};

/// A parsed page.
#[derive(Debug, Default, PartialEq)]
pub struct Page {
    pub items: Vec<Value>,
    pub next_link: Option<String>,
    pub warnings: Vec<String>,
}

impl Page {
    /// Parse a 200 body. Errors describe what is malformed (never echo the whole body).
    pub fn parse(body: &[u8]) -> Result<Page, String> {
        let value: Value = serde_json::from_slice(body).map_err(|e| format!("answer is not JSON: {e}"))?;
        let Value::Object(mut root) = value else {
            return Err("answer is not a JSON object".into());
        };
        let items = match root.remove("value") {
            Some(Value::Array(items)) => items.into_iter().map(strip_annotations).collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(_) => return Err("`value` is not an array".into()),
        };
        let next_link = root.get("@odata.nextLink").and_then(|v| v.as_str()).map(str::to_string);
        let warnings = match root.get("@adminapi.warnings") {
            Some(Value::Array(w)) => w
                .iter()
                .map(|x| match x {
                    Value::String(s) => server_text::clean(s).into_owned(),
                    other => server_text::clean(&other.to_string()).into_owned(),
                })
                .collect(),
            Some(Value::String(s)) => vec![server_text::clean(s).into_owned()],
            _ => Vec::new(),
        };
        Ok(Page { items, next_link, warnings })
    }
}

/// Remove every key containing `@odata.` (`@odata.type`, `Name@odata.type`, ...), at any depth.
pub fn strip_annotations(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let out: Map<String, Value> = map
                .into_iter()
                .filter(|(k, _)| !k.contains("@odata."))
                .map(|(k, v)| (k, strip_annotations(v)))
                .collect();
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(strip_annotations).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
            "@adminapi.warnings": ["careful"]
        });
        let page = Page::parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(page.items, vec![json!({"Name": "A", "Settings": [{"k": 1}]}), json!({"Name": "B"})]);
        assert_eq!(page.next_link.as_deref(), Some("https://x/adminapi/beta/t/InvokeCommand?$skiptoken=2"));
        assert_eq!(page.warnings, vec!["careful".to_string()]);
    }

    #[test]
    fn last_page_and_malformed() {
        assert_eq!(Page::parse(br#"{"value":[]}"#).unwrap(), Page::default());
        assert!(Page::parse(b"nope").is_err());
        assert!(Page::parse(br#"{"value":3}"#).is_err());
    }
}
