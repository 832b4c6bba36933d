//! Exchange admin API error bodies (`{"error":{"code","message","details","innererror"}}`),
//! where the most specific message sits in `innererror.internalException.message`.

use super::http::{json, with_header, Resp};
use hyper::StatusCode;

/// An error as the Exchange admin API reports a failed cmdlet.
pub fn cmdlet_error(status: StatusCode, code: &str, exception: &str, message: &str) -> Resp {
    let tag = format!("Ex{:06X}", crc(message) & 0xFF_FFFF);
    json(
        status,
        &serde_json::json!({
            "error": {
                "code": code,
                "message": format!("{tag}|{exception}|{message}"),
                "details": [{"code": "Context", "target": "", "message": message}],
                "innererror": {
                    "message": message,
                    "type": "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
                    "internalException": {"message": message, "type": exception},
                },
            }
        }),
    )
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

fn crc(s: &str) -> u32 {
    s.bytes().fold(0x811C_9DC5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}
