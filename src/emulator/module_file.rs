//! `GET .../adminapi/v1.0/{tenant}/EXOModuleFile?Version=3.7.1` with `CommandName: *`:
//! the cmdlets a front door exports.

use super::cmdlets;
use super::faults::{admit, ApiService, Flow};
use super::http::{json, Req, Resp};
use super::state::State;
use super::stats::Endpoint;
use hyper::StatusCode;
use std::sync::Arc;

pub async fn handle(
    state: &Arc<State>,
    req: &Req,
    service: ApiService,
    tenant: &str,
    version: &str,
) -> Result<Resp, Flow> {
    let call = admit(state, req, service.clone(), tenant, Endpoint::ModuleFile).await?;
    let all = cmdlets::exported(call.service.is_compliance());
    let wanted = req.header("commandname").unwrap_or("*");
    let exported = if wanted.trim() == "*" {
        all
    } else {
        let names: Vec<&str> = wanted.split(',').map(str::trim).collect();
        all.split(',')
            .filter(|c| names.iter().any(|n| n.eq_ignore_ascii_case(c)))
            .collect::<Vec<_>>()
            .join(",")
    };
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({
            "@odata.context": format!("{}/{}adminapi/{version}/{tenant}/$metadata#EXOModuleFile", req.origin, service.prefix()),
            "value": [{
                "exportedCmdlets": exported,
                "moduleVersion": "3.7.1",
                "exportedFunctions": "",
                "exportedAliases": "",
            }],
        }),
    ))
}
