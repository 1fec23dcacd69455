//! The reference blog server: a small IndieWeb blog whose monitoring is done right.
//!
//! `build_app` returns the whole site as a tower service ([`Site`]), so tests and
//! benches can drive it in-process; the binary in `main.rs` only reads the environment, binds and
//! serves.

// The public API is what `main.rs`, the tests, the benches and `scenario-tests` use;
// everything else is `pub(crate)` (these lints flag a `pub` item nobody outside can
// reach), and every public type can be named.
#![warn(unnameable_types, unreachable_pub)]

mod app;
pub mod auth;
pub mod config;
pub mod db;
mod error;
mod http_monitor;
pub mod monitoring;
pub mod render;
mod routes;
mod site;
mod state;
mod static_files;

pub use app::{App, StartupError, build_app};
pub use site::{Site, SiteFuture};

/// The allocator the server binary runs with: mimalloc, whose thread-local free lists
/// make the many small allocations of a request (headers, bodies, futures) cheaper
/// than glibc's `malloc`. The benches install it too, so they count what ships.
pub use mimalloc::MiMalloc as Allocator;
