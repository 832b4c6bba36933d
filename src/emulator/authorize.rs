//! The authorization-code flow with PKCE, for browser-based public clients:
//! `GET {authority}/{tenant}/oauth2/v2.0/authorize` shows a sign-in form that accepts the
//! emulator's users (their passwords), `POST` to the same URL signs in and redirects to the
//! client's `redirect_uri` with a `code`, and the `authorization_code` grant redeems it.
//!
//! Codes are self-contained (signed by the emulator, like its refresh tokens) and used
//! once (their id goes into the assertion replay store).

use super::admin::html_escape;
use super::entra_error::{codes, EntraError};
use super::grant_refresh::mint_new;
use super::http::{bytes, Req, Resp};
use super::id_token::{answer, SignIn};
use super::jwt::now;
use super::state::State;
use super::token::{delegated_tenant, is_multi_tenant, parse_scope, Call, Issued};
use base64::Engine as _;
use hyper::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use std::collections::HashMap;

/// Lifetime of an authorization code, seconds (Entra: about ten minutes).
const CODE_LIFETIME: u64 = 600;

/// The request parameters carried from the form to the code.
const CARRIED: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "response_mode",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "login_hint",
    "prompt",
];

/// What an authorization code stands for.
#[derive(Debug, Serialize, Deserialize)]
struct CodeClaims {
    /// Always `code`.
    typ: String,
    jti: String,
    upn: String,
    cid: String,
    tenant: String,
    redirect_uri: String,
    scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code_challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code_challenge_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    exp: u64,
}

/// `GET` shows the sign-in form; `POST` checks the credentials and redirects with a code.
pub fn handle(state: &State, req: &Req, authority: &str, tenant: &str) -> Resp {
    let params: HashMap<String, String> =
        if req.method == Method::POST { req.form() } else { req.query.clone() };
    let p = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
    let client_id = p("client_id");
    let redirect_uri = p("redirect_uri");
    if state.registry.client(client_id).is_none() {
        return error_page(&codes::app_not_found(client_id, tenant));
    }
    if !redirect_allowed(redirect_uri, authority) {
        return error_page(&EntraError::new(
            "invalid_request",
            50011,
            format!("The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. The emulator accepts loopback addresses (http://localhost:PORT/…, http://127.0.0.1:PORT/…) and {authority}/common/oauth2/nativeclient."),
        ));
    }
    if p("response_type") != "code" {
        return redirect(
            &params,
            &[
                ("error", "unsupported_response_type"),
                (
                    "error_description",
                    "AADSTS70005: response_type 'code' is the only one the emulator serves.",
                ),
            ],
        );
    }
    if let Err(e) = parse_scope(params.get("scope"), true, tenant) {
        let description = format!("AADSTS{}: {}", e.code, e.message);
        return redirect(&params, &[("error", e.error), ("error_description", &description)]);
    }
    if req.method != Method::POST {
        return form(&params, None);
    }
    let (username, password) = (p("username"), p("password"));
    let user = match state.registry.user(username) {
        Some(u) if u.password == password => u,
        _ => return form(&params, Some("Your account or password is incorrect.")),
    };
    let in_tenant = is_multi_tenant(tenant)
        || state.registry.tenant(tenant).is_some_and(|t| state.registry.user_in_tenant(&user, &t));
    if !in_tenant {
        return form(&params, Some(&format!("{} cannot sign in to {tenant}.", user.upn)));
    }
    let opt = |k: &str| params.get(k).filter(|v| !v.is_empty()).cloned();
    let claims = CodeClaims {
        typ: "code".into(),
        jti: uuid::Uuid::new_v4().simple().to_string(),
        upn: user.upn.clone(),
        cid: client_id.to_ascii_lowercase(),
        tenant: tenant.to_string(),
        redirect_uri: redirect_uri.to_string(),
        scope: p("scope").to_string(),
        code_challenge: opt("code_challenge"),
        code_challenge_method: opt("code_challenge_method"),
        nonce: opt("nonce"),
        exp: now().saturating_add(CODE_LIFETIME),
    };
    match state.signer.sign(&claims) {
        Ok(code) => redirect(&params, &[("code", &code)]),
        Err(_) => redirect(&params, &[("error", "server_error")]),
    }
}

/// Loopback redirect URIs (any port, as Entra allows for public clients) and the native
/// client page of this authority.
fn redirect_allowed(uri: &str, authority: &str) -> bool {
    if uri == format!("{authority}/common/oauth2/nativeclient") {
        return true;
    }
    let Ok(url) = url::Url::parse(uri) else { return false };
    matches!(url.scheme(), "http" | "https")
        && matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
        && url.fragment().is_none()
}

/// Send the browser back to the client: query string, fragment or auto-posted form.
fn redirect(params: &HashMap<String, String>, answer: &[(&str, &str)]) -> Resp {
    let redirect_uri = params.get("redirect_uri").map(String::as_str).unwrap_or_default();
    let mut fields: Vec<(&str, &str)> = answer.to_vec();
    if let Some(s) = params.get("state") {
        fields.push(("state", s));
    }
    let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields.iter()).finish();
    match params.get("response_mode").map(String::as_str) {
        Some("form_post") => {
            let inputs: String = fields
                .iter()
                .map(|(k, v)| {
                    format!("<input type=hidden name=\"{}\" value=\"{}\">", html_escape(k), html_escape(v))
                })
                .collect();
            let page = format!(
                "<!doctype html><title>Working...</title><body onload=\"document.forms[0].submit()\">\
                 <form method=post action=\"{}\">{inputs}<noscript><button>Continue</button></noscript></form>",
                html_escape(redirect_uri)
            );
            bytes(StatusCode::OK, "text/html; charset=utf-8", page)
        }
        mode => {
            let sep = if mode == Some("fragment") {
                "#"
            } else if redirect_uri.contains('?') {
                "&"
            } else {
                "?"
            };
            let location = format!("{redirect_uri}{sep}{encoded}");
            let mut r = bytes(StatusCode::FOUND, "text/html; charset=utf-8", "");
            if let Ok(v) = hyper::header::HeaderValue::from_str(&location) {
                r.headers_mut().insert(hyper::header::LOCATION, v);
            }
            r
        }
    }
}

/// The sign-in form, carrying the authorization request in hidden fields.
fn form(params: &HashMap<String, String>, problem: Option<&str>) -> Resp {
    let hidden: String = CARRIED
        .iter()
        .filter_map(|k| params.get(*k).map(|v| (k, v)))
        .map(|(k, v)| format!("<input type=hidden name=\"{k}\" value=\"{}\">", html_escape(v)))
        .collect();
    let hint = params.get("login_hint").map(|h| html_escape(h)).unwrap_or_default();
    let problem = problem.map(|m| format!("<p role=alert>{}</p>", html_escape(m))).unwrap_or_default();
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>Sign in to your account</title>\
         <h1>tenantrun emulator: sign in</h1>{problem}\
         <form method=post>{hidden}\
         <p><label>Email <input name=username type=email autocomplete=username value=\"{hint}\" required></label></p>\
         <p><label>Password <input name=password type=password autocomplete=current-password required></label></p>\
         <p><button type=submit>Sign in</button></p></form>\
         <p>Emulator users: admin@&lt;tenant domain&gt; and {partner}, password <code>{password}</code>.</p>",
        partner = super::registry::PARTNER_UPN,
        password = super::registry::USER_PASSWORD,
    );
    bytes(StatusCode::OK, "text/html; charset=utf-8", page)
}

fn error_page(e: &EntraError) -> Resp {
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>Sign in to your account</title>\
         <h1>Sorry, but we're having trouble signing you in.</h1><p>AADSTS{}: {}</p>",
        e.code,
        html_escape(&e.message)
    );
    bytes(StatusCode::BAD_REQUEST, "text/html; charset=utf-8", page)
}

/// The `authorization_code` grant: redeem a code once, checking client, redirect URI and PKCE.
pub fn grant(call: &Call<'_>) -> Result<Issued, EntraError> {
    let state = call.state;
    let code = call.required("code")?;
    let client_id = call.required("client_id")?;
    let redirect_uri = call.required("redirect_uri")?;
    let client =
        state.registry.client(client_id).ok_or_else(|| codes::app_not_found(client_id, call.tenant))?;
    if !client.public && call.form.get("client_secret").is_none_or(|s| !client.secrets.contains(s)) {
        return Err(codes::public_client_only(client_id));
    }
    let claims: CodeClaims = state.signer.verify_signed(code).map_err(|_| codes::device_code_unknown())?;
    if claims.typ != "code" || !claims.cid.eq_ignore_ascii_case(client_id) {
        return Err(codes::device_code_unknown());
    }
    if claims.exp < now() {
        return Err(EntraError::new("invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."));
    }
    if &claims.redirect_uri != redirect_uri {
        return Err(EntraError::new(
            "invalid_grant",
            70000,
            "The redirect_uri does not match the one the authorization code was issued for.",
        ));
    }
    verify_pkce(&claims, call.form.get("code_verifier"))?;
    if !state.jti.insert(client_id, &claims.jti, claims.exp) {
        return Err(codes::device_code_redeemed());
    }
    let user = state.registry.user(&claims.upn).ok_or_else(|| codes::unknown_user(call.tenant))?;
    let tenant_path = if is_multi_tenant(call.tenant) { claims.tenant.as_str() } else { call.tenant };
    let tref = delegated_tenant(state, tenant_path, &user)?;
    if !state.registry.user_in_tenant(&user, &tref) {
        return Err(codes::user_not_in_tenant(&user.upn, call.tenant));
    }
    if !state.registry.consented(&tref, client_id) {
        return Err(codes::not_consented(client_id));
    }
    // The token request's scope may narrow the authorization's; the code's is the default.
    let scope_text = call.form.get("scope").cloned().unwrap_or(claims.scope.clone());
    let scope = parse_scope(Some(&scope_text), true, call.tenant)?;
    let rt = if scope.offline_access { Some(mint_new(state, &user.upn, client_id)?) } else { None };
    let sign_in =
        SignIn { tenant: &tref, user: &user, client_id, scope: &scope, nonce: claims.nonce.as_deref() };
    Ok(Issued {
        tenant: call.tenant.to_string(),
        resource: scope.resource.clone(),
        grant: "authorization_code",
        body: answer(call, &sign_in, rt)?,
    })
}

/// RFC 7636: `S256` (base64url SHA-256 of the verifier) or `plain`.
fn verify_pkce(claims: &CodeClaims, verifier: Option<&String>) -> Result<(), EntraError> {
    let Some(challenge) = &claims.code_challenge else { return Ok(()) };
    let mismatch = || {
        EntraError::new(
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        )
    };
    let verifier = verifier.ok_or_else(mismatch)?;
    let computed = match claims.code_challenge_method.as_deref().unwrap_or("plain") {
        "S256" => {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
        }
        _ => verifier.clone(),
    };
    if &computed == challenge {
        Ok(())
    } else {
        Err(mismatch())
    }
}
