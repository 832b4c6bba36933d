//! Checking one parsed file against the profile format: every key, type and
//! value, collecting a diagnostic for each problem instead of stopping at the
//! first. Cross-file checks (duplicates, references) are in `resolve`.

pub mod cmdlet_names;
pub mod commands;
pub mod decl;
pub mod document;
pub mod enum_values;
pub mod exemption;
pub mod expect;
pub mod expect_refs;
pub mod identity;
pub mod rules;
pub mod source;
pub mod tenant;
pub mod walk;

pub use decl::{DefaultsDecl, FileDecl, StepDecl, TenantDecl};
pub use walk::{Checker, Sp};
