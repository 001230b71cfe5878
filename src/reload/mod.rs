//! Hot policy reload. Three triggers — `POST /v1/policies/reload`, `SIGHUP`,
//! and a change of the files — all go through [`Reloader::reload`], so they
//! behave the same: the files are read, parsed, validated against the schema
//! and checked with the fixtures of `<policies>/tests/` (by
//! [`PolicyEngine::reload`]); only a set that passes all of it replaces the
//! running one, atomically (an in-flight decision finishes on the snapshot it
//! started with). A refused set is counted
//! (`trackly_authz_policy_reloads_total{result="failure"}`), logged at warn
//! with the validator's messages, and the running set stays.
//!
//! Because a failed reload never removes the running set and start-up exits
//! when the first load fails, a serving process always has a validated
//! policy set: readiness depends only on the store and on shutdown.
//!
//! # File watching
//!
//! [`start`] watches (the `watch` submodule), with the `notify` crate:
//! - the policies folder, recursively (the fixtures in `tests/` are part of
//!   a set);
//! - the folder above it, non-recursively: an editor or a deploy may replace
//!   the whole folder, and a Kubernetes ConfigMap volume swaps a `..data`
//!   symlink there;
//! - the schema file's folder, non-recursively (only the schema file and
//!   `..data` count).
//!
//! Events are debounced: a reload runs once the files have been quiet for
//! [`DEBOUNCE`], so an editor's temp-file-and-rename, or a `git checkout`
//! touching several files, is one reload of the final state; and none at
//! all when the files are what the last reload read (a `touch`, an
//! editor's swap file, a change the endpoint already reloaded). Reads
//! (`open`, `close` without write) are ignored, or the reload's own reads
//! would trigger the next reload. Before each file-triggered reload the
//! policies folder is watched again, which follows a replaced folder or
//! symlink.

mod watch;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use self::watch::FileWatch;
use crate::metrics::Metrics;
use crate::policy::{PolicyEngine, PolicyError, PolicySnapshot};

/// Quiet period after the last file event before a reload runs.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// What asked for a reload (logged as `trigger`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// `POST /v1/policies/reload`.
    Endpoint,
    /// `SIGHUP`.
    Signal,
    /// A change in the policies folder or of the schema file.
    FileChange,
}

impl Trigger {
    /// The log value.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Endpoint => "endpoint",
            Trigger::Signal => "sighup",
            Trigger::FileChange => "file_change",
        }
    }
}

/// Runs reloads, one at a time, with their metrics and logs.
pub struct Reloader {
    policies: Arc<PolicyEngine>,
    metrics: Metrics,
    /// Serializes reloads (two overlapping reloads could store their
    /// snapshots in the opposite order of their reads) and holds the
    /// fingerprint of the files the last reload attempt read.
    last_attempt: tokio::sync::Mutex<Option<String>>,
}

impl Reloader {
    /// A reloader of `policies`, recording in `metrics`.
    pub fn new(policies: Arc<PolicyEngine>, metrics: Metrics) -> Reloader {
        let loaded = policies.files_fingerprint().ok();
        Reloader {
            policies,
            metrics,
            last_attempt: tokio::sync::Mutex::new(loaded),
        }
    }

    /// Reloads the files now (the endpoint and SIGHUP: an explicit request
    /// always runs). On success the new snapshot is in force; on failure
    /// the running one stays and the error says why.
    pub async fn reload(&self, trigger: Trigger) -> Result<Arc<PolicySnapshot>, PolicyError> {
        let mut last_attempt = self.last_attempt.lock().await;
        self.reload_locked(trigger, &mut last_attempt).await
    }

    /// Reloads after a file change, unless the files are what the last
    /// attempt read (an editor's temp file, a `touch`, or a change the
    /// endpoint already reloaded): `None` when skipped.
    pub async fn reload_if_changed(&self) -> Option<Result<Arc<PolicySnapshot>, PolicyError>> {
        let mut last_attempt = self.last_attempt.lock().await;
        let engine = Arc::clone(&self.policies);
        let now = tokio::task::spawn_blocking(move || engine.files_fingerprint())
            .await
            .ok()
            .and_then(Result::ok);
        if now.is_some() && now == *last_attempt {
            tracing::debug!("policy files unchanged since the last reload; skipped");
            return None;
        }
        Some(
            self.reload_locked(Trigger::FileChange, &mut last_attempt)
                .await,
        )
    }

    async fn reload_locked(
        &self,
        trigger: Trigger,
        last_attempt: &mut Option<String>,
    ) -> Result<Arc<PolicySnapshot>, PolicyError> {
        let before = self.policies.snapshot();
        let engine = Arc::clone(&self.policies);
        // Reading files and running the fixtures blocks: keep it off the
        // request threads.
        let (fingerprint, result) = match tokio::task::spawn_blocking(move || {
            (engine.files_fingerprint().ok(), engine.reload())
        })
        .await
        {
            Ok(done) => done,
            Err(e) => (
                None,
                Err(PolicyError::Invalid {
                    messages: vec![format!("the reload task failed: {e}")],
                }),
            ),
        };
        *last_attempt = fingerprint;
        match &result {
            Ok(snapshot) => {
                self.metrics.policy_reload(true);
                self.metrics.policy_set(snapshot);
                tracing::info!(
                    trigger = trigger.as_str(),
                    version = snapshot.version(),
                    changed = snapshot.version() != before.version(),
                    policies = snapshot.policies().len(),
                    fixture_cases = snapshot.fixture_cases(),
                    "policies reloaded"
                );
            }
            Err(e) => {
                self.metrics.policy_reload(false);
                tracing::warn!(
                    trigger = trigger.as_str(),
                    version = before.version(),
                    error = %e,
                    "policy reload refused; the running set stays"
                );
            }
        }
        result
    }
}

/// The validator's messages of a refused set, one problem per entry (the
/// reload endpoint's 422 body).
pub fn messages(e: &PolicyError) -> Vec<String> {
    match e {
        PolicyError::Invalid { messages } => messages.clone(),
        PolicyError::Fixtures { failures } => failures.clone(),
        other => vec![other.to_string()],
    }
}

/// What [`start`] watches.
#[derive(Debug, Clone)]
pub struct WatchSettings {
    /// The policies folder.
    pub policies_dir: PathBuf,
    /// The schema file.
    pub schema_path: PathBuf,
    /// Whether to reload on file changes (SIGHUP works either way).
    pub watch_files: bool,
}

/// The running reload task; stops when dropped.
pub struct ReloadTask {
    task: JoinHandle<()>,
}

impl Drop for ReloadTask {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts reloading on SIGHUP and (if enabled) on file changes. The signal
/// handler and the watches are in place when this returns, so call it
/// before the server reports ready. Failing to watch is logged, not fatal:
/// the endpoint and SIGHUP still work.
pub fn start(reloader: Arc<Reloader>, settings: &WatchSettings) -> ReloadTask {
    let hangup = hangup_signal();
    let (tx, rx) = mpsc::channel::<()>(1);
    let files = if settings.watch_files {
        match FileWatch::new(settings, tx) {
            Ok(watch) => Some(watch),
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch the policy files; reload with SIGHUP or the endpoint");
                None
            }
        }
    } else {
        None
    };
    let task = tokio::spawn(run(reloader, hangup, files, rx));
    ReloadTask { task }
}

#[cfg(unix)]
type Hangup = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangup = Option<()>;

#[cfg(unix)]
fn hangup_signal() -> Hangup {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(signal) => Some(signal),
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGHUP");
            None
        }
    }
}

#[cfg(not(unix))]
fn hangup_signal() -> Hangup {
    None
}

async fn next_hangup(hangup: &mut Hangup) {
    #[cfg(unix)]
    if let Some(signal) = hangup {
        if signal.recv().await.is_some() {
            return;
        }
    }
    let _ = hangup;
    std::future::pending::<()>().await;
}

async fn run(
    reloader: Arc<Reloader>,
    mut hangup: Hangup,
    mut files: Option<FileWatch>,
    mut changes: mpsc::Receiver<()>,
) {
    loop {
        tokio::select! {
            () = next_hangup(&mut hangup) => {
                let _ = reloader.reload(Trigger::Signal).await;
            }
            Some(()) = changes.recv() => {
                // Wait until the files have been quiet for DEBOUNCE.
                while let Ok(Some(())) = tokio::time::timeout(DEBOUNCE, changes.recv()).await {}
                // Watch again first, then read: a change after the new
                // watch is seen, one before it is in what the reload reads.
                if let Some(files) = files.as_mut() {
                    files.rewatch_policies();
                }
                let _ = reloader.reload_if_changed().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                copy_dir(&entry.path(), &to.join(entry.file_name()));
            } else {
                std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
            }
        }
    }

    #[tokio::test]
    async fn file_reloads_run_only_when_the_files_changed() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&repo.join("policies"), &dir.path().join("policies"));
        let policies = dir.path().join("policies");
        let schema = repo.join("schema/trackly.cedarschema");
        let engine = Arc::new(PolicyEngine::load(&policies, &schema).unwrap());
        let metrics = Metrics::new();
        let reloader = Reloader::new(engine.clone(), metrics.clone());
        assert!(reloader.reload_if_changed().await.is_none());

        // A fixture counts as a change too.
        let fixture = policies.join("tests/roles.json");
        let text = std::fs::read_to_string(&fixture).unwrap();
        std::fs::write(&fixture, format!("{text}\n")).unwrap();
        let version = engine.snapshot().version().to_owned();
        let reloaded = reloader.reload_if_changed().await.unwrap().unwrap();
        assert_eq!(reloaded.version(), version);
        assert!(reloader.reload_if_changed().await.is_none());

        // An explicit reload always runs.
        reloader.reload(Trigger::Signal).await.unwrap();
        let text = metrics.render();
        assert!(text.contains(r#"trackly_authz_policy_reloads_total{result="success"} 2"#));
    }

    #[test]
    fn messages_are_one_per_problem() {
        let e = PolicyError::Fixtures {
            failures: vec!["a".into(), "b".into()],
        };
        assert_eq!(messages(&e), ["a", "b"]);
        let e = PolicyError::Io {
            path: "x".into(),
            message: "gone".into(),
        };
        assert_eq!(messages(&e), ["cannot read `x`: gone"]);
    }
}
