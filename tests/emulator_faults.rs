//! Fault injection over real sockets: throttling (every Nth call and above the per-tenant
//! concurrency limit), 5xx, dropped connections, latency, token lifetime and the seed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::emulator_support;

use emulator_support::*;
use serde_json::json;
use std::time::Duration;
use tenantrun::emulator::{EmulatorConfig, TenantConfig};

const T: &str = "fabrikam.onmicrosoft.com";

fn no_region() -> Vec<TenantConfig> {
    vec![TenantConfig { id: T.into(), region: Some("none".into()), ..TenantConfig::default() }]
}

#[tokio::test]
async fn every_nth_call_of_a_tenant_is_throttled_with_retry_after() {
    let config = EmulatorConfig {
        throttle_every: 3,
        retry_after_secs: 2,
        tenants: no_region(),
        ..EmulatorConfig::default()
    };
    let emu = start(config).await;
    let token = emu.app_token(T, COMPLIANCE).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let a = emu.invoke("compliance/", T, &token, "Get-Label", json!({})).await;
        if a.status == 429 {
            assert_eq!(a.header("retry-after"), Some("2"));
            assert_eq!(a.body["error"]["code"], "TooManyRequests");
        }
        statuses.push(a.status);
    }
    assert_eq!(statuses, [200, 200, 429, 200, 200, 429]);
    // Counters are per tenant: another tenant starts fresh.
    let other = emu.app_token("other.onmicrosoft.com", EXCHANGE).await;
    let a = emu.invoke("exchange/", "other.onmicrosoft.com", &other, "Get-AcceptedDomain", json!({})).await;
    assert_eq!(a.status, 200);
    assert_eq!(emu.handle.stats().throttled, 2);
}

#[tokio::test]
async fn calls_above_the_tenant_concurrency_limit_are_throttled() {
    let config = EmulatorConfig {
        tenant_concurrency_limit: 2,
        latency_ms: 300,
        tenants: no_region(),
        ..EmulatorConfig::default()
    };
    let emu = start(config).await;
    let token = emu.app_token(T, COMPLIANCE).await;
    let calls = (0..5).map(|_| emu.invoke("compliance/", T, &token, "Get-Label", json!({})));
    let answers = futures_util::future::join_all(calls).await;
    let throttled = answers.iter().filter(|a| a.status == 429).count();
    let ok = answers.iter().filter(|a| a.status == 200).count();
    assert_eq!((ok, throttled), (2, 3));
    let stats = emu.handle.stats();
    assert_eq!(stats.throttled, 3);
    assert_eq!(stats.max_concurrency_per_tenant.get(T), Some(&5));
    assert_eq!(stats.max_concurrency, 5);
}

#[tokio::test]
async fn server_errors_follow_the_rate_and_503_carries_retry_after() {
    let config = EmulatorConfig {
        server_error_rate: 1.0,
        server_error_statuses: vec![503],
        tenants: no_region(),
        ..EmulatorConfig::default()
    };
    let emu = start(config).await;
    let token = emu.app_token(T, COMPLIANCE).await;
    let a = emu.invoke("compliance/", T, &token, "Get-Label", json!({})).await;
    assert_eq!(a.status, 503);
    assert_eq!(a.header("retry-after"), Some("1"));

    let config =
        EmulatorConfig { server_error_rate: 0.3, tenants: no_region(), seed: 7, ..EmulatorConfig::default() };
    let emu = start(config).await;
    let token = emu.app_token(T, COMPLIANCE).await;
    let mut errors = 0;
    for _ in 0..200 {
        let a = emu.invoke("compliance/", T, &token, "Get-Label", json!({})).await;
        if a.status != 200 {
            assert!([500, 502, 503, 504].contains(&a.status), "{}", a.status);
            errors += 1;
        }
    }
    assert!((35..=85).contains(&errors), "{errors} of 200 at rate 0.3");
    assert_eq!(emu.handle.stats().server_errors, errors);
}

#[tokio::test]
async fn dropped_connections_close_without_an_answer() {
    let config = EmulatorConfig { drop_rate: 1.0, tenants: no_region(), ..EmulatorConfig::default() };
    let emu = start(config).await;
    let token = emu.app_token(T, COMPLIANCE).await;
    let err = emu
        .http
        .post(emu.url(&format!("compliance/adminapi/beta/{T}/InvokeCommand")))
        .bearer_auth(&token)
        .json(&json!({"CmdletInput": {"CmdletName": "Get-Label"}}))
        .send()
        .await
        .expect_err("the connection is dropped");
    assert!(!err.is_timeout(), "{err}");
    assert_eq!(emu.handle.stats().dropped, 1);
    // Token endpoints are not affected.
    emu.app_token(T, EXCHANGE).await;
}

/// The emulator's call log proves the delay: the latency it chose, and an answer that
/// was ready no sooner than that after the request arrived (a sleep never ends early).
#[tokio::test]
async fn latency_is_injected() {
    let config = EmulatorConfig {
        latency_ms: 250,
        record_calls: true,
        tenants: no_region(),
        ..EmulatorConfig::default()
    };
    let emu = start(config).await;
    let token = emu.app_token(T, COMPLIANCE).await;
    let a = emu.invoke("compliance/", T, &token, "Get-Label", json!({})).await;
    assert_eq!(a.status, 200);
    let stats = emu.handle.stats();
    let calls = stats.calls_of(T);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].latency_ms, 250);
    assert!(calls[0].answered_us - calls[0].received_us >= 250_000, "{calls:?}");
}

#[tokio::test]
async fn latency_jitter_varies_per_call() {
    let config = EmulatorConfig {
        latency_jitter_ms: 200,
        record_calls: true,
        tenants: no_region(),
        ..EmulatorConfig::default()
    };
    let emu = start(config).await;
    let token = emu.app_token(T, COMPLIANCE).await;
    for _ in 0..6 {
        assert_eq!(emu.invoke("compliance/", T, &token, "Get-Label", json!({})).await.status, 200);
    }
    let stats = emu.handle.stats();
    let calls = stats.calls_of(T);
    let chosen: Vec<u64> = calls.iter().map(|c| c.latency_ms).collect();
    assert_eq!(chosen.len(), 6);
    assert!(chosen.iter().all(|ms| *ms <= 200), "jitter is 0..=200 ms: {chosen:?}");
    let distinct: std::collections::BTreeSet<u64> = chosen.iter().copied().collect();
    assert!(distinct.len() >= 3, "jitter varies: {chosen:?}");
    for c in &calls {
        assert!(c.answered_us - c.received_us >= c.latency_ms * 1000, "slept the chosen latency: {c:?}");
    }
}

#[tokio::test]
async fn tokens_expire_after_the_configured_lifetime() {
    let config = EmulatorConfig { token_lifetime_secs: 1, tenants: no_region(), ..EmulatorConfig::default() };
    let emu = start(config).await;
    let a = emu
        .token_request(
            T,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", tenantrun::emulator::APP_CLIENT_ID),
                ("client_secret", tenantrun::emulator::APP_CLIENT_SECRET),
                ("scope", "https://ps.compliance.protection.outlook.com/.default"),
            ],
        )
        .await;
    assert_eq!(a.body["expires_in"], 1);
    let token = a.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(emu.invoke("compliance/", T, &token, "Get-Label", json!({})).await.status, 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired = emu.invoke("compliance/", T, &token, "Get-Label", json!({})).await;
    assert_eq!(expired.status, 401);
    assert!(expired.header("www-authenticate").unwrap().contains("invalid_token"));
    assert_eq!(emu.handle.stats().unauthorized, 1);
}

#[tokio::test]
async fn the_seed_decides_the_dataset() {
    async fn labels(seed: u64) -> Vec<serde_json::Value> {
        let emu = start(EmulatorConfig { seed, tenants: no_region(), ..EmulatorConfig::default() }).await;
        let token = emu.app_token(T, COMPLIANCE).await;
        emu.invoke_all("compliance/", T, &token, "Get-Label", json!({}), 1000).await.0
    }
    let a = labels(1).await;
    assert_eq!(a, labels(1).await);
    assert_ne!(a, labels(2).await);
}

/// The protocol checks run before the fault dice: a request that is then throttled, failed
/// or dropped has its `client-request-id` recorded, so resending it on the retry is flagged.
#[tokio::test]
async fn a_request_id_resent_after_a_fault_is_flagged() {
    for (label, config) in [
        ("throttled", EmulatorConfig { throttle_every: 1, ..EmulatorConfig::default() }),
        (
            "server error",
            EmulatorConfig {
                server_error_rate: 1.0,
                server_error_statuses: vec![500],
                ..EmulatorConfig::default()
            },
        ),
        ("dropped", EmulatorConfig { drop_rate: 1.0, ..EmulatorConfig::default() }),
    ] {
        let emu = start(EmulatorConfig { tenants: no_region(), ..config }).await;
        let token = emu.app_token(T, COMPLIANCE).await;
        let url = emu.url(&format!("compliance/adminapi/beta/{T}/InvokeCommand"));
        let body = json!({"CmdletInput": {"CmdletName": "Get-Label", "Parameters": {}}});
        for _ in 0..2 {
            let sent = emu
                .http
                .post(&url)
                .bearer_auth(&token)
                .header("client-request-id", "6a1f0000-0000-4000-8000-0000000000aa")
                .header("X-AnchorMailbox", format!("APP:{ANCHOR_MAILBOX}@{T}"))
                .json(&body)
                .send()
                .await;
            match label {
                "dropped" => assert!(sent.is_err(), "{label}: {sent:?}"),
                "throttled" => assert_eq!(sent.expect(label).status(), 429),
                _ => assert_eq!(sent.expect(label).status(), 500),
            }
        }
        let v = emu.handle.stats().violations;
        assert_eq!(v.reused_client_request_id, 1, "{label}: {v:?}");
        assert_eq!(emu.handle.stats().violations_total(), 1, "{label}: {v:?}");
    }
}
