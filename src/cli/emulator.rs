//! `tenantrun emulator`: serve the Microsoft 365 admin API emulator (SPEC §5) until Ctrl-C,
//! or write a ready-to-use offline fixture with `--write-fixture`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use crate::emulator::{Emulator, EmulatorConfig};
use crate::error::CliError;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Flags override the scenario file, which overrides the defaults.
#[derive(Debug, Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct EmulatorArgs {
    /// Address to listen on (use port 0 for a free port).
    #[arg(long, default_value = "127.0.0.1:8400")]
    pub addr: SocketAddr,
    /// Scenario file (JSON or TOML): tenants, clients, users, certificates and faults.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Write a registry, a test certificate (PEM + password-protected PFX) and a matching
    /// profile into DIR, then exit.
    #[arg(long, value_name = "DIR")]
    pub write_fixture: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate generated at start.
    #[arg(long)]
    pub tls: bool,
    /// Where to write the generated certificate (PEM) with --tls [default: a temp file].
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub tls_cert_file: Option<PathBuf>,
    /// Seed for the synthetic datasets and the fault dice [default: 0].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Latency added to every protocol request (token endpoints and admin API), in milliseconds [default: 0].
    #[arg(long, value_name = "MS")]
    pub latency_ms: Option<u64>,
    /// Extra random latency 0..=MS added to admin API calls.
    #[arg(long, value_name = "MS")]
    pub latency_jitter_ms: Option<u64>,
    /// Answer every Nth admin API call of a tenant with 429 + Retry-After (0 = never).
    #[arg(long, value_name = "N")]
    pub throttle_every: Option<u64>,
    /// Answer 429 while more than N admin API calls of one tenant are in flight (0 = no limit).
    #[arg(long, value_name = "N")]
    pub tenant_concurrency_limit: Option<u64>,
    /// Admin API calls per second over all tenants; a call beyond it is answered 429 +
    /// Retry-After (a token bucket holding 0.1 s worth; 0 = no limit).
    #[arg(long, value_name = "PER_SEC")]
    pub rate_limit: Option<f64>,
    /// Retry-After seconds sent with 429 and 503 [default: 1].
    #[arg(long, value_name = "SECS")]
    pub retry_after: Option<u64>,
    /// Probability (0..1) that an admin API call fails with a 5xx.
    #[arg(long, value_name = "P")]
    pub error_rate: Option<f64>,
    /// The 5xx statuses drawn from by --error-rate [default: 500,502,503,504].
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub error_statuses: Option<Vec<u16>>,
    /// Probability (0..1) that an admin API call's connection is dropped without an answer.
    #[arg(long, value_name = "P")]
    pub drop_rate: Option<f64>,
    /// Lifetime of issued access tokens, in seconds [default: 3600].
    #[arg(long, value_name = "SECS")]
    pub token_lifetime: Option<u64>,
    /// How long a rotated refresh token is still honoured, in seconds [default: 60].
    #[arg(long, value_name = "SECS")]
    pub refresh_grace: Option<u64>,
    /// Device-code polling interval announced to clients, in seconds [default: 5].
    #[arg(long, value_name = "SECS")]
    pub device_interval: Option<u64>,
    /// Approve every device code immediately (as login_hint, or admin@<tenant>).
    #[arg(long)]
    pub auto_approve_device: bool,
    /// Page size when the client sends no `Prefer: odata.maxpagesize` [default: 1000].
    #[arg(long, value_name = "N")]
    pub page_size: Option<usize>,
    /// Tenant of the managed identity [default: managed.onmicrosoft.com].
    #[arg(long, value_name = "TENANT")]
    pub managed_identity_tenant: Option<String>,
    /// A tenant id Entra reports as not found (AADSTS90002); repeatable.
    #[arg(long, value_name = "TENANT")]
    pub unknown_tenant: Vec<String>,
    /// Close a connection whose request head has not arrived within MS (idle keep-alive ones too) [default: 30000].
    #[arg(long, value_name = "MS")]
    pub header_timeout_ms: Option<u64>,
    /// Answer 408 to a request whose body has not arrived within MS [default: 30000].
    #[arg(long, value_name = "MS")]
    pub body_timeout_ms: Option<u64>,
    /// Connections served at once; the oldest idle one makes room, and when all are busy more are answered 503 and closed [default: `ulimit -n` less 64].
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Memory for generated datasets kept ready to serve, in MiB; beyond it the oldest are
    /// generated again (identically) when asked for [default: 256].
    #[arg(long, value_name = "MIB")]
    pub dataset_cache_mib: Option<u64>,
    /// Keep every admin API call (tenant, op, cmdlet, status, arrival and answer in µs, injected
    /// latency) in /_stats `calls`.
    #[arg(long)]
    pub record_calls: bool,
}

const AFTER_HELP: &str = "\
Well-known registrations (public, like Azurite's development key):
  app-only client   00000000-0000-4000-8000-00000000e001, secret `emulator-secret`,
                    plus the test certificate written by --write-fixture
  public client     fb78d390-0c51-40cd-8e17-fdbfab77341b (Exchange Online PowerShell)
  users             admin@<any tenant domain> and the GDAP partner admin@partner.example,
                    password `emulator-password`
  managed identity  X-IDENTITY-HEADER: emulator-identity-header

Endpoints (the emulator's URL is the Entra authority, tenant first as Microsoft serves it;
the Entra paths also answer under /login/{tenant}/...):
  POST /{tenant}/oauth2/v2.0/token
  POST /{tenant}/oauth2/v2.0/devicecode
  GET  /{tenant}/oauth2/v2.0/authorize
  GET  /{tenant}/v2.0/.well-known/openid-configuration
  GET  /{tenant}/discovery/v2.0/keys
  GET  /common/discovery/instance
  GET  /common/userrealm/{upn}
  GET  /compliance/adminapi/beta/{tenant}/EXOBanner('AutogenSession')
  GET  /{compliance,region/<r>,exchange}/adminapi/v1.0/{tenant}/EXOModuleFile
  POST /{compliance,region/<r>,exchange}/adminapi/beta/{tenant}/InvokeCommand
  GET  /msi/token, /metadata/identity/oauth2/token
  GET  /graph/v1.0/tenantRelationships/delegatedAdminRelationships
  GET  /graph/v1.0/contracts
  GET  /_stats
  POST /_admin/reset, /_admin/device/approve, /_admin/refresh_token
  GET  /devicelogin";

impl EmulatorArgs {
    /// The configuration: defaults, then the scenario file, then the flags.
    pub fn config(&self) -> Result<EmulatorConfig, CliError> {
        let mut c = match &self.scenario {
            Some(path) => {
                EmulatorConfig::from_scenario_file(path).map_err(|e| CliError::Usage(e.to_string()))?
            }
            None => EmulatorConfig::default(),
        };
        c.addr = self.addr;
        c.tls |= self.tls;
        if self.tls_cert_file.is_some() {
            c.tls_cert_file = self.tls_cert_file.clone();
        }
        macro_rules! set {
            ($flag:ident => $field:ident) => {
                if let Some(v) = self.$flag.clone() {
                    c.$field = v;
                }
            };
        }
        set!(seed => seed);
        set!(latency_ms => latency_ms);
        set!(latency_jitter_ms => latency_jitter_ms);
        set!(throttle_every => throttle_every);
        set!(tenant_concurrency_limit => tenant_concurrency_limit);
        set!(rate_limit => rate_limit);
        set!(retry_after => retry_after_secs);
        set!(error_rate => server_error_rate);
        set!(error_statuses => server_error_statuses);
        set!(drop_rate => drop_rate);
        set!(token_lifetime => token_lifetime_secs);
        set!(refresh_grace => refresh_token_grace_secs);
        set!(device_interval => device_code_interval_secs);
        set!(page_size => default_page_size);
        set!(managed_identity_tenant => managed_identity_tenant);
        set!(header_timeout_ms => header_timeout_ms);
        set!(body_timeout_ms => body_timeout_ms);
        set!(dataset_cache_mib => dataset_cache_mib);
        if let Some(n) = self.max_connections {
            c.max_connections = Some(n);
        }
        c.auto_approve_device |= self.auto_approve_device;
        c.record_calls |= self.record_calls;
        c.unknown_tenants.extend(self.unknown_tenant.iter().cloned());
        for (name, p) in [("--error-rate", c.server_error_rate), ("--drop-rate", c.drop_rate)] {
            if !(0.0..=1.0).contains(&p) {
                return Err(CliError::Usage(format!("{name} must be between 0 and 1, got {p}")));
            }
        }
        if c.server_error_statuses.iter().any(|s| !(500..600).contains(s)) {
            return Err(CliError::Usage("--error-statuses must all be 5xx statuses".into()));
        }
        Ok(c)
    }
}

pub fn execute(args: EmulatorArgs) -> Result<(), CliError> {
    if let Some(dir) = &args.write_fixture {
        let files = crate::emulator::fixture::write(dir).map_err(|e| CliError::Fatal(e.to_string()))?;
        for f in files {
            println!("{}", f.display());
        }
        eprintln!(
            "fixture written; serve it with: tenantrun emulator --scenario {}",
            dir.join("registry.json").display()
        );
        return Ok(());
    }
    let config = args.config()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Fatal(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        // Listen for Ctrl-C before announcing the URL: a caller that reads the URL and
        // interrupts at once must get a clean shutdown, not the default signal death.
        let interrupted = interrupt_signal()?;
        let addr = config.addr;
        let handle = Emulator::start(config).await.map_err(|e| CliError::Fatal(e.to_string()))?;
        println!("{}", handle.base_url());
        if let Some(warning) = exposure_warning(addr, &handle.base_url()) {
            eprintln!("{warning}");
        }
        if let Some(cert) = handle.cert_file() {
            eprintln!("TLS certificate: {} (use it as the environment's ca_file)", cert.display());
        }
        eprintln!("tenantrun emulator listening on {} — Ctrl-C to stop", handle.base_url());
        interrupted.await;
        eprintln!("shutting down");
        handle.shutdown().await;
        Ok(())
    })
}

/// The warning for an address other machines can reach: the emulator is a development tool
/// whose credentials are public (SPEC §9).
fn exposure_warning(addr: SocketAddr, url: &url::Url) -> Option<String> {
    if addr.ip().is_loopback() {
        return None;
    }
    let port = url.port().unwrap_or(addr.port());
    let what = if addr.ip().is_unspecified() { "every network interface" } else { "a non-loopback address" };
    Some(format!(
        "warning: the emulator listens on {} ({what}): anyone who can reach it gets tokens for its \
         well-known public credentials; it is a development tool, bind 127.0.0.1 unless other machines must reach it",
        SocketAddr::new(addr.ip(), port)
    ))
}

/// A future that resolves on the first SIGINT (Ctrl-C), registered now.
#[cfg(unix)]
fn interrupt_signal() -> Result<impl std::future::Future<Output = ()>, CliError> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut sigint = signal(SignalKind::interrupt())
        .map_err(|e| CliError::Fatal(format!("cannot listen for Ctrl-C: {e}")))?;
    Ok(async move {
        sigint.recv().await;
    })
}

/// A future that resolves on Ctrl-C.
#[cfg(not(unix))]
fn interrupt_signal() -> Result<impl std::future::Future<Output = ()>, CliError> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
