//! Integration tests of the reference server: in-process through `oneshot`, and over
//! a real socket on port 0. One binary, a module per area.

mod harness;

mod admin;
mod binary;
mod config_output;
mod hostile_paths;
mod micropub;
mod monitoring;
mod pages;
mod regressions;
mod socket;
mod static_files;
