//! Command line and environment configuration (SPEC §2). Every flag has an
//! environment variable of the same meaning; defaults are named constants.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8180";
/// Default policies folder.
pub const DEFAULT_POLICIES: &str = "policies";
/// Default schema file.
pub const DEFAULT_SCHEMA: &str = "schema/trackly.cedarschema";
/// Default invitation TTL: 7 days.
pub const DEFAULT_INVITATION_TTL_SECS: u64 = 604_800;
/// Default invitations + resends per account per window.
pub const DEFAULT_INVITE_LIMIT: u32 = 20;
/// Default rate-limit window: one hour.
pub const DEFAULT_INVITE_WINDOW_SECS: u64 = 3_600;
/// Default activity retention: 90 days.
pub const DEFAULT_AUDIT_RETENTION_SECS: u64 = 7_776_000;
/// Default drain period on SIGTERM.
pub const DEFAULT_SHUTDOWN_GRACE_SECS: u64 = 10;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "trackly-authz",
    version,
    about = "Authorization sidecar of Trackly SMS"
)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Settings shared by every command.
    #[command(flatten)]
    pub config: Config,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (the default).
    Serve,
    /// Validate the policies against the schema and run `policies/tests`.
    Validate {
        /// Also write the fixtures in the official Cedar CLI's `run-tests`
        /// format (`policies.cedar` + `tests.json`) into this folder, so that
        /// `cedar run-tests` can check the same cases.
        #[arg(long, value_name = "DIR")]
        export_cedar_tests: Option<PathBuf>,
    },
    /// Print the role × action table computed from the policies.
    Matrix {
        /// Output format.
        #[arg(long, value_enum, default_value_t = MatrixFormat::Markdown)]
        format: MatrixFormat,
    },
}

/// Output of `matrix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatrixFormat {
    /// A Markdown table (the README's).
    Markdown,
    /// JSON.
    Json,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line (production).
    Json,
}

/// Every setting of SPEC §2 plus the operational extras.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "TRACKLY_AUTHZ_LISTEN", default_value = DEFAULT_LISTEN, global = true)]
    pub listen: SocketAddr,

    /// Redis URL (or comma-separated cluster seed URLs); unset: in-memory store.
    #[arg(long, env = "TRACKLY_AUTHZ_REDIS_URL", global = true)]
    pub redis_url: Option<String>,

    /// Treat `--redis-url` as Redis Cluster seed nodes.
    #[arg(long, env = "TRACKLY_AUTHZ_REDIS_CLUSTER", default_value_t = false,
          action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    pub redis_cluster: bool,

    /// Folder of `*.cedar` policy files (with fixtures in `tests/`).
    #[arg(long, env = "TRACKLY_AUTHZ_POLICIES", default_value = DEFAULT_POLICIES, global = true)]
    pub policies: PathBuf,

    /// Cedar schema file.
    #[arg(long, env = "TRACKLY_AUTHZ_SCHEMA", default_value = DEFAULT_SCHEMA, global = true)]
    pub schema: PathBuf,

    /// Bearer token callers must present on `/v1/...`; unset: none required.
    #[arg(
        long,
        env = "TRACKLY_AUTHZ_SERVICE_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub service_token: Option<String>,

    /// Invitation lifetime in seconds.
    #[arg(long, env = "TRACKLY_AUTHZ_INVITATION_TTL_SECS", default_value_t = DEFAULT_INVITATION_TTL_SECS,
          value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub invitation_ttl_secs: u64,

    /// Invitations + resends allowed per account per window.
    #[arg(long, env = "TRACKLY_AUTHZ_INVITE_LIMIT", default_value_t = DEFAULT_INVITE_LIMIT,
          value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub invite_limit: u32,

    /// Rate-limit window in seconds.
    #[arg(long, env = "TRACKLY_AUTHZ_INVITE_WINDOW_SECS", default_value_t = DEFAULT_INVITE_WINDOW_SECS,
          value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub invite_window_secs: u64,

    /// Activity log retention in seconds.
    #[arg(long, env = "TRACKLY_AUTHZ_AUDIT_RETENTION_SECS", default_value_t = DEFAULT_AUDIT_RETENTION_SECS,
          value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub audit_retention_secs: u64,

    /// Log format.
    #[arg(long, env = "TRACKLY_AUTHZ_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// Seconds to drain in-flight requests after SIGTERM/SIGINT.
    #[arg(long, env = "TRACKLY_AUTHZ_SHUTDOWN_GRACE_SECS", default_value_t = DEFAULT_SHUTDOWN_GRACE_SECS, global = true)]
    pub shutdown_grace_secs: u64,

    /// Reload the policies when their files change (SIGHUP and
    /// `POST /v1/policies/reload` work either way).
    #[arg(long, env = "TRACKLY_AUTHZ_WATCH_POLICIES", default_value_t = true,
          action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    pub watch_policies: bool,
}

impl Config {
    /// The configuration with every default, as `cargo run` would use it.
    pub fn defaults() -> Config {
        // Parsing an empty command line cannot fail: every field has a default.
        // The environment is not consulted here (tests rely on that).
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8180)),
            redis_url: None,
            redis_cluster: false,
            policies: PathBuf::from(DEFAULT_POLICIES),
            schema: PathBuf::from(DEFAULT_SCHEMA),
            service_token: None,
            invitation_ttl_secs: DEFAULT_INVITATION_TTL_SECS,
            invite_limit: DEFAULT_INVITE_LIMIT,
            invite_window_secs: DEFAULT_INVITE_WINDOW_SECS,
            audit_retention_secs: DEFAULT_AUDIT_RETENTION_SECS,
            log_format: LogFormat::Text,
            shutdown_grace_secs: DEFAULT_SHUTDOWN_GRACE_SECS,
            watch_policies: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let cli = Cli::try_parse_from(["trackly-authz"]).unwrap();
        assert!(cli.command.is_none());
        let c = cli.config;
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(c.invitation_ttl_secs, 604_800);
        assert_eq!(c.invite_limit, 20);
        assert_eq!(c.invite_window_secs, 3_600);
        assert_eq!(c.audit_retention_secs, 7_776_000);
        assert!(!c.redis_cluster);
        assert!(c.watch_policies);
        assert_eq!(c.shutdown_grace_secs, DEFAULT_SHUTDOWN_GRACE_SECS);
    }

    #[test]
    fn flags_after_subcommand_and_bad_values() {
        let cli = Cli::try_parse_from([
            "trackly-authz",
            "serve",
            "--listen",
            "0.0.0.0:9000",
            "--redis-cluster",
            "true",
        ])
        .unwrap();
        assert!(matches!(cli.command, Some(Command::Serve)));
        assert_eq!(cli.config.listen.port(), 9000);
        assert!(cli.config.redis_cluster);
        let cli = Cli::try_parse_from(["trackly-authz", "--watch-policies", "false"]).unwrap();
        assert!(!cli.config.watch_policies);
        assert!(Cli::try_parse_from(["trackly-authz", "--listen", "nope"]).is_err());
        assert!(Cli::try_parse_from(["trackly-authz", "--invite-limit", "0"]).is_err());
    }
}
