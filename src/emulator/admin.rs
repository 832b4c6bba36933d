//! Test-only endpoints: `GET /_stats`, `POST /_admin/reset`, `POST /_admin/device/approve`,
//! `POST /_admin/refresh_token`, and the `/devicelogin` page a person can use to approve a
//! device code in a browser.

use super::http::{bytes, json, Req, Resp};
use super::state::State;
use hyper::StatusCode;
use serde::Deserialize;

fn bad(message: &str) -> Resp {
    json(StatusCode::BAD_REQUEST, &serde_json::json!({"error": message}))
}

pub fn stats(state: &State) -> Resp {
    json(StatusCode::OK, &serde_json::to_value(state.stats()).unwrap_or_default())
}

pub fn reset(state: &State) -> Resp {
    state.reset();
    json(StatusCode::OK, &serde_json::json!({"reset": true}))
}

#[derive(Debug, Deserialize)]
struct Approve {
    user_code: String,
    upn: String,
}

pub fn approve(state: &State, req: &Req) -> Resp {
    let Ok(body) = serde_json::from_slice::<Approve>(&req.body) else {
        return bad("expected JSON {\"user_code\":\"…\",\"upn\":\"…\"}");
    };
    match state.devices.approve(state, &body.user_code, &body.upn) {
        Ok(()) => json(StatusCode::OK, &serde_json::json!({"approved": true, "upn": body.upn})),
        Err(e @ super::device::ApproveError::UnknownCode(_)) => {
            json(StatusCode::NOT_FOUND, &serde_json::json!({"error": e.to_string()}))
        }
        Err(e) => bad(&e.to_string()),
    }
}

#[derive(Debug, Deserialize)]
struct MintRefresh {
    upn: String,
    client_id: Option<String>,
}

pub fn refresh_token(state: &State, req: &Req) -> Resp {
    let Ok(body) = serde_json::from_slice::<MintRefresh>(&req.body) else {
        return bad("expected JSON {\"upn\":\"…\",\"client_id\":\"…\"}");
    };
    if state.registry.user(&body.upn).is_none() {
        return bad(&format!("unknown user {}", body.upn));
    }
    let client = body.client_id.unwrap_or_else(|| super::registry::PUBLIC_CLIENT_ID.to_string());
    match super::grant_refresh::mint_new(state, &body.upn, &client) {
        Ok(rt) => json(StatusCode::OK, &serde_json::json!({"refresh_token": rt})),
        Err(e) => bad(&e.message),
    }
}

/// `GET /devicelogin[?code=…&upn=…]`: approve in a browser.
pub fn device_login(state: &State, req: &Req) -> Resp {
    let page = |msg: &str| {
        bytes(
            StatusCode::OK,
            "text/html; charset=utf-8",
            format!(
                "<!doctype html><title>tenantrun emulator sign-in</title><h1>tenantrun emulator sign-in</h1><p>{}</p>\
                 <form method=get><label>Code <input name=code></label> <label>User <input name=upn value=\"{}\"></label> \
                 <button>Approve</button></form>",
                html_escape(msg),
                super::registry::PARTNER_UPN
            ),
        )
    };
    match (req.query.get("code"), req.query.get("upn")) {
        (Some(code), Some(upn)) => match state.devices.approve(state, code, upn) {
            Ok(()) => page(&format!("Approved {code} as {upn}. You can close this window.")),
            Err(e) => page(&e.to_string()),
        },
        _ => page("Enter the code shown by tenantrun and the user to sign in as (password is not asked)."),
    }
}

pub(super) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
