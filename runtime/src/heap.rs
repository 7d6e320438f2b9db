//! Live-box accounting for DebugBox's memory report and `--profile`.
//!
//! Counts boxes and their accounted sizes (see `Obj::accounted_size`), never allocator
//! bytes, so the report is the same on every backend.

use std::cell::Cell;

#[derive(Clone, Copy, Default)]
struct Stats {
    live: i64,
    bytes: i64,
    /// Peak bytes since the last `reset_peak` (DebugBox's).
    peak: i64,
    made: u64,
    made_bytes: u64,
    peak_live: i64,
    peak_bytes: i64,
}

thread_local! {
    static STATS: Cell<Stats> = const {
        Cell::new(Stats { live: 0, bytes: 0, peak: 0, made: 0, made_bytes: 0, peak_live: 0, peak_bytes: 0 })
    };
}

pub fn on_alloc(bytes: usize) {
    STATS.with(|s| {
        let mut st = s.get();
        st.live += 1;
        st.bytes += bytes as i64;
        st.peak = st.peak.max(st.bytes);
        st.made += 1;
        st.made_bytes += bytes as u64;
        st.peak_live = st.peak_live.max(st.live);
        st.peak_bytes = st.peak_bytes.max(st.bytes);
        s.set(st);
    });
}

/// The boxes a program made, for `--profile`.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Totals {
    pub boxes: u64,
    pub bytes: u64,
    pub peak_live_boxes: u64,
    pub peak_live_bytes: u64,
}

pub fn totals() -> Totals {
    let st = STATS.with(|s| s.get());
    Totals {
        boxes: st.made,
        bytes: st.made_bytes,
        peak_live_boxes: st.peak_live.max(0) as u64,
        peak_live_bytes: st.peak_bytes.max(0) as u64,
    }
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
