//! Named sliding-window rate limits as pure, IO-free logic.
//!
//! A limit allows at most `limit` hits per `window` and is kept per account
//! and per name (see [`RateLimit`]; the invitation limit is named by
//! `app::INVITE_LIMIT_NAME`). The state of one limit is the sorted
//! list of the millisecond timestamps of its hits. The memory store keeps
//! these lists in a [`NamedLimits`]; the Redis store mirrors the same rules
//! in Lua over a sorted set, so both backends answer identically:
//!
//! - A hit at `t` counts at `now` while `t > now - window`; it leaves the
//!   window at `t + window` (so `now >= t + window` no longer counts it).
//!   In Redis terms: `ZREMRANGEBYSCORE key -inf (now - window)` then `ZCARD`.
//! - A request is admitted when fewer than `limit` hits are in the window.
//! - When refused, `retry_after` is the time until enough hits leave the
//!   window for one more to fit: with `n` hits in the window (oldest
//!   first), the hit at index `n - limit` must leave, so
//!   `retry_after = hits[n - limit] + window - now`. As hits are recorded
//!   only for admitted requests, `n == limit` and that is the oldest hit.
//! - A limit of 0 never admits; its `retry_after` is one whole window.
//! - Hits are recorded only when the limited operation succeeds, so the
//!   caller checks ([`check`]), performs the change, then records
//!   ([`record`]) within one atomic step; [`try_hit`] does check and record
//!   together when there is nothing in between.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};

use crate::store::{RateLimit, StoreError};

/// Drops the hits that have left the window at `now_ms` (those with
/// `t <= now_ms - window_ms`).
pub fn prune(hits: &mut VecDeque<i64>, now_ms: i64, window_ms: i64) {
    let horizon = now_ms.saturating_sub(window_ms);
    while hits.front().is_some_and(|&t| t <= horizon) {
        hits.pop_front();
    }
}

/// Whether one more hit fits at `now_ms`, without recording it.
/// `Err(retry_after_ms)` (always > 0) when the limit is used up.
/// `hits` must be sorted ascending (as [`record`] keeps it).
pub fn check(hits: &VecDeque<i64>, now_ms: i64, limit: u32, window_ms: i64) -> Result<(), i64> {
    if limit == 0 {
        return Err(window_ms.max(1));
    }
    let horizon = now_ms.saturating_sub(window_ms);
    let first_in_window = hits.partition_point(|&t| t <= horizon);
    let in_window = hits.len() - first_in_window;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if in_window < limit {
        return Ok(());
    }
    // The hit whose departure leaves room for one more.
    let freeing = hits
        .get(first_in_window + (in_window - limit))
        .copied()
        .unwrap_or(now_ms);
    Err(freeing
        .saturating_add(window_ms)
        .saturating_sub(now_ms)
        .max(1))
}

/// Records a hit at `now_ms`, keeping `hits` sorted even if callers' clocks
/// disagree slightly.
pub fn record(hits: &mut VecDeque<i64>, now_ms: i64) {
    let at = hits.partition_point(|&t| t <= now_ms);
    hits.insert(at, now_ms);
}

/// Prunes, checks and, if admitted, records a hit at `now_ms`.
pub fn try_hit(
    hits: &mut VecDeque<i64>,
    now_ms: i64,
    limit: u32,
    window_ms: i64,
) -> Result<(), i64> {
    prune(hits, now_ms, window_ms);
    check(hits, now_ms, limit, window_ms)?;
    record(hits, now_ms);
    Ok(())
}

/// The hit lists of several named limits of one scope (one account).
#[derive(Debug, Default, Clone)]
pub struct NamedLimits {
    hits: HashMap<&'static str, VecDeque<i64>>,
}

impl NamedLimits {
    /// No hits yet.
    pub fn new() -> NamedLimits {
        NamedLimits::default()
    }

    /// Whether one more hit of `limit` fits at `now`, without recording it;
    /// `StoreError::RateLimited` with the exact `retry_after` otherwise.
    pub fn check(&self, limit: &RateLimit, now: DateTime<Utc>) -> Result<(), StoreError> {
        let empty = VecDeque::new();
        let hits = self.hits.get(limit.name).unwrap_or(&empty);
        check(
            hits,
            now.timestamp_millis(),
            limit.limit,
            limit.window.num_milliseconds(),
        )
        .map_err(|retry_after_ms| StoreError::RateLimited {
            limit: limit.name,
            retry_after: Duration::milliseconds(retry_after_ms),
        })
    }

    /// Records a hit of `limit` at `now` (after the limited change
    /// succeeded), dropping hits that left the window so memory stays
    /// bounded by `limit` per name.
    pub fn record(&mut self, limit: &RateLimit, now: DateTime<Utc>) {
        let hits = self.hits.entry(limit.name).or_default();
        let now_ms = now.timestamp_millis();
        prune(hits, now_ms, limit.window.num_milliseconds());
        record(hits, now_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;
    const HOUR: i64 = 60 * MINUTE;

    #[test]
    fn admits_exactly_limit_hits() {
        let mut hits = VecDeque::new();
        for i in 0..20 {
            assert_eq!(try_hit(&mut hits, 1_000 + i, 20, HOUR), Ok(()), "hit {i}");
        }
        // Refused: the oldest hit (at 1000) leaves at 1000 + HOUR.
        assert_eq!(try_hit(&mut hits, 1_020, 20, HOUR), Err(HOUR - 20));
        assert_eq!(hits.len(), 20, "a refused hit is not recorded");
    }

    #[test]
    fn window_slides() {
        let mut hits = VecDeque::new();
        assert_eq!(try_hit(&mut hits, 0, 3, HOUR), Ok(()));
        assert_eq!(try_hit(&mut hits, 10 * MINUTE, 3, HOUR), Ok(()));
        assert_eq!(try_hit(&mut hits, 20 * MINUTE, 3, HOUR), Ok(()));
        assert_eq!(try_hit(&mut hits, 30 * MINUTE, 3, HOUR), Err(30 * MINUTE));
        // One millisecond before the oldest hit leaves: still full.
        assert_eq!(try_hit(&mut hits, HOUR - 1, 3, HOUR), Err(1));
        // At exactly `t + window` the hit at 0 no longer counts.
        assert_eq!(try_hit(&mut hits, HOUR, 3, HOUR), Ok(()));
        assert_eq!(try_hit(&mut hits, HOUR + MINUTE, 3, HOUR), Err(9 * MINUTE));
        assert_eq!(hits, VecDeque::from([10 * MINUTE, 20 * MINUTE, HOUR]));
    }

    #[test]
    fn check_does_not_record() {
        let mut hits = VecDeque::new();
        assert_eq!(check(&hits, 5, 1, HOUR), Ok(()));
        assert_eq!(check(&hits, 5, 1, HOUR), Ok(()));
        record(&mut hits, 5);
        assert_eq!(check(&hits, 6, 1, HOUR), Err(HOUR - 1));
        // `check` ignores stale hits even without a prune.
        assert_eq!(check(&hits, 5 + HOUR, 1, HOUR), Ok(()));
    }

    #[test]
    fn retry_after_when_over_the_limit() {
        // More hits than the limit (e.g. the limit was lowered): the slot
        // frees when the (n - limit)-th oldest hit leaves.
        let hits = VecDeque::from([0, 10, 20, 30]);
        assert_eq!(check(&hits, 40, 2, 100), Err(20 + 100 - 40));
    }

    #[test]
    fn zero_limit_and_unordered_clocks() {
        assert_eq!(check(&VecDeque::new(), 0, 0, HOUR), Err(HOUR));
        let mut hits = VecDeque::new();
        record(&mut hits, 50);
        record(&mut hits, 10);
        record(&mut hits, 30);
        assert_eq!(hits, VecDeque::from([10, 30, 50]));
        // A hit recorded "in the future" by another caller still counts.
        assert_eq!(check(&hits, 40, 3, 100), Err(10 + 100 - 40));
    }

    #[test]
    fn named_limits_are_independent() {
        let now = DateTime::from_timestamp_millis(1_000_000).unwrap();
        let invite = RateLimit {
            name: "invite",
            limit: 1,
            window: Duration::hours(1),
        };
        let other = RateLimit {
            name: "other",
            limit: 1,
            window: Duration::hours(1),
        };
        let mut limits = NamedLimits::new();
        limits.record(&invite, now);
        assert_eq!(
            limits.check(&invite, now + Duration::minutes(15)),
            Err(StoreError::RateLimited {
                limit: "invite",
                retry_after: Duration::minutes(45),
            })
        );
        assert_eq!(limits.check(&other, now), Ok(()));
    }
}
