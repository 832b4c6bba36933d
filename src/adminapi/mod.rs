//! The Exchange admin REST API client (SPEC §4): region discovery, `EXOModuleFile`,
//! paged `InvokeCommand`, anchoring headers, error extraction and the retry policy.

pub mod adaptive;
pub mod anchor;
pub mod body;
pub mod client;
pub mod enum_parameters;
pub mod error;
pub mod page;
pub mod paging;
pub mod region;
pub mod retry;
pub mod session;
pub mod token;
pub mod transcode;
pub mod warnings;

pub use anchor::{AnchorPolicy, Principal};
pub use client::{AdminClient, ApiStats, ApiStatsSnapshot};
pub use error::{ApiError, ErrorKind};
pub use paging::StepLimits;
pub use retry::RetryPolicy;
pub use session::{InvokeError, InvokeOutcome, PageSink, TenantSession};
pub use token::{StaticToken, TokenSource};
