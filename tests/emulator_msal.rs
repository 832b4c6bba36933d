//! The emulator as Microsoft's own client libraries see it (issue #14): MSAL Python and
//! azure-identity, unmodified, installed from the pinned tests/msal/requirements.txt, run
//! the flow scripts of tests/msal against `tenantrun emulator --tls` (its own process, the
//! emulator's CA in REQUESTS_CA_BUNDLE), and every token they get is then used on the admin
//! API. No monkey-patching: MSAL is pointed at the emulator's own instance discovery;
//! azure-identity, which only knows login.microsoftonline.com's, is told the authority is
//! private (`disable_instance_discovery=True`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "msal/harness.rs"]
mod harness;

use harness::{claims, Emulator, APP_ANCHOR};
use serde_json::Value;
use tenantrun::emulator::{
    APP_CLIENT_ID, MANAGED_IDENTITY_CLIENT_ID, MANAGED_IDENTITY_HEADER, PUBLIC_CLIENT_ID,
};

const TENANT: &str = "contoso.onmicrosoft.com";
const OTHER_TENANT: &str = "fabrikam.onmicrosoft.com";
const USER: &str = "admin@contoso.onmicrosoft.com";
const EXCHANGE: &str = "https://outlook.office365.com";

fn start() -> Emulator {
    Emulator::start("127.0.0.1:0", &["--device-interval", "1"])
}

/// The tenant's GUID, as the emulator's discovery document writes it.
async fn guid(emu: &Emulator, tenant: &str) -> String {
    let doc = emu.get_json(&format!("{tenant}/v2.0/.well-known/openid-configuration")).await;
    let endpoint = doc["token_endpoint"].as_str().unwrap();
    let guid = endpoint.strip_prefix(&format!("{}/", emu.url)).unwrap().split('/').next().unwrap();
    assert!(uuid::Uuid::try_parse(guid).is_ok(), "{endpoint}");
    guid.to_string()
}

fn token_of<'a>(case: &'a Value, name: &str) -> &'a str {
    assert!(case.get("error").is_none(), "{name}: {case}");
    case["access_token"].as_str().unwrap_or_else(|| panic!("{name}: no access_token in {case}"))
}

/// An app-only token of the well-known app for `tid`, accepted by the admin API of `tenant`.
async fn assert_app_token(emu: &Emulator, token: &str, tenant: &str, tid: &str, name: &str) {
    let c = claims(token);
    assert_eq!(
        (c["aud"].as_str(), c["tid"].as_str(), c["appid"].as_str(), c["idtyp"].as_str()),
        (Some(EXCHANGE), Some(tid), Some(APP_CLIENT_ID), Some("app")),
        "{name}: {c}"
    );
    assert_eq!(emu.invoke(token, tenant, &format!("APP:{APP_ANCHOR}@{tenant}")).await, 200, "{name}");
}

/// A delegated token of the admin user through the public client, accepted by the admin API.
async fn assert_user_token(emu: &Emulator, token: &str, tid: &str, name: &str) {
    let c = claims(token);
    assert_eq!(
        (c["aud"].as_str(), c["tid"].as_str(), c["appid"].as_str(), c["upn"].as_str(), c["idtyp"].as_str()),
        (Some(EXCHANGE), Some(tid), Some(PUBLIC_CLIENT_ID), Some(USER), Some("user")),
        "{name}: {c}"
    );
    assert_eq!(emu.invoke(token, TENANT, &format!("UPN:{USER}")).await, 200, "{name}");
}

#[tokio::test]
async fn msal_confidential_clients_with_secret_certificates_and_one_cache_for_two_tenants() {
    let emu = start();
    let tid = guid(&emu, TENANT).await;
    let other = guid(&emu, OTHER_TENANT).await;
    assert_ne!(tid, other);

    let secret = emu.run("msal_client_secret", &[]);
    let first = token_of(&secret["first"], "secret");
    assert_eq!(secret["first"]["token_source"], "identity_provider");
    assert_eq!(secret["again"]["token_source"], "cache");
    assert_eq!(token_of(&secret["again"], "secret again"), first);
    assert_app_token(&emu, first, TENANT, &tid, "secret").await;

    let certs = emu.run("msal_certificate", &[]);
    let names = ["pem_thumbprint", "pem_x5c", "pfx", "pfx_x5c"];
    assert_eq!(certs.as_object().unwrap().len(), names.len(), "{certs}");
    for name in names {
        assert_app_token(&emu, token_of(&certs[name], name), TENANT, &tid, name).await;
    }
    let stats = emu.stats().await;
    assert_eq!(stats["assertions_verified"], names.len(), "{stats}");

    // One cache, two tenants: each tenant's second request is its own cached token.
    let two = emu.run("msal_two_tenants", &[]);
    for (tenant, guid) in [(TENANT, &tid), (OTHER_TENANT, &other)] {
        let first = &two[format!("{tenant} first")];
        let again = &two[format!("{tenant} again")];
        assert_eq!(
            (&first["token_source"], &again["token_source"]),
            (&"identity_provider".into(), &"cache".into())
        );
        assert_eq!(token_of(again, tenant), token_of(first, tenant), "{tenant}");
        assert_app_token(&emu, token_of(first, tenant), tenant, guid, tenant).await;
    }
    // The other tenant's token is refused by this tenant's admin API.
    let cross = token_of(&two[format!("{OTHER_TENANT} first")], OTHER_TENANT);
    assert_eq!(emu.invoke(cross, TENANT, &format!("APP:{APP_ANCHOR}@{TENANT}")).await, 403);
}

#[tokio::test]
async fn msal_public_client_device_code_auth_code_accounts_silent_renewal_and_refresh_token() {
    let emu = start();
    let tid = guid(&emu, TENANT).await;
    let out = emu.run("msal_device_code", &[]);
    // The user approved at MSAL's first poll, answered `authorization_pending`.
    assert_eq!(out["pending"], serde_json::json!([[70016]]));
    let signed_in = &out["device_code"];
    assert_eq!(signed_in["token_source"], "identity_provider");
    assert_user_token(&emu, token_of(signed_in, "device code"), &tid, "device code").await;
    let id = &signed_in["id_token_claims"];
    assert_eq!(
        (id["preferred_username"].as_str(), id["tid"].as_str()),
        (Some(USER), Some(tid.as_str())),
        "{id}"
    );
    assert_eq!(id["aud"], PUBLIC_CLIENT_ID);
    // get_accounts(): the account MSAL built from id_token and client_info.
    let oid = id["oid"].as_str().unwrap();
    assert_eq!(
        out["accounts"],
        serde_json::json!([{"username": USER, "home_account_id": format!("{oid}.{tid}"),
                            "environment": "127.0.0.1", "realm": tid}])
    );
    assert_eq!(out["silent"]["token_source"], "cache");
    assert_eq!(token_of(&out["silent"], "silent"), token_of(signed_in, "device code"));
    for name in ["silent_refresh", "refresh_token"] {
        assert_eq!(out[name]["token_source"], "identity_provider", "{name}");
        let token = token_of(&out[name], name);
        assert_ne!(token, token_of(signed_in, "device code"), "{name}");
        assert_user_token(&emu, token, &tid, name).await;
    }

    // Authorization code + PKCE, form_post: MSAL checks the state and redeems the code.
    let code = emu.run("msal_auth_code", &[]);
    assert_eq!((&code["form_status"], &code["sign_in_status"]), (&200.into(), &200.into()), "{code}");
    assert_eq!(code["posted_to"], "http://localhost:53123/callback");
    assert_eq!(code["sent"]["code_challenge_method"], "S256");
    assert_eq!(code["returned_state"], code["sent"]["state"]);
    let signed_in = &code["auth_code"];
    assert_eq!(signed_in["id_token_claims"]["nonce"], code["sent"]["nonce"], "{signed_in}");
    assert_user_token(&emu, token_of(signed_in, "auth code"), &tid, "auth code").await;
    assert_eq!(code["accounts"], out["accounts"]);

    let stats = emu.stats().await;
    assert_eq!(
        (&stats["token_errors"], &stats["slow_down"]),
        (&serde_json::json!({"70016": 1}), &0.into()),
        "{stats}"
    );
    let grants: Vec<(String, u64)> = stats["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["grant"].as_str().unwrap().to_string(), t["count"].as_u64().unwrap()))
        .collect();
    let expected = [("authorization_code", 1), ("device_code", 1), ("refresh_token", 2)];
    assert_eq!(grants, expected.map(|(g, n)| (g.to_string(), n)), "{stats}");
}

#[tokio::test]
async fn msal_reads_entra_errors_with_their_status_and_correlation_id() {
    let emu = start();
    let out = emu.run("msal_errors", &[]);
    for (name, status, error, code) in [
        ("wrong_secret", 401, "invalid_client", 7000215),
        ("named_scope", 400, "invalid_scope", 1002012),
        ("common", 400, "invalid_request", 900023),
    ] {
        let case = &out[name];
        assert_eq!(
            (case["error"].as_str(), &case["error_codes"]),
            (Some(error), &serde_json::json!([code])),
            "{name}: {case}"
        );
        assert!(case.get("access_token").is_none(), "{name}");
        let exchange = case["exchange"].as_array().unwrap();
        assert_eq!(exchange.len(), 1, "{name}: one token request, no retry: {case}");
        let e = &exchange[0];
        assert_eq!(e["status"], status, "{name}: {e}");
        let sent = e["sent_request_id"].as_str().expect("MSAL sends client-request-id");
        assert_eq!(e["echoed_request_id"], sent, "{name}");
        assert_eq!(case["correlation_id"], sent, "{name}");
        // Entra's description: the message, then trace id, correlation id and time, CRLF apart.
        let lines: Vec<&str> = case["error_description"].as_str().unwrap().split("\r\n").collect();
        assert!(lines[0].starts_with(&format!("AADSTS{code}: ")), "{name}: {lines:?}");
        assert_eq!(lines.get(2), Some(&format!("Correlation ID: {sent}").as_str()), "{name}: {lines:?}");
    }
    assert!(out["common"]["exchange"][0]["url"].as_str().unwrap().ends_with("/common/oauth2/v2.0/token"));
}

#[tokio::test]
async fn azure_identity_secret_certificate_and_device_code_credentials() {
    let emu = start();
    let tid = guid(&emu, TENANT).await;
    let other = guid(&emu, OTHER_TENANT).await;

    let secret = emu.run("identity_client_secret", &[]);
    let s = |k: &str| secret[k].as_str().unwrap_or_else(|| panic!("{k}: {secret}"));
    assert_eq!(s("again"), s("first"), "served from the credential's cache");
    assert_eq!(s("other_tenant_again"), s("other_tenant"));
    assert_eq!(s("first_tenant_after"), s("first"), "the other tenant's token never replaces this one");
    assert_app_token(&emu, s("first"), TENANT, &tid, "ClientSecretCredential").await;
    assert_app_token(&emu, s("other_tenant"), OTHER_TENANT, &other, "ClientSecretCredential, other tenant")
        .await;
    let wrong = s("wrong_secret");
    assert!(wrong.contains("AADSTS7000215: Invalid client secret provided."), "{wrong}");
    assert!(!wrong.contains("not-the-secret"), "the secret is not echoed: {wrong}");

    let certs = emu.run("identity_certificate", &[]);
    for name in ["pem", "pfx", "pfx_x5c"] {
        let token = certs[name].as_str().unwrap_or_else(|| panic!("{name}: {certs}"));
        assert_app_token(&emu, token, TENANT, &tid, name).await;
    }

    let device = emu.run("identity_device_code", &[]);
    assert_eq!(device["prompts"], serde_json::json!([format!("{}/devicelogin", emu.url)]));
    let record = &device["record"];
    assert_eq!(
        (record["username"].as_str(), record["tenant_id"].as_str()),
        (Some(USER), Some(tid.as_str())),
        "{record}"
    );
    let oid = claims(device["first"].as_str().unwrap())["oid"].clone();
    assert!(record["home_account_id"].as_str().unwrap().ends_with(&format!(".{tid}")), "{record} {oid}");
    assert_eq!(device["again"], device["first"], "get_token after authenticate is silent");
    assert_user_token(&emu, device["first"].as_str().unwrap(), &tid, "DeviceCodeCredential").await;
}

#[tokio::test]
async fn managed_identity_app_service_and_imds_through_both_libraries() {
    let emu = start();
    let tenant = "managed.onmicrosoft.com";
    let tid = guid(&emu, tenant).await;
    let app_service = [
        ("IDENTITY_ENDPOINT", format!("{}/msi/token", emu.url)),
        ("IDENTITY_HEADER", MANAGED_IDENTITY_HEADER.to_string()),
    ];
    let imds = [("AZURE_POD_IDENTITY_AUTHORITY_HOST", emu.url.clone())];
    for (source, env) in [("app service", &app_service[..]), ("imds", &imds[..])] {
        let msal = emu.run("msal_managed_identity", env);
        assert_eq!(msal["first"]["token_source"], "identity_provider", "{source}: {msal}");
        assert_eq!(msal["again"]["token_source"], "cache", "{source}");
        let identity = emu.run("identity_managed_identity", env);
        assert_eq!(identity["again"], identity["first"], "{source}");
        for (lib, token) in [
            ("msal", token_of(&msal["first"], source)),
            ("azure-identity", identity["first"].as_str().unwrap()),
        ] {
            let c = claims(token);
            assert_eq!(
                (c["aud"].as_str(), c["tid"].as_str(), c["appid"].as_str(), c["idtyp"].as_str()),
                (Some(EXCHANGE), Some(tid.as_str()), Some(MANAGED_IDENTITY_CLIENT_ID), Some("app")),
                "{lib} {source}: {c}"
            );
            assert_eq!(
                emu.invoke(token, tenant, &format!("APP:{APP_ANCHOR}@{tenant}")).await,
                200,
                "{lib} {source}"
            );
        }
    }
    // App Service's own error shape, `{"statusCode", "message", "correlationId"}`, as MSAL reads it.
    let wrong = emu.run(
        "msal_managed_identity",
        &[app_service[0].clone(), ("IDENTITY_HEADER", "not-the-header".into())],
    );
    assert_eq!(
        wrong["first"]["error_description"], "401, The X-IDENTITY-HEADER value is not valid",
        "{wrong}"
    );
    assert!(wrong["first"].get("access_token").is_none());
    let stats = emu.stats().await;
    assert_eq!(
        stats["requests"]["managed_identity"], 6,
        "one request per library and source, two refused: {stats}"
    );
}

/// MSAL (and azure-identity through it) asks `https://{host}/common/userrealm/{user}` before a
/// username/password sign-in, dropping the authority's port: these flows need the emulator on
/// port 443. Test processes of several checkouts take turns through a lock in the temp dir.
#[tokio::test]
async fn password_flows_through_both_libraries_on_port_443() {
    let lock_path = std::env::temp_dir().join("tenantrun-emulator-443.lock");
    let lock = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path).unwrap();
    lock.lock().unwrap();
    if let Err(e) = std::net::TcpListener::bind("127.0.0.1:443") {
        panic!(
            "the password-flow test needs 127.0.0.1:443 (MSAL drops the authority's port for user realm \
             discovery) and cannot bind it: {e}; run as root or allow it with \
             `sysctl net.ipv4.ip_unprivileged_port_start=443`"
        );
    }
    let emu = Emulator::start("127.0.0.1:443", &[]);
    assert_eq!(emu.url, "https://127.0.0.1");
    let tid = guid(&emu, TENANT).await;

    let msal = emu.run("msal_password", &[]);
    let signed_in = &msal["password"];
    assert_user_token(&emu, token_of(signed_in, "ROPC"), &tid, "ROPC").await;
    assert_eq!(msal["accounts"][0]["username"], USER, "{msal}");
    assert_eq!(msal["accounts"].as_array().unwrap().len(), 1);
    assert_eq!(msal["silent"]["token_source"], "cache");
    assert_eq!(token_of(&msal["silent"], "silent"), token_of(signed_in, "ROPC"));
    assert_eq!(
        (msal["wrong_password"]["error"].as_str(), &msal["wrong_password"]["error_codes"]),
        (Some("invalid_grant"), &serde_json::json!([50126]))
    );

    let identity = emu.run("identity_username_password", &[]);
    assert_eq!(identity["record"]["username"], USER);
    assert_eq!(identity["record"]["tenant_id"], tid.as_str());
    assert_eq!(identity["again"], identity["first"]);
    assert_user_token(&emu, identity["first"].as_str().unwrap(), &tid, "UsernamePasswordCredential").await;
    // What MSAL asked first: the user is a managed (cloud) account.
    let realm = emu.get_json(&format!("common/userrealm/{USER}?api-version=1.0")).await;
    assert_eq!(
        (realm["account_type"].as_str(), realm["domain_name"].as_str()),
        (Some("Managed"), Some(TENANT))
    );
}

/// The `python` blocks of the README's "Microsoft's own libraries" section, as a user copies
/// them, with the emulator's URL in place of `https://127.0.0.1:8400`.
fn readme_snippets() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme.split("### Microsoft's own libraries").nth(1).expect("the README section");
    let section = section.split("\n## ").next().unwrap();
    section.split("```python\n").skip(1).map(|b| b.split("```").next().unwrap().to_string()).collect()
}

#[tokio::test]
async fn the_readme_snippets_get_tokens_the_admin_api_accepts() {
    let emu = start();
    let tid = guid(&emu, TENANT).await;
    let snippets = readme_snippets();
    assert_eq!(snippets.len(), 2, "one MSAL and one azure-identity snippet");
    for (i, snippet) in snippets.iter().enumerate() {
        assert!(snippet.contains("https://127.0.0.1:8400"), "{snippet}");
        // What the snippet leaves behind: MSAL's `result`, azure-identity's `token`.
        let code = format!(
            "{}\nimport json\nprint(json.dumps({{k: v for k, v in globals().items() if k in ('result', 'token')}}))\n",
            snippet.replace("https://127.0.0.1:8400", &emu.url)
        );
        let out = emu.run_code(&format!("README snippet {i}"), &code);
        let token = match (&out["result"], &out["token"]) {
            (Value::Object(_), Value::Null) => token_of(&out["result"], "MSAL snippet"),
            (Value::Null, Value::String(t)) => t.as_str(),
            _ => panic!("snippet {i} left neither `result` nor `token`: {out}"),
        };
        assert_app_token(&emu, token, TENANT, &tid, &format!("README snippet {i}")).await;
    }
}
