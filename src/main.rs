//! The `tenantrun` binary: parses the command line and maps the outcome to an exit code.

/// mimalloc instead of glibc malloc: a run allocates and frees many short-lived JSON
/// values and HTTP buffers across threads, where glibc's arenas showed up at ~20% of
/// client CPU in profiles (see the README's benchmark notes).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tenantrun::cli::main()
}
