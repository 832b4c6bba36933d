//! The Microsoft 365 admin API emulator (SPEC §5): Entra token endpoints, the
//! compliance and exchange front doors, fault injection and counters.
