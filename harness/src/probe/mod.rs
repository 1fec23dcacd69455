//! `harness probe`: boot (or find) a target, find its pages, read its metrics, drive a
//! few requests to each page, read again, and write a scenario file whose `metric`
//! steps are the counting series that moved by exactly that traffic. A new user's
//! server gets a working scenario without anyone knowing its metric names.
//!
//! `run` does the probing, `series` classifies each counting series' change, and
//! `render` writes the scenario file with comments saying why each step is there.

mod render;
mod run;
mod series;

pub use run::{Probe, ProbeError, ProbeOptions, probe};
pub use series::{EndpointFindings, SeriesFinding, Verdict};
