//! The emulator's admin API over real sockets: region redirect, EXOModuleFile,
//! InvokeCommand paging/$select/warnings/errors/writes, and every violation counter.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::emulator_support;

use emulator_support::*;
use serde_json::json;
use std::collections::BTreeMap;
use tenantrun::emulator::{EmulatorConfig, TenantConfig, PUBLIC_CLIENT_ID};

fn tenants() -> EmulatorConfig {
    EmulatorConfig {
        tenants: vec![
            TenantConfig {
                id: "contoso.onmicrosoft.com".into(),
                region: Some("eur02b".into()),
                sizes: BTreeMap::from([("Get-Mailbox".to_string(), 2500), ("Get-Label".to_string(), 7)]),
                ..TenantConfig::default()
            },
            TenantConfig {
                id: "fabrikam.onmicrosoft.com".into(),
                aliases: vec!["8e3b2b9c-0000-4000-8000-00000000fab1".into()],
                region: Some("none".into()),
                ..TenantConfig::default()
            },
        ],
        ..EmulatorConfig::default()
    }
}

#[tokio::test]
async fn banner_redirects_to_the_region_and_the_front_door_serves_tenants_without_one() {
    let emu = start(tenants()).await;
    let token = emu.app_token("contoso.onmicrosoft.com", COMPLIANCE).await;
    let banner =
        emu.url("compliance/adminapi/beta/contoso.onmicrosoft.com/EXOBanner('AutogenSession')?Version=3.7.1");
    let a = answer(emu.http.get(&banner).bearer_auth(&token).send().await.unwrap()).await;
    assert_eq!(a.status, 302);
    let location = a.header("location").unwrap();
    assert_eq!(
        location,
        emu.url(
            "region/eur02b/adminapi/beta/contoso.onmicrosoft.com/EXOBanner('AutogenSession')?Version=3.7.1"
        )
    );
    let regional = answer(emu.http.get(location).bearer_auth(&token).send().await.unwrap()).await;
    assert_eq!(regional.status, 200, "{:?}", regional.body);

    let fab = emu.app_token("fabrikam.onmicrosoft.com", COMPLIANCE).await;
    let a = answer(
        emu.http
            .get(emu.url(
                "compliance/adminapi/beta/fabrikam.onmicrosoft.com/EXOBanner('AutogenSession')?Version=3.7.1",
            ))
            .bearer_auth(&fab)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, 200);
    let a = emu.invoke("compliance/", "fabrikam.onmicrosoft.com", &fab, "Get-Label", json!({})).await;
    assert_eq!(a.status, 200, "{:?}", a.body);

    let stats = emu.handle.stats();
    assert_eq!(stats.region_redirects, 1);
    assert_eq!(stats.requests_to("exo_banner"), 3);
    assert_eq!(stats.violations_total(), 0, "{:?}", stats.violations);
}

#[tokio::test]
async fn module_file_lists_the_cmdlets_of_each_front_door() {
    let emu = start(tenants()).await;
    let cc = emu.app_token("contoso.onmicrosoft.com", COMPLIANCE).await;
    let exo = emu.app_token("contoso.onmicrosoft.com", EXCHANGE).await;
    let get = |url: String, token: String| {
        let http = emu.http.clone();
        async move {
            answer(http.get(url).bearer_auth(token).header("CommandName", "*").send().await.unwrap()).await
        }
    };
    let a =
        get(emu.url("region/eur02b/adminapi/v1.0/contoso.onmicrosoft.com/EXOModuleFile?Version=3.7.1"), cc)
            .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let list = a.body["value"][0]["exportedCmdlets"].as_str().unwrap();
    assert!(list.split(',').any(|c| c == "Get-Label"), "{list}");
    assert!(!list.split(',').any(|c| c == "Get-Mailbox"), "{list}");
    let a =
        get(emu.url("exchange/adminapi/v1.0/contoso.onmicrosoft.com/EXOModuleFile?Version=3.7.1"), exo).await;
    let list = a.body["value"][0]["exportedCmdlets"].as_str().unwrap();
    assert!(list.split(',').any(|c| c == "Get-Mailbox"), "{list}");
    assert!(list.split(',').any(|c| c == "Get-OrganizationConfig"), "{list}");
}

#[tokio::test]
async fn invoke_pages_with_absolute_next_links_and_honours_select() {
    let emu = start(tenants()).await;
    let exo = emu.app_token("contoso.onmicrosoft.com", EXCHANGE).await;
    let (items, pages) = emu
        .invoke_all(
            "exchange/",
            "contoso.onmicrosoft.com",
            &exo,
            "Get-Mailbox",
            json!({"ResultSize": "Unlimited"}),
            1000,
        )
        .await;
    assert_eq!((items.len(), pages), (2500, 3));
    let names: std::collections::HashSet<&str> = items.iter().map(|i| i["Name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2500, "no duplicates across pages");
    assert_eq!(items[0]["@odata.type"], "#Exchange.GenericHashTable");

    // Deterministic: the same tenant gives the same objects.
    let (again, _) = emu
        .invoke_all(
            "exchange/",
            "contoso.onmicrosoft.com",
            &exo,
            "Get-Mailbox",
            json!({"ResultSize": "Unlimited"}),
            700,
        )
        .await;
    assert_eq!(items, again);

    let url = emu.url(
        "exchange/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand?$select=Name,RecipientTypeDetails",
    );
    let a = emu
        .invoke_url(&url, "contoso.onmicrosoft.com", &exo, "Get-Mailbox", json!({"ResultSize": 50}), Some(20))
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("preference-applied"), Some("odata.maxpagesize=20"));
    let first = a.body["value"][0].as_object().unwrap();
    let keys: Vec<&str> = first.keys().map(String::as_str).filter(|k| !k.contains("@odata")).collect();
    assert_eq!(keys, ["Name", "RecipientTypeDetails"]);
    let next = a.body["@odata.nextLink"].as_str().unwrap();
    assert!(next.starts_with(&emu.base), "absolute: {next}");
    assert!(next.contains("select"), "keeps $select: {next}");
    let b = emu
        .invoke_url(next, "contoso.onmicrosoft.com", &exo, "Get-Mailbox", json!({"ResultSize": 50}), Some(20))
        .await;
    assert_eq!(b.body["value"].as_array().unwrap().len(), 20);
    assert_eq!(b.body["value"][0].as_object().unwrap().len(), 2 + 1, "two selected + @odata.type");

    let stats = emu.handle.stats();
    assert_eq!(stats.items_served, 2500 * 2 + 40);
    assert_eq!(stats.violations_total(), 0, "{:?}", stats.violations);
}

#[tokio::test]
async fn default_result_size_truncates_with_a_warning_and_filters_apply() {
    let emu = start(tenants()).await;
    let exo = emu.app_token("contoso.onmicrosoft.com", EXCHANGE).await;
    let (items, pages) =
        emu.invoke_all("exchange/", "contoso.onmicrosoft.com", &exo, "Get-Mailbox", json!({}), 400).await;
    assert_eq!((items.len(), pages), (1000, 3));
    let a = emu.invoke("exchange/", "contoso.onmicrosoft.com", &exo, "Get-Mailbox", json!({})).await;
    let warnings = a.body["@adminapi.warnings"].as_array().unwrap();
    assert!(warnings[0].as_str().unwrap().contains("ResultSize"), "{warnings:?}");

    let (shared, _) = emu
        .invoke_all(
            "exchange/",
            "contoso.onmicrosoft.com",
            &exo,
            "Get-Mailbox",
            json!({"ResultSize": "Unlimited", "Filter": "RecipientTypeDetails -eq 'SharedMailbox'"}),
            1000,
        )
        .await;
    assert!(!shared.is_empty() && shared.len() < 2500);
    assert!(shared.iter().all(|m| m["RecipientTypeDetails"] == "SharedMailbox"));

    let one = emu
        .invoke(
            "exchange/",
            "contoso.onmicrosoft.com",
            &exo,
            "Get-Mailbox",
            json!({"Identity": shared[0]["Name"]}),
        )
        .await;
    assert_eq!(one.body["value"].as_array().unwrap().len(), 1);
    assert!(one.body.get("@adminapi.warnings").is_none());
}

#[tokio::test]
async fn unknown_cmdlets_and_bad_parameters_fail_as_exchange_does() {
    let emu = start(tenants()).await;
    let cc = emu.app_token("fabrikam.onmicrosoft.com", COMPLIANCE).await;
    let t = "fabrikam.onmicrosoft.com";
    let cases = [
        (
            "Get-Nothing",
            json!({}),
            400,
            "System.Management.Automation.CommandNotFoundException",
            "is not recognized",
        ),
        (
            "Get-Mailbox",
            json!({}),
            400,
            "System.Management.Automation.CommandNotFoundException",
            "is not recognized",
        ),
        (
            "Get-Label",
            json!({"Bogus": 1}),
            400,
            "Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException",
            "The named parameters do not resolve to a parameter set of Get-Label: it has no parameter 'Bogus'.",
        ),
        (
            "Get-DlpCompliancePolicy",
            json!({"DistributionDetail": "yes"}),
            400,
            "Microsoft.Exchange.AdminApi.CommandInvocation.ParameterTransformationException",
            "Cannot process argument transformation",
        ),
        (
            "New-ComplianceSearch",
            json!({"ContentMatchQuery": "x"}),
            400,
            "System.Management.Automation.ParameterBindingException",
            "missing mandatory parameters: Name",
        ),
        (
            "Get-Label",
            json!({"Identity": "No Such Label"}),
            404,
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
            "couldn't be found",
        ),
        (
            "Get-ComplianceSearch",
            json!({"ResultSize": "lots"}),
            400,
            "Microsoft.Exchange.AdminApi.CommandInvocation.ParameterTransformationException",
            "Unlimited",
        ),
    ];
    let count = cases.len() as u64;
    for (cmdlet, params, status, exception, message) in cases {
        let a = emu.invoke("compliance/", t, &cc, cmdlet, params.clone()).await;
        assert_eq!(a.status, status, "{cmdlet} {params}: {:?}", a.body);
        assert_eq!(a.body["error"]["innererror"]["internalexception"]["type"], exception, "{:?}", a.body);
        assert!(a.exo_message().contains(message), "{cmdlet}: {}", a.exo_message());
        assert!(a.body["error"]["code"].is_string());
        assert_eq!(a.body["error"]["message"], "Invalid Operation");
        // Values that could not be converted come without `details`, as on the live service.
        if exception.ends_with("ParameterTransformationException") {
            assert!(a.body["error"].get("details").is_none(), "{:?}", a.body);
        } else {
            assert_eq!(
                a.body["error"]["details"][0]["message"],
                format!("|{exception}|{}", a.exo_message()),
                "{:?}",
                a.body
            );
        }
    }
    assert_eq!(emu.handle.stats().cmdlet_errors, count);

    let bad_json = emu
        .http
        .post(emu.url(&format!("compliance/adminapi/beta/{t}/InvokeCommand")))
        .bearer_auth(&cc)
        .header("X-AnchorMailbox", format!("APP:{ANCHOR_MAILBOX}@{t}"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status(), 400);
}

#[tokio::test]
async fn hashtable_parameters_need_their_odata_type_and_writes_are_visible_to_later_gets() {
    let emu = start(tenants()).await;
    let t = "fabrikam.onmicrosoft.com";
    let exo = emu.app_token(t, EXCHANGE).await;
    let untyped = emu
        .invoke(
            "exchange/",
            t,
            &exo,
            "Set-OrganizationConfig",
            json!({"EwsAllowList": {"Add": ["OutlookiOS*"]}}),
        )
        .await;
    assert_eq!(untyped.status, 400);
    assert!(untyped.exo_message().contains("#Exchange.GenericHashTable"), "{}", untyped.exo_message());

    let typed = emu
        .invoke(
            "exchange/",
            t,
            &exo,
            "Set-OrganizationConfig",
            json!({"EwsAllowList": {"@odata.type": "#Exchange.GenericHashTable", "Add": ["OutlookiOS*", "Teams*"]}, "AuditDisabled": true}),
        )
        .await;
    assert_eq!(typed.status, 200, "{:?}", typed.body);
    let org = emu.invoke("exchange/", t, &exo, "Get-OrganizationConfig", json!({})).await;
    assert_eq!(org.body["value"][0]["EwsAllowList"], json!(["OutlookiOS*", "Teams*"]));
    assert_eq!(org.body["value"][0]["AuditDisabled"], true);

    let bad =
        emu.invoke("exchange/", t, &exo, "Set-OrganizationConfig", json!({"AuditDisabled": "maybe"})).await;
    assert_eq!(bad.status, 400);
    let unknown =
        emu.invoke("exchange/", t, &exo, "Set-OrganizationConfig", json!({"NoSuchSetting": 1})).await;
    assert!(unknown.exo_message().contains("NoSuchSetting"));

    // The alias (GUID) names the same tenant and sees the same state.
    let guid = "8e3b2b9c-0000-4000-8000-00000000fab1";
    let exo_guid = emu.app_token(guid, EXCHANGE).await;
    let org = emu.invoke("exchange/", guid, &exo_guid, "Get-OrganizationConfig", json!({})).await;
    assert_eq!(org.body["value"][0]["AuditDisabled"], true, "{:?}", org.body);

    let cc = emu.app_token(t, COMPLIANCE).await;
    let before = emu.invoke("compliance/", t, &cc, "Get-ComplianceSearch", json!({})).await;
    let n = before.body["value"].as_array().unwrap().len();
    let created = emu
        .invoke(
            "compliance/",
            t,
            &cc,
            "New-ComplianceSearch",
            json!({"Name": "Audit 2026", "ExchangeLocation": "All", "ContentMatchQuery": "subject:audit"}),
        )
        .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    assert_eq!(created.body["value"][0]["Name"], "Audit 2026");
    let dup = emu.invoke("compliance/", t, &cc, "New-ComplianceSearch", json!({"Name": "Audit 2026"})).await;
    assert_eq!(dup.status, 400);
    let after = emu.invoke("compliance/", t, &cc, "Get-ComplianceSearch", json!({})).await;
    assert_eq!(after.body["value"].as_array().unwrap().len(), n + 1);
    let removed = emu
        .invoke(
            "compliance/",
            t,
            &cc,
            "Remove-ComplianceSearch",
            json!({"Identity": "Audit 2026", "Confirm": false}),
        )
        .await;
    assert_eq!(removed.status, 200, "{:?}", removed.body);
    let gone =
        emu.invoke("compliance/", t, &cc, "Get-ComplianceSearch", json!({"Identity": "Audit 2026"})).await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn tokens_are_checked_for_signature_expiry_audience_and_tenant() {
    let emu = start(tenants()).await;
    let t = "fabrikam.onmicrosoft.com";
    let exo = emu.app_token(t, EXCHANGE).await;
    let cc = emu.app_token(t, COMPLIANCE).await;

    let none = emu
        .http
        .post(emu.url(&format!("compliance/adminapi/beta/{t}/InvokeCommand")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 401);
    assert!(none.headers().get("www-authenticate").is_some());
    let mut forged = cc.clone();
    forged.replace_range(forged.len() - 6.., "AAAAAA");
    assert_eq!(emu.invoke("compliance/", t, &forged, "Get-Label", json!({})).await.status, 401);

    let wrong_aud = emu.invoke("compliance/", t, &exo, "Get-Label", json!({})).await;
    assert_eq!(wrong_aud.status, 401);
    let other = emu.app_token("contoso.onmicrosoft.com", COMPLIANCE).await;
    let wrong_tenant = emu.invoke("compliance/", t, &other, "Get-Label", json!({})).await;
    assert_eq!(wrong_tenant.status, 403);

    let stats = emu.handle.stats();
    assert_eq!(stats.violations.wrong_audience, 1);
    assert_eq!(stats.violations.wrong_tenant, 1);
    assert_eq!(stats.unauthorized, 3);
}

#[tokio::test]
async fn protocol_violations_are_counted() {
    let emu = start(tenants()).await;
    let t = "contoso.onmicrosoft.com";
    let cc = emu.app_token(t, COMPLIANCE).await;
    let url = emu.url(&format!("region/eur02b/adminapi/beta/{t}/InvokeCommand"));
    let body = json!({"CmdletInput": {"CmdletName": "Get-Label", "Parameters": {}}});
    let send = |anchor: Option<String>, request_id: Option<&'static str>, url: String| {
        let mut r = emu.http.post(url).bearer_auth(&cc).json(&body);
        if let Some(a) = anchor {
            r = r.header("X-AnchorMailbox", a);
        }
        if let Some(id) = request_id {
            r = r.header("client-request-id", id);
        }
        r.send()
    };
    // Missing anchor: served (BypassMailboxAnchoring is legitimate), counted.
    assert_eq!(
        send(None, Some("6a1f0000-0000-4000-8000-000000000001"), url.clone()).await.unwrap().status(),
        200
    );
    // Malformed anchors: refused, counted.
    for bad in [
        "contoso",
        "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@fabrikam.onmicrosoft.com",
        "UPN:nobody",
    ] {
        let r = send(Some(bad.to_string()), Some("6a1f0000-0000-4000-8000-000000000002"), url.clone())
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
    let good_anchor = format!("APP:{ANCHOR_MAILBOX}@{t}");
    // Reused client-request-id.
    assert_eq!(
        send(Some(good_anchor.clone()), Some("6a1f0000-0000-4000-8000-000000000001"), url.clone())
            .await
            .unwrap()
            .status(),
        200
    );
    // Missing client-request-id.
    assert_eq!(send(Some(good_anchor.clone()), None, url.clone()).await.unwrap().status(), 200);
    // Compliance call to the front door for a tenant that lives in eur02b, and to the wrong region.
    let front = emu.url(&format!("compliance/adminapi/beta/{t}/InvokeCommand"));
    assert_eq!(
        send(Some(good_anchor.clone()), Some("6a1f0000-0000-4000-8000-000000000003"), front)
            .await
            .unwrap()
            .status(),
        200
    );
    let wrong = emu.url(&format!("region/nam12b/adminapi/beta/{t}/InvokeCommand"));
    assert_eq!(
        send(Some(good_anchor), Some("6a1f0000-0000-4000-8000-000000000004"), wrong).await.unwrap().status(),
        200
    );

    // Delegated tokens use UPN anchors; an APP anchor with a user token is malformed.
    let rt = emu.handle.mint_refresh_token("admin@contoso.onmicrosoft.com", PUBLIC_CLIENT_ID).unwrap();
    let a = emu
        .token_request(
            t,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", PUBLIC_CLIENT_ID),
                ("refresh_token", &rt),
                ("scope", "https://ps.compliance.protection.outlook.com/.default"),
            ],
        )
        .await;
    let user_token = a.body["access_token"].as_str().unwrap().to_string();
    let ok = emu
        .http
        .post(&url)
        .bearer_auth(&user_token)
        .header("X-AnchorMailbox", "UPN:admin@contoso.onmicrosoft.com")
        .header("client-request-id", "6a1f0000-0000-4000-8000-000000000005")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);

    let stats: serde_json::Value = emu.get_stats().await;
    let v = &stats["violations"];
    assert_eq!(v["missing_anchor"], 1);
    assert_eq!(v["malformed_anchor"], 3);
    assert_eq!(v["reused_client_request_id"], 1, "{stats}");
    assert_eq!(v["missing_client_request_id"], 1);
    assert_eq!(v["region_skipped"], 2);
    assert_eq!(v["wrong_audience"], 0);
    assert_eq!(stats["requests"]["invoke_command"], 9);

    let reset = emu.http.post(emu.url("_admin/reset")).send().await.unwrap();
    assert_eq!(reset.status(), 200);
    let after = emu.handle.stats();
    assert_eq!(after.violations_total(), 0);
    assert_eq!(after.items_served, 0);
}

#[tokio::test]
async fn cmdlet_specific_parameters_shape_the_answer() {
    let config = EmulatorConfig { default_page_size: 3, ..tenants() };
    let emu = start(config).await;
    let t = "fabrikam.onmicrosoft.com";
    let cc = emu.app_token(t, COMPLIANCE).await;
    // No Prefer header: the configured default page size applies.
    let (policies, pages) = {
        let mut url = emu.url(&format!("compliance/adminapi/beta/{t}/InvokeCommand"));
        let mut all = Vec::new();
        let mut pages = 0;
        loop {
            let a = emu
                .invoke_url(
                    &url,
                    t,
                    &cc,
                    "Get-DlpCompliancePolicy",
                    json!({"DistributionDetail": true}),
                    None,
                )
                .await;
            assert_eq!(a.status, 200, "{:?}", a.body);
            assert!(a.body["value"].as_array().unwrap().len() <= 3);
            pages += 1;
            all.extend(a.body["value"].as_array().unwrap().iter().cloned());
            match a.body["@odata.nextLink"].as_str() {
                Some(n) => url = n.to_string(),
                None => break (all, pages),
            }
        }
    };
    assert!(pages >= 1 && policies.len() >= 2);
    assert!(policies.iter().all(|p| p["DistributionResults"].is_array()), "DistributionDetail adds results");
    let plain = emu.invoke("compliance/", t, &cc, "Get-DlpCompliancePolicy", json!({})).await;
    assert!(plain.body["value"][0].get("DistributionResults").is_none());

    let name = policies[0]["Name"].as_str().unwrap();
    let (rules, _) =
        emu.invoke_all("compliance/", t, &cc, "Get-DlpComplianceRule", json!({"Policy": name}), 100).await;
    assert!(!rules.is_empty());
    assert!(rules.iter().all(|r| r["ParentPolicyName"] == name));

    let exo = emu.app_token(t, EXCHANGE).await;
    let (domains, _) = emu.invoke_all("exchange/", t, &exo, "Get-AcceptedDomain", json!({}), 100).await;
    assert_eq!(domains[0]["DomainName"], t);
    assert_eq!(domains[0]["Default"], true);
    let audit = emu.invoke("compliance/", t, &cc, "Get-AdminAuditLogConfig", json!({})).await;
    assert_eq!(audit.body["value"][0]["AdminAuditLogEnabled"], true);
}

/// `UPN:` anchors go with delegated tokens and name the token's user or a mailbox of the
/// called tenant; anything else is refused as malformed.
#[tokio::test]
async fn upn_anchors_are_matched_to_the_token() {
    let emu = start(tenants()).await;
    let t = "contoso.onmicrosoft.com";
    let rt = emu.handle.mint_refresh_token("admin@partner.example", PUBLIC_CLIENT_ID).unwrap();
    let a = emu
        .token_request(
            t,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", PUBLIC_CLIENT_ID),
                ("refresh_token", &rt),
                ("scope", "https://outlook.office365.com/.default"),
            ],
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let user_token = a.body["access_token"].as_str().unwrap().to_string();
    let app_token = emu.app_token(t, EXCHANGE).await;
    let url = emu.url(&format!("exchange/adminapi/beta/{t}/InvokeCommand"));
    let body = json!({"CmdletInput": {"CmdletName": "Get-AcceptedDomain", "Parameters": {}}});
    let mut statuses = Vec::new();
    for (token, anchor) in [
        (&user_token, "UPN:admin@partner.example"),       // the token's user
        (&user_token, "UPN:ops@contoso.onmicrosoft.com"), // a mailbox of the called tenant
        (&user_token, "UPN:admin@fabrikam.onmicrosoft.com"), // someone else, elsewhere
        (&app_token, "UPN:ops@contoso.onmicrosoft.com"),  // app-only anchors with APP:
    ] {
        let r = emu
            .http
            .post(&url)
            .bearer_auth(token)
            .header("X-AnchorMailbox", anchor)
            .header("client-request-id", uuid::Uuid::new_v4().to_string())
            .json(&body)
            .send()
            .await
            .unwrap();
        statuses.push((anchor, r.status().as_u16()));
    }
    assert_eq!(
        statuses,
        [
            ("UPN:admin@partner.example", 200),
            ("UPN:ops@contoso.onmicrosoft.com", 200),
            ("UPN:admin@fabrikam.onmicrosoft.com", 400),
            ("UPN:ops@contoso.onmicrosoft.com", 400),
        ]
    );
    let v = emu.handle.stats().violations;
    assert_eq!((v.malformed_anchor, v.missing_anchor), (2, 0), "{v:?}");
}
