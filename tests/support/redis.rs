//! Throwaway Redis for tests: a `redis-server` child on a free port with
//! its own directory (`--save "" --appendonly no`: nothing persists), or a
//! 3-master Redis Cluster of such children.
//!
//! Each server runs under a tiny `sh` watchdog that reads the test
//! process's end of a pipe: when the test binary exits (even by a panic,
//! abort or SIGKILL, and even for servers kept in a `static` that is never
//! dropped) the pipe closes and the watchdog stops `redis-server` and
//! removes its directory. Dropping a [`RedisServer`] does the same at once.
//!
//! `TRACKLY_AUTHZ_TEST_REDIS_URL`, if set, replaces the shared single
//! server ([`shared_url`]); tests that stop the server or read every key
//! always start their own.
//!
//! Missing `redis-server`/`redis-cli` is a panic with the install hint:
//! these tests are never skipped.

mod cluster;
mod dump;

// Each test binary uses part of these.
#[allow(unused_imports)]
pub use cluster::{shared_cluster, RedisCluster};
#[allow(unused_imports)]
pub use dump::{contains, dump_all, DumpedKey};

use std::io::Read as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use trackly_authz::store::redis::{RedisSettings, RedisStore};
use trackly_authz::store::{Store, StoreSettings};

/// The environment variable naming an external Redis for the shared server.
pub const TEST_REDIS_URL_ENV: &str = "TRACKLY_AUTHZ_TEST_REDIS_URL";

pub(crate) const HOST: &str = "127.0.0.1";
const START_TIMEOUT: Duration = Duration::from_secs(15);
const START_ATTEMPTS: usize = 5;

/// `sh -c` watchdog: `$1` the server directory, the rest redis-server's
/// arguments. The marker file tells "stopped by us" (remove the directory)
/// from "exited by itself" (keep it: its log explains why).
const WATCHDOG: &str = r#"
dir=$1; shift
mkdir -p "$dir" || exit 1
exec 3<&0
redis-server "$@" --dir "$dir" </dev/null >"$dir/redis.log" 2>&1 &
pid=$!
( read -r _ <&3; touch "$dir/.stopping"; kill "$pid" 2>/dev/null ) &
wait "$pid"
status=$?
if [ -e "$dir/.stopping" ]; then rm -rf "$dir"; fi
exit $status
"#;

/// Panics with an install hint when `binary` is not on PATH.
pub fn require(binary: &str) {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(binary).is_file()))
        .unwrap_or(false);
    assert!(found, "{binary} not found on PATH: apt-get install redis-server (it provides redis-server and redis-cli)");
}

/// A free TCP port on 127.0.0.1 (free now; the caller retries on a race).
pub(crate) fn free_port() -> u16 {
    let listener = TcpListener::bind((HOST, 0)).expect("bind an ephemeral port");
    listener.local_addr().expect("local addr").port()
}

/// One `redis-server` child.
pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    extra_args: Vec<String>,
    child: Option<(Child, ChildStdin)>,
}

impl RedisServer {
    /// Starts a server on a free port (retrying on port races).
    pub fn start() -> RedisServer {
        Self::start_with(Vec::new(), free_port)
    }

    pub(crate) fn start_with(extra_args: Vec<String>, pick_port: fn() -> u16) -> RedisServer {
        require("redis-server");
        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            let dir = tempfile::Builder::new()
                .prefix("trackly-authz-redis-")
                .tempdir()
                .expect("create a temp dir")
                .keep();
            let mut server = RedisServer {
                port: pick_port(),
                dir,
                extra_args: extra_args.clone(),
                child: None,
            };
            match server.spawn() {
                Ok(()) => return server,
                Err(e) => {
                    let _ = std::fs::remove_dir_all(&server.dir);
                    last_error = e;
                }
            }
        }
        panic!("could not start redis-server after {START_ATTEMPTS} attempts: {last_error}");
    }

    /// `redis://127.0.0.1:<port>/`
    pub fn url(&self) -> String {
        format!("redis://{HOST}:{}/", self.port)
    }

    /// The port (stays the same across [`RedisServer::restart`]).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (SIGTERM through the watchdog) and waits until the
    /// port is closed. Nothing persists: a restart starts empty.
    pub fn stop(&mut self) {
        if let Some((mut child, stdin)) = self.child.take() {
            drop(stdin);
            let _ = child.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while TcpStream::connect((HOST, self.port)).is_ok() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the server again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        if let Err(e) = self.spawn() {
            panic!("could not restart redis-server on port {}: {e}", self.port);
        }
    }

    fn spawn(&mut self) -> Result<(), String> {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(WATCHDOG)
            .arg("redis-watchdog")
            .arg(&self.dir)
            .args(["--port", &self.port.to_string(), "--bind", HOST])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(&self.extra_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = command.spawn().map_err(|e| format!("spawn sh: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin pipe")?;
        self.child = Some((child, stdin));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some((child, _)) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(format!(
                        "redis-server on port {} exited ({status}): {}",
                        self.port,
                        self.log_tail()
                    ));
                }
            }
            // CONFIG GET dir proves that the server answering is ours, not
            // another one that took the port first.
            if self.answers_as_ours() {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.stop();
                return Err(format!(
                    "redis-server on port {} did not answer within {START_TIMEOUT:?}",
                    self.port
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the server on our port is this one (its `dir` is ours).
    fn answers_as_ours(&self) -> bool {
        let Ok(mut connection) = connect(&self.url()) else {
            return false;
        };
        let Ok(reply) = redis::cmd("CONFIG")
            .arg("GET")
            .arg("dir")
            .query::<Vec<String>>(&mut connection)
        else {
            return false;
        };
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        reply.get(1).map(|dir| canonical(Path::new(dir))) == Some(canonical(&self.dir))
    }

    fn log_tail(&self) -> String {
        let mut text = String::new();
        let _ = std::fs::File::open(self.dir.join("redis.log"))
            .and_then(|mut f| f.read_to_string(&mut text));
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(5)..].join(" | ")
    }

    /// Every key of this server with its type and content (see [`dump_all`]).
    pub fn dump_all(&self) -> Vec<DumpedKey> {
        dump_all(&self.url())
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The URL of the single server shared by the tests of one binary: the
/// external one named by `TRACKLY_AUTHZ_TEST_REDIS_URL`, else a throwaway
/// server started on first use. Tests sharing it use unique account ids.
pub fn shared_url() -> String {
    if let Ok(url) = std::env::var(TEST_REDIS_URL_ENV) {
        if !url.trim().is_empty() {
            return url;
        }
    }
    static SERVER: OnceLock<RedisServer> = OnceLock::new();
    SERVER.get_or_init(RedisServer::start).url()
}

/// A store on the shared Redis (`cluster`: on the shared cluster), for
/// suites that run against every backend. Connects a fresh client each
/// time, in the caller's tokio runtime (a client made in another test's
/// runtime would die with it). Tests sharing the server use unique ids.
pub async fn redis_test_store(settings: StoreSettings, cluster: bool) -> Arc<dyn Store> {
    let urls = if cluster {
        shared_cluster().urls()
    } else {
        vec![shared_url()]
    };
    let redis = RedisSettings { urls, cluster };
    match RedisStore::connect(&redis, settings).await {
        Ok(store) => Arc::new(store),
        Err(e) => panic!(
            "cannot connect to the test Redis{}: {e}",
            if cluster { " cluster" } else { "" }
        ),
    }
}

/// A store on the shared single Redis (the HTTP tests' Redis backend).
pub async fn store(settings: StoreSettings) -> Arc<dyn Store> {
    redis_test_store(settings, false).await
}

/// A synchronous connection for inspecting a server.
pub fn connect(url: &str) -> redis::RedisResult<redis::Connection> {
    let client = redis::Client::open(url)?;
    client.get_connection_with_timeout(Duration::from_secs(2))
}
