//! Live-box accounting for DebugBox's memory report.
//!
//! Counts boxes and their accounted sizes (see `Obj::accounted_size`), never allocator
//! bytes, so the report is the same on every backend.

use std::cell::Cell;

#[derive(Clone, Copy, Default)]
struct Stats {
    live: i64,
    bytes: i64,
    peak: i64,
}

thread_local! {
    static STATS: Cell<Stats> = const { Cell::new(Stats { live: 0, bytes: 0, peak: 0 }) };
}

pub fn on_alloc(bytes: usize) {
    STATS.with(|s| {
        let mut st = s.get();
        st.live += 1;
        st.bytes += bytes as i64;
        st.peak = st.peak.max(st.bytes);
        s.set(st);
    });
}

pub fn on_free(bytes: usize) {
    STATS.with(|s| {
        let mut st = s.get();
        st.live -= 1;
        st.bytes -= bytes as i64;
        s.set(st);
    });
}

/// Start measuring the peak afresh.
pub fn reset_peak() {
    STATS.with(|s| {
        let mut st = s.get();
        st.peak = st.bytes;
        s.set(st);
    });
}

pub fn report() -> String {
    let st = STATS.with(|s| s.get());
    format!("live boxes: {}, bytes in use: {}, peak bytes: {}", st.live, st.bytes, st.peak)
}
