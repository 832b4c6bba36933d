//! Issue #9 items 2 and 8 (SPEC §9): every read is bounded. An answer far larger than the
//! 64 MiB bound (streamed chunked, no length announced) fails its step — not the run — and
//! the process's own peak resident memory stays within the bound; so does a page of
//! millions of tiny objects. Peak memory is the children's `getrusage` maximum: this file
//! starts its children one after another from its only test, so each figure is a ceiling of
//! the child just measured (no other test's child can count).
#![allow(clippy::unwrap_used)]

mod hostile;

use hostile::{children_peak_rss_mib, run_exchange_step, Mode};

const TENANT: &str = "contoso.example";
const MIB: u64 = 1024 * 1024;

#[test]
fn answers_far_over_the_bound_fail_the_step_in_bounded_memory() {
    // The baseline: the same binary, one tiny page.
    let (_s0, polite, _d0) = run_exchange_step(Mode::Polite, "");
    assert_eq!(polite.output.status.code(), Some(0), "{}", polite.show());
    let baseline = children_peak_rss_mib();

    // 3,000,000 tiny objects in one ~21 MiB page: the body and one batch, not 60 times the body.
    let (_s1, tiny, _d1) = run_exchange_step(Mode::TinyObjects { count: 3_000_000 }, "");
    let line = tiny.line(TENANT, "exo");
    assert_eq!(line["status"], "ok", "{}", tiny.show());
    assert_eq!(line["item_count"], 3_000_000);
    let tiny_peak = children_peak_rss_mib();
    assert!(
        tiny_peak < baseline + 2 * 21 + 32,
        "3,000,000 tiny objects peaked at {tiny_peak} MiB (baseline {baseline} MiB)"
    );

    // 200 MiB streamed: cut at 64 MiB; the step fails, the process stays within the bound.
    let (_s2, huge, _d2) = run_exchange_step(Mode::HugePage { bytes: 200 * MIB }, "");
    let line = huge.line(TENANT, "exo");
    assert_eq!(line["status"], "failed", "{}", huge.show());
    assert_eq!(line["error"]["kind"], "http");
    assert_eq!(
        line["error"]["message"],
        "Get-Mailbox: the answer is larger than 64 MiB, the limit for one answer; not read further"
    );
    let huge_peak = children_peak_rss_mib();
    assert!(
        huge_peak < baseline + 64 + 32,
        "a 200 MiB answer peaked at {huge_peak} MiB (baseline {baseline} MiB, bound 64 MiB)"
    );
}
