//! Wiring: builds the store, the policy engine, the clock and metrics into
//! one cloneable [`AppState`], and runs the server.
