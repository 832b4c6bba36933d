//! `tenantrun login PROFILE... --identity NAME`: device-code sign-in (MFA-capable) for a
//! `device_code` identity, or for a `refresh_token` identity (a CSP partner admin: the
//! token it caches is the one that identity's runs redeem in every customer tenant). Prints the code and URL to stderr, waits for the sign-in, and caches
//! the refresh token (mode 0600, `$TENANTRUN_CACHE_DIR` or the user's cache folder) so later
//! runs of that identity are unattended.
#![allow(clippy::print_stderr)]

use crate::auth::{BrokerOptions, DevicePrompt, TokenBroker};
use crate::environment::Environment;
use crate::error::CliError;
use crate::profile::{IdentityKind, Profile};
use crate::server_text;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Profile files (.yaml, .yml, .toml) or directories of them.
    #[arg(required = true, value_name = "PROFILE")]
    pub profiles: Vec<PathBuf>,
    /// The device_code or refresh_token identity to sign in.
    #[arg(long, value_name = "NAME")]
    pub identity: String,
}

pub fn execute(args: LoginArgs) -> Result<(), CliError> {
    let profile = crate::profile::load(&args.profiles).map_err(|e| {
        eprintln!("{e}");
        CliError::InvalidProfile(e.to_string())
    })?;
    let Some(identity) = profile.identity(&args.identity) else {
        let known: Vec<&str> = profile.identities.keys().map(String::as_str).collect();
        return Err(CliError::Usage(format!(
            "no identity `{}` in the profile (identities: {})",
            args.identity,
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        )));
    };
    if !matches!(identity.kind, IdentityKind::DeviceCode { .. } | IdentityKind::RefreshToken { .. }) {
        return Err(CliError::Usage(format!(
            "identity `{}` is of kind {}: `tenantrun login` signs in device_code and refresh_token \
             identities (the other kinds need no interactive sign-in)",
            identity.name,
            identity.kind.name()
        )));
    }
    let cache_dir = BrokerOptions::default_cache_dir().ok_or_else(|| {
        CliError::Fatal("no cache folder for the refresh token (hint: set TENANTRUN_CACHE_DIR)".into())
    })?;
    let broker = TokenBroker::new(BrokerOptions {
        cache_dir: Some(cache_dir),
        timeout: profile.defaults.timeout,
        ..BrokerOptions::default()
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Fatal(format!("cannot start the async runtime: {e}")))?;
    for env in environments_of(&profile, &identity.name) {
        let resource = env.resource(profile.defaults.service).to_string();
        let login = broker.login_device_code(identity, env, &resource, |p| show(p, env));
        let outcome = runtime.block_on(async {
            tokio::select! {
                r = login => Ok(r),
                _ = tokio::signal::ctrl_c() => Err(CliError::Interrupted),
            }
        })?;
        let outcome = outcome.map_err(|e| CliError::Fatal(e.to_string()))?;
        match outcome.cached_in {
            Some(path) => eprintln!(
                "signed in; the refresh token of identity `{}` is cached in {} (mode 0600)",
                identity.name,
                path.display()
            ),
            None => eprintln!("signed in; no cache folder, the refresh token was not kept"),
        }
    }
    Ok(())
}

fn show(prompt: &DevicePrompt, env: &Environment) {
    eprintln!(
        "To sign in ({} cloud), open {} and enter the code {} (valid {} min).",
        env.name,
        server_text::clean_line(&prompt.verification_uri),
        server_text::clean_line(&prompt.user_code),
        prompt.expires_in.as_secs() / 60
    );
    eprintln!("Waiting for the sign-in (checking every {} s)...", prompt.interval.as_secs());
}

/// The environments of the tenants that use `identity`; the default environment when none does.
fn environments_of<'p>(profile: &'p Profile, identity: &str) -> Vec<&'p Environment> {
    let mut names: Vec<&str> =
        profile.tenants.iter().filter(|t| t.identity == identity).map(|t| t.environment.as_str()).collect();
    if names.is_empty() {
        names.push(profile.defaults.environment.as_str());
    }
    names.sort_unstable();
    names.dedup();
    let mut envs: Vec<&Environment> = names.iter().filter_map(|n| profile.environment(n)).collect();
    // One sign-in per authority is enough.
    envs.dedup_by(|a, b| a.authority == b.authority);
    envs
}
