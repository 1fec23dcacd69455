//! The server under test: its target file (`spec`), and the server itself, started as
//! a process, run in a container, or found at a URL, booted per scenario step through
//! one readiness loop, and torn down when dropped.
//!
//! `boot` starts any kind; `running` is the booted server, asked the same things
//! whatever its kind; `ready` is the readiness loop; `build` runs build commands;
//! `process`, `container` and `docker` (every Docker CLI call) are the kinds' own
//! business; `reach` says where a server reaches this machine; `nginx` runs Debian's
//! nginx as the side-by-side reference for HTTP behaviour.

mod boot;
mod build;
mod container;
pub mod docker;
mod error;
pub mod nginx;
mod output;
mod process;
mod reach;
mod ready;
mod running;
mod spec;

pub use boot::{boot, boot_expecting_exit};
pub use build::build_image;
pub use container::{ContainerOptions, ContainerServer};
pub use error::BootError;
pub use process::ProcessServer;
pub use running::Server;
pub use spec::{
    AddressSpec, AuthSpec, ContainerSpec, Kind, MetricsSpec, ProcessSpec, ReadySpec, SpecError,
    TargetSpec,
};
