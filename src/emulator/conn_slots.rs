//! The emulator's connection cap (`max_connections`): at most that many connections are
//! served at once, so a flood of clients cannot use up the descriptors it needs to answer.
//! When a new connection finds the cap reached, the oldest connection that is not in the
//! middle of a request (an idle keep-alive one, or one still sending its request head) is
//! told to close and the new one takes its place; only when every connection is busy is
//! the new one refused (503, closed at once).

use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// Descriptors kept apart from connections: the listener, stdio, files, TLS material.
const RESERVED_DESCRIPTORS: u64 = 64;

/// The cap when none is set: the soft descriptor limit less [`RESERVED_DESCRIPTORS`]
/// (at least 16, at most 65,536; 512 where the limit cannot be read).
pub fn default_cap() -> usize {
    #[cfg(unix)]
    let limit =
        nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).ok().map(|(soft, _)| soft);
    #[cfg(not(unix))]
    let limit: Option<u64> = None;
    match limit {
        Some(soft) => soft.saturating_sub(RESERVED_DESCRIPTORS).clamp(16, 65_536) as usize,
        None => 512,
    }
}

/// One served connection, as its task and the cap see it.
#[derive(Debug, Default)]
pub struct Conn {
    /// Requests being answered (0: idle or still reading a head).
    in_flight: AtomicUsize,
    /// Signalled when the cap wants this connection closed.
    pub close: Notify,
}

impl Conn {
    /// Mark a request started; the guard marks it finished.
    pub fn busy(self: &Arc<Self>) -> BusyGuard {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        BusyGuard(self.clone())
    }
}

/// See [`Conn::busy`].
pub struct BusyGuard(Arc<Conn>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The connections being served, oldest first.
#[derive(Debug)]
pub struct Slots {
    max: usize,
    next: Mutex<(u64, BTreeMap<u64, Arc<Conn>>)>,
}

/// A connection's place under the cap; dropping it frees the place.
pub struct Slot {
    slots: Arc<Slots>,
    id: u64,
    pub conn: Arc<Conn>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.next.lock().1.remove(&self.id);
    }
}

impl Slots {
    pub fn new(max: usize) -> Arc<Slots> {
        Arc::new(Slots { max: max.max(1), next: Mutex::new((0, BTreeMap::new())) })
    }

    /// A place for a new connection, closing the oldest idle one if the cap is reached;
    /// `None` when every connection is busy.
    pub fn admit(self: &Arc<Self>) -> Option<Slot> {
        let mut guard = self.next.lock();
        let (next, conns) = &mut *guard;
        if conns.len() >= self.max {
            let idle =
                conns.iter().find(|(_, c)| c.in_flight.load(Ordering::SeqCst) == 0).map(|(id, _)| *id)?;
            if let Some(evicted) = conns.remove(&idle) {
                evicted.close.notify_one();
            }
        }
        let id = *next;
        *next += 1;
        let conn = Arc::new(Conn::default());
        conns.insert(id, conn.clone());
        Some(Slot { slots: self.clone(), id, conn })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_idle_connection_makes_room_and_busy_ones_are_kept() {
        let slots = Slots::new(2);
        let a = slots.admit().unwrap();
        let b = slots.admit().unwrap();
        let _busy_b = b.conn.busy();
        let c = slots.admit().expect("a is idle: it makes room");
        let ids: Vec<u64> = slots.next.lock().1.keys().copied().collect();
        assert_eq!(ids, [b.id, c.id]);
        let _busy_c = c.conn.busy();
        assert!(slots.admit().is_none(), "every connection is busy");
        drop(a); // its task ends after the eviction: nothing else is removed
        assert_eq!(slots.next.lock().1.len(), 2);
        drop(b);
        assert!(slots.admit().is_some());
    }
}
