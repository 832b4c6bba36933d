//! The built-in `emulator` environment: start the emulator in-process on a free
//! loopback port and bind the environment's URLs to it.

use crate::emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use crate::environment::Environment;
use std::collections::BTreeMap;

/// Keeps the in-process emulator alive for the duration of a run.
pub struct EmulatorGuard {
    handle: EmulatorHandle,
}

impl EmulatorGuard {
    pub fn handle(&self) -> &EmulatorHandle {
        &self.handle
    }

    pub async fn shutdown(self) {
        self.handle.shutdown().await;
    }
}

/// If any of `environments` is the built-in emulator, start it (default configuration,
/// `127.0.0.1:0`) and bind those environments to it.
pub async fn bind_builtin_emulator(
    environments: &mut BTreeMap<String, Environment>,
) -> Result<Option<EmulatorGuard>, String> {
    bind_builtin_emulator_with(environments, EmulatorConfig::default()).await
}

/// [`bind_builtin_emulator`] with a configuration (faults from `run --emulator-*`);
/// the address is always a free loopback port.
pub async fn bind_builtin_emulator_with(
    environments: &mut BTreeMap<String, Environment>,
    mut config: EmulatorConfig,
) -> Result<Option<EmulatorGuard>, String> {
    if !environments.values().any(|e| e.is_emulator) {
        return Ok(None);
    }
    config.addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let handle =
        Emulator::start(config).await.map_err(|e| format!("cannot start the built-in emulator: {e}"))?;
    let base = handle.base_url();
    for env in environments.values_mut().filter(|e| e.is_emulator) {
        env.bind_emulator(&base);
    }
    tracing::info!(%base, "built-in emulator started");
    Ok(Some(EmulatorGuard { handle }))
}
