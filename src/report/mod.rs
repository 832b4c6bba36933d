//! Reports of a finished run (SPEC §8): a run directory read back once into a
//! [`RunView`], then written as HTML, JUnit XML, Markdown or XLSX; and `diff`, which
//! compares two runs object by object.

pub mod diff;
pub mod error;
pub mod escape;
pub mod format;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod run_view;
pub mod xlsx;

pub use error::ReportError;
pub use format::{write_report, ReportFormat};
pub use run_view::{RunView, StepView, TenantView};
