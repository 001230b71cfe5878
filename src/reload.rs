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
//! [`start`] watches, with the `notify` crate:
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
//! touching several files, is one reload of the final state. Reads (`open`,
//! `close` without write) are ignored, or the reload's own reads would
//! trigger the next reload. Before each file-triggered reload the policies
//! folder is watched again, which follows a replaced folder or symlink.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::metrics::Metrics;
use crate::policy::{PolicyEngine, PolicyError, PolicySnapshot};

/// Quiet period after the last file event before a reload runs.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// The name Kubernetes gives the symlink it swaps when a ConfigMap volume
/// changes.
const CONFIGMAP_DATA_LINK: &str = "..data";

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
    /// Serializes reloads: two overlapping reloads could otherwise store
    /// their snapshots in the opposite order of their reads.
    running: tokio::sync::Mutex<()>,
}

impl Reloader {
    /// A reloader of `policies`, recording in `metrics`.
    pub fn new(policies: Arc<PolicyEngine>, metrics: Metrics) -> Reloader {
        Reloader {
            policies,
            metrics,
            running: tokio::sync::Mutex::new(()),
        }
    }

    /// Reloads the files now. On success the new snapshot is in force;
    /// on failure the running one stays and the error says why.
    pub async fn reload(&self, trigger: Trigger) -> Result<Arc<PolicySnapshot>, PolicyError> {
        let _one_at_a_time = self.running.lock().await;
        let before = self.policies.snapshot();
        let engine = Arc::clone(&self.policies);
        // Reading files and running the fixtures blocks: keep it off the
        // request threads.
        let result = match tokio::task::spawn_blocking(move || engine.reload()).await {
            Ok(result) => result,
            Err(e) => Err(PolicyError::Invalid {
                messages: vec![format!("the reload task failed: {e}")],
            }),
        };
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
                let _ = reloader.reload(Trigger::FileChange).await;
            }
        }
    }
}

/// The `notify` watcher and what it watches.
struct FileWatch {
    watcher: RecommendedWatcher,
    policies_dir: PathBuf,
}

/// Which event paths matter.
#[derive(Debug, Clone)]
struct Relevant {
    policies_dir: PathBuf,
    schema_path: PathBuf,
}

impl Relevant {
    fn event(&self, event: &Event) -> bool {
        let kind_matters = match event.kind {
            // Only a completed write among the accesses: opens and reads
            // (ours included) change nothing.
            EventKind::Access(access) => access == AccessKind::Close(AccessMode::Write),
            _ => true,
        };
        // No path (a rescan after an overflow): reload to be safe.
        kind_matters && (event.paths.is_empty() || event.paths.iter().any(|p| self.path(p)))
    }

    fn path(&self, path: &Path) -> bool {
        path.starts_with(&self.policies_dir)
            || path == self.schema_path
            || path.file_name().is_some_and(|n| n == CONFIGMAP_DATA_LINK)
    }
}

impl FileWatch {
    fn new(settings: &WatchSettings, tx: mpsc::Sender<()>) -> notify::Result<FileWatch> {
        // Absolute but not canonical: a symlinked folder (a ConfigMap) must
        // keep its path, not the target that goes away on the next update.
        let policies_dir = std::path::absolute(&settings.policies_dir)?;
        let schema_path = std::path::absolute(&settings.schema_path)?;
        let relevant = Relevant {
            policies_dir: policies_dir.clone(),
            schema_path: schema_path.clone(),
        };
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
            let matters = match &event {
                Ok(event) => relevant.event(event),
                Err(e) => {
                    tracing::warn!(error = %e, "policy file watch error");
                    true
                }
            };
            // A full channel already holds a pending change: enough.
            if matters {
                let _ = tx.try_send(());
            }
        })?;
        watcher.watch(&policies_dir, RecursiveMode::Recursive)?;
        let mut folders: Vec<&Path> = Vec::new();
        folders.extend(policies_dir.parent());
        folders.extend(schema_path.parent());
        folders.dedup();
        for folder in folders {
            if folder.starts_with(&policies_dir) {
                continue;
            }
            if let Err(e) = watcher.watch(folder, RecursiveMode::NonRecursive) {
                tracing::warn!(folder = %folder.display(), error = %e, "cannot watch folder");
            }
        }
        tracing::info!(policies = %policies_dir.display(), schema = %schema_path.display(), "watching the policy files");
        Ok(FileWatch {
            watcher,
            policies_dir,
        })
    }

    /// Watches the policies folder again: it may be a new folder (replaced,
    /// or a symlink now pointing elsewhere) that the old watch does not see.
    fn rewatch_policies(&mut self) {
        let _ = self.watcher.unwatch(&self.policies_dir);
        if let Err(e) = self
            .watcher
            .watch(&self.policies_dir, RecursiveMode::Recursive)
        {
            tracing::warn!(error = %e, "cannot watch the policies folder again");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, ModifyKind, RenameMode};

    fn relevant() -> Relevant {
        Relevant {
            policies_dir: PathBuf::from("/etc/authz/policies"),
            schema_path: PathBuf::from("/etc/authz/schema/trackly.cedarschema"),
        }
    }

    fn event(kind: EventKind, path: &str) -> Event {
        Event::new(kind).add_path(PathBuf::from(path))
    }

    #[test]
    fn which_events_trigger_a_reload() {
        let r = relevant();
        let modify = EventKind::Modify(ModifyKind::Any);
        let create = EventKind::Create(CreateKind::File);
        let rename = EventKind::Modify(ModifyKind::Name(RenameMode::To));
        for (kind, path, expected) in [
            (modify, "/etc/authz/policies/roles.cedar", true),
            (modify, "/etc/authz/policies/tests/roles.json", true),
            (rename, "/etc/authz/policies/roles.cedar", true),
            (create, "/etc/authz/policies", true),
            (modify, "/etc/authz/schema/trackly.cedarschema", true),
            (create, "/etc/authz/..data", true),
            (modify, "/etc/authz/schema/notes.txt", false),
            (modify, "/etc/authz/other", false),
            (
                EventKind::Access(AccessKind::Open(AccessMode::Any)),
                "/etc/authz/policies/roles.cedar",
                false,
            ),
            (
                EventKind::Access(AccessKind::Close(AccessMode::Read)),
                "/etc/authz/policies/roles.cedar",
                false,
            ),
            (
                EventKind::Access(AccessKind::Close(AccessMode::Write)),
                "/etc/authz/policies/roles.cedar",
                true,
            ),
        ] {
            assert_eq!(r.event(&event(kind, path)), expected, "{kind:?} {path}");
        }
        assert!(r.event(&Event::new(EventKind::Other)));
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
