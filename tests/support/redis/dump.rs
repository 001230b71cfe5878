//! Reading back every key of a server, for tests that check what is (and
//! is not) stored.

use super::connect;

/// One key as read back by [`dump_all`].
#[derive(Debug, Clone)]
pub struct DumpedKey {
    /// The key name.
    pub key: String,
    /// Its type (`string`, `hash`, `zset`, `set`, `stream`, ...).
    pub kind: String,
    /// Everything it holds, flattened (names, values, scores, stream ids).
    pub content: Vec<u8>,
}

/// Every key of the server at `url` (SCAN + TYPE + a full read).
pub fn dump_all(url: &str) -> Vec<DumpedKey> {
    let mut c = connect(url).expect("connect to dump keys");
    let mut cursor = 0u64;
    let mut names: Vec<Vec<u8>> = Vec::new();
    loop {
        let (next, batch): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("COUNT")
            .arg(1000)
            .query(&mut c)
            .expect("SCAN");
        names.extend(batch);
        if next == 0 {
            break;
        }
        cursor = next;
    }
    let mut out = Vec::new();
    for name in names {
        let kind: String = redis::cmd("TYPE").arg(&name).query(&mut c).expect("TYPE");
        let read = match kind.as_str() {
            "string" => redis::cmd("GET").arg(&name).clone(),
            "hash" => redis::cmd("HGETALL").arg(&name).clone(),
            "set" => redis::cmd("SMEMBERS").arg(&name).clone(),
            "zset" => redis::cmd("ZRANGE")
                .arg(&name)
                .arg(0)
                .arg(-1)
                .arg("WITHSCORES")
                .clone(),
            "list" => redis::cmd("LRANGE").arg(&name).arg(0).arg(-1).clone(),
            "stream" => redis::cmd("XRANGE").arg(&name).arg("-").arg("+").clone(),
            "none" => continue,
            _ => redis::cmd("DUMP").arg(&name).clone(),
        };
        let value: redis::Value = read.query(&mut c).expect("read a key");
        let mut content = Vec::new();
        flatten(&value, &mut content);
        out.push(DumpedKey {
            key: String::from_utf8_lossy(&name).into_owned(),
            kind,
            content,
        });
    }
    out
}

fn flatten(value: &redis::Value, out: &mut Vec<u8>) {
    match value {
        redis::Value::BulkString(bytes) => out.extend_from_slice(bytes),
        redis::Value::SimpleString(s) => out.extend_from_slice(s.as_bytes()),
        redis::Value::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        redis::Value::Double(d) => out.extend_from_slice(d.to_string().as_bytes()),
        redis::Value::Array(items) | redis::Value::Set(items) => {
            for item in items {
                flatten(item, out);
                out.push(0);
            }
        }
        redis::Value::Map(pairs) => {
            for (k, v) in pairs {
                flatten(k, out);
                out.push(0);
                flatten(v, out);
                out.push(0);
            }
        }
        other => out.extend_from_slice(format!("{other:?}").as_bytes()),
    }
}

/// Whether `haystack` contains `needle`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
