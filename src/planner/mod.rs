//! Selection (`-t`, `-c`), sharding (`--shard I/N`) and the tenant x step plan.
