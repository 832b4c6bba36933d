//! `validate` says what to write in the file's own format: a tab where YAML refuses
//! one is located at its line and column, TOML files get TOML hints, and a cmdlet name
//! that neither service nor the emulator knows is a warning naming the closest ones.
//! Through the real binary.
#![allow(clippy::unwrap_used)]

use crate::emulator_support;
use crate::run_support;

use run_support::show;
use std::path::Path;
use std::process::Output;

fn validate(dir: &Path, file: &str, text: &str) -> Output {
    std::fs::write(dir.join(file), text).unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(["validate", file])
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim_end().to_string()
}

const HEAD: &str =
    "version: 1\ndefaults:\n  environment: emulator\ntenants:\n  - id: contoso.onmicrosoft.com\n";

#[test]
fn a_tab_in_the_indentation_is_located_at_the_tab() {
    let dir = tempfile::tempdir().unwrap();
    let o = validate(dir.path(), "p.yaml", &format!("{HEAD}commands:\n  labels:\n\t- Get-Label\n"));
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    insta::assert_snapshot!(stderr(&o), @r#"
    error: invalid YAML: a tab in the indentation; YAML indents with spaces only
     ——▶ p.yaml:8:1
      │
    8 │  - Get-Label
      │ ^
      = hint: replace the tab with spaces

    1 problem found
    "#);
}

#[test]
fn toml_files_get_toml_hints() {
    let dir = tempfile::tempdir().unwrap();
    let text = "[[tenants]]\nid = \"contoso.onmicrosoft.com\"\n\n[defaults]\nretries = \"3\"\n\n\
                [identities.app]\nkind = \"client_secret\"\nclient_id = \"00000000-0000-4000-8000-00000000e001\"\n\
                client_secret = \"hunter2\"\n\n[commands]\nempty = []\n\n\
                [tenant_sources.gdap]\npartner_tenant = \"partner.onmicrosoft.com\"\n";
    let o = validate(dir.path(), "p.toml", text);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    let err = stderr(&o);
    assert!(!err.contains("hunter2"), "an inline secret is never echoed");
    insta::assert_snapshot!(err, @r#"
    error: the profile has no `version`
     ——▶ p.toml:1:1
      │
    1 │ [[tenants]]
      │ ^
      = hint: add `version = 1` at the top

    error: tenant `contoso.onmicrosoft.com` has no identity
     ——▶ p.toml:2:6
      │
    2 │ id = "contoso.onmicrosoft.com"
      │      ^^^^^^^^^^^^^^^^^^^^^^^^^
      = hint: set `identity = "..."` on the tenant or `defaults.identity`

    error: `defaults.retries` must be an integer, found a string
     ——▶ p.toml:5:11
      │
    5 │ retries = "3"
      │           ^^^
      = hint: write `retries = 3` without quotes

    error: `identities.app.client_secret` is written inline; secrets must be references
      ——▶ p.toml:10:17
       │
    10 │ client_secret = <redacted>
       │                 ^^^^^^^^^^
       = hint: write `client_secret = { env = "NAME" }` or `{ file = "PATH" }` and keep the value out of the profile

    error: `commands.empty` has no steps
      ——▶ p.toml:13:9
       │
    13 │ empty = []
       │         ^^
       = hint: add a cmdlet, e.g. `empty = ["Get-Label"]`

    error: `tenant_sources.gdap` has no `kind`
      ——▶ p.toml:15:1
       │
    15 │ [tenant_sources.gdap]
       │ ^^^^^^^^^^^^^^^^^^^^^
       = hint: add `kind = "..."` with one of: gdap, contracts, file

    6 problems found
    "#);
    // The same mistakes in YAML get YAML hints.
    let yaml = "tenants:\n  - id: contoso.onmicrosoft.com\ndefaults:\n  retries: \"3\"\nidentities:\n  app:\n    \
                kind: client_secret\n    client_id: 00000000-0000-4000-8000-00000000e001\n    client_secret: hunter2\n\
                commands:\n  empty: []\n";
    let o = validate(dir.path(), "p.yaml", yaml);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    let hints: Vec<String> =
        stderr(&o).lines().filter(|l| l.contains("= hint:")).map(str::to_string).collect();
    insta::assert_snapshot!(hints.join("\n"), @r#"
    = hint: add `version: 1` at the top
    = hint: set `identity:` on the tenant or `defaults.identity`
    = hint: write `retries: 3` without quotes
    = hint: write `client_secret: { env: NAME }` or `{ file: PATH }` and keep the value out of the profile
     = hint: add a cmdlet, e.g. `- Get-Label`
    "#);
}

#[test]
fn an_unknown_cmdlet_is_a_warning_with_the_closest_names() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEAD}commands:\n  labels:\n    - Get-Lable\n    - get-labelpolicy\n    - cmdlet: Get-Mailboxes\n      \
         service: exchange\n    - Get-Frobnicator\n    - Xet-Label\n"
    );
    let o = validate(dir.path(), "p.yaml", &text);
    assert_eq!(o.status.code(), Some(0), "a warning, not an error: {}", show(&o));
    insta::assert_snapshot!(stderr(&o), @r#"
    warning: `Get-Lable` is not a Security & Compliance or Exchange Online cmdlet
     ——▶ p.yaml:8:7
      │
    8 │     - Get-Lable
      │       ^^^^^^^^^
      = hint: did you mean `Get-Label`?

    warning: `Get-Mailboxes` is not a Security & Compliance or Exchange Online cmdlet
      ——▶ p.yaml:10:15
       │
    10 │     - cmdlet: Get-Mailboxes
       │               ^^^^^^^^^^^^^
       = hint: did you mean `Get-Mailbox`?

    warning: `Get-Frobnicator` is not a Security & Compliance or Exchange Online cmdlet
      ——▶ p.yaml:12:7
       │
    12 │     - Get-Frobnicator
       │       ^^^^^^^^^^^^^^^
       = hint: check the spelling; a cmdlet newer than this list still runs (`plan --check` asks each tenant which cmdlets it grants)

    warning: `Xet-Label` is not a Security & Compliance or Exchange Online cmdlet
      ——▶ p.yaml:13:7
       │
    13 │     - Xet-Label
       │       ^^^^^^^^^
       = hint: did you mean `Get-Label` or `Set-Label`?
    "#);
    let o = validate(dir.path(), "p.yaml", &format!("{HEAD}commands:\n  labels:\n    - Get-Label\n"));
    assert_eq!((o.status.code(), stderr(&o)), (Some(0), String::new()), "{}", show(&o));
}

/// Every cmdlet the emulator exports, on either front door, is a known name.
#[tokio::test]
async fn every_cmdlet_the_emulator_exports_is_known() {
    use emulator_support::{answer, start_default, COMPLIANCE, EXCHANGE};
    let emu = start_default().await;
    let mut steps = String::new();
    let mut count = 0;
    for (front, resource, service) in
        [("compliance", COMPLIANCE, "compliance"), ("exchange", EXCHANGE, "exchange")]
    {
        let token = emu.app_token("contoso.onmicrosoft.com", resource).await;
        let url =
            emu.url(&format!("{front}/adminapi/v1.0/contoso.onmicrosoft.com/EXOModuleFile?Version=3.7.1"));
        let a = answer(emu.http.get(url).bearer_auth(token).header("CommandName", "*").send().await.unwrap())
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        for name in
            a.body["value"][0]["exportedCmdlets"].as_str().unwrap().split(',').filter(|n| !n.is_empty())
        {
            steps.push_str(&format!("    - {{ cmdlet: {name}, service: {service} }}\n"));
            count += 1;
        }
    }
    assert!(count > 20, "{count}");
    let dir = tempfile::tempdir().unwrap();
    let o = validate(dir.path(), "p.yaml", &format!("{HEAD}commands:\n  all:\n{steps}"));
    assert_eq!((o.status.code(), stderr(&o)), (Some(0), String::new()), "{}", show(&o));
}
