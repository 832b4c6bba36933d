//! The parallel engine: fans tenants out on tokio, runs each tenant's steps in
//! order through the admin API client, and emits [`RunEvent`]s for the output and
//! progress consumers. It knows nothing of terminals.

pub mod breaker;
pub mod emulator_env;
pub mod engine;
pub mod event;
mod panic;
pub mod preflight;
pub mod stop;
mod tenant;
pub mod tokens;

pub use engine::{Engine, EngineError, RunConfig, TokenProvider};
pub use event::{RunEvent, StopReason};
pub use preflight::TenantCheck;
pub use stop::StopSignal;
pub use tenant::principal;
