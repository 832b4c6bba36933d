//! Dispatch of the Entra ID endpoints under one authority: `{authority}/{tenant}/oauth2/v2.0/
//! {token,devicecode,authorize}`, OIDC discovery, signing keys, instance discovery and
//! user realm discovery.
//!
//! The authority is the emulator's origin (tenant first, as Microsoft serves Entra, so
//! MSAL reads the tenant from the first path segment), or the same with the older
//! `/login` prefix.

use super::faults::Flow;
use super::http::{Req, Resp};
use super::router::{method_not_allowed, protocol_latency};
use super::state::State;
use super::stats::Endpoint;
use hyper::Method;

/// Whether the path after the tenant segment is an Entra endpoint.
pub fn is_entra_path(rest: &[&str]) -> bool {
    matches!(
        rest,
        ["oauth2", "v2.0", "token" | "devicecode" | "authorize"]
            | ["v2.0", ".well-known", "openid-configuration"]
            | ["discovery", "v2.0", "keys"]
            | ["discovery", "keys"]
            | ["discovery", "instance"]
            | ["userrealm", _]
    )
}

/// Serve an Entra endpoint of `tenant` under `authority` (`scheme://host[:port][/login]`).
pub async fn route(
    state: &State,
    req: &Req,
    authority: &str,
    tenant: &str,
    rest: &[&str],
) -> Result<Resp, Flow> {
    let c = &state.counters;
    let post = req.method == Method::POST;
    match rest {
        ["oauth2", "v2.0", "token"] => {
            c.request(Endpoint::Token);
            if !post {
                return Ok(method_not_allowed());
            }
            protocol_latency(state).await;
            Ok(super::token::handle(state, req, authority, tenant).await)
        }
        ["oauth2", "v2.0", "devicecode"] => {
            c.request(Endpoint::DeviceCode);
            if !post {
                return Ok(method_not_allowed());
            }
            protocol_latency(state).await;
            Ok(super::device::start(state, req, tenant))
        }
        ["oauth2", "v2.0", "authorize"] => {
            c.request(Endpoint::Authorize);
            Ok(super::authorize::handle(state, req, authority, tenant))
        }
        ["v2.0", ".well-known", "openid-configuration"] => {
            c.request(Endpoint::Discovery);
            Ok(super::discovery::openid_configuration(state, req, authority, tenant))
        }
        ["discovery", "instance"] => {
            c.request(Endpoint::Discovery);
            Ok(super::discovery::instance(req, authority))
        }
        ["userrealm", upn] => {
            c.request(Endpoint::Discovery);
            Ok(super::discovery::user_realm(state, upn))
        }
        _ => {
            c.request(Endpoint::Jwks);
            Ok(super::discovery::keys(state))
        }
    }
}
