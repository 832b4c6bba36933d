//! The run as the HTML report's script reads it: tenants with their matrix cells,
//! steps and check lines (compact arrays, so 10,000 tenants stay a few megabytes), the
//! checks table by id, and the failure groups with their tenants by index.

use crate::expect::CheckStatus;
use crate::progress::failure_groups::group_failures;
use crate::report::run_view::RunView;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

#[derive(Serialize)]
pub struct Data {
    run: Value,
    commands: Vec<String>,
    tenants: Vec<Value>,
    checks: Vec<CheckRow>,
    groups: Vec<Value>,
}

/// One check id across tenants.
#[derive(Serialize)]
struct CheckRow {
    id: String,
    title: Option<String>,
    severity: &'static str,
    command: String,
    step: usize,
    cmdlet: String,
    pass: u64,
    fail: u64,
    error: u64,
    exempt: u64,
}

impl Data {
    pub fn of(view: &RunView) -> Data {
        let s = &view.summary;
        let k = &s.checks.counts;
        let run = json!({
            "id": s.run_id, "started": s.started_at, "finished": s.finished_at,
            "duration_ms": view.duration_ms(), "digest": s.profile_digest, "interrupted": s.interrupted,
            "resumes": s.resumes,
            "counts": {"ok": s.counts.ok, "failed": s.counts.failed, "skipped": s.counts.skipped,
                       "not_run": s.counts.not_run},
            "checks": {"pass": k.pass, "fail": k.fail, "error": k.error, "exempt": k.exempt},
            "totals": {"requests": s.totals.requests, "retries": s.totals.retries, "throttled": s.totals.throttled},
        });
        let (checks, check_index) = check_rows(view);
        let command_index: HashMap<&str, usize> =
            view.commands.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
        let tenant_index: HashMap<&str, usize> =
            view.tenants.iter().enumerate().map(|(i, t)| (t.id.as_str(), i)).collect();
        let tenants = view
            .tenants
            .iter()
            .map(|t| {
                let cells: Vec<Value> = view
                    .commands
                    .iter()
                    .map(|c| match view.cell(t, c) {
                        Some(state) => json!([state.as_str(), view.failing_checks(t, c)]),
                        None => Value::Null,
                    })
                    .collect();
                let steps: Vec<Value> = t
                    .steps
                    .iter()
                    .map(|st| {
                        let r = view.record(st);
                        let e = r.and_then(|r| r.error.as_ref());
                        json!([
                            command_index.get(st.command.as_str()),
                            st.step,
                            st.cmdlet,
                            view.state(st).as_str(),
                            r.map(|r| r.attempts),
                            r.map(|r| r.duration_ms),
                            r.and_then(|r| r.item_count),
                            e.map(|e| json!([e.kind.as_str(), e.status, e.code, e.message])),
                            r.map(|r| r.warnings.clone()).unwrap_or_default(),
                        ])
                    })
                    .collect();
                let lines: Vec<Value> = t
                    .checks
                    .iter()
                    .map(|&i| {
                        let c = &view.checks[i];
                        json!([
                            check_index.get(c.check.as_str()),
                            c.status.as_str(),
                            c.outcome.as_str(),
                            c.objects_checked,
                            c.objects_failing,
                            c.failing,
                            c.detail,
                            c.exemption.as_ref().map(|e| json!([e.reason, e.expires, e.expired])),
                        ])
                    })
                    .collect();
                json!({"id": t.id, "name": t.name, "tags": t.tags, "status": t.status,
                       "cells": cells, "steps": steps, "checks": lines})
            })
            .collect();
        let groups = group_failures(&view.records)
            .iter()
            .map(|g| {
                let members: Vec<usize> =
                    g.tenants().iter().filter_map(|r| tenant_index.get(r.tenant.as_str()).copied()).collect();
                json!({"cmdlet": g.cmdlet, "kind": g.kind, "message": g.message, "steps": g.records.len(),
                       "tenants": members})
            })
            .collect();
        Data { run, commands: view.commands.clone(), tenants, checks, groups }
    }
}

/// The checks table (by id, in id order) and each id's row.
fn check_rows(view: &RunView) -> (Vec<CheckRow>, HashMap<&str, usize>) {
    let mut by_id: BTreeMap<&str, CheckRow> = BTreeMap::new();
    for c in &view.checks {
        let row = by_id.entry(c.check.as_str()).or_insert_with(|| CheckRow {
            id: c.check.clone(),
            title: c.title.clone(),
            severity: c.severity.as_str(),
            command: c.command.clone(),
            step: c.step,
            cmdlet: c.cmdlet.clone(),
            pass: 0,
            fail: 0,
            error: 0,
            exempt: 0,
        });
        match c.status {
            CheckStatus::Pass => row.pass += 1,
            CheckStatus::Fail => row.fail += 1,
            CheckStatus::Error => row.error += 1,
            CheckStatus::Exempt => row.exempt += 1,
        }
    }
    let index = by_id.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    (by_id.into_values().collect(), index)
}
