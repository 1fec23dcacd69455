//! The HTTP conformance table (`fixtures/http/conformance.toml`): conditional requests
//! and Range as RFC 9110 states them, run on every asset, with the RFC's severity.
//!
//! A MUST broken fails; a MAY not taken (no Range support, no ETag) warns, unless the
//! server advertised the feature (`Accept-Ranges: bytes`, an `ETag`) or the scenario
//! requires it ([`Require`]).

mod answer;
mod run;
mod table;

pub(crate) use run::check_conformance;
pub use run::{RowAnswer, row_answers};
pub use table::{Table, TableError};

/// Features a scenario requires of the server, so that not taking them fails instead
/// of warning: `require = ["range", "validators"]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Require {
    /// Range requests (RFC 9110 §14).
    pub range: bool,
    /// Validators and the preconditions that use them (RFC 9110 §8.8, §13).
    pub validators: bool,
}

impl Require {
    /// Parses the names a scenario lists: `range`, `validators`.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut require = Self::default();
        for name in names {
            match name {
                "range" => require.range = true,
                "validators" => require.validators = true,
                other => {
                    return Err(format!(
                        "unknown requirement `{other}` (expected `range` or `validators`)"
                    ));
                }
            }
        }
        Ok(require)
    }
}
