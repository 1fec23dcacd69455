//! The database: a small pool of SQLite connections (WAL), schema migrations, the
//! seed notes and the queries the pages run.
//!
//! Every query made while serving goes through a [`MonitoredConnection`] handed out by
//! the [`Pool`], so database metrics can never be "unwired" by accident.

mod error;
mod migrations;
mod monitored;
mod notes;
mod pool;
mod seed;

pub use error::DbError;
pub use monitored::{MonitoredConnection, Query};
pub use pool::Pool;

pub(crate) use notes::{NewNote, Note, ping};
pub(crate) use pool::PoolOptions;
