//! Small HTTP helpers shared by the handlers: the request as handlers see it,
//! JSON responses, form and query decoding.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use hyper::{Method, Response, StatusCode};
use std::collections::HashMap;

/// The response type every handler returns.
pub type Resp = Response<Full<Bytes>>;

/// A fully read request.
#[derive(Debug)]
pub struct Req {
    pub method: Method,
    /// Percent-decoded path segments, without empty ones.
    pub segments: Vec<String>,
    /// The raw path (for building next links).
    pub path: String,
    pub query: HashMap<String, String>,
    /// The raw query string (empty when none).
    pub raw_query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// `scheme://host[:port]` as the client addressed us.
    pub origin: String,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The raw query string, as received.
    pub fn query_string(&self) -> &str {
        &self.raw_query
    }

    /// The body decoded as `application/x-www-form-urlencoded` (last value wins).
    pub fn form(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(&self.body).into_owned().collect()
    }
}

/// Decode a query string (last value wins).
pub fn parse_query(q: Option<&str>) -> HashMap<String, String> {
    match q {
        Some(q) => url::form_urlencoded::parse(q.as_bytes()).into_owned().collect(),
        None => HashMap::new(),
    }
}

/// Split and percent-decode a path.
pub fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect()
}

/// A response with a body and content type.
pub fn bytes(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Resp {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A JSON response.
pub fn json(status: StatusCode, value: &serde_json::Value) -> Resp {
    let body = serde_json::to_vec(value).unwrap_or_default();
    bytes(status, "application/json; charset=utf-8", body)
}

/// Add a header (ignoring values that are not valid header text).
pub fn with_header(mut r: Resp, name: &'static str, value: &str) -> Resp {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
    r
}

/// A plain 404 for paths the emulator does not serve.
pub fn not_found(path: &str) -> Resp {
    json(
        StatusCode::NOT_FOUND,
        &serde_json::json!({"error": {"code": "NotFound", "message": format!("The emulator serves no resource at {path}.")}}),
    )
}
