//! The per-account activity log: append with Redis-stream-shaped ids,
//! newest-first pages, retention.
//!
//! Ids: `ms = max(now_ms, last ms)`, `seq` counts up within one ms, so ids
//! only grow even when callers' clocks disagree, and an event's `at` is its
//! id's ms (order and time agree). Events with `at < now - retention` are
//! never returned; each append also purges up to [`PURGE_PER_WRITE`] of
//! them, so the work per write is bounded and the log does not grow
//! without end.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};

use crate::store::{ActivityPage, ActivityQuery};
use crate::team::{ActivityEvent, EventAction, EventCursor, EventId};

/// The most expired events one append removes.
pub(super) const PURGE_PER_WRITE: usize = 64;

/// The largest page; larger `limit`s are clamped (and 0 counts as 1), as
/// the HTTP layer refuses anything outside 1–200 before asking.
pub(super) const MAX_PAGE: usize = 200;

/// One account's log, oldest first.
pub(super) struct ActivityLog {
    events: VecDeque<ActivityEvent>,
    /// The last id handed out; kept when that event is purged so ids never
    /// go back.
    last: Option<EventId>,
    retention: Duration,
}

fn millis(time: DateTime<Utc>) -> u64 {
    u64::try_from(time.timestamp_millis()).unwrap_or(0)
}

impl ActivityLog {
    pub(super) fn new(retention: Duration) -> ActivityLog {
        ActivityLog {
            events: VecDeque::new(),
            last: None,
            retention,
        }
    }

    /// The oldest `ms` still returned at `now`.
    fn cutoff_ms(&self, now: DateTime<Utc>) -> u64 {
        millis(now - self.retention)
    }

    /// Appends one event at `now` and purges a bounded number of expired ones.
    pub(super) fn append(
        &mut self,
        now: DateTime<Utc>,
        action: EventAction,
        actor: &str,
        target: &str,
        details: serde_json::Value,
    ) {
        let now_ms = millis(now);
        let id = match self.last {
            Some(last) if last.ms >= now_ms => EventId {
                ms: last.ms,
                seq: last.seq + 1,
            },
            _ => EventId { ms: now_ms, seq: 0 },
        };
        self.last = Some(id);
        let at = i64::try_from(id.ms)
            .ok()
            .and_then(DateTime::from_timestamp_millis)
            .unwrap_or(now);
        self.events.push_back(ActivityEvent {
            id,
            at,
            action,
            actor: actor.to_owned(),
            target: target.to_owned(),
            details,
        });
        let cutoff = self.cutoff_ms(now);
        for _ in 0..PURGE_PER_WRITE {
            match self.events.front() {
                Some(oldest) if oldest.id.ms < cutoff => self.events.pop_front(),
                _ => break,
            };
        }
    }

    /// One page, newest first: events strictly older than `query.before`,
    /// of `query.action` if set, not older than the retention at `now`.
    /// `next` is the cursor of the last event returned when more matching
    /// events follow it.
    pub(super) fn page(&self, query: &ActivityQuery, now: DateTime<Utc>) -> ActivityPage {
        let limit = query.limit.clamp(1, MAX_PAGE);
        let cutoff = self.cutoff_ms(now);
        let end = match query.before {
            Some(EventCursor(before)) => self.events.partition_point(|e| e.id < before),
            None => self.events.len(),
        };
        let mut matching = self
            .events
            .range(..end)
            .rev()
            .take_while(|e| e.id.ms >= cutoff)
            .filter(|e| query.action.is_none_or(|action| e.action == action));
        let events: Vec<ActivityEvent> = matching.by_ref().take(limit).cloned().collect();
        let more = matching.next().is_some();
        let next = match events.last() {
            Some(last) if more => Some(EventCursor(last.id)),
            _ => None,
        };
        ActivityPage { events, next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).unwrap()
    }

    fn query(limit: usize, before: Option<EventCursor>) -> ActivityQuery {
        ActivityQuery {
            action: None,
            limit,
            before,
        }
    }

    #[test]
    fn ids_grow_even_when_the_clock_goes_back() {
        let mut log = ActivityLog::new(Duration::days(1));
        log.append(at(1_000), EventAction::Login, "u", "u", json!({}));
        log.append(at(1_000), EventAction::Login, "u", "u", json!({}));
        log.append(at(900), EventAction::Login, "u", "u", json!({}));
        log.append(at(1_001), EventAction::Login, "u", "u", json!({}));
        let ids: Vec<_> = log
            .events
            .iter()
            .map(|e| (e.id.ms, e.id.seq, e.at))
            .collect();
        assert_eq!(
            ids,
            [
                (1_000, 0, at(1_000)),
                (1_000, 1, at(1_000)),
                (1_000, 2, at(1_000)),
                (1_001, 0, at(1_001))
            ]
        );
    }

    #[test]
    fn purge_is_bounded_per_write() {
        let mut log = ActivityLog::new(Duration::milliseconds(10));
        // All at one instant, so none expires before the jump below.
        for _ in 0..PURGE_PER_WRITE + 10 {
            log.append(at(0), EventAction::Login, "u", "u", json!({}));
        }
        let before = log.events.len();
        assert_eq!(before, PURGE_PER_WRITE + 10);
        log.append(at(1_000_000), EventAction::Login, "u", "u", json!({}));
        assert_eq!(log.events.len(), before + 1 - PURGE_PER_WRITE);
        log.append(at(1_000_000), EventAction::Login, "u", "u", json!({}));
        assert_eq!(log.events.len(), 2);
        let page = log.page(&query(200, None), at(1_000_000));
        assert_eq!(page.events.len(), 2);
    }

    #[test]
    fn pages_walk_back_and_end() {
        let mut log = ActivityLog::new(Duration::days(1));
        for i in 0..5 {
            log.append(at(i), EventAction::Login, "u", "u", json!({}));
        }
        let first = log.page(&query(2, None), at(10));
        assert_eq!(
            first.events.iter().map(|e| e.id.ms).collect::<Vec<_>>(),
            [4, 3]
        );
        let second = log.page(&query(2, first.next), at(10));
        assert_eq!(
            second.events.iter().map(|e| e.id.ms).collect::<Vec<_>>(),
            [2, 1]
        );
        let third = log.page(&query(2, second.next), at(10));
        assert_eq!(
            third.events.iter().map(|e| e.id.ms).collect::<Vec<_>>(),
            [0]
        );
        assert_eq!(third.next, None);
        assert_eq!(log.page(&query(0, None), at(10)).events.len(), 1);
    }
}
