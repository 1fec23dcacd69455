//! What an operation is (`OpType`) and how it ended (`Outcome`): the two keys every
//! recorded operation carries.

use serde::Serialize;

/// The three kinds of work the server monitors; each has its own aggregates, sampling
/// rate and minimum-sample guarantee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OpType {
    /// One HTTP request, recorded by the middleware when its body finished (or dropped).
    Http,
    /// One SQL statement run through a monitored connection.
    Database,
    /// One template rendering.
    Render,
}

impl OpType {
    /// Every type, in the order used for per-type arrays (`rates`, snapshots, output).
    pub const ALL: [OpType; 3] = [OpType::Http, OpType::Database, OpType::Render];

    /// The stable lowercase name used in configuration, JSON and Prometheus labels.
    pub const fn as_str(self) -> &'static str {
        match self {
            OpType::Http => "http",
            OpType::Database => "database",
            OpType::Render => "render",
        }
    }

    /// Position in [`OpType::ALL`], so per-type state lives in fixed arrays (no map
    /// lookup on the hot path).
    pub(crate) const fn index(self) -> usize {
        match self {
            OpType::Http => 0,
            OpType::Database => 1,
            OpType::Render => 2,
        }
    }

    /// The type named exactly `name` (as [`OpType::as_str`] spells it), for parsers
    /// that map per-type settings.
    pub(crate) fn from_name(name: &str) -> Option<OpType> {
        OpType::ALL.into_iter().find(|op| op.as_str() == name)
    }
}

impl std::fmt::Display for OpType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an operation ended; errors and aborts are counted apart from the total.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Completed normally.
    Ok,
    /// Failed (a query error, a 5xx response, a template error).
    Error,
    /// An HTTP body dropped before it finished streaming: counted as an error and,
    /// separately, as aborted.
    Aborted,
}

impl Outcome {
    /// Whether this outcome counts towards `errors` (aborted ones do).
    pub(crate) const fn is_error(self) -> bool {
        matches!(self, Outcome::Error | Outcome::Aborted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_indices_round_trip() {
        for (i, op) in OpType::ALL.into_iter().enumerate() {
            assert_eq!(op.index(), i);
            assert_eq!(OpType::from_name(op.as_str()), Some(op));
            assert_eq!(op.to_string(), op.as_str());
        }
        assert_eq!(OpType::from_name("HTTP"), None);
    }

    #[test]
    fn aborted_counts_as_error() {
        assert!(!Outcome::Ok.is_error());
        assert!(Outcome::Error.is_error());
        assert!(Outcome::Aborted.is_error());
    }
}
