//! The OAuth client against a real, independent OAuth server: oidc-provider (npm), started on
//! a free loopback port with Entra-like paths. Standard flows only; none is skipped (a missing
//! `tests/oidc/node_modules` fails the test).

use crate::auth_support;

use auth_support::{approve_device, claims, Fixtures, OidcPeer, RESOURCE, TENANT};
use serde_json::json;
use std::time::Duration;
use tenantrun::auth::{AuthErrorKind, BrokerOptions, TokenBroker};
use tenantrun::profile::{CertificateSource, Identity, IdentityKind, SecretRef};

const SECRET: &str = "s3cr+t/with=odd%chars~and spaces";
const PUBLIC_CLIENT: &str = "fb78d390-0c51-40cd-8e17-fdbfab77341b";

fn broker() -> TokenBroker {
    TokenBroker::new(BrokerOptions::default())
}

fn secret_client(id: &str, auth: &str) -> serde_json::Value {
    json!({"client_id": id, "client_secret": SECRET, "token_endpoint_auth_method": auth,
           "grant_types": ["client_credentials"], "response_types": [], "redirect_uris": []})
}

fn public_client() -> serde_json::Value {
    json!({"client_id": PUBLIC_CLIENT, "token_endpoint_auth_method": "none",
           "grant_types": ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
           "response_types": [], "redirect_uris": []})
}

fn identity(name: &str, kind: IdentityKind) -> Identity {
    Identity { name: name.into(), kind }
}

#[tokio::test]
async fn client_secret_with_special_characters_gets_a_token_for_the_resource() {
    let peer = OidcPeer::start(json!([secret_client("app-secret", "client_secret_post")]), 3600, None);
    let fx = Fixtures::new();
    let id = identity(
        "app",
        IdentityKind::ClientSecret { client_id: "app-secret".into(), client_secret: fx.secret("s", SECRET) },
    );
    let token = broker().token(&id, &peer.env(), TENANT, RESOURCE).await.expect("token");
    let c = claims(token.value.expose());
    assert_eq!(c["aud"], RESOURCE);
    assert_eq!(c["client_id"], "app-secret");
    let left = token.remaining().as_secs();
    assert!((3590..=3600).contains(&left), "{left}");
}

#[tokio::test]
async fn a_wrong_secret_is_an_invalid_credentials_error_without_the_secret() {
    let peer = OidcPeer::start(json!([secret_client("app-secret", "client_secret_post")]), 3600, None);
    let fx = Fixtures::new();
    let wrong = "wrong-secret-canary-77";
    let id = identity(
        "app",
        IdentityKind::ClientSecret { client_id: "app-secret".into(), client_secret: fx.secret("s", wrong) },
    );
    let err = broker().token(&id, &peer.env(), TENANT, RESOURCE).await.expect_err("must fail");
    assert_eq!(err.kind(), AuthErrorKind::InvalidCredentials);
    assert_eq!(err.status(), Some(401), "oidc-provider answers 401 invalid_client");
    assert_eq!(err.code(), Some("invalid_client"));
    let text = err.to_string();
    assert!(text.contains(TENANT) && text.contains("`app`"), "{text}");
    assert!(!text.contains(wrong) && !format!("{err:?}").contains(wrong), "{text}");
}

fn jwt_client(fx: &Fixtures) -> serde_json::Value {
    json!({"client_id": "app-cert", "token_endpoint_auth_method": "private_key_jwt",
           "token_endpoint_auth_signing_alg": "RS256",
           "jwks": {"keys": [fx.public_jwk("app.key.pem")]},
           "grant_types": ["client_credentials"], "response_types": [], "redirect_uris": []})
}

#[tokio::test]
async fn certificate_assertions_from_pfx_and_pem_are_accepted() {
    let fx = Fixtures::new();
    let peer = OidcPeer::start(json!([jwt_client(&fx)]), 3600, None);
    let sources = [
        (
            "pfx-aes",
            CertificateSource {
                path: fx.path("app.pfx"),
                key: None,
                password: Some(fx.secret("pw", "pfx-pass+/=%~")),
            },
        ),
        (
            "pfx-3des",
            CertificateSource {
                path: fx.path("app-3des.pfx"),
                key: None,
                password: Some(fx.secret("pw3", "legacy")),
            },
        ),
        (
            "pem-pkcs8",
            CertificateSource {
                path: fx.path("app.cert.pem"),
                key: Some(fx.path("app.key.pem")),
                password: None,
            },
        ),
        (
            "pem-pkcs1",
            CertificateSource {
                path: fx.path("app.cert.pem"),
                key: Some(fx.path("app.pkcs1.key.pem")),
                password: None,
            },
        ),
    ];
    let broker = broker();
    for (name, source) in sources {
        let id =
            identity(name, IdentityKind::Certificate { client_id: "app-cert".into(), certificate: source });
        let token =
            broker.token(&id, &peer.env(), TENANT, RESOURCE).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(claims(token.value.expose())["aud"], RESOURCE, "{name}");
    }
    assert_eq!(broker.stats().requests, 4);
}

#[tokio::test]
async fn an_unregistered_certificate_is_refused() {
    let fx = Fixtures::new();
    let peer = OidcPeer::start(json!([jwt_client(&fx)]), 3600, None);
    let source = CertificateSource {
        path: fx.path("other.cert.pem"),
        key: Some(fx.path("other.key.pem")),
        password: None,
    };
    let id =
        identity("cert", IdentityKind::Certificate { client_id: "app-cert".into(), certificate: source });
    let err = broker().token(&id, &peer.env(), TENANT, RESOURCE).await.expect_err("must fail");
    assert_eq!(err.kind(), AuthErrorKind::InvalidCredentials, "{err}");
}

#[tokio::test]
async fn a_wrong_pfx_password_is_a_configuration_error_without_the_password() {
    let fx = Fixtures::new();
    let peer = OidcPeer::start(json!([jwt_client(&fx)]), 3600, None);
    let source = CertificateSource {
        path: fx.path("app.pfx"),
        key: None,
        password: Some(fx.secret("pw", "not-the-password-canary")),
    };
    let id =
        identity("cert", IdentityKind::Certificate { client_id: "app-cert".into(), certificate: source });
    let err = broker().token(&id, &peer.env(), TENANT, RESOURCE).await.expect_err("must fail");
    assert_eq!(err.kind(), AuthErrorKind::Configuration);
    assert!(err.to_string().contains("wrong password"), "{err}");
    assert!(!err.to_string().contains("canary"));
    assert_eq!(peer.count(&format!("/{TENANT}/oauth2/v2.0/token")).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_cause_one_token_request() {
    let peer = OidcPeer::start(json!([secret_client("app-secret", "client_secret_basic")]), 3600, None);
    let fx = Fixtures::new();
    let id = identity(
        "app",
        IdentityKind::ClientSecret { client_id: "app-secret".into(), client_secret: fx.secret("s", SECRET) },
    );
    let broker = broker();
    let env = peer.env();
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        let (b, id, env) = (broker.clone(), id.clone(), env.clone());
        tasks.push(tokio::spawn(async move { b.token(&id, &env, TENANT, RESOURCE).await }));
    }
    let mut values = std::collections::HashSet::new();
    for t in tasks {
        values.insert(t.await.expect("join").expect("token").value.expose().to_string());
    }
    eprintln!("1000 concurrent token() calls for one key: {:?}", started.elapsed());
    assert_eq!(values.len(), 1);
    assert_eq!(broker.stats().requests, 1);
    assert_eq!(broker.stats().cache_hits, 999);
    assert_eq!(peer.count(&format!("/{TENANT}/oauth2/v2.0/token")).await, 1);
}

#[tokio::test]
async fn tokens_are_renewed_ahead_of_expiry() {
    let peer = OidcPeer::start(json!([secret_client("app-secret", "client_secret_post")]), 4, None);
    let fx = Fixtures::new();
    let id = identity(
        "app",
        IdentityKind::ClientSecret { client_id: "app-secret".into(), client_secret: fx.secret("s", SECRET) },
    );
    let broker = broker();
    let env = peer.env();
    let first = broker.token(&id, &env, TENANT, RESOURCE).await.expect("first");
    let again = broker.token(&id, &env, TENANT, RESOURCE).await.expect("cached");
    assert_eq!(first, again);
    // A 4 s token is renewed in its last quarter, before it expires.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let renewed = broker.token(&id, &env, TENANT, RESOURCE).await.expect("renewed");
    assert_ne!(first.value, renewed.value);
    assert!(std::time::SystemTime::now() < first.expires_at, "renewed before the old one expired");
    assert_eq!(broker.stats().requests, 2);
}

#[tokio::test]
async fn invalidate_drops_the_cached_token() {
    let peer = OidcPeer::start(json!([secret_client("app-secret", "client_secret_post")]), 3600, None);
    let fx = Fixtures::new();
    let id = identity(
        "app",
        IdentityKind::ClientSecret { client_id: "app-secret".into(), client_secret: fx.secret("s", SECRET) },
    );
    let broker = broker();
    let env = peer.env();
    let first = broker.token(&id, &env, TENANT, RESOURCE).await.expect("first");
    // A 401 on an older token does not drop the current one: another caller renewed it.
    broker.invalidate(&id, TENANT, RESOURCE, &tenantrun::profile::Secret::new("an-older-token"));
    assert_eq!(broker.token(&id, &env, TENANT, RESOURCE).await.expect("kept"), first);
    broker.invalidate(&id, TENANT, RESOURCE, &first.value);
    let second = broker.token(&id, &env, TENANT, RESOURCE).await.expect("second");
    assert_ne!(first.value, second.value);
    assert_eq!(broker.stats().requests, 2);
}

fn device_identity(name: &str) -> Identity {
    identity(
        name,
        IdentityKind::DeviceCode {
            client_id: PUBLIC_CLIENT.into(),
            user_principal_name: Some("admin@contoso.example".into()),
            tenant: TENANT.into(),
        },
    )
}

/// Run `login_device_code` while a "user" approves the shown code in oidc-provider's pages.
async fn login_approved(
    broker: &TokenBroker,
    id: &Identity,
    env: &tenantrun::environment::Environment,
    base: &str,
    user: &str,
) -> (tenantrun::auth::LoginOutcome, tenantrun::auth::DevicePrompt) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let login = broker.login_device_code(id, env, RESOURCE, move |p| {
        let _ = tx.send(p.clone());
    });
    let approve = async move {
        let prompt = rx.await.expect("prompt shown");
        approve_device(base, &prompt.user_code, user).await;
        prompt
    };
    let (outcome, prompt) =
        tokio::time::timeout(Duration::from_secs(30), async { tokio::join!(login, approve) })
            .await
            .expect("login finished within 30 s");
    (outcome.expect("login"), prompt)
}

#[cfg(unix)]
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).expect("meta").permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_code_login_caches_a_refresh_token_that_later_runs_redeem_and_rotate() {
    let peer = OidcPeer::start(json!([public_client()]), 3600, Some(1));
    let cache = tempfile::tempdir().expect("cache dir");
    let options =
        || BrokerOptions { cache_dir: Some(cache.path().join("tenantrun")), ..BrokerOptions::default() };
    let id = device_identity("admin");
    let env = peer.env();
    let base = peer.base();

    // Before login, a run says what to do.
    let err = TokenBroker::new(options()).token(&id, &env, TENANT, RESOURCE).await.expect_err("no login yet");
    assert_eq!(err.kind(), AuthErrorKind::Configuration);
    assert!(err.to_string().contains("tenantrun login PROFILE --identity admin"), "{err}");

    let login_broker = TokenBroker::new(options());
    let (outcome, prompt) = login_approved(&login_broker, &id, &env, &base, "admin@contoso.example").await;
    assert_eq!(prompt.interval, Duration::from_secs(1));
    assert_eq!(prompt.verification_uri, format!("{base}/device"));
    let file = outcome.cached_in.expect("cache file");
    #[cfg(unix)]
    {
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().expect("dir")), 0o700);
    }
    let after_login = std::fs::read_to_string(&file).expect("cache");
    assert!(after_login.contains("refresh_tokens"));

    // A later run (new process = new broker) redeems the cached token: no interaction. Had the
    // login polled the consumed device code again, oidc-provider would have revoked the grant.
    let run1 = TokenBroker::new(options());
    let t1 = run1.token(&id, &env, TENANT, RESOURCE).await.expect("unattended token");
    assert_eq!(claims(t1.value.expose())["sub"], "admin@contoso.example");
    let after_run1 = std::fs::read_to_string(&file).expect("cache");
    assert_ne!(after_login, after_run1, "the rotated refresh token replaced the old one");
    // oidc-provider revokes the grant when a rotated refresh token is reused: a second run works
    // only because the rotated token was kept.
    let run2 = TokenBroker::new(options());
    run2.token(&id, &env, TENANT, RESOURCE).await.expect("second run");
}

#[tokio::test]
async fn device_interval_defaults_to_five_seconds_when_absent() {
    let peer = OidcPeer::start(json!([public_client()]), 3600, None);
    let id = device_identity("admin");
    let broker = broker();
    let env = peer.env();
    let mut interval = None;
    let login = broker.login_device_code(&id, &env, RESOURCE, |p| interval = Some(p.interval));
    // Nobody approves: stop once the prompt was shown.
    let _ = tokio::time::timeout(Duration::from_millis(1500), login).await;
    assert_eq!(interval, Some(Duration::from_secs(5)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_token_identity_keeps_rotated_tokens_and_the_cache_wins_over_the_profile() {
    let peer = OidcPeer::start(json!([public_client()]), 3600, Some(1));
    let env = peer.env();
    let base = peer.base();
    // Obtain a partner refresh token through the device flow (memory-only broker).
    let seed = tempfile::tempdir().expect("seed");
    let seeding =
        TokenBroker::new(BrokerOptions { cache_dir: Some(seed.path().to_path_buf()), ..Default::default() });
    login_approved(&seeding, &device_identity("seed"), &env, &base, "admin@partner.example").await;
    let cached: serde_json::Value =
        serde_json::from_slice(&std::fs::read(seeding.cache_file().expect("file")).expect("read"))
            .expect("json");
    let rt = cached["refresh_tokens"]
        .as_object()
        .expect("map")
        .values()
        .next()
        .expect("one")
        .as_str()
        .expect("str");

    let fx = Fixtures::new();
    let partner = identity(
        "partner",
        IdentityKind::RefreshToken {
            client_id: PUBLIC_CLIENT.into(),
            refresh_token: fx.secret("partner.rt", rt),
            user_principal_name: Some("admin@partner.example".into()),
        },
    );
    let cache = tempfile::tempdir().expect("cache");
    let options =
        || BrokerOptions { cache_dir: Some(cache.path().to_path_buf()), ..BrokerOptions::default() };
    let first = TokenBroker::new(options()).token(&partner, &env, TENANT, RESOURCE).await.expect("first run");
    assert_eq!(claims(first.value.expose())["sub"], "admin@partner.example");
    // The profile still holds the now-rotated token; the cache's newer one is used.
    let second = TokenBroker::new(options());
    second.token(&partner, &env, TENANT, RESOURCE).await.expect("second run uses the cached rotated token");
    // Without the cache the stale profile value is refused, and the error says what to do.
    let stale = broker().token(&partner, &env, TENANT, RESOURCE).await.expect_err("stale token");
    assert_eq!(stale.kind(), AuthErrorKind::SignInExpired, "{stale}");
    assert!(!stale.to_string().contains(rt));
}

#[tokio::test]
async fn an_unreadable_secret_says_which_reference() {
    let peer = OidcPeer::start(json!([secret_client("app-secret", "client_secret_post")]), 3600, None);
    let id = identity(
        "app",
        IdentityKind::ClientSecret {
            client_id: "app-secret".into(),
            client_secret: SecretRef::Env("TENANTRUN_TEST_UNSET_SECRET_VAR".into()),
        },
    );
    let err = broker().token(&id, &peer.env(), TENANT, RESOURCE).await.expect_err("must fail");
    assert_eq!(err.kind(), AuthErrorKind::Configuration);
    assert!(err.to_string().contains("TENANTRUN_TEST_UNSET_SECRET_VAR"), "{err}");
}
