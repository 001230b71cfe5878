//! The HTTP API on hyper 1 + tokio: the accept loop with graceful shutdown,
//! per-request span, request id, metrics and service-token check, then the
//! router. One file per endpoint group; [`error`] is the only place errors
//! become responses. This layer knows nothing of Redis: it talks to
//! [`crate::authz::Authz`] and the [`crate::store::Store`] trait.

pub mod accounts;
pub mod activity;
pub mod body;
pub mod decisions;
pub mod error;
pub mod invitations;
pub mod keys;
pub mod ops;
pub mod router;

use std::convert::Infallible;
use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tracing::Instrument;

use crate::app::AppState;
use error::ApiError;

/// The response type of every handler.
pub type Resp = Response<Full<Bytes>>;

/// The request id header (honoured when sent, generated otherwise).
pub const REQUEST_ID: &str = "x-request-id";

/// Serves on `listener` until `shutdown` completes, then stops accepting,
/// lets in-flight requests finish for up to `grace`, and returns.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) {
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30));
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _peer) = match accepted {
                    Ok(conn) => conn,
                    Err(e) => {
                        // Out of file descriptors and the like: back off, keep serving.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let service = service_fn(move |req| {
                    let state = state.clone();
                    async move { Ok::<_, Infallible>(handle(state, req).await) }
                });
                let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    state.begin_shutdown();
    tracing::info!(
        grace_secs = grace.as_secs(),
        "shutting down: draining in-flight requests"
    );
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(grace) => tracing::warn!("grace period over; closing remaining connections"),
    }
}

/// A future that completes on SIGTERM or SIGINT. The handlers are
/// installed when this is called, not when the future is first polled: a
/// signal that arrives once the server answers must never meet the default
/// disposition (which kills the process with a non-zero status).
pub fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            let (mut term, mut int) = match (term, int) {
                (Ok(term), Ok(int)) => (term, int),
                (Err(e), _) | (_, Err(e)) => {
                    tracing::error!(error = %e, "cannot listen for SIGTERM/SIGINT");
                    return std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                _ = int.recv() => tracing::info!("SIGINT received"),
                _ = term.recv() => tracing::info!("SIGTERM received"),
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("Ctrl-C received");
    }
}

/// A fresh request id: a random per-process prefix and a counter. Unique
/// across replicas in practice, and no random-number syscall per request
/// (a v4 UUID per request showed up in profiles).
fn new_request_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| uuid::Uuid::new_v4().as_u64_pair().0);
    format!(
        "{prefix:016x}{:016x}",
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// One request: span, request id, auth, routing, metrics.
async fn handle(state: AppState, req: Request<Incoming>) -> Resp {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(new_request_id);
    let matched = router::route(req.uri().path());
    let template = matched.as_ref().map_or("unmatched", |m| m.route.template());
    let span = tracing::info_span!("request", request_id = %request_id, method = %req.method(), route = template);
    let mut resp = async {
        // Lets an operator (and the shutdown test) see a request that is
        // in flight; free when debug is off.
        tracing::debug!("request started");
        let resp = match check_service_token(&state, &req) {
            Err(e) => error_response(&e),
            Ok(()) => match matched {
                None => error_response(&ApiError::NotFound("No such endpoint.".into())),
                Some(m) => router::dispatch(&state, m, req).await,
            },
        };
        let latency = started.elapsed();
        state
            .metrics
            .observe_http(template, resp.status().as_u16(), latency.as_secs_f64());
        tracing::info!(
            status = resp.status().as_u16(),
            latency_us = latency.as_micros() as u64,
            "handled"
        );
        resp
    }
    .instrument(span)
    .await;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    resp
}

fn check_service_token(state: &AppState, req: &Request<Incoming>) -> Result<(), ApiError> {
    if !state.requires_service_token() || !req.uri().path().starts_with("/v1/") {
        return Ok(());
    }
    let presented = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    match presented {
        Some(token) if state.service_token_matches(token) => Ok(()),
        Some(_) => Err(ApiError::Unauthenticated("Invalid service token.".into())),
        None => Err(ApiError::Unauthenticated(
            "Missing `Authorization: Bearer <service token>`.".into(),
        )),
    }
}

/// A JSON response.
pub fn json(status: u16, value: &serde_json::Value) -> Resp {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// An empty response (204 and the like).
pub fn empty(status: u16) -> Resp {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::NO_CONTENT);
    resp
}

/// The response for an error, with `Retry-After`/`Allow` where it applies.
pub fn error_response(e: &ApiError) -> Resp {
    let mut resp = json(e.status(), &e.body());
    match e {
        ApiError::RateLimited { retry_after_secs } => {
            resp.headers_mut().insert(
                hyper::header::RETRY_AFTER,
                HeaderValue::from(*retry_after_secs),
            );
        }
        ApiError::MethodNotAllowed(allow) => {
            resp.headers_mut()
                .insert(hyper::header::ALLOW, HeaderValue::from_static(allow));
        }
        ApiError::Unavailable => {
            resp.headers_mut()
                .insert(hyper::header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        _ => {}
    }
    resp
}

/// Turns a handler result into a response; logs store failures inside the
/// request span (the client only sees a generic 503).
pub fn respond(result: Result<Resp, ApiError>) -> Resp {
    match result {
        Ok(resp) => resp,
        Err(e) => {
            if e.status() >= 500 {
                tracing::warn!(code = e.code(), "request failed");
            }
            error_response(&e)
        }
    }
}
