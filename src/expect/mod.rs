//! Expectations (SPEC §7): checks on the objects a step returns, which make a run
//! a compliance or drift check.
//!
//! Expectations are data, judged by one small interpreter: [`model`] holds what a
//! profile declares, [`path`] reads property paths out of an object, [`compare`]
//! and [`operator`] give conditions PowerShell's semantics, [`wildcard`] is `-like`,
//! [`quantifier`] tallies `all`/`any`/`none`/`count` one object at a time,
//! [`exemption`] decides which exemption applies, and [`judge`] streams a step's
//! items file (one object in memory at a time, [`projection`]: only the properties
//! the checks read) into [`record::CheckRecord`]s.

pub mod compare;
pub mod exemption;
pub mod judge;
pub mod model;
pub mod operator;
pub mod path;
pub mod projection;
pub mod quantifier;
pub mod record;
pub mod wildcard;

pub use exemption::{Exemption, ExemptionNote};
pub use judge::{judge_step, JudgeContext};
pub use model::{Condition, Count, Expectation, Matcher, Operator, Pattern, Quantifier, Severity};
pub use path::PropertyPath;
pub use record::{CheckCounts, CheckRecord, CheckStatus};
