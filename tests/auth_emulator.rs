//! Every identity kind gets a token for a tenant from the built-in emulator (real loopback
//! sockets), and Entra's errors come back as actionable `AuthError`s naming the tenant.

use crate::auth_support;

use auth_support::{claims, Fixtures};
use std::time::{Duration, UNIX_EPOCH};
use tenantrun::auth::{AuthErrorKind, BrokerOptions, ManagedIdentityEndpoints, TokenBroker};
use tenantrun::emulator::{
    ClientConfig, Emulator, EmulatorConfig, EmulatorHandle, TenantConfig, APP_CLIENT_ID, APP_CLIENT_SECRET,
    MANAGED_IDENTITY_HEADER, PARTNER_UPN, PUBLIC_CLIENT_ID, USER_PASSWORD,
};
use tenantrun::environment::Environment;
use tenantrun::profile::{CertificateSource, Identity, IdentityKind, Secret};
use url::Url;

const EXO: &str = "https://outlook.office365.com";
const SCC: &str = "https://ps.compliance.protection.outlook.com";
const ODD_SECRET: &str = "a+b/c=d%e~f g";
const ODD_CLIENT: &str = "00000000-0000-4000-8000-0000000000dd";

async fn emulator(fx: &Fixtures, tweak: impl FnOnce(&mut EmulatorConfig)) -> (EmulatorHandle, Environment) {
    let mut config = EmulatorConfig::default();
    config.certificates.push((APP_CLIENT_ID.to_string(), fx.cert_der("app.cert.pem")));
    config.clients.push(ClientConfig {
        client_id: ODD_CLIENT.into(),
        secrets: vec![ODD_SECRET.into()],
        expired_secrets: vec!["old-secret".into()],
        ..ClientConfig::default()
    });
    config.tenants.push(TenantConfig {
        id: "no-app.example".into(),
        not_consented: vec![APP_CLIENT_ID.into(), PUBLIC_CLIENT_ID.into()],
        ..TenantConfig::default()
    });
    config.tenants.push(TenantConfig {
        id: "mfa.example".into(),
        mfa_required: true,
        ..TenantConfig::default()
    });
    config.unknown_tenants.push("nowhere.example".into());
    tweak(&mut config);
    let handle = Emulator::start(config).await.expect("emulator starts");
    let mut env = tenantrun::environment::builtins()["emulator"].clone();
    env.bind_emulator(&handle.base_url());
    (handle, env)
}

fn id(name: &str, kind: IdentityKind) -> Identity {
    Identity { name: name.into(), kind }
}

fn broker() -> TokenBroker {
    TokenBroker::new(BrokerOptions::default())
}

fn secret_identity(fx: &Fixtures, client: &str, secret: &str) -> Identity {
    id("app", IdentityKind::ClientSecret { client_id: client.into(), client_secret: fx.secret("cs", secret) })
}

#[tokio::test]
async fn client_secret_gets_tokens_for_any_tenant_and_odd_secrets_are_encoded() {
    let fx = Fixtures::new();
    let (emu, env) = emulator(&fx, |_| {}).await;
    let b = broker();
    let app = secret_identity(&fx, APP_CLIENT_ID, APP_CLIENT_SECRET);
    let t = b.token(&app, &env, "contoso.onmicrosoft.com", SCC).await.expect("token");
    let c = claims(t.value.expose());
    assert_eq!(c["aud"], SCC);
    assert_eq!(c["appid"], APP_CLIENT_ID);
    let odd = secret_identity(&fx, ODD_CLIENT, ODD_SECRET);
    b.token(&odd, &env, "fabrikam.onmicrosoft.com", EXO).await.expect("secret with + / = % ~ and a space");
    assert_eq!(emu.stats().tokens_issued, 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn client_secret_errors_are_actionable() {
    let fx = Fixtures::new();
    let (emu, env) = emulator(&fx, |_| {}).await;
    let b = broker();
    let bad =
        b.token(&secret_identity(&fx, APP_CLIENT_ID, "nope-canary"), &env, "contoso.example", EXO).await;
    let bad = bad.expect_err("bad secret");
    assert_eq!(
        (bad.kind(), bad.status(), bad.code()),
        (AuthErrorKind::InvalidCredentials, Some(401), Some("AADSTS7000215"))
    );
    assert!(bad.to_string().contains("contoso.example") && !bad.to_string().contains("nope-canary"), "{bad}");

    let old = b.token(&secret_identity(&fx, ODD_CLIENT, "old-secret"), &env, "contoso.example", EXO).await;
    assert_eq!(old.expect_err("expired").code(), Some("AADSTS7000222"));

    let ok = secret_identity(&fx, APP_CLIENT_ID, APP_CLIENT_SECRET);
    let absent = b.token(&ok, &env, "no-app.example", EXO).await.expect_err("app not in tenant");
    assert_eq!(absent.kind(), AuthErrorKind::AppNotInTenant);
    let consent_url = format!("{}no-app.example/adminconsent?client_id={APP_CLIENT_ID}", env.authority);
    assert!(absent.to_string().contains(&consent_url), "{absent}");

    let unknown = b.token(&ok, &env, "nowhere.example", EXO).await.expect_err("unknown tenant");
    assert_eq!((unknown.kind(), unknown.code()), (AuthErrorKind::UnknownTenant, Some("AADSTS90002")));
    assert!(unknown.to_string().contains("nowhere.example"));
    emu.shutdown().await;
}

#[tokio::test]
async fn certificate_from_pfx_and_pem_and_an_unregistered_one() {
    let fx = Fixtures::new();
    let (emu, env) = emulator(&fx, |_| {}).await;
    let b = broker();
    let pfx = CertificateSource {
        path: fx.path("app.pfx"),
        key: None,
        password: Some(fx.secret("pw", "pfx-pass+/=%~")),
    };
    let pem = CertificateSource {
        path: fx.path("app.cert.pem"),
        key: Some(fx.path("app.key.pem")),
        password: None,
    };
    for (name, source) in [("pfx", pfx), ("pem", pem)] {
        let ident =
            id(name, IdentityKind::Certificate { client_id: APP_CLIENT_ID.into(), certificate: source });
        let t = b
            .token(&ident, &env, "contoso.onmicrosoft.com", EXO)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(claims(t.value.expose())["appid"], APP_CLIENT_ID);
    }
    assert_eq!(emu.stats().assertions_verified, 2);
    let other = CertificateSource {
        path: fx.path("other.cert.pem"),
        key: Some(fx.path("other.key.pem")),
        password: None,
    };
    let ident =
        id("other", IdentityKind::Certificate { client_id: APP_CLIENT_ID.into(), certificate: other });
    let err = b.token(&ident, &env, "contoso.onmicrosoft.com", EXO).await.expect_err("unregistered");
    assert_eq!((err.kind(), err.code()), (AuthErrorKind::InvalidCredentials, Some("AADSTS700027")), "{err}");
    emu.shutdown().await;
}

#[tokio::test]
async fn refresh_token_gdap_gets_a_token_per_customer_and_keeps_the_rotated_one() {
    let fx = Fixtures::new();
    let (emu, env) = emulator(&fx, |_| {}).await;
    let rt = emu.mint_refresh_token(PARTNER_UPN, PUBLIC_CLIENT_ID).expect("mint");
    let partner = id(
        "partner",
        IdentityKind::RefreshToken {
            client_id: PUBLIC_CLIENT_ID.into(),
            refresh_token: fx.secret("partner.rt", &rt),
            user_principal_name: Some(PARTNER_UPN.into()),
        },
    );
    let cache = tempfile::tempdir().expect("cache");
    let b =
        TokenBroker::new(BrokerOptions { cache_dir: Some(cache.path().to_path_buf()), ..Default::default() });
    let mut tids = std::collections::HashSet::new();
    for tenant in
        ["contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com", "8e3b2b9c-0000-4000-8000-00000000fab1"]
    {
        let t = b.token(&partner, &env, tenant, SCC).await.unwrap_or_else(|e| panic!("{tenant}: {e}"));
        let c = claims(t.value.expose());
        assert_eq!(c["upn"], PARTNER_UPN);
        tids.insert(c["tid"].as_str().expect("tid").to_string());
    }
    assert_eq!(tids.len(), 3, "one token per customer tenant");
    let file = std::fs::read_to_string(cache.path().join("refresh_tokens.json")).expect("cache file");
    assert!(!file.contains(&rt), "the rotated token replaced the profile's");
    for secret in [APP_CLIENT_SECRET, USER_PASSWORD] {
        assert!(!file.contains(secret));
    }
    // Consent missing for the delegated client in one tenant.
    let err = b.token(&partner, &env, "no-app.example", SCC).await.expect_err("no consent");
    assert_eq!(err.kind(), AuthErrorKind::ConsentRequired, "{err}");
    emu.shutdown().await;
}

#[tokio::test]
async fn refresh_token_past_sign_in_frequency_says_sign_in_again() {
    let fx = Fixtures::new();
    let (emu, env) = emulator(&fx, |c| {
        c.tenants.push(TenantConfig {
            id: "strict.example".into(),
            sign_in_frequency_secs: Some(0),
            ..Default::default()
        })
    })
    .await;
    let rt = emu.mint_refresh_token(PARTNER_UPN, PUBLIC_CLIENT_ID).expect("mint");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let partner = id(
        "partner",
        IdentityKind::RefreshToken {
            client_id: PUBLIC_CLIENT_ID.into(),
            refresh_token: fx.secret("partner.rt", &rt),
            user_principal_name: None,
        },
    );
    let err = broker().token(&partner, &env, "strict.example", SCC).await.expect_err("too old");
    assert_eq!((err.kind(), err.code()), (AuthErrorKind::SignInExpired, Some("AADSTS70043")), "{err}");
    assert!(err.hint().unwrap_or("").contains("sign the partner account in again"));
    emu.shutdown().await;
}

#[tokio::test]
async fn device_code_login_then_unattended_tokens_for_other_tenants() {
    let fx = Fixtures::new();
    let (emu, env) = emulator(&fx, |c| c.device_code_interval_secs = 1).await;
    let cache = tempfile::tempdir().expect("cache");
    let options =
        || BrokerOptions { cache_dir: Some(cache.path().to_path_buf()), ..BrokerOptions::default() };
    let admin = id(
        "admin",
        IdentityKind::DeviceCode {
            client_id: PUBLIC_CLIENT_ID.into(),
            user_principal_name: Some(PARTNER_UPN.into()),
            tenant: "organizations".into(),
        },
    );
    let missing =
        TokenBroker::new(options()).token(&admin, &env, "contoso.example", SCC).await.expect_err("no login");
    assert!(missing.to_string().contains("run `tenantrun login PROFILE --identity admin`"), "{missing}");

    let (tx, rx) = tokio::sync::oneshot::channel();
    let login = TokenBroker::new(options());
    let login = login.login_device_code(&admin, &env, SCC, move |p| {
        let _ = tx.send(p.clone());
    });
    let approve = async {
        let prompt = rx.await.expect("prompt");
        // Approve only after the client has had to poll more than once at the 1 s interval,
        // so a client polling faster than announced meets `slow_down`.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        emu.approve_device(&prompt.user_code, PARTNER_UPN).expect("approve");
        prompt
    };
    let (outcome, prompt) =
        tokio::time::timeout(Duration::from_secs(20), async { tokio::join!(login, approve) })
            .await
            .expect("login within 20 s");
    let outcome = outcome.expect("login");
    assert_eq!(prompt.interval, Duration::from_secs(1));
    assert!(outcome.cached_in.is_some());
    // The client respected the interval: the emulator never had to say slow_down.
    let stats = emu.stats();
    assert_eq!(stats.slow_down, 0, "{:?}", stats.token_errors);
    assert!(stats.token_errors.get("70016").is_some_and(|n| *n >= 2), "it polled while pending: {stats:?}");

    let run = TokenBroker::new(options());
    for tenant in ["contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com"] {
        let t = run.token(&admin, &env, tenant, EXO).await.unwrap_or_else(|e| panic!("{tenant}: {e}"));
        assert_eq!(claims(t.value.expose())["upn"], PARTNER_UPN);
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn password_works_until_mfa_is_required() {
    let fx = Fixtures::new();
    let (emu, env) = emulator(&fx, |_| {}).await;
    let user = |tenant: &str| {
        id(
            "ropc",
            IdentityKind::Password {
                client_id: PUBLIC_CLIENT_ID.into(),
                user_principal_name: format!("admin@{tenant}"),
                password: fx.secret(&format!("pw-{tenant}"), USER_PASSWORD),
            },
        )
    };
    let b = broker();
    let t = b.token(&user("contoso.example"), &env, "contoso.example", SCC).await.expect("password grant");
    assert_eq!(claims(t.value.expose())["upn"], "admin@contoso.example");
    let err = b.token(&user("mfa.example"), &env, "mfa.example", SCC).await.expect_err("mfa");
    assert_eq!((err.kind(), err.code()), (AuthErrorKind::MfaRequired, Some("AADSTS50076")), "{err}");
    assert!(err.to_string().contains("device_code") && err.to_string().contains("mfa.example"), "{err}");
    assert!(!err.to_string().contains(USER_PASSWORD));
    emu.shutdown().await;
}

fn msi_broker(endpoints: ManagedIdentityEndpoints) -> TokenBroker {
    TokenBroker::new(BrokerOptions { managed_identity: endpoints, ..BrokerOptions::default() })
}

#[tokio::test]
async fn managed_identity_app_service_and_imds_for_its_own_tenant_only() {
    let fx = Fixtures::new();
    let (emu, env) = emulator(&fx, |_| {}).await;
    let base = emu.base_url();
    let app_service = ManagedIdentityEndpoints {
        identity_endpoint: Some((base.join("msi/token").expect("url"), Secret::new(MANAGED_IDENTITY_HEADER))),
        imds: Url::parse("http://127.0.0.1:9/never").expect("url"),
    };
    let imds = ManagedIdentityEndpoints {
        identity_endpoint: None,
        imds: base.join("metadata/identity/oauth2/token").expect("url"),
    };
    let own = emu.config().managed_identity_tenant.clone();
    let system = id("msi", IdentityKind::ManagedIdentity { client_id: None });
    let user_assigned = id(
        "uami",
        IdentityKind::ManagedIdentity { client_id: Some("11111111-2222-4333-8444-555555555555".into()) },
    );
    for (label, endpoints) in [("app service", app_service), ("imds", imds)] {
        let b = msi_broker(endpoints);
        for ident in [&system, &user_assigned] {
            let t = b
                .token(ident, &env, &own, EXO)
                .await
                .unwrap_or_else(|e| panic!("{label} {}: {e}", ident.name));
            assert_eq!(claims(t.value.expose())["aud"], EXO, "{label}");
            assert!(t.remaining() > Duration::from_secs(60));
        }
        let err = b.token(&system, &env, "contoso.onmicrosoft.com", EXO).await.expect_err("another tenant");
        assert_eq!(err.kind(), AuthErrorKind::WrongTenant, "{label}: {err}");
        assert!(err.to_string().contains("only to its own tenant"), "{err}");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn access_token_is_used_as_is_with_its_jwt_expiry() {
    let fx = Fixtures::new();
    let (emu, env) = emulator(&fx, |_| {}).await;
    let app = secret_identity(&fx, APP_CLIENT_ID, APP_CLIENT_SECRET);
    let real = broker().token(&app, &env, "contoso.example", EXO).await.expect("token");
    let handed = id("pipeline", IdentityKind::AccessToken { token: fx.secret("at", real.value.expose()) });
    let b = broker();
    let t = b.token(&handed, &env, "contoso.example", EXO).await.expect("as is");
    assert_eq!(t.value, real.value);
    let exp = claims(real.value.expose())["exp"].as_u64().expect("exp");
    assert_eq!(t.expires_at, UNIX_EPOCH + Duration::from_secs(exp));
    assert_eq!(b.stats().requests, 0, "no request for a handed-in token");
    // One token serves one audience: asking it for the other service is refused up front.
    let other = b.token(&handed, &env, "contoso.example", SCC).await.expect_err("wrong audience");
    assert_eq!(other.kind(), AuthErrorKind::Configuration);
    assert!(other.to_string().contains(SCC), "{other}");
    // An expired handed-in token is refused with a clear message.
    let e = base64_jwt(r#"{"exp":1000}"#);
    let stale = id("stale", IdentityKind::AccessToken { token: fx.secret("old", &e) });
    let err = b.token(&stale, &env, "contoso.example", EXO).await.expect_err("expired");
    assert_eq!(err.kind(), AuthErrorKind::SignInExpired);
    emu.shutdown().await;
}

fn base64_jwt(payload: &str) -> String {
    use base64::Engine as _;
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!("{}.{}.sig", e.encode(r#"{"alg":"RS256"}"#), e.encode(payload))
}

#[tokio::test]
async fn a_long_run_outlives_token_lifetime() {
    let fx = Fixtures::new();
    let (emu, env) = emulator(&fx, |c| c.token_lifetime_secs = 2).await;
    let b = broker();
    let app = secret_identity(&fx, APP_CLIENT_ID, APP_CLIENT_SECRET);
    let mut seen = std::collections::HashSet::new();
    let until = std::time::Instant::now() + Duration::from_secs(5);
    while std::time::Instant::now() < until {
        let t = b.token(&app, &env, "contoso.example", EXO).await.expect("token");
        assert!(t.remaining() > Duration::ZERO, "never handed out an expired token");
        seen.insert(t.value.expose().to_string());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen.len() >= 3, "renewed {} times", seen.len());
    emu.shutdown().await;
}
