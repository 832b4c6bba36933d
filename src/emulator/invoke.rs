//! `POST .../adminapi/beta/{tenant}/InvokeCommand`: run a cmdlet against the tenant's
//! synthetic dataset, with `$select`, `Prefer: odata.maxpagesize`, absolute
//! `@odata.nextLink` paging, `@adminapi.warnings`, parameter binding checks (including the
//! hashtable typing) and Exchange-shaped errors.

use super::cmdlets::{self, Cmdlet, Ty};
use super::dataset::{self, Item, Rng, Table, TenantFacts};
use super::exo_error::{cmdlet_error_body, Details};
use super::faults::{admit, ApiService, Call, Flow};
use super::http::{bytes, Req, Resp};
use super::state::State;
use super::stats::Endpoint;
use crate::adminapi::enum_parameters::EnumParameter;
use bytes::{BufMut, BytesMut};
use hyper::StatusCode;
use serde_json::{Map, Value};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

const HASHTABLE: &str = "#Exchange.GenericHashTable";
const CONTENT_TYPE: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// A failed cmdlet: status, error code, exception type, message.
struct Failure(StatusCode, &'static str, &'static str, String);

/// A parameter the cmdlet does not have: the live service names no parameter set.
fn unknown_param(cmdlet: &str, key: &str) -> Failure {
    Failure(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        AMBIGUOUS_PARAMETER_SET,
        format!("The named parameters do not resolve to a parameter set of {cmdlet}: it has no parameter '{key}'."),
    )
}

const AMBIGUOUS_PARAMETER_SET: &str =
    "Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException";
const PARAMETER_TRANSFORMATION: &str =
    "Microsoft.Exchange.AdminApi.CommandInvocation.ParameterTransformationException";

fn bad_param(message: String) -> Failure {
    Failure(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        "System.Management.Automation.ParameterBindingException",
        message,
    )
}

fn not_found(identity: &str) -> Failure {
    Failure(
        StatusCode::NOT_FOUND,
        "NotFound",
        "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
        format!("The operation couldn't be performed because object '{identity}' couldn't be found on 'AM6PR02A008DC01.EURPRD02.PROD.OUTLOOK.COM'."),
    )
}

pub async fn handle(state: &Arc<State>, req: &Req, service: ApiService, tenant: &str) -> Result<Resp, Flow> {
    let call = admit(state, req, service, tenant, Endpoint::Invoke).await?;
    match run(state, req, &call) {
        Ok(resp) => Ok(resp),
        Err(Failure(status, code, exception, message)) => {
            state.counters.cmdlet_errors.fetch_add(1, Relaxed);
            // The live service leaves `details` out when a value could not be transformed.
            let details =
                if exception == PARAMETER_TRANSFORMATION { Details::Omitted } else { Details::Included };
            Ok(cmdlet_error_body(status, code, exception, &message, details))
        }
    }
}

fn run(state: &State, req: &Req, call: &Call) -> Result<Resp, Failure> {
    let body: Value = serde_json::from_slice(&req.body).map_err(|e| {
        Failure(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Microsoft.OData.ODataException",
            format!("The request body is not valid JSON: {e}."),
        )
    })?;
    let input = body.get("CmdletInput").ok_or_else(|| {
        Failure(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Microsoft.OData.ODataException",
            "The request body must contain 'CmdletInput'.".into(),
        )
    })?;
    let name = input.get("CmdletName").and_then(Value::as_str).unwrap_or_default();
    let empty = Map::new();
    let params = match input.get("Parameters") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => return Err(bad_param("'Parameters' must be an object.".into())),
    };
    let cmdlet = cmdlets::find(name).filter(|c| c.available_on(call.service.is_compliance())).ok_or_else(|| {
        Failure(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "System.Management.Automation.CommandNotFoundException",
            format!("The term '{name}' is not recognized as a name of a cmdlet, function, script file, or executable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again."),
        )
    })?;
    let facts = TenantFacts::new(&call.tenant.key, &call.tenant.guid);
    let table_of = |cmd: &'static str| {
        call.runtime.changed(cmd).unwrap_or_else(|| {
            state.datasets.get(&call.tenant.key, cmd, || {
                let size = state
                    .registry
                    .tenant_config(&call.tenant)
                    .and_then(|c| c.sizes.iter().find(|(k, _)| k.eq_ignore_ascii_case(cmd)).map(|(_, v)| *v))
                    .unwrap_or_else(|| dataset::default_size(state.config.seed, &call.tenant.key, cmd));
                dataset::generate(state.config.seed, &facts, cmd, size)
            })
        })
    };
    if cmdlet.name == "Set-OrganizationConfig" {
        let org = table_of("Get-OrganizationConfig");
        let updated = set_organization_config(&org, params)?;
        call.runtime.replace("Get-OrganizationConfig", updated);
        return Ok(page(state, req, call, &[], None, Vec::new()));
    }
    bind(cmdlet, params)?;
    match cmdlet.name {
        "New-ComplianceSearch" => {
            let searches = table_of("Get-ComplianceSearch");
            let name = str_param(params, "Name").unwrap_or_default();
            if searches.items.iter().any(|i| i.str("Name").is_some_and(|n| n.eq_ignore_ascii_case(&name))) {
                return Err(Failure(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "Microsoft.Exchange.Management.ComplianceSearch.ComplianceSearchAlreadyExistsException",
                    format!("A compliance search with the name \"{name}\" already exists."),
                ));
            }
            let mut rng = Rng::new(
                state.config.seed,
                &call.tenant.key,
                &format!("new-search-{}", searches.items.len()),
            );
            let mut obj = dataset::compliance_search(
                &mut rng,
                &facts,
                &name,
                &str_param(params, "ContentMatchQuery").unwrap_or_default(),
                &str_param(params, "Description").unwrap_or_default(),
            );
            if let Some(loc) = params.iter().find(|(k, _)| k.eq_ignore_ascii_case("ExchangeLocation")) {
                let v = match loc.1 {
                    Value::String(s) => Value::Array(vec![Value::String(s.clone())]),
                    other => other.clone(),
                };
                obj.insert("ExchangeLocation".into(), v);
            }
            let item = Item::new(obj);
            let mut next = (*searches).clone();
            next.items.push(item.clone());
            call.runtime.replace("Get-ComplianceSearch", next);
            Ok(page(state, req, call, &[&item], None, Vec::new()))
        }
        "Remove-ComplianceSearch" => {
            let searches = table_of("Get-ComplianceSearch");
            let identity = str_param(params, "Identity").unwrap_or_default();
            let mut next = (*searches).clone();
            let before = next.items.len();
            next.items.retain(|i| !matches_identity(i, &identity));
            if next.items.len() == before {
                return Err(not_found(&identity));
            }
            call.runtime.replace("Get-ComplianceSearch", next);
            Ok(page(state, req, call, &[], None, Vec::new()))
        }
        _ => get(state, req, call, cmdlet, params, &table_of(cmdlet.name)),
    }
}

/// Check every parameter against the cmdlet's parameter set.
fn bind(cmdlet: &Cmdlet, params: &Map<String, Value>) -> Result<(), Failure> {
    for (key, value) in params {
        if key.contains('@') {
            continue;
        }
        let spec = cmdlet.param(key).ok_or_else(|| unknown_param(cmdlet.name, key))?;
        check_type(key, spec.ty, value)?;
    }
    for p in cmdlet.params.iter().filter(|p| p.required) {
        if !params.keys().any(|k| k.eq_ignore_ascii_case(p.name)) {
            return Err(bad_param(format!(
                "Cannot process command because of one or more missing mandatory parameters: {}.",
                p.name
            )));
        }
    }
    Ok(())
}

fn convert_error(key: &str, value: &Value, to: &str) -> Failure {
    let shown = match value {
        Value::Object(_) => {
            "System.Collections.Generic.Dictionary`2[System.String,System.Object]".to_string()
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    transformation_error(format!(
        "Cannot process argument transformation on parameter '{key}'. Cannot convert value \"{shown}\" to type \"{to}\"."
    ))
}

fn transformation_error(message: String) -> Failure {
    Failure(StatusCode::BAD_REQUEST, "BadRequest", PARAMETER_TRANSFORMATION, message)
}

/// A value (or one of an array's) that names no member of `ty`.
fn enum_error(key: &str, value: &Value, ty: &EnumParameter) -> Option<Failure> {
    let bad = ty.first_unknown(value)?;
    Some(transformation_error(format!(
        "Cannot process argument transformation on parameter '{key}'. Cannot convert value \"{bad}\" to type \"{}\". \
         Error: \"'{bad}' is not an enumerator name of this type; valid enumerator names: {}\"",
        ty.type_name,
        ty.names.join(", ")
    )))
}

fn check_type(key: &str, ty: Ty, value: &Value) -> Result<(), Failure> {
    if let Value::Object(m) = value {
        if m.get("@odata.type").and_then(Value::as_str) != Some(HASHTABLE) {
            return Err(bad_param(format!(
                "Cannot bind parameter '{key}'. A hashtable value must carry \"@odata.type\": \"{HASHTABLE}\"; cannot convert the \"System.Collections.Generic.Dictionary`2[System.String,System.Object]\" value to type \"System.Collections.Hashtable\"."
            )));
        }
        return match ty {
            Ty::MultiValued | Ty::Any => Ok(()),
            _ => Err(convert_error(key, value, "System.String")),
        };
    }
    let ok = match ty {
        Ty::Bool => value.is_boolean(),
        Ty::String => value.is_string() || value.is_number(),
        Ty::Strings | Ty::MultiValued => {
            value.is_string() || value.as_array().is_some_and(|a| a.iter().all(Value::is_string))
        }
        Ty::ResultSize => result_size(value).is_some(),
        Ty::Any => true,
        Ty::Enum(e) => {
            let strings =
                value.is_string() || value.as_array().is_some_and(|a| a.iter().all(Value::is_string));
            if strings {
                return enum_error(key, value, e).map_or(Ok(()), Err);
            }
            false
        }
    };
    if ok {
        return Ok(());
    }
    let to = match ty {
        Ty::Bool => "System.Management.Automation.SwitchParameter",
        Ty::ResultSize => "Microsoft.Exchange.Data.Unlimited`1[System.UInt32]",
        Ty::Strings | Ty::MultiValued => "Microsoft.Exchange.Data.MultiValuedProperty`1[System.String]",
        Ty::Enum(e) => e.type_name,
        _ => "System.String",
    };
    Err(convert_error(key, value, to))
}

/// `Unlimited` → `usize::MAX`, a positive integer → itself.
fn result_size(v: &Value) -> Option<usize> {
    match v {
        Value::String(s) if s.eq_ignore_ascii_case("unlimited") => Some(usize::MAX),
        Value::String(s) => s.parse::<usize>().ok().filter(|n| *n > 0),
        Value::Number(n) => n.as_u64().filter(|n| *n > 0).map(|n| n as usize),
        _ => None,
    }
}

fn param<'a>(params: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

fn str_param(params: &Map<String, Value>, name: &str) -> Option<String> {
    param(params, name).map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn matches_identity(item: &Item, identity: &str) -> bool {
    [
        "Identity",
        "Name",
        "Guid",
        "DisplayName",
        "PrimarySmtpAddress",
        "Alias",
        "UserPrincipalName",
        "DomainName",
    ]
    .iter()
    .any(|k| item.str(k).is_some_and(|v| v.eq_ignore_ascii_case(identity)))
}

fn get(
    state: &State,
    req: &Req,
    call: &Call,
    cmdlet: &Cmdlet,
    params: &Map<String, Value>,
    table: &Arc<Table>,
) -> Result<Resp, Failure> {
    let identity = str_param(params, "Identity");
    let filter = match str_param(params, "Filter") {
        Some(f) => Some(super::filter::parse(&f).map_err(bad_param)?),
        None => None,
    };
    let types: Option<Vec<String>> = param(params, "RecipientTypeDetails").map(|v| match v {
        Value::String(s) => s.split(',').map(|x| x.trim().to_string()).collect(),
        Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    });
    let policy = str_param(params, "Policy");
    let anr = str_param(params, "Anr");
    let selected: Vec<&Item> = table
        .items
        .iter()
        .filter(|i| identity.as_deref().is_none_or(|id| matches_identity(i, id)))
        .filter(|i| filter.as_ref().is_none_or(|f| f.matches(&i.value)))
        .filter(|i| {
            types.as_ref().is_none_or(|t| {
                i.str("RecipientTypeDetails").is_some_and(|r| t.iter().any(|x| x.eq_ignore_ascii_case(r)))
            })
        })
        .filter(|i| {
            policy.as_deref().is_none_or(|p| {
                i.str("ParentPolicyName").is_some_and(|n| n.eq_ignore_ascii_case(p))
                    || i.str("Policy").is_some_and(|n| n.eq_ignore_ascii_case(p))
            })
        })
        .filter(|i| {
            anr.as_deref().is_none_or(|a| {
                let a = a.to_ascii_lowercase();
                ["Name", "DisplayName", "Alias", "PrimarySmtpAddress"]
                    .iter()
                    .any(|k| i.str(k).is_some_and(|v| v.to_ascii_lowercase().starts_with(&a)))
            })
        })
        .collect();
    if let Some(id) = &identity {
        if selected.is_empty() {
            return Err(not_found(id));
        }
    }
    let mut warnings = Vec::new();
    let limit = match param(params, "ResultSize") {
        Some(v) => result_size(v).unwrap_or(usize::MAX),
        None => match cmdlet.default_result_size {
            Some(d) if identity.is_none() => {
                if selected.len() > d {
                    warnings.push("There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.".to_string());
                }
                d
            }
            _ => usize::MAX,
        },
    };
    let selected = &selected[..selected.len().min(limit)];
    let distribution = param(params, "DistributionDetail").and_then(Value::as_bool) == Some(true)
        && matches!(cmdlet.name, "Get-DlpCompliancePolicy" | "Get-RetentionCompliancePolicy");
    let extra: Option<fn(&mut Map<String, Value>)> = if distribution {
        Some(|m| {
            m.insert(
                "DistributionResults".into(),
                serde_json::json!([{"Workload": "Exchange", "Status": "Success"}, {"Workload": "SharePoint", "Status": "Success"}]),
            );
        })
    } else {
        None
    };
    Ok(page(state, req, call, selected, extra, warnings))
}

/// Apply `Set-OrganizationConfig` parameters to the organization object.
fn set_organization_config(org: &Table, params: &Map<String, Value>) -> Result<Table, Failure> {
    const READ_ONLY: &[&str] =
        &["Name", "Identity", "Guid", "ExchangeObjectId", "WhenCreatedUTC", "WhenChangedUTC", "IsDehydrated"];
    let Some(current) = org.items.first() else { return Ok(org.clone()) };
    let mut obj = (*current.value).clone();
    for (key, value) in params {
        if key.contains('@') || cmdlets::COMMON.iter().any(|p| p.name.eq_ignore_ascii_case(key)) {
            continue;
        }
        if key.eq_ignore_ascii_case("Force") {
            continue;
        }
        let prop = obj
            .keys()
            .find(|k| k.eq_ignore_ascii_case(key) && !k.contains('@'))
            .filter(|k| !READ_ONLY.iter().any(|r| r.eq_ignore_ascii_case(k)))
            .cloned()
            .ok_or_else(|| unknown_param("Set-OrganizationConfig", key))?;
        let old = obj.get(&prop).cloned().unwrap_or(Value::Null);
        let new = match (&old, value) {
            (Value::Array(items), Value::Object(_)) => {
                check_type(key, Ty::MultiValued, value)?;
                let mut items = items.clone();
                let list = |name: &str| -> Vec<Value> {
                    match param(value.as_object().unwrap_or(&Map::new()), name) {
                        Some(Value::Array(a)) => a.clone(),
                        Some(Value::String(s)) => vec![Value::String(s.clone())],
                        _ => Vec::new(),
                    }
                };
                for add in list("Add") {
                    if !items.contains(&add) {
                        items.push(add);
                    }
                }
                let remove = list("Remove");
                items.retain(|i| !remove.contains(i));
                Value::Array(items)
            }
            (Value::Array(_), _) => {
                check_type(key, Ty::MultiValued, value)?;
                match value {
                    Value::String(s) => Value::Array(vec![Value::String(s.clone())]),
                    other => other.clone(),
                }
            }
            (Value::Bool(_), Value::Bool(_)) => value.clone(),
            (Value::Bool(_), _) => return Err(convert_error(key, value, "System.Boolean")),
            (Value::Number(_), Value::Number(_)) => value.clone(),
            (Value::Number(_), _) => return Err(convert_error(key, value, "System.Int32")),
            (_, Value::Object(_)) => {
                check_type(key, Ty::String, value)?;
                value.clone()
            }
            _ => value.clone(),
        };
        obj.insert(prop, new);
    }
    Ok(Table { items: vec![Item::new(obj)] })
}

/// Build one page of results from `items`, honouring `$skiptoken`, `$select` and the page size.
fn page(
    state: &State,
    req: &Req,
    call: &Call,
    items: &[&Item],
    extra: Option<fn(&mut Map<String, Value>)>,
    warnings: Vec<String>,
) -> Resp {
    let offset: usize = req.query.get("$skiptoken").and_then(|s| s.parse().ok()).unwrap_or(0);
    let requested = req.header("prefer").and_then(|p| {
        p.split(',').find_map(|part| {
            part.trim().strip_prefix("odata.maxpagesize=").and_then(|n| n.trim().parse::<usize>().ok())
        })
    });
    let size =
        requested.unwrap_or(state.config.default_page_size).clamp(1, state.config.max_page_size.max(1));
    let start = offset.min(items.len());
    let end = (start + size).min(items.len());
    let select: Option<Vec<&str>> =
        req.query.get("$select").map(|s| s.split(',').map(str::trim).filter(|s| !s.is_empty()).collect());

    let mut out = BytesMut::with_capacity(256 + (end - start) * 1024);
    let context = format!(
        "{}/{}adminapi/beta/{}/$metadata#Collection(Exchange.GenericHashTable)",
        req.origin,
        call.service.prefix(),
        call.url_tenant
    );
    out.put_slice(b"{\"@odata.context\":");
    out.put_slice(&serde_json::to_vec(&context).unwrap_or_default());
    if start == 0 && !warnings.is_empty() {
        out.put_slice(b",\"@adminapi.warnings\":");
        out.put_slice(&serde_json::to_vec(&warnings).unwrap_or_default());
    }
    out.put_slice(b",\"value\":[");
    for (n, item) in items[start..end].iter().enumerate() {
        if n > 0 {
            out.put_u8(b',');
        }
        match (&select, extra) {
            (None, None) => out.put_slice(&item.json),
            _ => {
                let mut obj = (*item.value).clone();
                if let Some(f) = extra {
                    f(&mut obj);
                }
                if let Some(sel) = &select {
                    obj.retain(|k, _| {
                        let base = k.split('@').next().unwrap_or(k);
                        k == "@odata.type" || sel.iter().any(|s| s.eq_ignore_ascii_case(base))
                    });
                }
                out.put_slice(&serde_json::to_vec(&obj).unwrap_or_default());
            }
        }
    }
    out.put_u8(b']');
    if end < items.len() {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &req.query {
            if k != "$skiptoken" {
                q.append_pair(k, v);
            }
        }
        q.append_pair("$skiptoken", &end.to_string());
        let next = format!("{}{}?{}", req.origin, req.path, q.finish());
        out.put_slice(b",\"@odata.nextLink\":");
        out.put_slice(&serde_json::to_vec(&next).unwrap_or_default());
    }
    out.put_u8(b'}');
    state.counters.items_served.fetch_add((end - start) as u64, Relaxed);
    state.counters.pages_served.fetch_add(1, Relaxed);
    let mut r = bytes(StatusCode::OK, CONTENT_TYPE, out.freeze());
    if let Some(n) = requested {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&format!("odata.maxpagesize={}", n.min(size))) {
            r.headers_mut().insert("preference-applied", v);
        }
    }
    r
}
