//! Runs the real `trackly-authz` binary as a child process: its own temp
//! copy of `policies/` and `schema/`, `--listen 127.0.0.1:0` (the bound
//! address is read from its "listening" log line, so no port race), its
//! stderr collected line by line for the tests to wait on and grep.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Notify;

use super::http::{send, Resp};
use super::server::repo;

/// How long a test waits for something the process should do promptly.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// The binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_trackly-authz")
}

/// Copies `from` into `to` recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// A temp folder holding a copy of the repo's `policies/` and `schema/`.
pub fn policy_copy() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&repo().join("policies"), &dir.path().join("policies"));
    copy_dir(&repo().join("schema"), &dir.path().join("schema"));
    dir
}

/// The collected stderr.
#[derive(Default)]
struct Log {
    lines: Mutex<Vec<String>>,
    grew: Notify,
}

impl Log {
    fn push(&self, line: String) {
        self.lines.lock().expect("log lock").push(line);
        self.grew.notify_waiters();
    }

    fn text(&self) -> String {
        self.lines.lock().expect("log lock").join("\n")
    }

    fn find(&self, from: usize, pred: &dyn Fn(&str) -> bool) -> Option<String> {
        let lines = self.lines.lock().expect("log lock");
        lines.iter().skip(from).find(|l| pred(l)).cloned()
    }

    fn len(&self) -> usize {
        self.lines.lock().expect("log lock").len()
    }
}

/// A running sidecar process.
pub struct Sidecar {
    pub addr: SocketAddr,
    /// Holds `policies/` and `schema/` (deleted on drop).
    pub dir: TempDir,
    child: Child,
    log: Arc<Log>,
    stderr_done: Option<tokio::task::JoinHandle<()>>,
}

/// Builds the command: the binary, the temp policies and schema, port 0
/// (unless `args` has `--listen`), `args`, and no inherited `TRACKLY_AUTHZ_*` or `RUST_LOG`.
fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(binary());
    cmd.arg("serve");
    if !args.contains(&"--listen") {
        cmd.arg("--listen").arg("127.0.0.1:0");
    }
    cmd.arg("--policies")
        .arg(dir.join("policies"))
        .arg("--schema")
        .arg(dir.join("schema/trackly.cedarschema"))
        .args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("TRACKLY_AUTHZ_") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd.env("RUST_LOG", "info");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// The address of a "listening" log line, text (`addr=…`) or JSON.
fn listening_addr(line: &str) -> Option<SocketAddr> {
    if !line.contains("listening") {
        return None;
    }
    if let Ok(json) = serde_json::from_str::<Value>(line) {
        return json["addr"].as_str()?.parse().ok();
    }
    let rest = &line[line.find("addr=")? + 5..];
    rest.split_whitespace().next()?.parse().ok()
}

impl Sidecar {
    /// Starts the binary on a fresh copy of the policies.
    pub async fn start(args: &[&str], env: &[(&str, &str)]) -> Sidecar {
        Sidecar::start_in(policy_copy(), args, env).await
    }

    /// Starts the binary on the policies and schema in `dir`.
    pub async fn start_in(dir: TempDir, args: &[&str], env: &[(&str, &str)]) -> Sidecar {
        let mut child = command(dir.path(), args, env)
            .spawn()
            .expect("spawn trackly-authz");
        let log = Arc::new(Log::default());
        let stderr = child.stderr.take().expect("stderr piped");
        let sink = log.clone();
        let stderr_done = tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                sink.push(line);
            }
            sink.grew.notify_waiters();
        });
        let mut sidecar = Sidecar {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            dir,
            child,
            log,
            stderr_done: Some(stderr_done),
        };
        let line = sidecar.wait_log(|l| listening_addr(l).is_some()).await;
        sidecar.addr = listening_addr(&line).expect("address");
        sidecar
    }

    /// The policies folder the process reads.
    pub fn policies(&self) -> PathBuf {
        self.dir.path().join("policies")
    }

    /// Everything the process wrote to stderr so far.
    pub fn log(&self) -> String {
        self.log.text()
    }

    /// How many stderr lines so far (a mark for [`Sidecar::wait_log_after`]).
    pub fn log_mark(&self) -> usize {
        self.log.len()
    }

    /// Waits for a stderr line matching `pred`; panics with the log after
    /// [`PATIENCE`] or when the process exits without one.
    pub async fn wait_log(&mut self, pred: impl Fn(&str) -> bool) -> String {
        self.wait_log_after(0, pred).await
    }

    /// Like [`Sidecar::wait_log`], among the lines after `mark`.
    pub async fn wait_log_after(&mut self, mark: usize, pred: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let grew = self.log.grew.notified();
            if let Some(line) = self.log.find(mark, &pred) {
                return line;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the reader drain what is left before giving up.
                if let Some(done) = self.stderr_done.take() {
                    let _ = done.await;
                }
                if let Some(line) = self.log.find(mark, &pred) {
                    return line;
                }
                panic!(
                    "trackly-authz exited ({status}) first; stderr:\n{}",
                    self.log()
                );
            }
            if tokio::time::timeout_at(deadline, grew).await.is_err() {
                panic!(
                    "no such log line within {PATIENCE:?}; stderr:\n{}",
                    self.log()
                );
            }
        }
    }

    /// Sends a signal (`"HUP"`, `"TERM"`, …) with `kill`.
    pub fn signal(&self, name: &str) {
        let pid = self.child.id().expect("process still running");
        let status = std::process::Command::new("kill")
            .arg("-s")
            .arg(name)
            .arg(pid.to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -s {name} {pid} failed");
    }

    /// Waits for the process to exit (panics after `within`).
    pub async fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        match tokio::time::timeout(within, self.child.wait()).await {
            Ok(status) => status.expect("wait for trackly-authz"),
            Err(_) => panic!(
                "trackly-authz still running after {within:?}; stderr:\n{}",
                self.log()
            ),
        }
    }

    /// One HTTP request.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Resp {
        let body = body.map(|b| serde_json::to_vec(&b).expect("json"));
        send(self.addr, method, path, headers, body).await
    }
}

/// Runs the binary with `args` until it exits (it must, within
/// [`PATIENCE`]); returns the status and stderr.
pub async fn run_to_exit(dir: &Path, args: &[&str]) -> (ExitStatus, String) {
    let child = command(dir, args, &[])
        .spawn()
        .expect("spawn trackly-authz");
    match tokio::time::timeout(PATIENCE, child.wait_with_output()).await {
        Ok(out) => {
            let out = out.expect("output of trackly-authz");
            (
                out.status,
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        }
        Err(_) => panic!("trackly-authz {args:?} did not exit within {PATIENCE:?}"),
    }
}
