//! One line of `results.jsonl` (SPEC §3): a finished (tenant, command list, step).

use crate::adminapi::{ApiError, ErrorKind};
use crate::profile::Service;
use crate::server_text;
use serde::{Deserialize, Serialize};

/// `status` of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Ok,
    Failed,
    Skipped,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Ok => "ok",
            StepStatus::Failed => "failed",
            StepStatus::Skipped => "skipped",
        }
    }
}

/// `error` of a failed (or skipped) step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepError {
    pub kind: ErrorKind,
    pub status: Option<u16>,
    pub code: Option<String>,
    /// The exception type the service named (SPEC §4), `null` when it named none.
    #[serde(rename = "type", default)]
    pub exception_type: Option<String>,
    pub message: String,
}

impl From<ApiError> for StepError {
    /// Every text is cleaned once more on its way to the journal: a message built from
    /// server text anywhere (sign-in errors, region discovery) cannot carry a control sequence.
    fn from(e: ApiError) -> Self {
        StepError {
            kind: e.kind,
            status: e.status,
            code: e.code.map(|c| server_text::clean_line(&c).into_owned()),
            exception_type: e.exception_type.map(|t| server_text::clean_line(&t).into_owned()),
            message: server_text::clean(&e.message).into_owned(),
        }
    }
}

/// The exact field set and order of a `results.jsonl` line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub tenant: String,
    /// The tenant's `name` in the profile (`null` when it has none): which customer.
    #[serde(default)]
    pub tenant_name: Option<String>,
    pub command: String,
    pub step: usize,
    pub cmdlet: String,
    pub service: Service,
    pub status: StepStatus,
    pub attempts: u32,
    pub duration_ms: u64,
    pub item_count: Option<u64>,
    /// Path of the items file relative to the run directory (`ok` steps only).
    pub items: Option<String>,
    pub warnings: Vec<String>,
    pub error: Option<StepError>,
}

/// A journal line's tenant and name alone: a lighter read of a line than [`StepRecord`]
/// (the summary table's and the exports' names).
#[derive(Debug, Deserialize)]
pub struct TenantOf {
    pub tenant: String,
    #[serde(default)]
    pub tenant_name: Option<String>,
}

/// Identifies a step across runs: (tenant, command list, step index).
pub type StepKey = (String, String, usize);

impl StepRecord {
    pub fn key(&self) -> StepKey {
        (self.tenant.clone(), self.command.clone(), self.step)
    }
}

#[cfg(test)]
impl StepRecord {
    /// A `Get-X` step `step` of list `c` for `tenant`, one attempt (unit tests).
    pub(crate) fn sample(tenant: &str, step: usize, status: StepStatus) -> StepRecord {
        StepRecord {
            tenant: tenant.into(),
            tenant_name: None,
            command: "c".into(),
            step,
            cmdlet: "Get-X".into(),
            service: crate::profile::Service::Exchange,
            status,
            attempts: 1,
            duration_ms: 1,
            item_count: Some(0),
            items: None,
            warnings: vec![],
            error: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_set_and_order_match_the_spec() {
        let r = StepRecord {
            tenant: "contoso.onmicrosoft.com".into(),
            tenant_name: Some("Contoso".into()),
            command: "labels".into(),
            step: 0,
            cmdlet: "Get-Label".into(),
            service: Service::Compliance,
            status: StepStatus::Ok,
            attempts: 1,
            duration_ms: 412,
            item_count: Some(12),
            items: Some("items/labels/contoso.onmicrosoft.com.0.jsonl".into()),
            warnings: vec![],
            error: None,
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"tenant":"contoso.onmicrosoft.com","tenant_name":"Contoso","command":"labels","step":0,"cmdlet":"Get-Label","service":"compliance","status":"ok","attempts":1,"duration_ms":412,"item_count":12,"items":"items/labels/contoso.onmicrosoft.com.0.jsonl","warnings":[],"error":null}"#
        );
        let failed = StepRecord {
            status: StepStatus::Failed,
            item_count: None,
            items: None,
            error: Some(StepError {
                kind: ErrorKind::Cmdlet,
                status: Some(400),
                code: Some("X".into()),
                exception_type: Some("E.T".into()),
                message: "m".into(),
            }),
            ..r
        };
        let text = serde_json::to_string(&failed).unwrap();
        assert!(
            text.ends_with(
                r#""error":{"kind":"cmdlet","status":400,"code":"X","type":"E.T","message":"m"}}"#
            ),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<StepRecord>(&text).unwrap(), failed);
        // Journals written before `type` existed still read (resume, merge, check).
        let old = text.replace(r#""type":"E.T","#, "");
        let read = serde_json::from_str::<StepRecord>(&old).unwrap();
        assert_eq!(read.error.and_then(|e| e.exception_type), None);
    }

    #[test]
    fn server_text_is_cleaned_on_its_way_to_the_journal() {
        let mut e = ApiError::new(ErrorKind::Auth, "denied\u{1b}]0;t\u{7}\u{1b}[2J here\nsecond");
        e.code = Some("C\u{1b}[1m".into());
        e.exception_type = Some("T\u{0}".into());
        let s = StepError::from(e);
        assert_eq!(
            (s.code.as_deref(), s.exception_type.as_deref(), s.message.as_str()),
            (Some("C"), Some("T"), "denied here\nsecond")
        );
    }
}
