//! `exemptions:`: a check id (or a glob of ids) waived for some tenants, with a
//! reason and an expiry date. An exemption is valid through the end of its
//! `expires` day (UTC); an expired one no longer applies, and the check line says so.

use crate::planner::Selection;
use crate::profile::Tenant;
use globset::GlobMatcher;
use serde::{Deserialize, Serialize};
use time::Date;

/// One declared exemption.
#[derive(Debug, Clone)]
pub struct Exemption {
    /// The check id or glob as written.
    pub check: String,
    matcher: GlobMatcher,
    /// Tenant selectors as for `-t`; empty means every tenant.
    pub tenants: Vec<String>,
    selection: Selection,
    pub reason: String,
    pub expires: Date,
}

impl PartialEq for Exemption {
    fn eq(&self, o: &Self) -> bool {
        (&self.check, &self.tenants, &self.reason, self.expires)
            == (&o.check, &o.tenants, &o.reason, o.expires)
    }
}

/// The `exemption` field of a check line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExemptionNote {
    pub reason: String,
    /// `YYYY-MM-DD`.
    pub expires: String,
    pub expired: bool,
}

/// Why an exemption's fields are invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExemptionError {
    Glob(String),
    Selector(String),
}

impl Exemption {
    pub fn new(
        check: &str,
        tenants: Vec<String>,
        reason: String,
        expires: Date,
    ) -> Result<Self, ExemptionError> {
        let matcher = globset::GlobBuilder::new(check)
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .map_err(|e| ExemptionError::Glob(e.kind().to_string()))?
            .compile_matcher();
        let selection =
            Selection::from_args(&tenants, &[], None).map_err(|e| ExemptionError::Selector(e.to_string()))?;
        Ok(Exemption { check: check.to_string(), matcher, tenants, selection, reason, expires })
    }

    /// Whether the exemption names this check id.
    pub fn names_check(&self, id: &str) -> bool {
        self.matcher.is_match(id)
    }

    /// Whether it covers this check for this tenant (expired or not).
    pub fn covers(&self, id: &str, tenant: &Tenant) -> bool {
        self.names_check(id) && self.selection.selects(tenant)
    }

    /// Whether `today` (UTC) is after the `expires` day.
    pub fn expired_on(&self, today: Date) -> bool {
        today > self.expires
    }

    fn note(&self, today: Date) -> ExemptionNote {
        ExemptionNote {
            reason: self.reason.clone(),
            expires: format_date(self.expires),
            expired: self.expired_on(today),
        }
    }
}

/// `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Parse `YYYY-MM-DD` (a TOML date, or a YAML date written plainly or quoted).
pub fn parse_date(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).ok()
}

/// Today in UTC.
pub fn today_utc() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// The exemption that applies to (check, tenant): an unexpired one if any (the one
/// lasting longest), else an expired one (so the line can say it expired).
pub fn applicable(exemptions: &[Exemption], id: &str, tenant: &Tenant, today: Date) -> Option<ExemptionNote> {
    let covering = exemptions.iter().filter(|x| x.covers(id, tenant));
    let best = covering.max_by_key(|x| (!x.expired_on(today), x.expires))?;
    Some(best.note(today))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(id: &str, tags: &[&str]) -> Tenant {
        Tenant {
            id: id.into(),
            name: Some("Contoso".into()),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            identity: "i".into(),
            environment: "emulator".into(),
            anchor_mailbox: None,
            bypass_mailbox_anchoring: false,
        }
    }

    fn date(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    #[test]
    fn active_expired_and_globbed() {
        let lab = tenant("lab.onmicrosoft.com", &["lab"]);
        let prod = tenant("prod.onmicrosoft.com", &["prod"]);
        let x = vec![
            Exemption::new("MS.EXO.1.*", vec!["tag:lab".into()], "lab".into(), date("2027-06-30")).unwrap(),
            Exemption::new("EXO-AUDIT-01", vec![], "old waiver".into(), date("2026-01-31")).unwrap(),
        ];
        let today = date("2026-12-01");
        let note = applicable(&x, "ms.exo.1.1v1", &lab, today).unwrap();
        assert_eq!(
            note,
            ExemptionNote { reason: "lab".into(), expires: "2027-06-30".into(), expired: false }
        );
        assert_eq!(applicable(&x, "MS.EXO.1.1v1", &prod, today), None, "selector does not match");
        assert_eq!(applicable(&x, "MS.EXO.2.1v1", &lab, today), None, "glob does not match");
        let expired = applicable(&x, "EXO-AUDIT-01", &prod, today).unwrap();
        assert!(expired.expired && expired.expires == "2026-01-31");
        // Valid through the end of the `expires` day.
        assert!(!applicable(&x, "EXO-AUDIT-01", &prod, date("2026-01-31")).unwrap().expired);
        assert!(applicable(&x, "EXO-AUDIT-01", &prod, date("2026-02-01")).unwrap().expired);
    }

    #[test]
    fn an_active_exemption_wins_over_an_expired_one() {
        let t = tenant("a.example.com", &[]);
        let x = vec![
            Exemption::new("C*", vec![], "new".into(), date("2030-01-01")).unwrap(),
            Exemption::new("C1", vec!["a.example.com".into()], "old".into(), date("2020-01-01")).unwrap(),
        ];
        assert_eq!(applicable(&x, "C1", &t, date("2026-01-01")).unwrap().reason, "new");
        assert!(Exemption::new("[", vec![], "r".into(), date("2030-01-01")).is_err());
        assert!(parse_date("2027-02-30").is_none() && parse_date("27-1-1").is_none());
    }
}
