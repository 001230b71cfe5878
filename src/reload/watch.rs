//! The file watch of [`super::start`]: which folders are watched, which
//! events count, and watching the policies folder again after it was
//! replaced.

use std::path::{Path, PathBuf};

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;

use super::WatchSettings;

/// The name Kubernetes gives the symlink it swaps when a ConfigMap volume
/// changes.
const CONFIGMAP_DATA_LINK: &str = "..data";

/// The `notify` watcher and what it watches.
pub(super) struct FileWatch {
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
    pub(super) fn new(settings: &WatchSettings, tx: mpsc::Sender<()>) -> notify::Result<FileWatch> {
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
    pub(super) fn rewatch_policies(&mut self) {
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
}
