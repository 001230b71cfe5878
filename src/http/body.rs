//! Request parsing shared by the handlers: the 64 KiB body limit, JSON
//! bodies with field-level errors, the actor header, query strings, and the
//! id checks on path parameters.

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::CONTENT_LENGTH;
use hyper::Request;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::team::ids::check_id;

/// The largest accepted request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The header naming the acting user (set by the gateway).
pub const ACTOR_HEADER: &str = "x-trackly-user";

/// Reads the whole body, refusing more than [`MAX_BODY_BYTES`] (413) before
/// reading when `Content-Length` already says so.
pub async fn read(req: Request<Incoming>) -> Result<bytes::Bytes, ApiError> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(ApiError::PayloadTooLarge);
    }
    match Limited::new(req.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(ApiError::PayloadTooLarge),
        Err(e) => Err(ApiError::InvalidRequest(format!(
            "could not read the request body: {e}"
        ))),
    }
}

/// Reads and parses a JSON body into `T` (400 with serde's message,
/// which names the field, on failure).
pub async fn json<T: DeserializeOwned>(req: Request<Incoming>) -> Result<T, ApiError> {
    let bytes = read(req).await?;
    parse(&bytes)
}

/// Parses JSON bytes into `T`.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::InvalidRequest("a JSON body is required".into()));
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad_json(&e))
}

/// Reads an optional JSON body: empty is `None`.
pub async fn optional_json<T: DeserializeOwned>(
    req: Request<Incoming>,
) -> Result<Option<T>, ApiError> {
    let bytes = read(req).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| ApiError::bad_json(&e))
}

/// The acting user from `X-Trackly-User` (401 when missing, 400 when
/// malformed).
pub fn actor<B>(req: &Request<B>) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(ACTOR_HEADER)
        .ok_or_else(|| ApiError::Unauthenticated("Missing X-Trackly-User header.".into()))?;
    let user = value
        .to_str()
        .map_err(|_| ApiError::InvalidRequest("X-Trackly-User must be ASCII".into()))?
        .trim();
    if user.is_empty() {
        return Err(ApiError::Unauthenticated(
            "Empty X-Trackly-User header.".into(),
        ));
    }
    check_id("X-Trackly-User", user)?;
    Ok(user.to_owned())
}

/// Checks a path parameter.
pub fn path_id(field: &'static str, value: &str) -> Result<(), ApiError> {
    check_id(field, value).map_err(ApiError::from)
}

/// The decoded `key=value` pairs of the query string.
pub fn query<B>(req: &Request<B>) -> Result<Vec<(String, String)>, ApiError> {
    let Some(q) = req.uri().query() else {
        return Ok(Vec::new());
    };
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode(k)?, decode(v)?))
        })
        .collect()
}

fn decode(s: &str) -> Result<String, ApiError> {
    let bad = || ApiError::InvalidRequest("malformed query string".into());
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or_else(bad)?;
                let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding() {
        let req = Request::builder()
            .uri("/x?action=member.invited&limit=5&cursor=ab%3D&e=")
            .body(())
            .unwrap();
        let q = query(&req).unwrap();
        assert_eq!(q[0], ("action".into(), "member.invited".into()));
        assert_eq!(q[2], ("cursor".into(), "ab=".into()));
        assert_eq!(q[3], ("e".into(), "".into()));
        let bad = Request::builder().uri("/x?a=%zz").body(()).unwrap();
        assert!(query(&bad).is_err());
    }

    #[test]
    fn actor_header() {
        let req = Request::builder()
            .header("X-Trackly-User", "u_1")
            .body(())
            .unwrap();
        assert_eq!(actor(&req).unwrap(), "u_1");
        let req = Request::builder().body(()).unwrap();
        assert_eq!(actor(&req).unwrap_err().status(), 401);
        let req = Request::builder()
            .header("X-Trackly-User", "a b")
            .body(())
            .unwrap();
        assert_eq!(actor(&req).unwrap_err().status(), 400);
    }
}
