//! `--shard I/N`: a stable partition of tenants by id, so N machines can each run one shard.
//!
//! A tenant's shard depends only on its (lower-cased) id and N: the first 8 bytes of
//! SHA-256(id) as a big-endian integer, modulo N. Adding or removing other tenants
//! never moves a tenant to another shard.

use sha2::{Digest, Sha256};
use std::fmt;

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Parse `I/N` with 1 <= I <= N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let hint = "(hint: write --shard I/N with 1 <= I <= N, e.g. --shard 2/3)";
        let (i, n) = text.split_once('/').ok_or_else(|| format!("invalid shard `{text}` {hint}"))?;
        let index: u32 = i.trim().parse().map_err(|_| format!("invalid shard index `{i}` {hint}"))?;
        let count: u32 = n.trim().parse().map_err(|_| format!("invalid shard count `{n}` {hint}"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("invalid shard `{text}` {hint}"));
        }
        Ok(Shard { index, count })
    }

    /// The 1-based shard that `tenant_id` belongs to among `count` shards.
    pub fn of(tenant_id: &str, count: u32) -> u32 {
        let digest = Sha256::digest(tenant_id.to_ascii_lowercase().as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        (u64::from_be_bytes(first) % u64::from(count.max(1))) as u32 + 1
    }

    /// Whether `tenant_id` is in this shard.
    pub fn contains(&self, tenant_id: &str) -> bool {
        Shard::of(tenant_id, self.count) == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_and_rejects_invalid() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1/0", "x/2", "3", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shard_depends_only_on_id_and_count() {
        assert_eq!(Shard::of("Contoso.onmicrosoft.com", 7), Shard::of("contoso.onmicrosoft.com", 7));
        assert_eq!(Shard::of("anything", 1), 1);
    }
}
