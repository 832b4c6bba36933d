//! Refresh tokens by identity: in memory, backed by the optional disk cache. The newest
//! token wins — a rotated token from any tenant's answer replaces the stored one, and a cached
//! token is preferred over the (possibly stale) value in the profile.

use super::disk_cache::{DiskCache, DiskCacheError};
use crate::environment::Environment;
use crate::profile::{Identity, IdentityKind, Secret};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

pub(crate) struct RefreshStore {
    memory: Mutex<HashMap<String, Secret>>,
    disk: Option<DiskCache>,
}

impl RefreshStore {
    pub fn new(cache_dir: Option<PathBuf>) -> Self {
        RefreshStore { memory: Mutex::new(HashMap::new()), disk: cache_dir.map(DiskCache::new) }
    }

    /// The cache file, when a disk cache is configured.
    pub fn disk_path(&self) -> Option<PathBuf> {
        self.disk.as_ref().map(DiskCache::path)
    }

    /// The key of an identity's refresh token: cloud, client, identity name and user.
    pub fn key(identity: &Identity, env: &Environment) -> String {
        let (client, user) = match &identity.kind {
            IdentityKind::RefreshToken { client_id, user_principal_name, .. }
            | IdentityKind::DeviceCode { client_id, user_principal_name, .. } => {
                (client_id.as_str(), user_principal_name.as_deref().unwrap_or(""))
            }
            IdentityKind::Password { client_id, user_principal_name, .. } => {
                (client_id.as_str(), user_principal_name.as_str())
            }
            _ => ("", ""),
        };
        format!("{}|{}|{}|{}", env.authority.as_str().trim_end_matches('/'), client, identity.name, user)
    }

    /// Memory first, then disk (a disk problem is logged and treated as "not cached").
    pub fn get(&self, key: &str) -> Option<Secret> {
        if let Some(s) = self.memory.lock().unwrap_or_else(|p| p.into_inner()).get(key) {
            return Some(s.clone());
        }
        let disk = self.disk.as_ref()?;
        match disk.get(key) {
            Ok(Some(s)) => {
                let mut memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
                crate::redact::hold(s.expose());
                if let Some(old) = memory.insert(key.to_string(), s.clone()) {
                    crate::redact::release(old.expose());
                }
                Some(s)
            }
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(target: "tenantrun::auth", "{e}");
                None
            }
        }
    }

    /// Keep a (rotated) refresh token in memory and, when configured, on disk. The one kept
    /// is scrubbed from every text ([`crate::redact`]); the one it replaces no longer is.
    pub fn put(&self, key: &str, token: &Secret) -> Result<(), DiskCacheError> {
        {
            let mut memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
            crate::redact::hold(token.expose());
            if let Some(old) = memory.insert(key.to_string(), token.clone()) {
                crate::redact::release(old.expose());
            }
        }
        match &self.disk {
            Some(disk) => disk.put(key, token),
            None => Ok(()),
        }
    }
}
