//! The profile JSON Schema, generated from [`super::document`] with schemars.
//! Committed as `schemas/profile.schema.json`; a test fails when it is stale.

use super::document::ProfileDocument;

/// The schema as pretty JSON (no trailing newline).
pub fn json() -> String {
    let schema = schemars::schema_for!(ProfileDocument);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}
