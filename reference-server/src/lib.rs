//! The reference blog server: a small IndieWeb blog whose monitoring is done right.
//!
//! `build_app` returns the whole site as an [`axum::Router`], so tests and benches can
//! drive it in-process; the binary in `main.rs` only reads the environment, binds and
//! serves.

mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod http_monitor;
pub mod monitoring;
pub mod render;
mod routes;
mod state;
pub mod static_files;

pub use app::{App, StartupError, build_app};
