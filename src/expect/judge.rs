//! Judging one finished step: stream its items file line by line (one object in
//! memory at a time) through every expectation of the step at once, then apply
//! exemptions. A step that failed or was skipped gives `error` lines.

use super::exemption::{applicable, Exemption};
use super::model::Expectation;
use super::projection::Projection;
use super::quantifier::{Tally, Verdict};
use super::record::{CheckRecord, CheckStatus};
use crate::output::{StepRecord, StepStatus};
use crate::profile::Tenant;
use std::io::BufRead;
use std::path::{Component, Path};
use time::Date;

/// What judging needs besides the step: where the items are, the exemptions, the date.
#[derive(Debug, Clone, Copy)]
pub struct JudgeContext<'a> {
    pub run_dir: &'a Path,
    pub exemptions: &'a [Exemption],
    /// Today (UTC), for exemption expiry.
    pub today: Date,
}

/// The check lines of one finished step.
pub fn judge_step(
    ctx: &JudgeContext<'_>,
    tenant: &Tenant,
    record: &StepRecord,
    expectations: &[Expectation],
) -> Vec<CheckRecord> {
    if expectations.is_empty() {
        return Vec::new();
    }
    let verdicts: Result<Vec<Verdict>, String> = match record.status {
        StepStatus::Ok => match &record.items {
            Some(rel) => items_path(ctx.run_dir, rel).and_then(|path| {
                let file = std::fs::File::open(&path).map_err(|e| format!("cannot read {rel}: {e}"))?;
                judge_objects(expectations, std::io::BufReader::with_capacity(64 * 1024, file))
                    .map_err(|e| format!("{rel}: {e}"))
            }),
            None => judge_objects(expectations, std::io::empty()),
        },
        StepStatus::Failed | StepStatus::Skipped => Err(step_problem(record)),
    };
    lines(ctx, tenant, record, expectations, &verdicts)
}

/// `error` lines for every expectation of a step that cannot be judged, saying why.
pub fn error_lines(
    ctx: &JudgeContext<'_>,
    tenant: &Tenant,
    record: &StepRecord,
    expectations: &[Expectation],
    why: &str,
) -> Vec<CheckRecord> {
    lines(ctx, tenant, record, expectations, &Err(why.to_string()))
}

fn lines(
    ctx: &JudgeContext<'_>,
    tenant: &Tenant,
    record: &StepRecord,
    expectations: &[Expectation],
    verdicts: &Result<Vec<Verdict>, String>,
) -> Vec<CheckRecord> {
    expectations
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let v = match verdicts {
                Ok(all) => all[i].clone(),
                Err(why) => Verdict {
                    outcome: CheckStatus::Error,
                    objects_checked: 0,
                    objects_failing: 0,
                    failing: Vec::new(),
                    detail: why.clone(),
                },
            };
            let exemption = applicable(ctx.exemptions, &e.id, tenant, ctx.today);
            let status = match &exemption {
                Some(x) if !x.expired => CheckStatus::Exempt,
                _ => v.outcome,
            };
            CheckRecord {
                tenant: record.tenant.clone(),
                tenant_name: tenant.name.clone(),
                check: e.id.clone(),
                title: e.title.clone(),
                severity: e.severity,
                command: record.command.clone(),
                step: record.step,
                cmdlet: record.cmdlet.clone(),
                status,
                outcome: v.outcome,
                objects_checked: v.objects_checked,
                objects_failing: v.objects_failing,
                failing: v.failing,
                detail: v.detail,
                exemption,
            }
        })
        .collect()
}

/// Judge every object of a JSON-lines stream against `expectations` in one pass.
pub fn judge_objects(expectations: &[Expectation], mut reader: impl BufRead) -> Result<Vec<Verdict>, String> {
    let mut tallies: Vec<Tally<'_>> = expectations.iter().map(Tally::new).collect();
    let projection = Projection::of(expectations);
    let mut line = Vec::with_capacity(4096);
    let mut position = 0u64;
    for number in 1u64.. {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let object =
            projection.parse(&line).map_err(|e| format!("line {number} is not a JSON object: {e}"))?;
        position += 1;
        for t in &mut tallies {
            t.observe(&object, position);
        }
    }
    Ok(tallies.into_iter().map(Tally::finish).collect())
}

/// The step's items file, refused unless it is a relative path inside `items/`.
fn items_path(run_dir: &Path, rel: &str) -> Result<std::path::PathBuf, String> {
    let p = Path::new(rel);
    let inside = p.components().all(|c| matches!(c, Component::Normal(_)))
        && p.components().next() == Some(Component::Normal(crate::output::rundir::ITEMS.as_ref()));
    if !inside {
        return Err(format!("the items path `{rel}` is not inside items/; not judged"));
    }
    Ok(run_dir.join(p))
}

/// Why a failed or skipped step leaves nothing to judge, in one sentence.
fn step_problem(record: &StepRecord) -> String {
    let what = if record.status == StepStatus::Skipped { "skipped" } else { "failed" };
    match &record.error {
        Some(e) => {
            let flat: String = e.message.split_whitespace().collect::<Vec<_>>().join(" ");
            let cut: String = flat.chars().take(200).collect();
            let ellipsis = if cut.len() < flat.len() { "…" } else { "" };
            format!("the step {what} ({}): {cut}{ellipsis}", e.kind.as_str())
        }
        None => format!("the step {what}; nothing to judge"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adminapi::ErrorKind;
    use crate::expect::exemption::parse_date;
    use crate::expect::model::{Condition, Matcher, Operator, Quantifier, Severity};
    use crate::expect::path::PropertyPath;
    use crate::output::StepError;
    use crate::profile::Service;
    use serde_json::json;

    fn tenant() -> Tenant {
        Tenant {
            id: "contoso.onmicrosoft.com".into(),
            name: Some("Contoso".into()),
            tags: vec!["lab".into()],
            identity: "i".into(),
            environment: "emulator".into(),
            anchor_mailbox: None,
            bypass_mailbox_anchoring: false,
        }
    }

    fn record(status: StepStatus, items: Option<&str>, error: Option<StepError>) -> StepRecord {
        StepRecord {
            tenant: "contoso.onmicrosoft.com".into(),
            tenant_name: None,
            command: "audit".into(),
            step: 0,
            cmdlet: "Get-AdminAuditLogConfig".into(),
            service: Service::Exchange,
            status,
            attempts: 1,
            duration_ms: 1,
            item_count: None,
            items: items.map(str::to_string),
            warnings: vec![],
            error,
        }
    }

    fn audit() -> Vec<Expectation> {
        let m = Matcher {
            conditions: vec![(
                PropertyPath::parse("UnifiedAuditLogIngestionEnabled").unwrap(),
                Condition { operators: vec![Operator::Eq(json!(true))] },
            )],
        };
        vec![Expectation {
            id: "EXO-AUDIT-01".into(),
            title: Some("Audit on".into()),
            severity: Severity::High,
            source: None,
            filter: None,
            quantifier: Quantifier::All(m),
        }]
    }

    #[test]
    fn judges_the_items_file_and_applies_exemptions() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("items/audit")).unwrap();
        std::fs::write(
            dir.path().join("items/audit/c.0.jsonl"),
            "{\"Identity\":\"Admin Audit Log Settings\",\"UnifiedAuditLogIngestionEnabled\":false}\n",
        )
        .unwrap();
        let today = parse_date("2026-12-01").unwrap();
        let ctx = JudgeContext { run_dir: dir.path(), exemptions: &[], today };
        let r = record(StepStatus::Ok, Some("items/audit/c.0.jsonl"), None);
        let lines = judge_step(&ctx, &tenant(), &r, &audit());
        assert_eq!(lines.len(), 1);
        let l = &lines[0];
        assert_eq!(
            (l.status, l.outcome, l.objects_checked, l.objects_failing),
            (CheckStatus::Fail, CheckStatus::Fail, 1, 1)
        );
        assert_eq!(l.failing, vec!["Admin Audit Log Settings"]);
        assert_eq!(
            (l.tenant_name.as_deref(), l.severity, l.cmdlet.as_str()),
            (Some("Contoso"), Severity::High, "Get-AdminAuditLogConfig")
        );

        let active = [Exemption::new(
            "EXO-*",
            vec!["tag:lab".into()],
            "lab".into(),
            parse_date("2027-06-30").unwrap(),
        )
        .unwrap()];
        let ctx = JudgeContext { exemptions: &active, ..ctx };
        let l = &judge_step(&ctx, &tenant(), &r, &audit())[0];
        assert_eq!((l.status, l.outcome), (CheckStatus::Exempt, CheckStatus::Fail));
        let expired =
            [Exemption::new("EXO-AUDIT-01", vec![], "old".into(), parse_date("2026-11-30").unwrap())
                .unwrap()];
        let ctx = JudgeContext { exemptions: &expired, ..ctx };
        let l = &judge_step(&ctx, &tenant(), &r, &audit())[0];
        assert_eq!(l.status, CheckStatus::Fail);
        assert!(l.exemption.as_ref().is_some_and(|x| x.expired));
    }

    #[test]
    fn a_failed_or_skipped_step_gives_error_lines() {
        let dir = tempfile::tempdir().unwrap();
        let ctx =
            JudgeContext { run_dir: dir.path(), exemptions: &[], today: parse_date("2026-01-01").unwrap() };
        let err = StepError {
            kind: ErrorKind::Auth,
            status: Some(403),
            code: None,
            exception_type: None,
            message: "no\nrole".into(),
        };
        let l =
            &judge_step(&ctx, &tenant(), &record(StepStatus::Failed, None, Some(err.clone())), &audit())[0];
        assert_eq!((l.status, l.outcome, l.objects_checked), (CheckStatus::Error, CheckStatus::Error, 0));
        assert_eq!(l.detail, "the step failed (auth): no role");
        let l = &judge_step(&ctx, &tenant(), &record(StepStatus::Skipped, None, Some(err)), &audit())[0];
        assert_eq!(l.status, CheckStatus::Error);
        assert!(l.detail.starts_with("the step skipped"), "{}", l.detail);
        let exempt = [Exemption::new("*", vec![], "r".into(), parse_date("2030-01-01").unwrap()).unwrap()];
        let ctx = JudgeContext { exemptions: &exempt, ..ctx };
        let l = &judge_step(&ctx, &tenant(), &record(StepStatus::Failed, None, None), &audit())[0];
        assert_eq!((l.status, l.outcome), (CheckStatus::Exempt, CheckStatus::Error));
    }

    #[test]
    fn items_outside_items_dir_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let ctx =
            JudgeContext { run_dir: dir.path(), exemptions: &[], today: parse_date("2026-01-01").unwrap() };
        for bad in ["../secret.jsonl", "/etc/passwd", "items/../../x", "other/a.jsonl"] {
            let l = &judge_step(&ctx, &tenant(), &record(StepStatus::Ok, Some(bad), None), &audit())[0];
            assert_eq!(l.status, CheckStatus::Error, "{bad}");
            assert!(l.detail.contains("not inside items/"), "{}", l.detail);
        }
    }

    #[test]
    fn a_torn_or_garbage_line_is_an_error_not_a_pass() {
        let objects = "{\"UnifiedAuditLogIngestionEnabled\":true}\nnot json\n";
        let err = judge_objects(&audit(), objects.as_bytes()).unwrap_err();
        assert!(err.starts_with("line 2 is not a JSON object"), "{err}");
    }
}
