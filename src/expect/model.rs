//! What a profile declares under `expect:`: an expectation's id, title, severity,
//! optional `where` and its one quantifier, and the matchers (property path →
//! condition) they use. Built once by the profile checker, then only read.

use super::path::PropertyPath;
use super::wildcard::Wildcard;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How much a failing check matters.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    #[default]
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const NAMES: &'static [&'static str] = &["info", "low", "medium", "high", "critical"];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
}

/// One expectation on a step's objects.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// Unique in the profile, stable across versions.
    pub id: String,
    pub title: Option<String>,
    pub severity: Severity,
    /// The control this check comes from (e.g. `CISA SCuBA MS.EXO.1.1v1`).
    pub source: Option<String>,
    /// `where`: the objects looked at; all of them when absent.
    pub filter: Option<Matcher>,
    pub quantifier: Quantifier,
}

/// Exactly one of `all`, `any`, `none`, `count`.
#[derive(Debug, Clone, PartialEq)]
pub enum Quantifier {
    All(Matcher),
    Any(Matcher),
    None(Matcher),
    Count(Count),
}

impl Quantifier {
    pub fn keyword(&self) -> &'static str {
        match self {
            Quantifier::All(_) => "all",
            Quantifier::Any(_) => "any",
            Quantifier::None(_) => "none",
            Quantifier::Count(_) => "count",
        }
    }
}

/// `count: N` (exactly N) or `count: { min, max }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub min: Option<u64>,
    pub max: Option<u64>,
}

impl Count {
    pub fn holds(&self, n: u64) -> bool {
        self.min.is_none_or(|m| n >= m) && self.max.is_none_or(|m| n <= m)
    }

    /// `exactly 3`, `at least 1`, `at most 5000`, `between 1 and 5`.
    pub fn describe(&self) -> String {
        match (self.min, self.max) {
            (Some(a), Some(b)) if a == b => format!("exactly {a}"),
            (Some(a), Some(b)) => format!("between {a} and {b}"),
            (Some(a), None) => format!("at least {a}"),
            (None, Some(b)) => format!("at most {b}"),
            (None, None) => "any number".into(),
        }
    }
}

/// Property paths to conditions, all of which must hold.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Matcher {
    pub conditions: Vec<(PropertyPath, Condition)>,
}

/// The operators on one property, all of which must hold (a literal is `eq`).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub operators: Vec<Operator>,
}

/// One operator of SPEC §7.
#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    Eq(Value),
    Ne(Value),
    In(Vec<Value>),
    NotIn(Vec<Value>),
    Like(Wildcard),
    Matches(Pattern),
    Gt(Value),
    Ge(Value),
    Lt(Value),
    Le(Value),
    Contains(Value),
    Exists(bool),
    Empty(bool),
}

impl Operator {
    /// Every operator's name, as written in profiles.
    pub const NAMES: &'static [&'static str] = &[
        "eq", "ne", "in", "not_in", "like", "matches", "gt", "ge", "lt", "le", "contains", "exists", "empty",
    ];
}

/// A compiled `matches` regex (unanchored, case-insensitive, as `-match`).
#[derive(Debug, Clone)]
pub struct Pattern {
    pub source: String,
    pub regex: regex::Regex,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// Largest compiled regex accepted (a profile cannot make the judge use unbounded memory).
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

impl Pattern {
    /// Compile `source`; the error names the 0-based character offset where known.
    pub fn compile(source: &str) -> Result<Self, (String, Option<usize>)> {
        if let Err(e) = regex_syntax::ast::parse::Parser::new().parse(source) {
            let offset = source[..e.span().start.offset.min(source.len())].chars().count();
            return Err((e.kind().to_string(), Some(offset)));
        }
        let regex = regex::RegexBuilder::new(source)
            .case_insensitive(true)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| (first_line(&e.to_string()), None))?;
        Ok(Pattern { source: source.to_string(), regex })
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .rev()
        .find(|l| l.starts_with("error:"))
        .map(|l| l.trim_start_matches("error:").trim().to_string())
        .unwrap_or_else(|| s.lines().next().unwrap_or_default().to_string())
}

impl Matcher {
    /// Whether every condition holds on `object`.
    pub fn holds(&self, object: &Value) -> bool {
        self.conditions.iter().all(|(path, condition)| {
            let value = path.lookup(object);
            condition.operators.iter().all(|op| op.holds(value.as_deref()))
        })
    }
}
