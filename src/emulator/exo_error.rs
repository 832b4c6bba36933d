//! Exchange admin API error bodies in the shapes the live service sends (SPEC §4):
//! `error.message` is "Invalid Operation" for every cmdlet error, the specific text sits in
//! `innererror.internalexception` (key in lower case), `details[0].message` repeats it behind
//! a `|Exception.Type|` prefix (absent for argument transformation errors), and a caller
//! without an Exchange role gets a 403 whose body is NUL bytes, the reason in `x-ms-diagnostics`.

use super::http::{bytes, json, with_header, Resp};
use hyper::StatusCode;

/// What the live service puts in `error.message` for every failed cmdlet.
pub const INVALID_OPERATION: &str = "Invalid Operation";
/// The wrapper type of `innererror`.
const ODATA_SERVICE_EXCEPTION: &str = "Microsoft.Exchange.Admin.OData.Core.ODataServiceException";

/// Whether the body repeats the text in `details` (the live service leaves `details`
/// out when a parameter value could not be transformed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Details {
    Included,
    Omitted,
}

/// An error as the Exchange admin API reports a failed cmdlet.
pub fn cmdlet_error(status: StatusCode, code: &str, exception: &str, message: &str) -> Resp {
    cmdlet_error_body(status, code, exception, message, Details::Included)
}

/// [`cmdlet_error`], choosing whether `details` is present.
pub fn cmdlet_error_body(
    status: StatusCode,
    code: &str,
    exception: &str,
    message: &str,
    details: Details,
) -> Resp {
    let mut error = serde_json::json!({
        "code": code,
        "message": INVALID_OPERATION,
        "innererror": {
            "message": INVALID_OPERATION,
            "type": ODATA_SERVICE_EXCEPTION,
            "stacktrace": "",
            "internalexception": {"message": message, "type": exception, "stacktrace": ""},
        },
    });
    match details {
        Details::Included => {
            error["details"] = serde_json::json!([{"code": "Client", "target": "", "message": format!("|{exception}|{message}")}]);
        }
        // The live service adds an (empty) warnings collection to these.
        Details::Omitted => {
            error["adminapi.warnings@odata.type"] = "#Collection(String)".into();
            error["@adminapi.warnings"] = serde_json::json!([]);
        }
    }
    json(status, &serde_json::json!({ "error": error }))
}

/// Length of the NUL body of [`missing_role`].
pub const MISSING_ROLE_BODY_LEN: usize = 512;
/// The `x-ms-diagnostics` text of [`missing_role`].
pub const MISSING_ROLE_DIAGNOSTICS: &str = "2000010;reason=\"The caller holds no role that grants the Exchange admin API in this organization.\";error_category=\"insufficient_role\"";

/// 403 for a caller whose app (or user) lacks an Exchange role: a body of NUL bytes,
/// the reason only in `x-ms-diagnostics`.
pub fn missing_role() -> Resp {
    let r = bytes(StatusCode::FORBIDDEN, "application/json; charset=utf-8", vec![0u8; MISSING_ROLE_BODY_LEN]);
    with_header(r, "x-ms-diagnostics", MISSING_ROLE_DIAGNOSTICS)
}

/// A plain service error (throttling, 5xx, auth) without a cmdlet exception.
pub fn service_error(status: StatusCode, code: &str, message: &str) -> Resp {
    json(status, &serde_json::json!({"error": {"code": code, "message": message}}))
}

/// 429 with `Retry-After`.
pub fn throttled(retry_after: u64, tenant: &str) -> Resp {
    let r = service_error(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        &format!("Fail to process request due to too many requests for tenant {tenant}. Please retry after {retry_after} seconds."),
    );
    with_header(r, "retry-after", &retry_after.to_string())
}

/// 401 with the `WWW-Authenticate` challenge Exchange sends.
pub fn unauthorized(origin: &str, reason: &str) -> Resp {
    let r = service_error(StatusCode::UNAUTHORIZED, "Unauthorized", reason);
    with_header(
        r,
        "www-authenticate",
        &format!("Bearer client_id=\"00000002-0000-0ff1-ce00-000000000000\", trusted_issuers=\"00000001-0000-0000-c000-000000000000@*\", token_types=\"app_asserted_user_v1 service_asserted_app_v1\", authorization_uri=\"{origin}/login/common/oauth2/authorize\", error=\"invalid_token\", error_description=\"{reason}\""),
    )
}
