//! Managed identity token endpoints: App Service style (`GET /msi/token?resource=..&api-version=2019-08-01`
//! with `X-IDENTITY-HEADER`) and IMDS style (`GET /metadata/identity/oauth2/token` with `Metadata: true`).

use super::http::{json, Req, Resp};
use super::registry::{MANAGED_IDENTITY_CLIENT_ID, MANAGED_IDENTITY_HEADER};
use super::state::State;
use super::token::{access_token, COMPLIANCE_RESOURCES, EXCHANGE_RESOURCES};
use hyper::StatusCode;

/// IMDS answers errors OAuth-style (`error`, `error_description`); the App Service
/// identity endpoint as `{"statusCode", "message", "correlationId"}`.
fn error_shape(imds: bool, req: &Req, status: StatusCode, error: &str, description: &str) -> Resp {
    if imds {
        return json(status, &serde_json::json!({"error": error, "error_description": description}));
    }
    let correlation = req
        .header("x-ms-client-request-id")
        .and_then(|v| uuid::Uuid::try_parse(v.trim()).ok())
        .unwrap_or_else(uuid::Uuid::new_v4)
        .to_string();
    json(
        status,
        &serde_json::json!({"statusCode": status.as_u16(), "message": description, "correlationId": correlation}),
    )
}

/// Serve either style; `imds` selects the IMDS header and answer shape.
pub fn handle(state: &State, req: &Req, imds: bool) -> Resp {
    let error = |status, error: &str, description: &str| error_shape(imds, req, status, error, description);
    if imds {
        if req.header("metadata").is_none_or(|v| !v.eq_ignore_ascii_case("true")) {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Required metadata header not specified",
            );
        }
    } else {
        match req.header("x-identity-header") {
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Required header X-IDENTITY-HEADER not specified",
                )
            }
            Some(v) if v != MANAGED_IDENTITY_HEADER => {
                return error(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized_client",
                    "The X-IDENTITY-HEADER value is not valid",
                )
            }
            Some(_) => {}
        }
    }
    if !req.query.contains_key("api-version") {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Required query variable 'api-version' is missing",
        );
    }
    let Some(resource) = req.query.get("resource").map(|r| r.trim_end_matches('/').to_string()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Required query variable 'resource' is missing",
        );
    };
    if !EXCHANGE_RESOURCES.contains(&resource.as_str()) && !COMPLIANCE_RESOURCES.contains(&resource.as_str())
    {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            &format!("AADSTS500011: The resource principal named {resource} was not found in the tenant."),
        );
    }
    let client_id = req
        .query
        .get("client_id")
        .or_else(|| req.query.get("mi_res_id"))
        .or_else(|| req.query.get("principal_id"))
        .cloned()
        .unwrap_or_else(|| MANAGED_IDENTITY_CLIENT_ID.to_string());
    let tenant_id = state.config.managed_identity_tenant.clone();
    let Some(tenant) = state.registry.tenant(&tenant_id) else {
        return error(StatusCode::BAD_REQUEST, "invalid_request", "The managed identity's tenant is unknown");
    };
    let (token, lifetime) = match access_token(state, &tenant, &resource, &client_id, None) {
        Ok(t) => t,
        Err(e) => return error(e.status(), e.error, &e.message),
    };
    state.counters.token(&tenant_id, &resource, "managed_identity");
    let now = super::jwt::now();
    let body = if imds {
        serde_json::json!({
            "access_token": token, "refresh_token": "", "expires_in": lifetime.to_string(),
            "expires_on": (now + lifetime).to_string(), "not_before": now.to_string(),
            "resource": resource, "token_type": "Bearer", "client_id": client_id,
        })
    } else {
        serde_json::json!({
            "access_token": token, "expires_on": (now + lifetime).to_string(), "resource": resource,
            "token_type": "Bearer", "client_id": client_id,
        })
    };
    json(StatusCode::OK, &body)
}
