//! The reference blog server: a small IndieWeb blog whose monitoring is done right.
//!
//! `build_app` returns the whole site as an [`axum::Router`], so tests and benches can
//! drive it in-process; the binary in `main.rs` only reads the environment, binds and
//! serves.

pub mod config;
pub mod monitoring;
