//! Monitoring: exact aggregates, a sampled event buffer and their exposition.
//!
//! [`Metrics`] is the shared recorder: every operation updates exact atomic
//! aggregates (per type and per operation name); sampling decides only which ones also
//! enter the bounded buffer of recent events. [`MetricsSnapshot`] is the serializable
//! view for the dashboard; `Metrics::encode_prometheus` writes the scrape output.

mod aggregate;
mod buffer;
mod clock;
mod histogram;
mod name;
mod op;
mod prometheus;
mod registry;
mod settings;
mod snapshot;

#[cfg(test)]
mod tests;

pub use buffer::EventDetail;
pub use clock::Ticks;
pub use name::Name;
pub use op::{OpType, Outcome};
pub use registry::{Metrics, Operation, OperationKey};
pub use settings::MonitorSettings;
pub use snapshot::{MetricsSnapshot, TypeSnapshot};

pub(crate) use prometheus::PROMETHEUS_CONTENT_TYPE;
