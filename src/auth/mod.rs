//! Identities → access tokens: every identity kind of SPEC §1 against Entra v2
//! endpoints (SPEC §4), with a single-flight, renew-ahead token cache.
