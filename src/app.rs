//! Wiring: builds the store, the policy engine, the clock and metrics into
//! one cloneable [`AppState`], and runs the server until a shutdown signal.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::Duration;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;

use crate::authz::Authz;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::metrics::Metrics;
use crate::policy::{PolicyEngine, PolicyError};
use crate::reload::{Reloader, WatchSettings};
use crate::store::instrumented::InstrumentedStore;
use crate::store::memory::MemoryStore;
use crate::store::redis::{RedisSettings, RedisStore};
use crate::store::{RateLimit, Store, StoreError, StoreSettings};

/// Name of the invitation rate limit (storage key part and metric label).
pub const INVITE_LIMIT_NAME: &str = "invite";

/// Why the sidecar could not start. Printed as one line by `main`.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The policies or schema are invalid.
    #[error("{0}")]
    Policies(#[from] PolicyError),
    /// Redis could not be reached (the message names the URL, without
    /// credentials).
    #[error("{0}")]
    Redis(String),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Team settings the HTTP layer applies per request.
#[derive(Debug, Clone)]
pub struct TeamSettings {
    /// Invitation lifetime.
    pub invitation_ttl: Duration,
    /// The invitation + resend limit.
    pub invite_limit: RateLimit,
}

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The decision service.
    pub authz: Authz,
    /// The team store.
    pub store: Arc<dyn Store>,
    /// The policy engine.
    pub policies: Arc<PolicyEngine>,
    /// Metrics.
    pub metrics: Metrics,
    /// Time source.
    pub clock: Arc<dyn Clock>,
    /// Team settings.
    pub team: Arc<TeamSettings>,
    /// Policy reloads (endpoint, SIGHUP, file changes).
    pub reloader: Arc<Reloader>,
    service_token_hash: Option<[u8; 32]>,
    shutting_down: Arc<AtomicBool>,
}

impl AppState {
    /// Assembles a state from its parts. The store is wrapped in an
    /// [`InstrumentedStore`] so every backend reports the same metrics.
    pub fn new(
        store: Arc<dyn Store>,
        policies: Arc<PolicyEngine>,
        clock: Arc<dyn Clock>,
        config: &Config,
    ) -> AppState {
        let metrics = Metrics::new();
        metrics.policy_set(&policies.snapshot());
        let store: Arc<dyn Store> =
            Arc::new(InstrumentedStore::new(store, metrics.store().clone()));
        AppState {
            reloader: Arc::new(Reloader::new(policies.clone(), metrics.clone())),
            authz: Authz::new(store.clone(), policies.clone(), metrics.clone()),
            store,
            policies,
            metrics,
            clock,
            team: Arc::new(TeamSettings {
                invitation_ttl: secs(config.invitation_ttl_secs),
                invite_limit: RateLimit {
                    name: INVITE_LIMIT_NAME,
                    limit: config.invite_limit,
                    window: secs(config.invite_window_secs),
                },
            }),
            // Only the hash is kept, so the token is not in memory dumps or
            // debug output; comparison is constant-time.
            service_token_hash: config
                .service_token
                .as_deref()
                .map(|t| Sha256::digest(t.as_bytes()).into()),
            shutting_down: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether a service token is configured.
    pub fn requires_service_token(&self) -> bool {
        self.service_token_hash.is_some()
    }

    /// Whether `presented` is the configured service token (constant time).
    pub fn service_token_matches(&self, presented: &str) -> bool {
        match &self.service_token_hash {
            None => true,
            Some(expected) => {
                let got: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
                got.ct_eq(expected).into()
            }
        }
    }

    /// Marks the start of shutdown (readiness turns 503).
    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }

    /// Whether shutdown has started.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }
}

fn secs(n: u64) -> Duration {
    Duration::seconds(
        i64::try_from(n)
            .unwrap_or(i64::MAX / 1000)
            .min(i64::MAX / 1000),
    )
}

/// Builds the store the configuration names.
pub async fn build_store(config: &Config) -> Result<Arc<dyn Store>, StartError> {
    let settings = StoreSettings {
        audit_retention: secs(config.audit_retention_secs),
    };
    match &config.redis_url {
        None => {
            tracing::warn!("no --redis-url: using the in-memory store (not shared between replicas, not durable)");
            Ok(Arc::new(MemoryStore::new(settings)))
        }
        Some(url) => {
            let urls: Vec<String> = if config.redis_cluster {
                url.split(',')
                    .map(|u| u.trim().to_owned())
                    .filter(|u| !u.is_empty())
                    .collect()
            } else {
                vec![url.trim().to_owned()]
            };
            let redis = RedisSettings {
                urls,
                cluster: config.redis_cluster,
            };
            let store = RedisStore::connect(&redis, settings)
                .await
                .map_err(|e| match e {
                    StoreError::Unavailable(detail) => StartError::Redis(detail),
                    other => StartError::Redis(other.to_string()),
                })?;
            Ok(Arc::new(store))
        }
    }
}

/// Loads everything and serves until SIGTERM/SIGINT.
pub async fn run(config: Config) -> Result<(), StartError> {
    let policies = Arc::new(PolicyEngine::load(&config.policies, &config.schema)?);
    let store = build_store(&config).await?;
    if config.service_token.is_none() {
        tracing::warn!("no --service-token: /v1 endpoints accept any caller");
    }
    let state = AppState::new(store, policies, Arc::new(SystemClock), &config);
    // Before listening: a signal must never find the default disposition
    // (which ends the process) once the server answers.
    let shutdown = crate::http::shutdown_signal();
    let _reloads = crate::reload::start(
        state.reloader.clone(),
        &WatchSettings {
            policies_dir: config.policies.clone(),
            schema_path: config.schema.clone(),
            watch_files: config.watch_policies,
        },
    );
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.listen.to_string(),
            source,
        })?;
    // The bound address (with `--listen 127.0.0.1:0`, the port chosen).
    let addr = listener.local_addr().unwrap_or(config.listen);
    tracing::info!(%addr, "listening");
    let grace = std::time::Duration::from_secs(config.shutdown_grace_secs);
    crate::http::serve(listener, state, shutdown, grace).await;
    tracing::info!("stopped");
    Ok(())
}
