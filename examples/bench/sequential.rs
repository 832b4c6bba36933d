//! The alternative administrators have today: one tenant at a time, the way a
//! `foreach ($t in $tenants) { Connect-IPPSSession -DelegatedOrganization $t; ... }`
//! loop does it: a fresh session per tenant (new connection, new token, region
//! discovery), then the steps in order, then the next tenant.
//!
//! It is held to the rule every tenantrun job is: an answer that is not a success
//! (a token refused, a banner neither 200 nor a 302 redirect, a cmdlet not 200) fails the
//! point, and the objects it read are counted so the bench can compare them.

use super::scenario::{CLIENT_ID, SECRET, STEPS};
use serde_json::Value;
use std::time::{Duration, Instant};

const RESOURCE: &str = "https://ps.compliance.protection.outlook.com";
const APP_ANCHOR: &str = "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@";

/// Run the loop over `tenants` against the emulator at `base`; returns the wall time and
/// the objects read, or the first answer that was not a success.
pub async fn run(base: &str, tenants: &[String]) -> Result<(Duration, u64), String> {
    let base = base.trim_end_matches('/');
    let start = Instant::now();
    let mut items = 0u64;
    for tenant in tenants {
        // A new PowerShell session: new HTTP connection pool, new token, new region lookup.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        let token = json(
            &format!("{tenant}: token"),
            http.post(format!("{base}/login/{tenant}/oauth2/v2.0/token")).form(&[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("client_secret", SECRET),
                ("scope", &format!("{RESOURCE}/.default")),
            ]),
        )
        .await?;
        let token = token["access_token"].as_str().ok_or("no access_token")?.to_string();
        let anchor = format!("{APP_ANCHOR}{tenant}");
        let banner = http
            .get(format!(
                "{base}/compliance/adminapi/beta/{tenant}/EXOBanner('AutogenSession')?Version=3.7.1"
            ))
            .bearer_auth(&token)
            .header("X-AnchorMailbox", &anchor)
            .header("client-request-id", uuid::Uuid::new_v4().to_string())
            .send()
            .await
            .map_err(|e| format!("{tenant}: banner: {e}"))?;
        if !matches!(banner.status().as_u16(), 200 | 302) {
            return Err(format!("{tenant}: banner answered {}", banner.status()));
        }
        let api = banner
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .and_then(|loc| loc.find("/adminapi/").map(|i| loc[..i].to_string()))
            .unwrap_or_else(|| format!("{base}/compliance"));
        let connection = uuid::Uuid::new_v4().to_string();
        for cmdlet in STEPS {
            let mut url = format!("{api}/adminapi/beta/{tenant}/InvokeCommand");
            loop {
                let page = json(
                    &format!("{tenant}: {cmdlet}"),
                    http.post(&url)
                        .bearer_auth(&token)
                        .header("X-ResponseFormat", "json")
                        .header("Prefer", "odata.maxpagesize=1000")
                        .header("X-CmdletName", cmdlet)
                        .header("X-AnchorMailbox", &anchor)
                        .header("connection-id", &connection)
                        .header("client-request-id", uuid::Uuid::new_v4().to_string())
                        .json(&serde_json::json!({"CmdletInput": {"CmdletName": cmdlet, "Parameters": {}}})),
                )
                .await?;
                items += page["value"].as_array().map_or(0, |v| v.len() as u64);
                match page["@odata.nextLink"].as_str() {
                    Some(next) => url = next.to_string(),
                    None => break,
                }
            }
        }
    }
    Ok((start.elapsed(), items))
}

/// Send and read a JSON answer, which must be a 200.
async fn json(what: &str, request: reqwest::RequestBuilder) -> Result<Value, String> {
    let resp = request.send().await.map_err(|e| format!("{what}: {e}"))?;
    let status = resp.status();
    let body = resp.text().await.map_err(|e| format!("{what}: {e}"))?;
    if status != reqwest::StatusCode::OK {
        return Err(format!("{what}: answered {status}: {body}"));
    }
    serde_json::from_str(&body).map_err(|e| format!("{what}: not JSON: {e}"))
}
