//! Monitoring: exact aggregates, a sampled event buffer and their exposition.
