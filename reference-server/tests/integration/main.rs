//! Integration tests of the reference server: in-process through `oneshot`, and over
//! a real socket on port 0. One binary, a module per area.

mod harness;
mod static_support;

mod admin;
mod binary;
mod config_output;
mod hostile_paths;
mod micropub;
mod monitoring;
mod pages;
mod regressions;
mod socket;
mod static_conditional;
mod static_files;
mod static_ranges;
