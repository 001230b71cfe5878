//! The activity log on Redis: one stream per account plus one per action
//! type (same ids), so a filtered page is one bounded XREVRANGE. Events are
//! written by the change scripts (`prelude.lua`'s `emit`); this module reads.

use chrono::{DateTime, Utc};

use super::codec::{self, Fields};
use super::scripts::{self, SCRIPTS};
use super::{keys, RedisStore};
use crate::store::{ActivityPage, ActivityQuery, StoreError};
use crate::team::{ActivityEvent, EventAction, EventCursor, EventId};

/// The largest page; larger limits are clamped and 0 counts as 1 (the HTTP
/// layer refuses anything outside 1–200 before asking), as in the memory
/// store.
pub const MAX_PAGE: usize = 200;

/// An entry `{id, field, value, ...}` of the activity script.
fn decode_event(mut entry: Vec<String>) -> Result<ActivityEvent, StoreError> {
    if entry.is_empty() {
        return Err(codec::garbage("event"));
    }
    let fields = Fields::from_flat(entry.split_off(1))?;
    let id: EventId = entry[0].parse().map_err(|_| codec::garbage("event id"))?;
    let at = i64::try_from(id.ms)
        .ok()
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .ok_or_else(|| codec::garbage("event time"))?;
    let details = serde_json::from_str(&fields.text("details")?)
        .map_err(|_| codec::garbage("event details"))?;
    Ok(ActivityEvent {
        id,
        at,
        action: fields.parsed::<EventAction>("action")?,
        actor: fields.text("actor")?,
        target: fields.text("target")?,
        details,
    })
}

impl RedisStore {
    /// XREVRANGE from just below the cursor down to the retention bound,
    /// one more than the page to know whether another page follows.
    pub(super) async fn activity_impl(
        &self,
        account: &str,
        query: &ActivityQuery,
        now: DateTime<Utc>,
    ) -> Result<ActivityPage, StoreError> {
        let limit = query.limit.clamp(1, MAX_PAGE);
        let stream = match query.action {
            Some(action) => keys::activity_of(account, action),
            None => keys::activity(account),
        };
        let newest = match query.before {
            None => "+".to_owned(),
            // Nothing is older than the very first id (and Redis refuses an
            // exclusive bound below it): the empty range `(-inf, 0-0)`.
            Some(EventCursor(EventId { ms: 0, seq: 0 })) => "-".to_owned(),
            Some(EventCursor(id)) => format!("({id}"),
        };
        let oldest = codec::retention_floor_ms(now, self.settings.audit_retention);
        let mut call = SCRIPTS.activity.prepare_invoke();
        call.key(keys::members(account))
            .key(stream)
            .arg(newest)
            .arg(oldest)
            .arg(limit + 1);
        let entries = scripts::entries(self.pool.invoke(&call).await?)?;
        let more = entries.len() > limit;
        let events = entries
            .into_iter()
            .take(limit)
            .map(decode_event)
            .collect::<Result<Vec<_>, _>>()?;
        let next = if more {
            events.last().map(|e| EventCursor(e.id))
        } else {
            None
        };
        Ok(ActivityPage { events, next })
    }
}
