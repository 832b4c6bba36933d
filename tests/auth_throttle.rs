//! Token-endpoint throttling: a 429 with `Retry-After` is waited out and retried; endless
//! 429s become a `Throttled` error. The emulator throttles only the admin API, so this uses a
//! minimal token endpoint on a loopback port that answers 429 a set number of times.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tenantrun::auth::{AuthErrorKind, BrokerOptions, TokenBroker};
use tenantrun::profile::{Identity, IdentityKind, SecretRef};

#[derive(Clone)]
struct Endpoint {
    throttle_first: usize,
    seen: Arc<Mutex<Vec<Instant>>>,
}

async fn token(State(ep): State<Endpoint>) -> (StatusCode, HeaderMap, String) {
    let n = {
        let mut seen = ep.seen.lock().expect("lock");
        seen.push(Instant::now());
        seen.len()
    };
    let mut headers = HeaderMap::new();
    if n <= ep.throttle_first {
        headers.insert("retry-after", "1".parse().expect("header"));
        return (StatusCode::TOO_MANY_REQUESTS, headers, String::new());
    }
    headers.insert("content-type", "application/json".parse().expect("header"));
    (
        StatusCode::OK,
        headers,
        r#"{"access_token":"opaque-token","token_type":"Bearer","expires_in":3600}"#.into(),
    )
}

async fn serve(throttle_first: usize) -> (tenantrun::environment::Environment, Arc<Mutex<Vec<Instant>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .with_state(Endpoint { throttle_first, seen: seen.clone() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut env = tenantrun::environment::builtins()["commercial"].clone();
    env.authority = url::Url::parse(&format!("http://{addr}/")).expect("url");
    (env, seen)
}

fn app() -> Identity {
    Identity {
        name: "app".into(),
        kind: IdentityKind::ClientSecret {
            client_id: "c".into(),
            client_secret: SecretRef::Env("CARGO_PKG_NAME".into()),
        },
    }
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let (env, seen) = serve(1).await;
    let broker = TokenBroker::new(BrokerOptions::default());
    let t =
        broker.token(&app(), &env, "contoso.example", "https://outlook.office365.com").await.expect("token");
    assert_eq!(t.value.expose(), "opaque-token");
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2);
    let gap = seen[1] - seen[0];
    assert!(gap >= Duration::from_millis(990) && gap < Duration::from_secs(3), "waited {gap:?}");
    assert_eq!(broker.stats().requests, 2);
}

#[tokio::test]
async fn endless_429s_become_a_throttled_error() {
    let (env, seen) = serve(usize::MAX).await;
    let broker = TokenBroker::new(BrokerOptions { throttle_retries: 1, ..BrokerOptions::default() });
    let err = broker
        .token(&app(), &env, "contoso.example", "https://outlook.office365.com")
        .await
        .expect_err("throttled");
    assert_eq!(err.kind(), AuthErrorKind::Throttled, "{err}");
    assert_eq!(err.status(), Some(429));
    assert!(err.to_string().contains("contoso.example"));
    assert_eq!(seen.lock().expect("lock").len(), 2, "one retry");
}
