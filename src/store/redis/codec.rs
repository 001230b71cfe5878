//! How values are written into and read back from Redis: times, member
//! values, hash fields. Anything that does not parse is
//! [`StoreError::Unavailable`] ("answered garbage"), never a guess.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use crate::store::StoreError;
use crate::team::{Member, Role};

/// Width of a stored time: nanoseconds since the epoch, zero-padded, so that
/// text order is time order (the scripts compare them as strings).
const TIME_WIDTH: usize = 20;

pub(super) fn garbage(what: &str) -> StoreError {
    StoreError::Unavailable(format!("unexpected data in Redis: {what}"))
}

/// A time as stored: 20-digit nanoseconds since the Unix epoch.
pub(super) fn encode_time(t: DateTime<Utc>) -> Result<String, StoreError> {
    match t.timestamp_nanos_opt() {
        Some(ns) if ns >= 0 => Ok(format!("{ns:0TIME_WIDTH$}")),
        _ => Err(StoreError::Unavailable(format!(
            "time {t} is outside what the Redis store keeps (1970-2262)"
        ))),
    }
}

/// The inverse of [`encode_time`].
pub(super) fn decode_time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    let ns: i64 = text.parse().map_err(|_| garbage("time"))?;
    Ok(DateTime::from_timestamp_nanos(ns))
}

/// Milliseconds since the epoch (floor), as the scripts pass it.
pub(super) fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The oldest event ms the retention keeps at `now`: `now - retention` in
/// ms (at least 0). Events whose id ms is below it are never returned and
/// are purged by writes (the memory store draws the same line).
pub(super) fn retention_floor_ms(now: DateTime<Utc>, retention: Duration) -> i64 {
    (now - retention).timestamp_millis().max(0)
}

/// The role of a members-hash value (`<Role>|<joined_at>`, written by the
/// scripts); the decision path only needs this.
pub(super) fn member_role(value: &str) -> Result<Role, StoreError> {
    let (role, _) = value
        .split_once('|')
        .ok_or_else(|| garbage("member value"))?;
    role.parse().map_err(|_| garbage("member role"))
}

/// A member from its user id and members-hash value.
pub(super) fn decode_member(user: String, value: &str) -> Result<Member, StoreError> {
    let role = member_role(value)?;
    let joined = value.split_once('|').map(|(_, j)| j).unwrap_or_default();
    Ok(Member {
        user,
        role,
        joined_at: decode_time(joined)?,
    })
}

/// Members from a flat `user, value, user, value, ...` list, sorted by
/// `joined_at` then user id.
pub(super) fn decode_members(flat: Vec<String>) -> Result<Vec<Member>, StoreError> {
    let mut members = pairs(flat)?
        .into_iter()
        .map(|(user, value)| decode_member(user, &value))
        .collect::<Result<Vec<_>, _>>()?;
    members.sort_by(|a, b| (a.joined_at, &a.user).cmp(&(b.joined_at, &b.user)));
    Ok(members)
}

/// `field, value, field, value, ...` → pairs.
pub(super) fn pairs(flat: Vec<String>) -> Result<Vec<(String, String)>, StoreError> {
    if !flat.len().is_multiple_of(2) {
        return Err(garbage("odd field list"));
    }
    let mut out = Vec::with_capacity(flat.len() / 2);
    let mut items = flat.into_iter();
    while let (Some(k), Some(v)) = (items.next(), items.next()) {
        out.push((k, v));
    }
    Ok(out)
}

/// A hash read back (from HGETALL), with typed field access.
pub(super) struct Fields(HashMap<String, String>);

impl Fields {
    /// From a flat `field, value, ...` list.
    pub fn from_flat(flat: Vec<String>) -> Result<Fields, StoreError> {
        Ok(Fields(pairs(flat)?.into_iter().collect()))
    }

    /// A field that must be there.
    pub fn text(&self, field: &'static str) -> Result<String, StoreError> {
        self.0.get(field).cloned().ok_or_else(|| garbage(field))
    }

    /// A field that may be missing.
    pub fn optional(&self, field: &str) -> Option<String> {
        self.0.get(field).cloned()
    }

    /// A time field.
    pub fn time(&self, field: &'static str) -> Result<DateTime<Utc>, StoreError> {
        decode_time(&self.text(field)?)
    }

    /// A role field.
    pub fn role(&self, field: &'static str) -> Result<Role, StoreError> {
        self.text(field)?.parse().map_err(|_| garbage(field))
    }

    /// Any field parsed with `FromStr`.
    pub fn parsed<T: std::str::FromStr>(&self, field: &'static str) -> Result<T, StoreError> {
        self.text(field)?.parse().map_err(|_| garbage(field))
    }
}

/// A read-script entry `{id, order, field, value, ...}` → (id, order, fields).
pub(super) fn indexed_entry(mut entry: Vec<String>) -> Result<(String, f64, Fields), StoreError> {
    if entry.len() < 2 {
        return Err(garbage("index entry"));
    }
    let rest = entry.split_off(2);
    let order = entry[1]
        .parse::<f64>()
        .map_err(|_| garbage("index order"))?;
    let id = entry.swap_remove(0);
    Ok((id, order, Fields::from_flat(rest)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_round_trip_and_sort_as_text() {
        let t =
            Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap() + Duration::nanoseconds(123_456_789);
        let text = encode_time(t).unwrap();
        assert_eq!(text.len(), 20);
        assert_eq!(decode_time(&text).unwrap(), t);
        let later = encode_time(t + Duration::nanoseconds(1)).unwrap();
        assert!(later > text);
        assert!(encode_time(DateTime::from_timestamp(-1, 0).unwrap()).is_err());
    }

    #[test]
    fn retention_floor_is_the_bound_in_ms() {
        let now = DateTime::from_timestamp_millis(10_000).unwrap();
        assert_eq!(retention_floor_ms(now, Duration::seconds(3)), 7_000);
        assert_eq!(
            retention_floor_ms(now, Duration::microseconds(2_500)),
            9_997
        );
        assert_eq!(
            retention_floor_ms(now + Duration::microseconds(1), Duration::seconds(3)),
            7_000
        );
        assert_eq!(retention_floor_ms(now, Duration::days(1)), 0);
    }

    #[test]
    fn members() {
        let t = encode_time(DateTime::from_timestamp(5, 0).unwrap()).unwrap();
        let value = format!("Viewer|{t}");
        assert_eq!(member_role(&value).unwrap(), Role::Viewer);
        assert_eq!(
            decode_member("u".into(), &value).unwrap().joined_at,
            DateTime::from_timestamp(5, 0).unwrap()
        );
        assert!(member_role("Boss|1").is_err());
        assert!(decode_members(vec!["u".into()]).is_err());
    }
}
