//! Token-endpoint behaviours the emulator does not produce for a well-behaved client, on a
//! minimal loopback endpoint: a 429 with `Retry-After` is waited out and retried, endless 429s
//! become a `Throttled` error; device-code polling slows down by 5 s on `slow_down`, stops on
//! `access_denied`, and never polls again after success.

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
    // The server saw the retry no sooner than Retry-After (1 s) after the 429; an upper
    // bound would measure the machine, not the client.
    assert!(gap >= Duration::from_millis(990), "waited {gap:?}");
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

/// Device flow: the token endpoint answers the scripted `errors` in turn, then a token.
#[derive(Clone)]
struct Device {
    errors: Vec<&'static str>,
    polls: Arc<Mutex<Vec<Instant>>>,
}

async fn devicecode() -> (StatusCode, HeaderMap, String) {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse().expect("header"));
    let body = r#"{"device_code":"dc","user_code":"ABCD-EFGH","verification_uri":"http://127.0.0.1/devicelogin","expires_in":60,"interval":1}"#;
    (StatusCode::OK, headers, body.into())
}

async fn device_token(State(d): State<Device>) -> (StatusCode, HeaderMap, String) {
    let n = {
        let mut polls = d.polls.lock().expect("lock");
        polls.push(Instant::now());
        polls.len()
    };
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse().expect("header"));
    match d.errors.get(n - 1) {
        Some(e) => (StatusCode::BAD_REQUEST, headers, format!(r#"{{"error":"{e}"}}"#)),
        None => (
            StatusCode::OK,
            headers,
            r#"{"access_token":"t","token_type":"Bearer","expires_in":3600,"refresh_token":"rt"}"#.into(),
        ),
    }
}

async fn device_server(
    errors: Vec<&'static str>,
) -> (tenantrun::environment::Environment, Arc<Mutex<Vec<Instant>>>) {
    let polls = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .route("/{tenant}/oauth2/v2.0/devicecode", post(devicecode))
        .route("/{tenant}/oauth2/v2.0/token", post(device_token))
        .with_state(Device { errors, polls: polls.clone() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut env = tenantrun::environment::builtins()["commercial"].clone();
    env.authority = url::Url::parse(&format!("http://{addr}/")).expect("url");
    (env, polls)
}

fn admin() -> Identity {
    Identity {
        name: "admin".into(),
        kind: IdentityKind::DeviceCode {
            client_id: "fb78d390-0c51-40cd-8e17-fdbfab77341b".into(),
            user_principal_name: None,
            tenant: "organizations".into(),
        },
    }
}

#[tokio::test]
async fn device_polling_slows_down_and_stops_after_success() {
    let (env, polls) = device_server(vec!["slow_down"]).await;
    let broker = TokenBroker::new(BrokerOptions::default());
    let outcome = broker.login_device_code(&admin(), &env, "https://outlook.office365.com", |_| {}).await;
    assert_eq!(outcome.expect("login").access.value.expose(), "t");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let polls = polls.lock().expect("lock").clone();
    assert_eq!(polls.len(), 2, "no poll after success");
    let gap = polls[1] - polls[0];
    assert!(gap >= Duration::from_millis(5990), "interval 1 s + 5 s after slow_down, waited {gap:?}");
}

#[tokio::test]
async fn device_polling_stops_on_access_denied_and_expired_token() {
    for (error, kind) in
        [("access_denied", AuthErrorKind::Rejected), ("expired_token", AuthErrorKind::SignInExpired)]
    {
        let (env, polls) = device_server(vec![error, error]).await;
        let broker = TokenBroker::new(BrokerOptions::default());
        let err = broker
            .login_device_code(&admin(), &env, "https://outlook.office365.com", |_| {})
            .await
            .expect_err("ends the flow");
        assert_eq!((err.kind(), err.code()), (kind, Some(error)), "{err}");
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_eq!(polls.lock().expect("lock").len(), 1, "{error}: no further poll");
    }
}
