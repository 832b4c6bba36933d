//! A panic inside a tenant's work — a bug, whatever a server sent to provoke it — becomes a
//! recorded failure of that tenant's step (kind `http`, the message naming the cause), never
//! a lost tenant with no journal line and no place in the summary (SPEC §9).

use crate::adminapi::{ApiError, ErrorKind};
use futures_util::FutureExt;
use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;

/// Run `work`; a panic in it is returned as the error it stands for.
pub async fn catch<T>(work: impl Future<Output = T>) -> Result<T, ApiError> {
    AssertUnwindSafe(work).catch_unwind().await.map_err(|payload| panic_error(payload.as_ref()))
}

/// The error recorded for a panic with `payload`.
pub fn panic_error(payload: &(dyn Any + Send)) -> ApiError {
    let cause = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    let cause = crate::server_text::clean_line(&cause).into_owned();
    ApiError::new(
        ErrorKind::Http,
        format!("internal error: tenantrun panicked ({cause}); this tenant's other work went on (please report this)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn panics_become_errors() {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let formatted = catch(async { panic!("overflow when adding durations: {}", 7) }).await;
        let literal = catch(async { std::panic::panic_any(3u8) }).await;
        std::panic::set_hook(hook);
        let e = formatted.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Http);
        assert_eq!(
            e.message,
            "internal error: tenantrun panicked (overflow when adding durations: 7); this tenant's other work went on (please report this)"
        );
        assert!(literal.unwrap_err().message.contains("(no message)"));
        assert_eq!(catch(async { 5 }).await.unwrap(), 5);
    }
}
