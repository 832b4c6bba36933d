//! The emulator's Entra endpoints over real sockets: every grant, its errors with the
//! exact AADSTS codes, discovery and managed identity.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::emulator_support;

use base64::Engine as _;
use emulator_support::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sha1::Digest as _;
use tenantrun::emulator::{
    ClientConfig, EmulatorConfig, TenantConfig, UserConfig, APP_CLIENT_ID, APP_CLIENT_SECRET, PARTNER_UPN,
    PUBLIC_CLIENT_ID, TEST_CLIENT_CERT_PEM, TEST_CLIENT_KEY_PEM, USER_PASSWORD,
};

const CC_SCOPE: &str = "https://ps.compliance.protection.outlook.com/.default";
const DELEGATED_SCOPE: &str = "https://outlook.office365.com/.default offline_access";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

fn cert_der() -> Vec<u8> {
    let mut r = std::io::BufReader::new(TEST_CLIENT_CERT_PEM.as_bytes());
    let der = rustls_pemfile::certs(&mut r).next().unwrap().unwrap().to_vec();
    der
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// A client assertion; `tweak` adjusts the claims before signing.
fn assertion(
    aud: &str,
    key_pem: &str,
    x5t: Option<String>,
    tweak: impl FnOnce(&mut serde_json::Value),
) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.x5t = x5t.or_else(|| Some(b64(&sha1::Sha1::digest(cert_der()))));
    let mut claims = serde_json::json!({
        "aud": aud, "iss": APP_CLIENT_ID, "sub": APP_CLIENT_ID,
        "jti": uuid::Uuid::new_v4().to_string(), "nbf": now() - 10, "exp": now() + 600,
    });
    tweak(&mut claims);
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_rsa_pem(key_pem.as_bytes()).unwrap()).unwrap()
}

async fn cert_grant(emu: &Emu, tenant: &str, assertion: &str) -> Answer {
    emu.token_request(
        tenant,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", APP_CLIENT_ID),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion),
            ("scope", CC_SCOPE),
        ],
    )
    .await
}

fn claims_of(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap())
        .unwrap()
}

#[tokio::test]
async fn client_secret_grant_issues_an_rs256_token_with_the_contract_claims() {
    let emu = start_default().await;
    let a = emu
        .token_request(
            "contoso.onmicrosoft.com",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", APP_CLIENT_ID),
                ("client_secret", APP_CLIENT_SECRET),
                ("scope", CC_SCOPE),
            ],
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["token_type"], "Bearer");
    assert_eq!(a.body["expires_in"], 3600);
    assert!(a.body.get("refresh_token").is_none());
    let token = a.body["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let c = claims_of(token);
    assert_eq!(c["aud"], COMPLIANCE);
    assert_eq!(c["appid"], APP_CLIENT_ID);
    assert!(uuid::Uuid::try_parse(c["tid"].as_str().unwrap()).is_ok());
    assert!(c["exp"].as_u64().unwrap() > c["iat"].as_u64().unwrap());
    assert!(c.get("upn").is_none());
    let stats = emu.handle.stats();
    assert_eq!(stats.tokens_for("contoso.onmicrosoft.com", COMPLIANCE), 1);
    assert_eq!(stats.tokens_by_grant("client_credentials"), 1);
    assert_eq!(stats.requests_to("token"), 1);
}

#[tokio::test]
async fn client_secret_errors_carry_the_entra_codes() {
    let config = EmulatorConfig {
        unknown_tenants: vec!["ghost.onmicrosoft.com".into()],
        tenants: vec![TenantConfig {
            id: "closed.onmicrosoft.com".into(),
            not_consented: vec![APP_CLIENT_ID.into()],
            ..TenantConfig::default()
        }],
        clients: vec![ClientConfig {
            client_id: "11111111-0000-4000-8000-000000000001".into(),
            secrets: vec!["fresh".into()],
            expired_secrets: vec!["stale".into()],
            ..ClientConfig::default()
        }],
        ..EmulatorConfig::default()
    };
    let emu = start(config).await;
    let cc = |client: &'static str, secret: &'static str, scope: &'static str| {
        vec![
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("client_secret", secret),
            ("scope", scope),
        ]
    };
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, u64);
    let cases: Vec<Case> = vec![
        ("contoso.onmicrosoft.com", cc(APP_CLIENT_ID, "wrong", CC_SCOPE), "invalid_client", 7000215),
        (
            "contoso.onmicrosoft.com",
            cc("11111111-0000-4000-8000-000000000001", "stale", CC_SCOPE),
            "invalid_client",
            7000222,
        ),
        (
            "contoso.onmicrosoft.com",
            cc("22222222-0000-4000-8000-000000000002", "x", CC_SCOPE),
            "unauthorized_client",
            700016,
        ),
        (
            "closed.onmicrosoft.com",
            cc(APP_CLIENT_ID, APP_CLIENT_SECRET, CC_SCOPE),
            "unauthorized_client",
            700016,
        ),
        ("ghost.onmicrosoft.com", cc(APP_CLIENT_ID, APP_CLIENT_SECRET, CC_SCOPE), "invalid_request", 90002),
        (
            "contoso.onmicrosoft.com",
            cc(APP_CLIENT_ID, APP_CLIENT_SECRET, "https://outlook.office365.com/Exchange.Manage"),
            "invalid_scope",
            1002012,
        ),
        (
            "contoso.onmicrosoft.com",
            cc(APP_CLIENT_ID, APP_CLIENT_SECRET, "https://graph.example.org/.default"),
            "invalid_resource",
            500011,
        ),
        (
            "contoso.onmicrosoft.com",
            cc(APP_CLIENT_ID, APP_CLIENT_SECRET, "https://outlook.office365.com/.default offline_access"),
            "invalid_scope",
            1002012,
        ),
        ("contoso.onmicrosoft.com", vec![("client_id", APP_CLIENT_ID)], "invalid_request", 900144),
        (
            "contoso.onmicrosoft.com",
            vec![("grant_type", "urn:ietf:params:oauth:grant-type:saml1_1-bearer")],
            "unsupported_grant_type",
            70003,
        ),
        (
            "contoso.onmicrosoft.com",
            vec![("grant_type", "client_credentials"), ("client_id", APP_CLIENT_ID), ("scope", CC_SCOPE)],
            "invalid_client",
            7000218,
        ),
    ];
    for (tenant, form, error, code) in cases {
        let a = emu.token_request(tenant, &form).await;
        // Entra answers invalid_client with 401, every other token error with 400.
        let status = if error == "invalid_client" { 401 } else { 400 };
        assert_eq!(a.status, status, "{form:?}: {:?}", a.body);
        assert_eq!(a.error(), error, "{form:?}: {:?}", a.body);
        assert_eq!(a.aadsts(), code, "{form:?}: {:?}", a.body);
        let description = a.body["error_description"].as_str().unwrap();
        assert!(description.starts_with(&format!("AADSTS{code}: ")), "{description}");
        for key in ["timestamp", "trace_id", "correlation_id"] {
            assert!(a.body[key].is_string(), "{key} missing in {:?}", a.body);
        }
        assert!(!description.contains("emulator-secret"), "secret leaked: {description}");
    }
    let stats = emu.handle.stats();
    assert_eq!(stats.tokens_issued, 0);
    assert_eq!(stats.token_errors.get("700016"), Some(&2));
}

#[tokio::test]
async fn certificate_assertions_are_verified_like_entra() {
    let emu = start_default().await;
    let tenant = "contoso.onmicrosoft.com";
    let aud = emu.token_url(tenant);
    let good = assertion(&aud, TEST_CLIENT_KEY_PEM, None, |_| {});
    let a = cert_grant(&emu, tenant, &good).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(claims_of(a.body["access_token"].as_str().unwrap())["appid"], APP_CLIENT_ID);

    // The same assertion again: replayed jti.
    let a = cert_grant(&emu, tenant, &good).await;
    assert_eq!((a.status, a.aadsts()), (401, 500212), "{:?}", a.body);

    // x5t#S256 alone also names the certificate.
    let mut header = Header::new(Algorithm::RS256);
    header.x5t_s256 = Some(b64(&sha2::Sha256::digest(cert_der())));
    let claims = serde_json::json!({"aud": aud, "iss": APP_CLIENT_ID, "sub": APP_CLIENT_ID,
        "jti": "s256-1", "nbf": now() - 10, "exp": now() + 600});
    let s256 = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(TEST_CLIENT_KEY_PEM.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_eq!(cert_grant(&emu, tenant, &s256).await.status, 200);

    let other_key = include_str!("emulator_support/other_key.pem");
    let cases: Vec<(String, &str, u64)> = vec![
        (
            assertion(&aud, TEST_CLIENT_KEY_PEM, Some(b64(&[7u8; 20])), |_| {}),
            "unregistered thumbprint",
            700027,
        ),
        (assertion(&aud, other_key, None, |_| {}), "signed by another key", 700027),
        (
            assertion(
                "https://login.microsoftonline.com/contoso/oauth2/v2.0/token",
                TEST_CLIENT_KEY_PEM,
                None,
                |_| {},
            ),
            "wrong audience",
            700212,
        ),
        (
            assertion(&aud, TEST_CLIENT_KEY_PEM, None, |c| c["iss"] = "someone-else".into()),
            "iss is not the client",
            700023,
        ),
        (assertion(&aud, TEST_CLIENT_KEY_PEM, None, |c| c["exp"] = (now() - 3600).into()), "expired", 700024),
        (
            assertion(&aud, TEST_CLIENT_KEY_PEM, None, |c| {
                c.as_object_mut().unwrap().remove("jti");
            }),
            "no jti",
            50027,
        ),
        ("not-a-jwt".to_string(), "garbage", 50027),
    ];
    for (jwt, what, code) in cases {
        let a = cert_grant(&emu, tenant, &jwt).await;
        assert_eq!(a.status, 401, "{what}: {:?}", a.body);
        assert_eq!(a.error(), "invalid_client", "{what}: {:?}", a.body);
        assert_eq!(a.aadsts(), code, "{what}: {:?}", a.body);
    }
    let stats = emu.handle.stats();
    assert_eq!(stats.tokens_issued, 2);
    assert!(stats.assertions_verified >= 2);
}

#[tokio::test]
async fn certificates_registered_through_config_work_for_other_clients() {
    let client = "33333333-0000-4000-8000-000000000003";
    let config =
        EmulatorConfig { certificates: vec![(client.into(), cert_der())], ..EmulatorConfig::default() };
    let emu = start(config).await;
    let aud = emu.token_url("fabrikam.onmicrosoft.com");
    let jwt = assertion(&aud, TEST_CLIENT_KEY_PEM, None, |c| {
        c["iss"] = client.into();
        c["sub"] = client.into();
    });
    let a = emu
        .token_request(
            "fabrikam.onmicrosoft.com",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", client),
                ("client_assertion_type", ASSERTION_TYPE),
                ("client_assertion", &jwt),
                ("scope", "https://outlook.office365.com/.default"),
            ],
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(claims_of(a.body["access_token"].as_str().unwrap())["appid"], client);
}

async fn password_grant(emu: &Emu, tenant: &str, user: &str, password: &str) -> Answer {
    emu.token_request(
        tenant,
        &[
            ("grant_type", "password"),
            ("client_id", PUBLIC_CLIENT_ID),
            ("username", user),
            ("password", password),
            ("scope", DELEGATED_SCOPE),
        ],
    )
    .await
}

#[tokio::test]
async fn password_grant_and_its_failures() {
    let config = EmulatorConfig {
        tenants: vec![
            TenantConfig { id: "mfa.onmicrosoft.com".into(), mfa_required: true, ..TenantConfig::default() },
            TenantConfig {
                id: "noconsent.onmicrosoft.com".into(),
                not_consented: vec![PUBLIC_CLIENT_ID.into()],
                ..TenantConfig::default()
            },
        ],
        users: vec![UserConfig {
            upn: "ops@contoso.onmicrosoft.com".into(),
            password: Some("pw-ops".into()),
            ..UserConfig::default()
        }],
        ..EmulatorConfig::default()
    };
    let emu = start(config).await;
    let a =
        password_grant(&emu, "contoso.onmicrosoft.com", "admin@contoso.onmicrosoft.com", USER_PASSWORD).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert!(a.body["refresh_token"].is_string());
    assert_eq!(
        a.body["scope"],
        "https://outlook.office365.com/Exchange.Manage https://outlook.office365.com/.default offline_access"
    );
    let c = claims_of(a.body["access_token"].as_str().unwrap());
    assert_eq!(c["upn"], "admin@contoso.onmicrosoft.com");
    assert_eq!(c["appid"], PUBLIC_CLIENT_ID);
    assert_eq!(
        password_grant(&emu, "contoso.onmicrosoft.com", "ops@contoso.onmicrosoft.com", "pw-ops").await.status,
        200
    );

    let cases = [
        ("contoso.onmicrosoft.com", "admin@contoso.onmicrosoft.com", "nope", "invalid_grant", 50126),
        ("mfa.onmicrosoft.com", "admin@mfa.onmicrosoft.com", USER_PASSWORD, "invalid_grant", 50076),
        (
            "noconsent.onmicrosoft.com",
            "admin@noconsent.onmicrosoft.com",
            USER_PASSWORD,
            "invalid_grant",
            65001,
        ),
        ("contoso.onmicrosoft.com", "nobody@contoso.onmicrosoft.com", USER_PASSWORD, "invalid_grant", 50034),
        ("contoso.onmicrosoft.com", "admin@fabrikam.onmicrosoft.com", USER_PASSWORD, "invalid_grant", 50034),
    ];
    for (tenant, user, pw, error, code) in cases {
        let a = password_grant(&emu, tenant, user, pw).await;
        assert_eq!((a.status, a.error(), a.aadsts()), (400, error, code), "{tenant} {user}: {:?}", a.body);
    }
    let mfa = password_grant(&emu, "mfa.onmicrosoft.com", "admin@mfa.onmicrosoft.com", USER_PASSWORD).await;
    assert_eq!(mfa.body["suberror"], "basic_action");
    assert_eq!(emu.handle.stats().tokens_by_grant("password"), 2);
}

async fn refresh(emu: &Emu, tenant: &str, rt: &str, scope: &str) -> Answer {
    emu.token_request(
        tenant,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", PUBLIC_CLIENT_ID),
            ("refresh_token", rt),
            ("scope", scope),
        ],
    )
    .await
}

#[tokio::test]
async fn refresh_tokens_rotate_with_a_grace_period_and_partner_tokens_work_in_any_tenant() {
    let config = EmulatorConfig { refresh_token_grace_secs: 1, ..EmulatorConfig::default() };
    let emu = start(config).await;
    let minted: serde_json::Value = emu
        .http
        .post(emu.url("_admin/refresh_token"))
        .json(&serde_json::json!({"upn": PARTNER_UPN, "client_id": PUBLIC_CLIENT_ID}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rt0 = minted["refresh_token"].as_str().unwrap().to_string();

    // GDAP: the partner's token works for any customer tenant; tid is the customer's.
    let a = refresh(&emu, "customer-one.onmicrosoft.com", &rt0, CC_SCOPE).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let rt1 = a.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt0);
    let c = claims_of(a.body["access_token"].as_str().unwrap());
    assert_eq!(c["upn"], PARTNER_UPN);
    assert_eq!(c["aud"], COMPLIANCE);

    // The previous token is still honoured during the grace period.
    let again = refresh(&emu, "customer-two.onmicrosoft.com", &rt0, DELEGATED_SCOPE).await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    let rt2 = refresh(&emu, "customer-two.onmicrosoft.com", &rt1, DELEGATED_SCOPE).await;
    assert_eq!(rt2.status, 200, "{:?}", rt2.body);

    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let late = refresh(&emu, "customer-one.onmicrosoft.com", &rt0, CC_SCOPE).await;
    assert_eq!((late.status, late.aadsts()), (400, 50173), "{:?}", late.body);

    let bad = refresh(&emu, "customer-one.onmicrosoft.com", "garbage", CC_SCOPE).await;
    assert_eq!((bad.status, bad.aadsts()), (400, 9002313));
    assert_eq!(emu.handle.stats().tokens_by_grant("refresh_token"), 3);
}

#[tokio::test]
async fn ordinary_users_refresh_only_in_their_tenant_and_sign_in_frequency_applies() {
    let config = EmulatorConfig {
        tenants: vec![TenantConfig {
            id: "strict.onmicrosoft.com".into(),
            sign_in_frequency_secs: Some(0),
            ..TenantConfig::default()
        }],
        ..EmulatorConfig::default()
    };
    let emu = start(config).await;
    let rt = emu.handle.mint_refresh_token("admin@contoso.onmicrosoft.com", PUBLIC_CLIENT_ID).unwrap();
    let a = refresh(&emu, "fabrikam.onmicrosoft.com", &rt, DELEGATED_SCOPE).await;
    assert_eq!((a.status, a.aadsts()), (400, 50020), "{:?}", a.body);
    let a = refresh(&emu, "contoso.onmicrosoft.com", &rt, DELEGATED_SCOPE).await;
    assert_eq!(a.status, 200, "{:?}", a.body);

    let strict = emu.handle.mint_refresh_token("admin@strict.onmicrosoft.com", PUBLIC_CLIENT_ID).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let a = refresh(&emu, "strict.onmicrosoft.com", &strict, DELEGATED_SCOPE).await;
    assert_eq!((a.status, a.aadsts()), (400, 70043), "{:?}", a.body);

    // rt was rotated by its first successful use above; reused within the grace period by the
    // same client it is still honoured.
    let reused = refresh(&emu, "contoso.onmicrosoft.com", &rt, DELEGATED_SCOPE).await;
    assert_eq!(reused.status, 200, "{:?}", reused.body);
    // The same refresh token presented by a different client id is refused.
    let a = emu
        .token_request(
            "contoso.onmicrosoft.com",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", APP_CLIENT_ID),
                ("refresh_token", &rt),
                ("scope", DELEGATED_SCOPE),
            ],
        )
        .await;
    assert_eq!((a.status, a.aadsts()), (400, 70000), "{:?}", a.body);
}

async fn device_start(emu: &Emu, tenant: &str, extra: &[(&str, &str)]) -> Answer {
    let mut form = vec![("client_id", PUBLIC_CLIENT_ID), ("scope", DELEGATED_SCOPE)];
    form.extend_from_slice(extra);
    answer(
        emu.http
            .post(emu.url(&format!("login/{tenant}/oauth2/v2.0/devicecode")))
            .form(&form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn device_poll(emu: &Emu, tenant: &str, code: &str) -> Answer {
    emu.token_request(
        tenant,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", PUBLIC_CLIENT_ID),
            ("device_code", code),
        ],
    )
    .await
}

#[tokio::test]
async fn device_code_flow_pending_slow_down_approval_and_redeemed() {
    let config = EmulatorConfig { device_code_interval_secs: 1, ..EmulatorConfig::default() };
    let emu = start(config).await;
    let start = device_start(&emu, "organizations", &[]).await;
    assert_eq!(start.status, 200, "{:?}", start.body);
    assert_eq!(start.body["interval"], 1);
    assert_eq!(start.body["expires_in"], 900);
    let user_code = start.body["user_code"].as_str().unwrap().to_string();
    let device_code = start.body["device_code"].as_str().unwrap().to_string();
    assert!(start.body["message"].as_str().unwrap().contains(&user_code));
    assert!(start.body["verification_uri"].as_str().unwrap().starts_with(&emu.base));

    let a = device_poll(&emu, "organizations", &device_code).await;
    assert_eq!((a.status, a.error(), a.aadsts()), (400, "authorization_pending", 70016));
    let a = device_poll(&emu, "organizations", &device_code).await;
    assert_eq!((a.status, a.error()), (400, "slow_down"), "{:?}", a.body);
    // `slow_down` is counted on its own: `token_errors["70016"]` also holds the pending poll.
    let stats = emu.handle.stats();
    assert_eq!(stats.slow_down, 1, "{stats:?}");
    assert_eq!(stats.token_errors.get("70016"), Some(&2), "{stats:?}");

    let approve = emu
        .http
        .post(emu.url("_admin/device/approve"))
        .json(&serde_json::json!({"user_code": user_code, "upn": PARTNER_UPN}))
        .send()
        .await
        .unwrap();
    assert_eq!(approve.status(), 200);
    let unknown = emu
        .http
        .post(emu.url("_admin/device/approve"))
        .json(&serde_json::json!({"user_code": "NOPE", "upn": PARTNER_UPN}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    tokio::time::sleep(std::time::Duration::from_millis(1050)).await;
    let a = device_poll(&emu, "organizations", &device_code).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert!(a.body["refresh_token"].is_string());
    assert_eq!(claims_of(a.body["access_token"].as_str().unwrap())["upn"], PARTNER_UPN);

    tokio::time::sleep(std::time::Duration::from_millis(1050)).await;
    let a = device_poll(&emu, "organizations", &device_code).await;
    assert_eq!((a.status, a.aadsts()), (400, 54005));
    let a = device_poll(&emu, "organizations", "unknown-code").await;
    assert_eq!((a.status, a.aadsts()), (400, 70000));
    assert_eq!(emu.handle.stats().tokens_by_grant("device_code"), 1);
}

#[tokio::test]
async fn device_codes_expire_and_can_be_auto_approved() {
    let config = EmulatorConfig {
        device_code_interval_secs: 0,
        device_code_lifetime_secs: 1,
        ..EmulatorConfig::default()
    };
    let emu = start(config).await;
    let started = device_start(&emu, "contoso.onmicrosoft.com", &[]).await;
    let code = started.body["device_code"].as_str().unwrap().to_string();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let a = device_poll(&emu, "contoso.onmicrosoft.com", &code).await;
    assert_eq!((a.status, a.error(), a.aadsts()), (400, "expired_token", 70019), "{:?}", a.body);

    let config = EmulatorConfig {
        auto_approve_device: true,
        device_code_interval_secs: 0,
        ..EmulatorConfig::default()
    };
    let emu = start(config).await;
    let started =
        device_start(&emu, "contoso.onmicrosoft.com", &[("login_hint", "admin@contoso.onmicrosoft.com")])
            .await;
    let code = started.body["device_code"].as_str().unwrap().to_string();
    let a = device_poll(&emu, "contoso.onmicrosoft.com", &code).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(claims_of(a.body["access_token"].as_str().unwrap())["upn"], "admin@contoso.onmicrosoft.com");

    // A confidential client cannot start a device flow.
    let a = answer(
        emu.http
            .post(emu.url("login/contoso.onmicrosoft.com/oauth2/v2.0/devicecode"))
            .form(&[("client_id", APP_CLIENT_ID), ("scope", DELEGATED_SCOPE)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((a.status, a.aadsts()), (401, 7000218));
}

#[tokio::test]
async fn discovery_and_keys() {
    let emu = start_default().await;
    let doc: serde_json::Value =
        emu.get_json("contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration").await;
    // Entra writes the endpoints with the tenant's GUID, whatever name the client used.
    let guid =
        doc["issuer"].as_str().unwrap().trim_end_matches("/v2.0").rsplit('/').next().unwrap().to_string();
    assert!(uuid::Uuid::try_parse(&guid).is_ok(), "{doc}");
    assert_eq!(doc["issuer"], emu.url(&format!("{guid}/v2.0")));
    assert_eq!(doc["token_endpoint"], emu.token_url(&guid));
    assert_eq!(doc["device_authorization_endpoint"], emu.url(&format!("{guid}/oauth2/v2.0/devicecode")));
    assert_eq!(doc["authorization_endpoint"], emu.url(&format!("{guid}/oauth2/v2.0/authorize")));
    // The older `/login` prefix serves the same document under its own authority.
    let legacy: serde_json::Value =
        emu.get_json("login/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration").await;
    assert_eq!(legacy["token_endpoint"], emu.url(&format!("login/{guid}/oauth2/v2.0/token")));
    // The GUID names the same tenant: a token asked by GUID carries that tid.
    let by_guid = emu.app_token(&guid, EXCHANGE).await;
    assert_eq!(claims_of(&by_guid)["tid"], guid.as_str());
    let jwks: serde_json::Value =
        emu.http.get(doc["jwks_uri"].as_str().unwrap()).send().await.unwrap().json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "RSA");
    // The published key verifies an issued token.
    let token = emu.app_token("contoso.onmicrosoft.com", EXCHANGE).await;
    let dk = jsonwebtoken::DecodingKey::from_rsa_components(
        key["n"].as_str().unwrap(),
        key["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut v = jsonwebtoken::Validation::new(Algorithm::RS256);
    v.set_audience(&[EXCHANGE]);
    jsonwebtoken::decode::<serde_json::Value>(&token, &dk, &v).unwrap();

    let config =
        EmulatorConfig { unknown_tenants: vec!["ghost.example".into()], ..EmulatorConfig::default() };
    let emu = start(config).await;
    let a = answer(
        emu.http
            .get(emu.url("login/ghost.example/v2.0/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((a.status, a.aadsts()), (400, 90002));
}

#[tokio::test]
async fn managed_identity_app_service_and_imds() {
    let emu = start_default().await;
    let ok = answer(
        emu.http
            .get(emu.url("msi/token"))
            .query(&[("resource", COMPLIANCE), ("api-version", "2019-08-01")])
            .header("X-IDENTITY-HEADER", "emulator-identity-header")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert!(ok.body["expires_on"].as_str().unwrap().parse::<u64>().is_ok());
    let c = claims_of(ok.body["access_token"].as_str().unwrap());
    assert_eq!(c["aud"], COMPLIANCE);

    let wrong = emu
        .http
        .get(emu.url("msi/token"))
        .query(&[("resource", COMPLIANCE), ("api-version", "2019-08-01")])
        .header("X-IDENTITY-HEADER", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let missing = emu.http.get(emu.url("msi/token")).query(&[("resource", COMPLIANCE)]).send().await.unwrap();
    assert_eq!(missing.status(), 400);

    let imds = answer(
        emu.http
            .get(emu.url("metadata/identity/oauth2/token"))
            .query(&[("resource", EXCHANGE), ("api-version", "2018-02-01")])
            .header("Metadata", "true")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(imds.status, 200, "{:?}", imds.body);
    assert!(imds.body["expires_in"].is_string());
    let no_header = emu
        .http
        .get(emu.url("metadata/identity/oauth2/token"))
        .query(&[("resource", EXCHANGE), ("api-version", "2018-02-01")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_header.status(), 400);

    let stats = emu.handle.stats();
    assert_eq!(stats.tokens_by_grant("managed_identity"), 2);
    assert_eq!(stats.tokens_for("managed.onmicrosoft.com", COMPLIANCE), 1);
}

#[tokio::test]
async fn the_devicelogin_page_approves_a_code_and_checks_the_tenant() {
    let config = EmulatorConfig { device_code_interval_secs: 0, ..EmulatorConfig::default() };
    let emu = start(config).await;
    let started = device_start(&emu, "contoso.onmicrosoft.com", &[]).await;
    let user_code = started.body["user_code"].as_str().unwrap().to_string();
    let device_code = started.body["device_code"].as_str().unwrap().to_string();
    let page = emu.http.get(emu.url("devicelogin")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<form"));
    // A user of another tenant cannot approve a code issued for contoso.
    let refused = emu
        .http
        .post(emu.url("_admin/device/approve"))
        .json(&serde_json::json!({"user_code": user_code, "upn": "admin@fabrikam.onmicrosoft.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let page = emu
        .http
        .get(emu.url("devicelogin"))
        .query(&[("code", user_code.as_str()), ("upn", "admin@contoso.onmicrosoft.com")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Approved"), "{page}");
    let a = device_poll(&emu, "contoso.onmicrosoft.com", &device_code).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(emu.handle.stats().requests_to("devicelogin"), 2);
}

#[tokio::test]
async fn client_secret_basic_authentication_is_accepted() {
    let emu = start_default().await;
    let ok = emu
        .http
        .post(emu.token_url("contoso.onmicrosoft.com"))
        .basic_auth(APP_CLIENT_ID, Some(APP_CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", CC_SCOPE)])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let bad = answer(
        emu.http
            .post(emu.token_url("contoso.onmicrosoft.com"))
            .basic_auth(APP_CLIENT_ID, Some("wrong"))
            .form(&[("grant_type", "client_credentials"), ("scope", CC_SCOPE)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((bad.status, bad.aadsts()), (401, 7000215));
}
