//! Regression switches: historical bugs the server can re-introduce on purpose, so the
//! harness can prove each scenario fails when it should.

use std::collections::BTreeSet;
use std::fmt;

use super::error::ConfigErrorKind;

/// One historical bug that `REFSERVER_REGRESSIONS` can bring back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Regression {
    /// The HTTP middleware reads the whole body to measure it, and, as Werkzeug does for
    /// a response in "direct passthrough" mode, refuses any body whose exact size is not
    /// known up front: every streamed (static) response becomes a fixed 500
    /// (`RuntimeError: Attempted implicit sequence conversion ...`). It simulates that
    /// refusal; it does not buffer streamed bodies.
    BufferedBodySize,
    /// Metrics read only `METRICS_SAMPLING_RATES`, else silently 0.1.
    PluralSamplingKey,
    /// Default 10% sampling, no minimum guarantee, aggregates from sampled events.
    LegacySampling,
    /// The pool hands out unmonitored connections; database metrics stay 0.
    UnwiredDbMetrics,
    /// Static files are served as `application/octet-stream`.
    WrongContentType,
    /// The StarPunk class of config bug: an invalid value silently falls back to its
    /// default, the deprecated alias beside the canonical key is ignored silently
    /// (canonical wins), and `CONFIG_STRICT` refuses nothing. No error, nothing said.
    SilentConfigFallback,
    /// Micropub accepts any bearer token without asking the token endpoint (scope
    /// `create`, `me` = the site).
    AnyBearerToken,
    /// Micropub creates an entry with no content instead of answering 400.
    AcceptEmptyNote,
    /// Connections keep Nagle's algorithm (no `TCP_NODELAY`) and a static body's head
    /// leaves before its first file read: every small file on a kept-alive connection
    /// waits about 40 ms for the client's delayed ACK.
    NagleStall,
}

impl Regression {
    /// Every switch, in the order of the design document.
    pub const ALL: [Regression; 9] = [
        Regression::BufferedBodySize,
        Regression::PluralSamplingKey,
        Regression::LegacySampling,
        Regression::UnwiredDbMetrics,
        Regression::WrongContentType,
        Regression::SilentConfigFallback,
        Regression::AnyBearerToken,
        Regression::AcceptEmptyNote,
        Regression::NagleStall,
    ];

    /// The name used in `REFSERVER_REGRESSIONS` and in reports.
    pub const fn name(self) -> &'static str {
        match self {
            Regression::BufferedBodySize => "buffered-body-size",
            Regression::PluralSamplingKey => "plural-sampling-key",
            Regression::LegacySampling => "legacy-sampling",
            Regression::UnwiredDbMetrics => "unwired-db-metrics",
            Regression::WrongContentType => "wrong-content-type",
            Regression::SilentConfigFallback => "silent-config-fallback",
            Regression::AnyBearerToken => "any-bearer-token",
            Regression::AcceptEmptyNote => "accept-empty-note",
            Regression::NagleStall => "nagle-stall",
        }
    }

    /// The bug it brings back (the startup warning names switches only).
    #[cfg(test)]
    pub(crate) const fn description(self) -> &'static str {
        match self {
            Regression::BufferedBodySize => {
                "the HTTP middleware reads response bodies to measure them and, like \
                 Werkzeug in direct passthrough mode, refuses any body without an exact \
                 size: streamed (static) responses fail with a fixed 500 (RuntimeError: \
                 Attempted implicit sequence conversion ...)"
            }
            Regression::PluralSamplingKey => {
                "metrics read only METRICS_SAMPLING_RATES, else silently sample 10%"
            }
            Regression::LegacySampling => {
                "default 10% sampling, no minimum sample guarantee, aggregates computed \
                 from sampled events"
            }
            Regression::UnwiredDbMetrics => {
                "the pool hands out unmonitored connections; database metrics stay 0"
            }
            Regression::WrongContentType => "static files are served as application/octet-stream",
            Regression::SilentConfigFallback => {
                "invalid config values silently fall back to their defaults, the deprecated \
                 sampling alias beside the canonical key is ignored silently, and \
                 CONFIG_STRICT refuses nothing"
            }
            Regression::AnyBearerToken => {
                "Micropub accepts any bearer token without asking the token endpoint"
            }
            Regression::AcceptEmptyNote => {
                "Micropub creates an entry with no content instead of answering 400"
            }
            Regression::NagleStall => {
                "no TCP_NODELAY and static heads sent before the first file read: small \
                 files on kept-alive connections wait about 40 ms for a delayed ACK"
            }
        }
    }

    /// The switch called exactly `name`.
    pub fn from_name(name: &str) -> Option<Regression> {
        Regression::ALL.into_iter().find(|r| r.name() == name)
    }
}

impl fmt::Display for Regression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The set of switches that are on; empty (the default) means no bug is re-introduced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Regressions(BTreeSet<Regression>);

impl Regressions {
    /// No switch on.
    pub(crate) fn none() -> Self {
        Self::default()
    }

    /// Whether `regression` is on; the code paths that re-introduce a bug ask this.
    pub fn contains(&self, regression: Regression) -> bool {
        self.0.contains(&regression)
    }

    /// Whether no switch is on.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many switches are on.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// The switches that are on, in [`Regression::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = Regression> + '_ {
        self.0.iter().copied()
    }

    /// Parse `name,name` (whitespace around names allowed, repeats harmless). Every
    /// unknown name is reported at once.
    pub(crate) fn parse(value: &str) -> Result<Self, ConfigErrorKind> {
        let value = value.trim();
        if value.is_empty() {
            return Err(ConfigErrorKind::Empty);
        }
        let mut set = BTreeSet::new();
        let mut unknown = Vec::new();
        for item in value.split(',').map(str::trim) {
            if item.is_empty() {
                return Err(ConfigErrorKind::Malformed {
                    detail: "empty item in the list (stray comma?)".into(),
                });
            }
            match Regression::from_name(item) {
                Some(r) => {
                    set.insert(r);
                }
                None => unknown.push(item.to_owned()),
            }
        }
        if unknown.is_empty() {
            Ok(Self(set))
        } else {
            Err(ConfigErrorKind::UnknownRegression { names: unknown })
        }
    }
}

impl FromIterator<Regression> for Regressions {
    fn from_iter<I: IntoIterator<Item = Regression>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a Regressions {
    type Item = Regression;
    type IntoIter = std::iter::Copied<std::collections::btree_set::Iter<'a, Regression>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::keys::Key;

    #[test]
    fn names_round_trip() {
        let names: Vec<_> = Regression::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(
            names,
            [
                "buffered-body-size",
                "plural-sampling-key",
                "legacy-sampling",
                "unwired-db-metrics",
                "wrong-content-type",
                "silent-config-fallback",
                "any-bearer-token",
                "accept-empty-note",
                "nagle-stall"
            ]
        );
        for r in Regression::ALL {
            assert_eq!(Regression::from_name(r.name()), Some(r));
            assert!(!r.description().is_empty());
        }
    }

    #[test]
    fn default_is_empty() {
        let none = Regressions::none();
        assert!(none.is_empty());
        assert_eq!(none.len(), 0);
        assert!(Regression::ALL.iter().all(|r| !none.contains(*r)));
    }

    #[test]
    fn parses_a_list_with_whitespace_and_repeats() {
        let set = Regressions::parse(" legacy-sampling , buffered-body-size,legacy-sampling ")
            .expect("valid list");
        assert_eq!(set.len(), 2);
        assert!(set.contains(Regression::LegacySampling));
        assert!(set.contains(Regression::BufferedBodySize));
        assert!(!set.contains(Regression::WrongContentType));
        let order: Vec<_> = set.iter().collect();
        assert_eq!(
            order,
            [Regression::BufferedBodySize, Regression::LegacySampling]
        );
    }

    #[test]
    fn parses_every_switch() {
        let all = Regression::ALL.map(Regression::name).join(",");
        let set = Regressions::parse(&all).expect("all names are valid");
        assert_eq!(set, Regression::ALL.into_iter().collect());
    }

    /// `REFSERVER_REGRESSIONS`'s accepted forms (in error messages) name every switch.
    #[test]
    fn regression_forms_list_every_switch() {
        for r in Regression::ALL {
            assert!(
                Key::RefserverRegressions.expected().contains(r.name()),
                "{} missing from the expected forms",
                r.name()
            );
        }
    }

    #[test]
    fn unknown_names_are_all_reported() {
        assert_eq!(
            Regressions::parse("legacy-sampling,bogus,Wrong-Content-Type"),
            Err(ConfigErrorKind::UnknownRegression {
                names: vec!["bogus".into(), "Wrong-Content-Type".into()]
            })
        );
    }

    #[test]
    fn empty_values_and_items_are_rejected() {
        assert_eq!(Regressions::parse(" "), Err(ConfigErrorKind::Empty));
        assert!(matches!(
            Regressions::parse("legacy-sampling,,wrong-content-type"),
            Err(ConfigErrorKind::Malformed { .. })
        ));
        assert!(matches!(
            Regressions::parse("legacy-sampling,"),
            Err(ConfigErrorKind::Malformed { .. })
        ));
    }
}
