//! The emulator's Entra side as Microsoft's own client libraries see it (issue #14), over
//! real sockets: fractional NumericDates in assertions, id_token and client_info on
//! delegated answers, the tenant-first layout, instance discovery, Entra's error details,
//! the authorization-code + PKCE flow with its sign-in form, and the App Service
//! managed-identity error shape.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::emulator_support;

use base64::Engine as _;
use emulator_support::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sha1::Digest as _;
use tenantrun::emulator::{
    APP_CLIENT_ID, APP_CLIENT_SECRET, PUBLIC_CLIENT_ID, TEST_CLIENT_CERT_PEM, TEST_CLIENT_KEY_PEM,
    USER_PASSWORD,
};

const CC_SCOPE: &str = "https://ps.compliance.protection.outlook.com/.default";
const MSAL_SCOPE: &str = "https://outlook.office365.com/.default offline_access openid profile";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

fn decode_part(part: &str) -> serde_json::Value {
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn claims_of(token: &str) -> serde_json::Value {
    decode_part(token.split('.').nth(1).unwrap())
}

fn now_f64() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64()
}

/// A certificate assertion whose claims are exactly `claims` (with `aud`, `iss`, `sub`, `jti` added).
fn assertion_with(aud: &str, mut claims: serde_json::Value) -> String {
    let mut r = std::io::BufReader::new(TEST_CLIENT_CERT_PEM.as_bytes());
    let der = rustls_pemfile::certs(&mut r).next().unwrap().unwrap().to_vec();
    let mut header = Header::new(Algorithm::RS256);
    header.x5t = Some(b64(&sha1::Sha1::digest(&der)));
    claims["aud"] = aud.into();
    claims["iss"] = APP_CLIENT_ID.into();
    claims["sub"] = APP_CLIENT_ID.into();
    claims["jti"] = uuid::Uuid::new_v4().to_string().into();
    jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(TEST_CLIENT_KEY_PEM.as_bytes()).unwrap(),
    )
    .unwrap()
}

async fn cert_grant(emu: &Emu, tenant: &str, assertion: &str) -> Answer {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", APP_CLIENT_ID),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion),
        ("scope", CC_SCOPE),
    ];
    emu.token_request(tenant, &form).await
}

#[tokio::test]
async fn fractional_numeric_dates_in_assertions_are_accepted_and_never_panic() {
    let emu = start_default().await;
    let tenant = "contoso.onmicrosoft.com";
    let aud = emu.token_url(tenant);
    let t = now_f64();
    // What MSAL Python writes: time.time() floats.
    let msal_like = assertion_with(&aud, serde_json::json!({"iat": t, "nbf": t - 0.25, "exp": t + 600.5}));
    let a = cert_grant(&emu, tenant, &msal_like).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    // A fractional exp in the past is still expired.
    let old = assertion_with(&aud, serde_json::json!({"exp": t - 3600.5}));
    assert_eq!(cert_grant(&emu, tenant, &old).await.aadsts(), 700024);
    // Saturating, never panicking: huge, negative and exponent-form values.
    let cases: Vec<(serde_json::Value, u16, u64)> = vec![
        (serde_json::json!({"exp": 1.0e300}), 200, 0),
        (serde_json::json!({"exp": u64::MAX, "nbf": -5.5}), 200, 0),
        (serde_json::json!({"exp": -1.0e300}), 401, 700024),
        (serde_json::json!({"exp": t + 600.0, "nbf": 1.0e300}), 401, 700024),
        (serde_json::json!({"exp": "soon"}), 401, 50027),
    ];
    for (claims, status, code) in cases {
        let a = cert_grant(&emu, tenant, &assertion_with(&aud, claims.clone())).await;
        assert_eq!(a.status, status, "{claims}: {:?}", a.body);
        if code != 0 {
            assert_eq!(a.aadsts(), code, "{claims}: {:?}", a.body);
        }
    }
}

async fn password(emu: &Emu, tenant: &str, extra: &[(&str, &str)]) -> Answer {
    let mut form = vec![
        ("grant_type", "password"),
        ("client_id", PUBLIC_CLIENT_ID),
        ("username", "admin@contoso.onmicrosoft.com"),
        ("password", USER_PASSWORD),
        ("scope", MSAL_SCOPE),
    ];
    form.extend_from_slice(extra);
    emu.token_request(tenant, &form).await
}

#[tokio::test]
async fn delegated_answers_carry_an_id_token_and_client_info_as_entra_does() {
    let emu = start_default().await;
    let a = password(&emu, "contoso.onmicrosoft.com", &[("client_info", "1")]).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(
        a.body["scope"],
        "openid profile https://outlook.office365.com/Exchange.Manage https://outlook.office365.com/.default offline_access"
    );
    let id_token = a.body["id_token"].as_str().expect("id_token");
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    // Signed with the emulator's published key.
    let jwks: serde_json::Value = emu.get_json("contoso.onmicrosoft.com/discovery/v2.0/keys").await;
    let key = &jwks["keys"][0];
    let dk = jsonwebtoken::DecodingKey::from_rsa_components(
        key["n"].as_str().unwrap(),
        key["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut v = jsonwebtoken::Validation::new(Algorithm::RS256);
    v.set_audience(&[PUBLIC_CLIENT_ID]);
    let c = jsonwebtoken::decode::<serde_json::Value>(id_token, &dk, &v).unwrap().claims;
    let tid = claims_of(a.body["access_token"].as_str().unwrap())["tid"].as_str().unwrap().to_string();
    assert_eq!(c["tid"], tid.as_str());
    assert_eq!(c["iss"], emu.url(&format!("{tid}/v2.0")));
    assert_eq!(c["ver"], "2.0");
    assert_eq!(c["preferred_username"], "admin@contoso.onmicrosoft.com");
    assert_eq!(c["name"], "Admin (contoso)");
    assert!(uuid::Uuid::try_parse(c["oid"].as_str().unwrap()).is_ok());
    assert!(c.get("nonce").is_none());
    let info = decode_part(a.body["client_info"].as_str().expect("client_info"));
    assert_eq!(info, serde_json::json!({"uid": c["oid"], "utid": tid}));

    // No openid, no client_info=1: neither is sent.
    let bare = emu
        .token_request(
            "contoso.onmicrosoft.com",
            &[
                ("grant_type", "password"),
                ("client_id", PUBLIC_CLIENT_ID),
                ("username", "admin@contoso.onmicrosoft.com"),
                ("password", USER_PASSWORD),
                ("scope", "https://outlook.office365.com/.default"),
            ],
        )
        .await;
    assert_eq!(bare.status, 200, "{:?}", bare.body);
    assert!(bare.body.get("id_token").is_none() && bare.body.get("client_info").is_none(), "{:?}", bare.body);

    // The refresh grant answers the same way.
    let rt = a.body["refresh_token"].as_str().unwrap();
    let r = emu
        .token_request(
            "contoso.onmicrosoft.com",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", PUBLIC_CLIENT_ID),
                ("refresh_token", rt),
                ("scope", MSAL_SCOPE),
                ("client_info", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(claims_of(r.body["id_token"].as_str().unwrap())["oid"], c["oid"]);
    assert_eq!(decode_part(r.body["client_info"].as_str().unwrap()), info);
}

async fn secret_grant_with_request_id(emu: &Emu, secret: &str, id: &str) -> reqwest::Response {
    emu.http
        .post(emu.token_url("contoso.onmicrosoft.com"))
        .header("client-request-id", id)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", APP_CLIENT_ID),
            ("client_secret", secret),
            ("scope", CC_SCOPE),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn entra_error_details_status_correlation_and_crlf() {
    let emu = start_default().await;
    let id = "5d9a1b2c-0000-4000-8000-00000000c0de";
    let a = answer(secret_grant_with_request_id(&emu, "wrong", id).await).await;
    assert_eq!((a.status, a.error(), a.aadsts()), (401, "invalid_client", 7000215), "{:?}", a.body);
    assert_eq!(a.body["correlation_id"], id);
    assert_eq!(a.header("client-request-id"), Some(id));
    let description = a.body["error_description"].as_str().unwrap();
    let lines: Vec<&str> = description.split("\r\n").collect();
    assert_eq!(lines.len(), 4, "{description:?}");
    assert!(lines[0].starts_with("AADSTS7000215: Invalid client secret provided."), "{description:?}");
    assert_eq!(lines[1], format!("Trace ID: {}", a.body["trace_id"].as_str().unwrap()));
    assert_eq!(lines[2], format!("Correlation ID: {id}"));
    assert!(lines[3].starts_with("Timestamp: "), "{description:?}");

    // Client credentials on a multi-tenant path name no tenant.
    for tenant in ["common", "organizations"] {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", APP_CLIENT_ID),
            ("client_secret", APP_CLIENT_SECRET),
            ("scope", CC_SCOPE),
        ];
        let a = emu.token_request(tenant, &form).await;
        assert_eq!(
            (a.status, a.error(), a.aadsts()),
            (400, "invalid_request", 900023),
            "{tenant}: {:?}",
            a.body
        );
    }
    // A named scope with client credentials.
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", APP_CLIENT_ID),
        ("client_secret", APP_CLIENT_SECRET),
        ("scope", "https://outlook.office365.com/Exchange.ManageAsApp"),
    ];
    let a = emu.token_request("contoso.onmicrosoft.com", &form).await;
    assert_eq!((a.status, a.error(), a.aadsts()), (400, "invalid_scope", 1002012), "{:?}", a.body);
    // A success echoes the request id too.
    let ok = secret_grant_with_request_id(&emu, APP_CLIENT_SECRET, id).await;
    assert_eq!(ok.headers().get("client-request-id").and_then(|v| v.to_str().ok()), Some(id));
}

#[tokio::test]
async fn instance_discovery_points_at_the_tenant_document() {
    let emu = start_default().await;
    let host = url::Url::parse(&emu.base).unwrap().host_str().unwrap().to_string();
    let authorize = format!("https://{host}/contoso.onmicrosoft.com/oauth2/v2.0/authorize");
    let a = answer(
        emu.http
            .get(emu.url("common/discovery/instance"))
            .query(&[("api-version", "1.1"), ("authorization_endpoint", authorize.as_str())])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let tde = emu.url("contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration");
    assert_eq!(a.body["tenant_discovery_endpoint"], tde.as_str());
    assert_eq!(a.body["api-version"], "1.1");
    assert_eq!(a.body["metadata"][0]["aliases"], serde_json::json!([host]));
    let doc = answer(emu.http.get(&tde).send().await.unwrap()).await;
    assert_eq!(doc.status, 200);

    let other = answer(
        emu.http
            .get(emu.url("common/discovery/instance"))
            .query(&[
                ("api-version", "1.1"),
                ("authorization_endpoint", "https://login.example.org/x/oauth2/v2.0/authorize"),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((other.status, other.error()), (400, "invalid_instance"), "{:?}", other.body);
}

fn form_fields(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in html.split("<input type=hidden name=\"").skip(1) {
        let (name, rest) = part.split_once('"').unwrap();
        let value = rest.split_once("value=\"").unwrap().1.split_once('"').unwrap().0;
        out.push((name.to_string(), value.replace("&amp;", "&").replace("&quot;", "\"")));
    }
    out
}

#[tokio::test]
async fn authorization_code_with_pkce_through_the_sign_in_form() {
    let emu = start_default().await;
    let tenant = "contoso.onmicrosoft.com";
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-emulator";
    let challenge = b64(&sha2::Sha256::digest(verifier.as_bytes()));
    let redirect = "http://localhost:53123/callback";
    let authorize = emu.url(&format!("{tenant}/oauth2/v2.0/authorize"));
    let query = [
        ("client_id", PUBLIC_CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", redirect),
        ("scope", MSAL_SCOPE),
        ("state", "st<1>"),
        ("nonce", "n-0S6_WzA2Mj"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let page = emu.http.get(&authorize).query(&query).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("name=password") && !html.contains("st<1>"), "state must be escaped: {html}");
    let mut fields = form_fields(&html);
    assert!(fields.contains(&("state".into(), "st&lt;1&gt;".into())), "{fields:?}");
    fields.retain(|(k, _)| k != "state");
    fields.push(("state".into(), "st<1>".into()));

    // A wrong password shows the form again.
    let mut bad = fields.clone();
    bad.push(("username".into(), "admin@contoso.onmicrosoft.com".into()));
    bad.push(("password".into(), "nope".into()));
    let again = emu.http.post(&authorize).form(&bad).send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert!(again.text().await.unwrap().contains("incorrect"));

    let mut good = fields.clone();
    good.push(("username".into(), "admin@contoso.onmicrosoft.com".into()));
    good.push(("password".into(), USER_PASSWORD.into()));
    let signed_in = emu.http.post(&authorize).form(&good).send().await.unwrap();
    assert_eq!(signed_in.status(), 302);
    let location = url::Url::parse(signed_in.headers()["location"].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with(redirect), "{location}");
    let params: std::collections::HashMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(params["state"], "st<1>");
    let code = params["code"].clone();

    let redeem = |verifier: &'static str| {
        let code = code.clone();
        let emu = &emu;
        async move {
            let form = [
                ("grant_type", "authorization_code"),
                ("client_id", PUBLIC_CLIENT_ID),
                ("code", code.as_str()),
                ("redirect_uri", redirect),
                ("code_verifier", verifier),
                ("scope", MSAL_SCOPE),
                ("client_info", "1"),
            ];
            emu.token_request(tenant, &form).await
        }
    };
    let wrong = redeem("not-the-verifier").await;
    assert_eq!((wrong.status, wrong.aadsts()), (400, 501481), "{:?}", wrong.body);
    let a = redeem(verifier).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let id = claims_of(a.body["id_token"].as_str().unwrap());
    assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(id["preferred_username"], "admin@contoso.onmicrosoft.com");
    assert!(a.body["client_info"].is_string() && a.body["refresh_token"].is_string());
    let replay = redeem(verifier).await;
    assert_eq!((replay.status, replay.aadsts()), (400, 54005), "{:?}", replay.body);
    // The token works on the admin API.
    let token = a.body["access_token"].as_str().unwrap();
    let ok = emu
        .http
        .post(emu.url(&format!("exchange/adminapi/beta/{tenant}/InvokeCommand")))
        .bearer_auth(token)
        .header("X-ResponseFormat", "json")
        .header("client-request-id", uuid::Uuid::new_v4().to_string())
        .header("X-AnchorMailbox", "UPN:admin@contoso.onmicrosoft.com")
        .json(&serde_json::json!({"CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": {}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);

    // A redirect URI that is not a loopback address is refused with an error page.
    let evil = emu
        .http
        .get(&authorize)
        .query(&[
            ("client_id", PUBLIC_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", "https://evil.example/cb"),
            ("scope", MSAL_SCOPE),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), 400);
    assert!(evil.text().await.unwrap().contains("AADSTS50011"));
}

#[tokio::test]
async fn app_service_managed_identity_errors_have_the_app_service_shape() {
    let emu = start_default().await;
    let id = "0f0e0d0c-0000-4000-8000-0000000000aa";
    let a = answer(
        emu.http
            .get(emu.url("msi/token"))
            .query(&[("resource", COMPLIANCE), ("api-version", "2019-08-01")])
            .header("X-IDENTITY-HEADER", "nope")
            .header("x-ms-client-request-id", id)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, 401);
    assert_eq!(a.body["statusCode"], 401);
    assert_eq!(a.body["message"], "The X-IDENTITY-HEADER value is not valid");
    assert_eq!(a.body["correlationId"], id);
    assert!(a.body.get("error").is_none(), "{:?}", a.body);
    // IMDS keeps its OAuth-style errors.
    let imds = answer(
        emu.http
            .get(emu.url("metadata/identity/oauth2/token"))
            .query(&[("resource", EXCHANGE), ("api-version", "2018-02-01")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((imds.status, imds.error()), (400, "invalid_request"), "{:?}", imds.body);
}
