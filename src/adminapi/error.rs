//! Failures of admin API calls, classified into the `error.kind` values of SPEC §3,
//! and extraction of the most specific message from the service's error body.

use serde::Serialize;

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

/// A failed admin API call, as reported in `results.jsonl`. Never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct ApiError {
    pub kind: ErrorKind,
    /// HTTP status of the last answer, when there was one.
    pub status: Option<u16>,
    /// The service's `error.code`, when it sent one.
    pub code: Option<String>,
    pub message: String,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError { kind, status: None, code: None, message: message.into() }
    }

    /// Classify an HTTP error answer: 429/503 → throttled, 401 → auth, 400 with a
    /// service error body → cmdlet, anything else → http.
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        let parsed = ServiceError::parse(body);
        let kind = match status {
            429 | 503 => ErrorKind::Throttled,
            401 => ErrorKind::Auth,
            400 if parsed.is_some() => ErrorKind::Cmdlet,
            _ => ErrorKind::Http,
        };
        let (code, message) = match parsed {
            Some(e) => (e.code, e.message),
            None => (None, fallback_message(status, body)),
        };
        ApiError { kind, status: Some(status), code, message }
    }
}

/// `{"error":{"code":..,"message":..,"details":[{"message":..}],"innererror":{"internalException":{"message":..}}}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub code: Option<String>,
    /// The most specific message: internal exception > first detail > error.message.
    pub message: String,
}

impl ServiceError {
    /// Parse an error body; `None` when it is not the service's error shape.
    pub fn parse(body: &[u8]) -> Option<ServiceError> {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        let error = value.get("error")?;
        let text = |v: Option<&serde_json::Value>| {
            v.and_then(|v| v.as_str()).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
        };
        let inner = text(error.pointer("/innererror/internalException/message"));
        let detail = error
            .get("details")
            .and_then(|d| d.as_array())
            .and_then(|d| d.iter().find_map(|x| text(x.get("message"))));
        let top = text(error.get("message"));
        let message = inner.or(detail).or(top)?;
        Some(ServiceError { code: text(error.get("code")), message })
    }
}

fn fallback_message(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let reason = http_reason(status);
    if text.is_empty() {
        format!("HTTP {status} {reason}")
    } else {
        let short: String = text.chars().take(300).collect();
        format!("HTTP {status} {reason}: {short}")
    }
}

fn http_reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_specific_message_wins() {
        let all = br#"{"error":{"code":"BadRequest","message":"top","details":[{"message":"detail"}],
            "innererror":{"internalException":{"message":"inner"}}}}"#;
        assert_eq!(
            ServiceError::parse(all),
            Some(ServiceError { code: Some("BadRequest".into()), message: "inner".into() })
        );
        let details =
            br#"{"error":{"code":"X","message":"top","details":[{"message":""},{"message":"second"}]}}"#;
        assert_eq!(ServiceError::parse(details).map(|e| e.message), Some("second".into()));
        let top = br#"{"error":{"message":"top"}}"#;
        assert_eq!(ServiceError::parse(top), Some(ServiceError { code: None, message: "top".into() }));
        assert_eq!(ServiceError::parse(b"<html>"), None);
    }

    #[test]
    fn statuses_are_classified() {
        let body = br#"{"error":{"code":"C","message":"The operation couldn't be performed"}}"#;
        assert_eq!(ApiError::from_response(400, body).kind, ErrorKind::Cmdlet);
        assert_eq!(ApiError::from_response(400, b"").kind, ErrorKind::Http);
        assert_eq!(ApiError::from_response(403, body).kind, ErrorKind::Http);
        assert_eq!(ApiError::from_response(429, b"").kind, ErrorKind::Throttled);
        assert_eq!(ApiError::from_response(401, b"").kind, ErrorKind::Auth);
        let e = ApiError::from_response(404, b"");
        assert_eq!((e.status, e.message.as_str()), (Some(404), "HTTP 404 Not Found"));
    }
}
