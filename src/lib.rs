//! `tenantrun`: run Security & Compliance / Exchange Online cmdlets across many
//! Microsoft 365 tenants in parallel through the Exchange admin REST API.
//!
//! The crate is organised one folder per concern:
//! - [`profile`]: the profile model, loading (YAML/TOML, directories), validation and diagnostics;
//! - [`environment`]: clouds (built-in and declared) and their endpoints;
//! - [`auth`]: identities, token acquisition and caching;
//! - [`adminapi`]: the Exchange admin REST API client;
//! - [`expect`]: expectations (checks) on the objects steps return, and their judge;
//! - [`discovery`]: tenant sources — GDAP relationships, partner contracts, files (SPEC §6);
//! - [`planner`]: selection, sharding and the tenant x step plan;
//! - [`runner`]: the parallel engine, which emits [`runner`] events;
//! - [`output`]: consumers of those events that write the run directory;
//! - [`progress`]: consumers that report to the terminal;
//! - [`report`]: reports of a finished run (HTML, JUnit, Markdown, XLSX) and `diff` between runs;
//! - [`server_text`]: the sanitizer every text a server wrote passes before it is shown or stored;
//! - [`redact`]: the registry of secrets and tokens scrubbed from every text kept or shown;
//! - [`emulator`]: the built-in Microsoft 365 admin API emulator;
//! - [`cli`]: the command line, the only layer that prints.

pub mod adminapi;
pub mod auth;
pub mod cli;
pub mod discovery;
pub mod emulator;
pub mod environment;
pub mod error;
pub mod expect;
pub mod heap;
pub mod output;
pub mod planner;
pub mod profile;
pub mod progress;
pub mod redact;
pub mod report;
pub mod runner;
pub mod server_text;
