//! Helpers for the emulator's integration tests: start it in-process on port 0 and talk to
//! it with plain reqwest over loopback (no tenantrun client code).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use tenantrun::emulator::{Emulator, EmulatorConfig, EmulatorHandle, APP_CLIENT_ID, APP_CLIENT_SECRET};

pub const COMPLIANCE: &str = "https://ps.compliance.protection.outlook.com";
pub const EXCHANGE: &str = "https://outlook.office365.com";
pub const ANCHOR_MAILBOX: &str = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}";

/// A running emulator and a client for it.
pub struct Emu {
    pub handle: EmulatorHandle,
    pub base: String,
    pub http: reqwest::Client,
}

pub async fn start(config: EmulatorConfig) -> Emu {
    let handle = Emulator::start(config).await.expect("emulator starts");
    let base = handle.base_url().to_string();
    let http =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    Emu { handle, base, http }
}

pub async fn start_default() -> Emu {
    start(EmulatorConfig::default()).await
}

/// A response reduced to what tests look at.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The AADSTS number of an Entra error.
    pub fn aadsts(&self) -> u64 {
        self.body["error_codes"][0].as_u64().unwrap_or(0)
    }

    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }

    /// The most specific Exchange error message (the live service's lower-case key).
    pub fn exo_message(&self) -> &str {
        self.body["error"]["innererror"]["internalexception"]["message"].as_str().unwrap_or("")
    }
}

pub async fn answer(resp: reqwest::Response) -> Answer {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer { status, headers, body }
}

impl Emu {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn token_url(&self, tenant: &str) -> String {
        self.url(&format!("{tenant}/oauth2/v2.0/token"))
    }

    pub async fn token_request(&self, tenant: &str, form: &[(&str, &str)]) -> Answer {
        answer(self.http.post(self.token_url(tenant)).form(form).send().await.expect("token request")).await
    }

    /// An app-only token (client secret) for `resource`.
    pub async fn app_token(&self, tenant: &str, resource: &str) -> String {
        let scope = format!("{resource}/.default");
        let a = self
            .token_request(
                tenant,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", APP_CLIENT_ID),
                    ("client_secret", APP_CLIENT_SECRET),
                    ("scope", &scope),
                ],
            )
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        a.body["access_token"].as_str().expect("access_token").to_string()
    }

    /// POST InvokeCommand at `path_prefix` (`compliance/`, `region/x/`, `exchange/`) with the
    /// correct app-only headers.
    pub async fn invoke(
        &self,
        prefix: &str,
        tenant: &str,
        token: &str,
        cmdlet: &str,
        params: Value,
    ) -> Answer {
        let url = self.url(&format!("{prefix}adminapi/beta/{tenant}/InvokeCommand"));
        self.invoke_url(&url, tenant, token, cmdlet, params, None).await
    }

    pub async fn invoke_url(
        &self,
        url: &str,
        tenant: &str,
        token: &str,
        cmdlet: &str,
        params: Value,
        page_size: Option<usize>,
    ) -> Answer {
        let mut req = self
            .http
            .post(url)
            .bearer_auth(token)
            .header("X-ResponseFormat", "json")
            .header("X-CmdletName", cmdlet)
            .header("client-request-id", uuid::Uuid::new_v4().to_string())
            .header("connection-id", "5a3e4c1b-0000-4000-8000-000000000001")
            .header("X-AnchorMailbox", format!("APP:{ANCHOR_MAILBOX}@{tenant}"))
            .json(&serde_json::json!({"CmdletInput": {"CmdletName": cmdlet, "Parameters": params}}));
        if let Some(n) = page_size {
            req = req.header("Prefer", format!("odata.maxpagesize={n}"));
        }
        answer(req.send().await.expect("invoke")).await
    }

    /// Follow every page; returns (items, pages).
    pub async fn invoke_all(
        &self,
        prefix: &str,
        tenant: &str,
        token: &str,
        cmdlet: &str,
        params: Value,
        page_size: usize,
    ) -> (Vec<Value>, usize) {
        let mut url = self.url(&format!("{prefix}adminapi/beta/{tenant}/InvokeCommand"));
        let mut items = Vec::new();
        let mut pages = 0;
        loop {
            let a = self.invoke_url(&url, tenant, token, cmdlet, params.clone(), Some(page_size)).await;
            assert_eq!(a.status, 200, "{:?}", a.body);
            pages += 1;
            items.extend(a.body["value"].as_array().expect("value").iter().cloned());
            match a.body["@odata.nextLink"].as_str() {
                Some(next) => url = next.to_string(),
                None => return (items, pages),
            }
        }
    }

    /// GET `path` and parse its JSON body.
    pub async fn get_json(&self, path: &str) -> Value {
        self.http.get(self.url(path)).send().await.expect("get").json().await.expect("json")
    }

    pub async fn get_stats(&self) -> Value {
        self.http.get(self.url("_stats")).send().await.expect("stats").json().await.expect("json")
    }
}
