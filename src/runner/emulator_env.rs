//! The built-in `emulator` environment: start the emulator in-process on a free
//! loopback port and bind the environment's URLs to it.

use crate::environment::Environment;
use std::collections::BTreeMap;

/// Keeps the in-process emulator alive for the duration of a run.
pub struct EmulatorGuard {
    _private: (),
}

/// If any of `environments` is the built-in emulator, start it and bind them.
pub async fn bind_builtin_emulator(
    environments: &mut BTreeMap<String, Environment>,
) -> Result<Option<EmulatorGuard>, String> {
    if environments.values().any(|e| e.is_emulator) {
        return Err("the built-in emulator is not available in this build yet".into());
    }
    Ok(None)
}
