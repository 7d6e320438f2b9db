//! Live-box accounting for DebugBox's memory report and `--profile`.
//!
//! Counts boxes and their accounted sizes (see `Obj::accounted_size`), never allocator
//! bytes, so the report is the same on every backend.

use std::cell::Cell;

/// One cell per figure: an allocation touches only the ones it changes.
struct Stats {
    live: Cell<i64>,
    bytes: Cell<i64>,
    /// Peak bytes since the last `reset_peak` (DebugBox's).
    peak: Cell<i64>,
    /// The rest is counted only for `--profile` (`count_totals`).
    totals: Cell<bool>,
    made: Cell<u64>,
    made_bytes: Cell<u64>,
    peak_live: Cell<i64>,
    peak_bytes: Cell<i64>,
}

thread_local! {
    static STATS: Stats = const {
        Stats {
            live: Cell::new(0),
            bytes: Cell::new(0),
            peak: Cell::new(0),
            totals: Cell::new(false),
            made: Cell::new(0),
            made_bytes: Cell::new(0),
            peak_live: Cell::new(0),
            peak_bytes: Cell::new(0),
        }
    };
}

fn raise(cell: &Cell<i64>, value: i64) {
    if value > cell.get() {
        cell.set(value);
    }
}

pub fn on_alloc(bytes: usize) {
    STATS.with(|s| {
        let live = s.live.get() + 1;
        let in_use = s.bytes.get() + bytes as i64;
        s.live.set(live);
        s.bytes.set(in_use);
        raise(&s.peak, in_use);
        if s.totals.get() {
            count_made(s, bytes, live, in_use);
        }
    });
}

/// Out of line, so that an allocation without `--profile` carries none of it.
#[cold]
#[inline(never)]
fn count_made(s: &Stats, bytes: usize, live: i64, in_use: i64) {
    s.made.set(s.made.get() + 1);
    s.made_bytes.set(s.made_bytes.get() + bytes as u64);
    raise(&s.peak_live, live);
    raise(&s.peak_bytes, in_use);
}

/// Count every box made from now on, for [`totals`].
pub fn count_totals() {
    STATS.with(|s| s.totals.set(true));
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
    STATS.with(|s| Totals {
        boxes: s.made.get(),
        bytes: s.made_bytes.get(),
        peak_live_boxes: s.peak_live.get().max(0) as u64,
        peak_live_bytes: s.peak_bytes.get().max(0) as u64,
    })
}

pub fn on_free(bytes: usize) {
    STATS.with(|s| {
        s.live.set(s.live.get() - 1);
        s.bytes.set(s.bytes.get() - bytes as i64);
    });
}

/// Start measuring the peak afresh.
pub fn reset_peak() {
    STATS.with(|s| s.peak.set(s.bytes.get()));
}

pub fn report() -> String {
    STATS.with(|s| {
        format!("live boxes: {}, bytes in use: {}, peak bytes: {}", s.live.get(), s.bytes.get(), s.peak.get())
    })
}
