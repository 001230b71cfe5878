//! The tracing subscriber: human-readable text by default, one JSON object
//! per line with `--log-format json`. `RUST_LOG` overrides the level
//! (default `info`). Every line of a request carries the `request` span:
//! `request_id`, `method`, `route` (the template); its last event,
//! `handled`, adds `status` and `latency_us`.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// The filter without `RUST_LOG`: info, but `notify`'s internal notes
/// (a watch removed with its folder on every ConfigMap update) only when
/// they are warnings.
const DEFAULT_FILTER: &str = "info,notify=warn";

/// Installs the global subscriber (once; later calls are ignored).
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // Colours only for a person at a terminal, never in collected logs.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
    // Already installed (tests start several servers in one process): keep it.
    let _ = result;
}
