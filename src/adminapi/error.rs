//! Failures of admin API calls, classified into the `error.kind` values of SPEC §3,
//! and extraction of the most specific message and the exception type from the
//! service's error body (SPEC §4 "Errors"); bodies that are not that shape (a 403 of NUL
//! bytes, an HTML page) are described, never copied raw.

use crate::server_text;
use serde::Serialize;
use serde_json::Value;

/// `error.kind` in `results.jsonl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    /// No token could be obtained, or the service kept rejecting it.
    Auth,
    /// 429/503 still returned after the retries were spent.
    Throttled,
    /// Any other HTTP failure (403, 404, 5xx after retries, a malformed answer).
    Http,
    /// The cmdlet itself failed (400 with an error body).
    Cmdlet,
    /// The per-request timeout elapsed on the last attempt.
    Timeout,
    /// The connection failed on the last attempt.
    Network,
    /// Not sent: a write cmdlet under `read_only`, or a missing cmdlet at preflight.
    Refused,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Auth => "auth",
            ErrorKind::Throttled => "throttled",
            ErrorKind::Http => "http",
            ErrorKind::Cmdlet => "cmdlet",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Network => "network",
            ErrorKind::Refused => "refused",
        }
    }
}

/// A failed admin API call, as reported in `results.jsonl`. Never carries a secret, and
/// every text in it that a server wrote has passed [`crate::server_text`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct ApiError {
    pub kind: ErrorKind,
    /// HTTP status of the last answer, when there was one.
    pub status: Option<u16>,
    /// The service's `error.code`, when it sent one.
    pub code: Option<String>,
    /// The exception type the service named (`Microsoft.Exchange.….ParameterTransformationException`),
    /// `error.type` on the journal line.
    pub exception_type: Option<String>,
    pub message: String,
}

/// What a failed answer carried besides its status.
#[derive(Debug, Clone, Copy, Default)]
pub struct FailedAnswer<'a> {
    /// The body, or its first [`crate::environment::body::MAX_ERROR_BODY_BYTES`].
    pub body: &'a [u8],
    /// The `x-ms-diagnostics` header, as sent (it is cleaned here).
    pub diagnostics: Option<&'a [u8]>,
    /// More body followed than `body` holds (it was not read).
    pub truncated: bool,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError { kind, status: None, code: None, exception_type: None, message: message.into() }
    }

    /// Classify an HTTP error answer: 429/503 → throttled, 401 → auth, 400 with a
    /// service error body → cmdlet, anything else → http.
    pub fn from_response(status: u16, answer: FailedAnswer<'_>) -> Self {
        let parsed = ServiceError::parse(answer.body);
        let kind = match status {
            429 | 503 => ErrorKind::Throttled,
            401 => ErrorKind::Auth,
            400 if parsed.is_some() => ErrorKind::Cmdlet,
            _ => ErrorKind::Http,
        };
        let diagnostics = answer.diagnostics.map(server_text::clean_bytes).filter(|d| !d.trim().is_empty());
        let (code, exception_type, message) = match parsed {
            Some(e) => (e.code, e.exception_type, e.message),
            None => {
                let mut m = describe_unparsed(status, answer.body, diagnostics.as_deref());
                if answer.truncated {
                    m.push_str(&format!(
                        " (only the first {} of the body was read)",
                        crate::environment::body::human(answer.body.len())
                    ));
                }
                (None, None, m)
            }
        };
        let clean = |t: String| crate::redact::scrub(&t, &[]).into_owned();
        ApiError {
            kind,
            status: Some(status),
            code: code.map(clean),
            exception_type: exception_type.map(clean),
            message: cap(clean(message)),
        }
    }
}

/// `{"error":{"code":..,"message":..,"details":[{"message":"|TYPE|text"}],"innererror":{"type":..,"internalexception":{"message":..,"type":..}}}}`,
/// keys matched case-insensitively (the live service writes `internalexception`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub code: Option<String>,
    /// The exception type: the internal exception's, else the `|TYPE|` prefix of the
    /// first detail, else the inner error's.
    pub exception_type: Option<String>,
    /// The most specific message: internal exception > first detail (without its
    /// `|TYPE|` prefix) > `error.message`. Cleaned of control characters.
    pub message: String,
}

impl ServiceError {
    /// Parse an error body; `None` when it is not the service's error shape.
    pub fn parse(body: &[u8]) -> Option<ServiceError> {
        let value: Value = serde_json::from_slice(body).ok()?;
        let error = key(&value, "error").filter(|e| e.is_object())?;
        let inner = key(error, "innererror");
        let internal = inner.and_then(|i| key(i, "internalexception"));
        let detail = key(error, "details")
            .and_then(Value::as_array)
            .and_then(|d| d.iter().find_map(|x| text(key(x, "message"))))
            .map(|m| split_type_prefix(&m));
        let top = text(key(error, "message")).map(|m| split_type_prefix(&m));

        let message = text(internal.and_then(|i| key(i, "message")))
            .or_else(|| detail.as_ref().map(|d| d.1.clone()))
            .or_else(|| top.as_ref().map(|t| t.1.clone()))?;
        let exception_type = text(internal.and_then(|i| key(i, "type")))
            .or_else(|| detail.and_then(|d| d.0))
            .or_else(|| top.and_then(|t| t.0))
            .or_else(|| text(inner.and_then(|i| key(i, "type"))));
        Some(ServiceError { code: text(key(error, "code")), exception_type, message })
    }
}

/// `object[name]`, the exact key first, else the first key equal ignoring ASCII case.
fn key<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    let map = object.as_object()?;
    map.get(name).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

/// A non-empty string value, cleaned and trimmed.
fn text(value: Option<&Value>) -> Option<String> {
    let cleaned = server_text::clean(value?.as_str()?);
    let trimmed = cleaned.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// `|TYPE|text` (or `TAG|TYPE|text`, as older front ends write `error.message`) → the type
/// and the text. A message without such a prefix is returned whole.
fn split_type_prefix(message: &str) -> (Option<String>, String) {
    let mut parts = message.splitn(3, '|');
    if let (Some(tag), Some(ty), Some(rest)) = (parts.next(), parts.next(), parts.next()) {
        let word = |s: &str| !s.chars().any(char::is_whitespace);
        if word(tag) && !ty.is_empty() && word(ty) && !rest.trim().is_empty() {
            return (Some(ty.to_string()), rest.trim().to_string());
        }
    }
    (None, message.to_string())
}

/// The message for an answer that is not the service's error shape: the status, what the
/// body was (an excerpt when it is JSON or readable text, never binary bytes), the
/// `x-ms-diagnostics` text, and for a 403 without a JSON body the likely cause.
fn describe_unparsed(status: u16, body: &[u8], diagnostics: Option<&str>) -> String {
    let reason = http_reason(status);
    let mut message = format!("HTTP {status} {reason}").trim_end().to_string();
    let is_json = serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok();
    if body.iter().all(u8::is_ascii_whitespace) {
        if !body.is_empty() {
            message.push_str(", empty body");
        }
    } else if is_json {
        message.push_str(&format!(": {}", excerpt(body)));
    } else if is_readable_text(body) {
        message.push_str(&format!(", answer is not JSON: {}", excerpt(body)));
    } else {
        message.push_str(&format!(", answer is not JSON ({} bytes of binary data, not shown)", body.len()));
    }
    if let Some(d) = diagnostics {
        message.push_str(&format!("; x-ms-diagnostics: {d}"));
    }
    if status == 403 && !is_json {
        message.push_str(" (hint: ");
        message.push_str(MISSING_ROLE_HINT);
        message.push(')');
    }
    message
}

/// Why a 403 without an error body usually happens.
pub const MISSING_ROLE_HINT: &str = "the app likely lacks the Exchange.ManageAsApp application permission \
    (Office 365 Exchange Online, with admin consent) or an Entra role such as Exchange Administrator or \
    Compliance Administrator in this tenant; for a delegated identity, the user lacks that role";

/// UTF-8 without NUL bytes that still says something once cleaned (an HTML page, a
/// proxy's text), as opposed to binary data.
fn is_readable_text(body: &[u8]) -> bool {
    std::str::from_utf8(body).is_ok_and(|t| !t.contains('\0') && !server_text::clean(t).trim().is_empty())
}

/// The first 300 characters of a readable body, on one line. JSON is written back in its
/// plain form first (`\u002B` → `+`), so a secret echoed with escapes is still recognised.
fn excerpt(body: &[u8]) -> String {
    let plain = serde_json::from_slice::<Value>(body).ok().and_then(|v| serde_json::to_vec(&v).ok());
    let text = server_text::clean_bytes(plain.as_deref().unwrap_or(body));
    let text = text.trim();
    let short: String = text.chars().take(EXCERPT_CHARS).collect();
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}

const EXCERPT_CHARS: usize = 300;

/// Messages are cut at 8 KiB (SPEC §9), on a character boundary.
pub const MAX_MESSAGE_BYTES: usize = 8 * 1024;

/// `message` cut at [`MAX_MESSAGE_BYTES`] (with `…` at the cut).
pub fn cap(mut message: String) -> String {
    if message.len() > MAX_MESSAGE_BYTES {
        let mut end = MAX_MESSAGE_BYTES - '…'.len_utf8();
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push('…');
    }
    message
}

fn http_reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(b: &[u8]) -> FailedAnswer<'_> {
        FailedAnswer { body: b, diagnostics: None, truncated: false }
    }

    #[test]
    fn most_specific_message_wins() {
        let all = br#"{"error":{"code":"BadRequest","message":"top","details":[{"message":"|A.DetailException|detail"}],
            "innererror":{"type":"W.Wrapper","internalException":{"message":"inner","type":"A.InnerException"}}}}"#;
        assert_eq!(
            ServiceError::parse(all),
            Some(ServiceError {
                code: Some("BadRequest".into()),
                exception_type: Some("A.InnerException".into()),
                message: "inner".into()
            })
        );
        let details =
            br#"{"error":{"code":"X","message":"top","details":[{"message":""},{"message":"|T.E|second"}]}}"#;
        let e = ServiceError::parse(details).unwrap();
        assert_eq!((e.exception_type.as_deref(), e.message.as_str()), (Some("T.E"), "second"));
        let top = br#"{"error":{"message":"top"}}"#;
        assert_eq!(
            ServiceError::parse(top),
            Some(ServiceError { code: None, exception_type: None, message: "top".into() })
        );
        assert_eq!(ServiceError::parse(b"<html>"), None);
        assert_eq!(ServiceError::parse(br#"{"error":"text"}"#), None);
    }

    #[test]
    fn keys_are_read_ignoring_case() {
        let lower = br#"{"ERROR":{"Code":"BadRequest","Message":"Invalid Operation","InnerError":{"type":"W",
            "internalexception":{"MESSAGE":"the real reason","Type":"Real.Exception"}}}}"#;
        let e = ServiceError::parse(lower).unwrap();
        assert_eq!(e.code.as_deref(), Some("BadRequest"));
        assert_eq!(e.exception_type.as_deref(), Some("Real.Exception"));
        assert_eq!(e.message, "the real reason");
    }

    #[test]
    fn type_prefixes_are_split_off() {
        assert_eq!(split_type_prefix("|A.B|text"), (Some("A.B".into()), "text".into()));
        assert_eq!(split_type_prefix("Ex1A2B3C|A.B|text | more"), (Some("A.B".into()), "text | more".into()));
        assert_eq!(split_type_prefix("a | b | c"), (None, "a | b | c".into()));
        assert_eq!(split_type_prefix("|A.B|"), (None, "|A.B|".into()));
        assert_eq!(split_type_prefix("no pipes"), (None, "no pipes".into()));
        // Only the inner error's wrapper type left: it is still the type the service named.
        let wrapper = br#"{"error":{"message":"Invalid Operation","innererror":{"type":"W.Wrapper"}}}"#;
        assert_eq!(ServiceError::parse(wrapper).unwrap().exception_type.as_deref(), Some("W.Wrapper"));
    }

    #[test]
    fn server_text_is_cleaned() {
        let b = "{\"error\":{\"message\":\"\\u001b]0;pwned\\u0007\\u001b[2Jall \\u001b[32mOK\\u0000\"}}";
        assert_eq!(ApiError::from_response(400, body(b.as_bytes())).message, "all OK");
        let e = ApiError::from_response(502, body(b"<html>\x1b[31mbad gateway\r\n</html>"));
        assert_eq!(e.message, "HTTP 502 Bad Gateway, answer is not JSON: <html>bad gateway </html>");
    }

    #[test]
    fn nul_bodies_are_described_not_copied() {
        let nul = vec![0u8; 300];
        let diag = b"2000010;reason=\"no role\x1b[0m\";error_category=\"insufficient_role\"";
        let e = ApiError::from_response(
            403,
            FailedAnswer { body: &nul, diagnostics: Some(diag), truncated: false },
        );
        assert_eq!(e.kind, ErrorKind::Http);
        assert_eq!((e.code, e.exception_type), (None, None));
        assert_eq!(
            e.message,
            format!(
                "HTTP 403 Forbidden, answer is not JSON (300 bytes of binary data, not shown); x-ms-diagnostics: \
                 2000010;reason=\"no role\";error_category=\"insufficient_role\" (hint: {MISSING_ROLE_HINT})"
            )
        );
        assert!(MISSING_ROLE_HINT.contains("Exchange.ManageAsApp"));
        assert!(MISSING_ROLE_HINT.contains("Exchange Administrator or Compliance Administrator"));
        let empty = ApiError::from_response(403, body(b""));
        assert_eq!(empty.message, format!("HTTP 403 Forbidden (hint: {MISSING_ROLE_HINT})"));
        let json = ApiError::from_response(500, body(br#"{"unexpected":"shape"}"#));
        assert_eq!(json.message, r#"HTTP 500 Internal Server Error: {"unexpected":"shape"}"#);
    }

    #[test]
    fn long_messages_are_cut() {
        let long = format!("{{\"error\":{{\"message\":\"{}\"}}}}", "é".repeat(10_000));
        let m = ApiError::from_response(400, body(long.as_bytes())).message;
        assert!(m.len() <= MAX_MESSAGE_BYTES && m.len() > MAX_MESSAGE_BYTES - 8, "{}", m.len());
        assert!(m.ends_with("é…"));
    }

    #[test]
    fn statuses_are_classified() {
        let b = br#"{"error":{"code":"C","message":"The operation couldn't be performed"}}"#;
        assert_eq!(ApiError::from_response(400, body(b)).kind, ErrorKind::Cmdlet);
        assert_eq!(ApiError::from_response(400, body(b"")).kind, ErrorKind::Http);
        assert_eq!(ApiError::from_response(403, body(b)).kind, ErrorKind::Http);
        assert_eq!(ApiError::from_response(429, body(b"")).kind, ErrorKind::Throttled);
        assert_eq!(ApiError::from_response(401, body(b"")).kind, ErrorKind::Auth);
        let e = ApiError::from_response(404, body(b""));
        assert_eq!((e.status, e.message.as_str()), (Some(404), "HTTP 404 Not Found"));
    }
}
