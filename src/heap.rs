#![allow(unsafe_code)]
//! Handing freed heap memory back to the operating system between a command's phases.
//!
//! Loading a large profile builds and drops a syntax tree of every tenant on the loader
//! thread, whose malloc arena keeps the freed pages; planning does the same on the main
//! thread. The run that follows allocates on other threads and never reuses them, so
//! without this they stay in the process's resident set for the whole run.

/// Return free pages of every malloc arena to the system (glibc `malloc_trim`);
/// a no-op with other allocators. Cheap next to what precedes it (one pass over
/// the arenas' free lists); call it after a phase that freed much, not per item.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only walks and trims the allocator's own free lists; it takes
    // no pointer and is thread-safe (each arena is locked while it is trimmed).
    unsafe {
        libc::malloc_trim(0);
    }
}
