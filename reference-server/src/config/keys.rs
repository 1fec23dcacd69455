//! The known environment keys, what each accepts, and detection of look-alike spellings.

use std::fmt;

/// Shortest env key (in characters) that is compared by edit distance; shorter keys
/// only match by case or a trailing `S`, so `PATH` or `HOME` never look like ours.
pub(crate) const MIN_FUZZY_LEN: usize = 6;

/// Largest edit distance (on the uppercased key) at which an unknown key counts as a
/// look-alike of a known one.
pub(crate) const MAX_LOOK_ALIKE_DISTANCE: usize = 2;

/// Every environment key the server reads. Anything else in the environment is either
/// a look-alike of one of these (warned about) or unrelated (ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Key {
    /// `METRICS_ENABLED`
    MetricsEnabled,
    /// `METRICS_SAMPLING_RATE`
    MetricsSamplingRate,
    /// `METRICS_SAMPLING_RATES`: the deprecated alias of `METRICS_SAMPLING_RATE`.
    MetricsSamplingRates,
    /// `METRICS_SLOW_QUERY_THRESHOLD`
    MetricsSlowQueryThreshold,
    /// `METRICS_BUFFER_SIZE`
    MetricsBufferSize,
    /// `METRICS_MIN_SAMPLES`
    MetricsMinSamples,
    /// `CONFIG_STRICT`
    ConfigStrict,
    /// `BIND_ADDR`
    BindAddr,
    /// `DATA_PATH`
    DataPath,
    /// `STATIC_DIR`
    StaticDir,
    /// `SITE_URL`
    SiteUrl,
    /// `ADMIN_TOKEN`
    AdminToken,
    /// `TOKEN_ENDPOINT`
    TokenEndpoint,
    /// `REFSERVER_REGRESSIONS`
    RefserverRegressions,
}

/// Accepted forms of the sampling keys, quoted in every error about them.
const SAMPLING_FORMS: &str = "a number in [0, 1] (e.g. 0.25) or a per-type map like \
http=0.1,database=1 or {\"database\":1.0} (types: http, database, render, default)";

/// Accepted forms of the boolean keys.
const BOOL_FORMS: &str = "one of true/false/1/0/yes/no (any case)";

impl Key {
    /// All known keys, in a fixed order (also the tie-break order for look-alikes).
    pub(crate) const ALL: [Key; 14] = [
        Key::MetricsEnabled,
        Key::MetricsSamplingRate,
        Key::MetricsSamplingRates,
        Key::MetricsSlowQueryThreshold,
        Key::MetricsBufferSize,
        Key::MetricsMinSamples,
        Key::ConfigStrict,
        Key::BindAddr,
        Key::DataPath,
        Key::StaticDir,
        Key::SiteUrl,
        Key::AdminToken,
        Key::TokenEndpoint,
        Key::RefserverRegressions,
    ];

    /// The exact environment variable name; errors and the effective config use it.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Key::MetricsEnabled => "METRICS_ENABLED",
            Key::MetricsSamplingRate => "METRICS_SAMPLING_RATE",
            Key::MetricsSamplingRates => "METRICS_SAMPLING_RATES",
            Key::MetricsSlowQueryThreshold => "METRICS_SLOW_QUERY_THRESHOLD",
            Key::MetricsBufferSize => "METRICS_BUFFER_SIZE",
            Key::MetricsMinSamples => "METRICS_MIN_SAMPLES",
            Key::ConfigStrict => "CONFIG_STRICT",
            Key::BindAddr => "BIND_ADDR",
            Key::DataPath => "DATA_PATH",
            Key::StaticDir => "STATIC_DIR",
            Key::SiteUrl => "SITE_URL",
            Key::AdminToken => "ADMIN_TOKEN",
            Key::TokenEndpoint => "TOKEN_ENDPOINT",
            Key::RefserverRegressions => "REFSERVER_REGRESSIONS",
        }
    }

    /// The key spelled exactly `name`, if it is one of ours (case-sensitive: other
    /// spellings are look-alikes, never silently accepted).
    pub(crate) fn from_name(name: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The accepted forms, quoted at the end of every error about a bad value.
    pub(crate) const fn expected(self) -> &'static str {
        match self {
            Key::MetricsEnabled | Key::ConfigStrict => BOOL_FORMS,
            Key::MetricsSamplingRate | Key::MetricsSamplingRates => SAMPLING_FORMS,
            Key::MetricsSlowQueryThreshold => "seconds as a finite number > 0 (e.g. 0.5)",
            Key::MetricsBufferSize => "an integer from 1 to 1000000 (e.g. 1000)",
            Key::MetricsMinSamples => "an integer >= 0 (e.g. 10)",
            Key::BindAddr => {
                "a socket address ip:port (e.g. 127.0.0.1:8000; port 0 picks a free port)"
            }
            Key::DataPath | Key::StaticDir => "a non-empty path",
            Key::SiteUrl => {
                "an absolute URL starting with http:// or https:// (e.g. https://blog.example.org)"
            }
            Key::TokenEndpoint => {
                "a URL starting with http:// or https:// (e.g. https://tokens.example.org/token)"
            }
            Key::AdminToken => "a secret of at least 16 characters",
            Key::RefserverRegressions => {
                "a comma-separated list of switch names: buffered-body-size, \
                 plural-sampling-key, legacy-sampling, unwired-db-metrics, wrong-content-type, \
                 silent-config-fallback, any-bearer-token, accept-empty-note, nagle-stall"
            }
        }
    }

    /// Whether values of this key are secrets that must never appear in messages.
    pub(crate) const fn is_secret(self) -> bool {
        matches!(self, Key::AdminToken)
    }

    /// The key this one stands for: itself, or the canonical key of a deprecated alias.
    pub(crate) const fn canonical(self) -> Key {
        match self {
            Key::MetricsSamplingRates => Key::MetricsSamplingRate,
            other => other,
        }
    }

    /// Whether this key is a deprecated alias (accepted, but always warned about).
    pub(crate) const fn is_deprecated_alias(self) -> bool {
        matches!(self, Key::MetricsSamplingRates)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The known key an unknown env key was probably meant to be, or `None` if it is one
/// of ours or unrelated.
///
/// A key looks like one of ours when it is equal ignoring ASCII case, equal up to a
/// trailing `S`, or (for keys of at least [`MIN_FUZZY_LEN`] characters) within
/// [`MAX_LOOK_ALIKE_DISTANCE`] edits of the uppercased key. The nearest known key wins;
/// ties go to the earlier key in [`Key::ALL`] (so the canonical key beats its alias).
pub(crate) fn look_alike(env_key: &str) -> Option<Key> {
    if Key::from_name(env_key).is_some() {
        return None;
    }
    let upper = env_key.to_ascii_uppercase();
    let fuzzy = upper.chars().count() >= MIN_FUZZY_LEN;
    Key::ALL
        .into_iter()
        .filter_map(|key| {
            let name = key.name();
            let distance = strsim::levenshtein(&upper, name);
            let plural = upper.strip_suffix('S') == Some(name)
                || name.strip_suffix('S') == Some(upper.as_str());
            let near = fuzzy && distance <= MAX_LOOK_ALIKE_DISTANCE;
            (distance == 0 || plural || near).then_some((distance, key))
        })
        .min()
        .map(|(_, key)| key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for key in Key::ALL {
            assert_eq!(Key::from_name(key.name()), Some(key));
        }
        let mut names: Vec<_> = Key::ALL.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Key::ALL.len());
    }

    #[test]
    fn from_name_is_case_sensitive() {
        assert_eq!(Key::from_name("metrics_enabled"), None);
    }

    #[test]
    fn only_the_plural_sampling_key_is_an_alias() {
        let aliases: Vec<_> = Key::ALL
            .into_iter()
            .filter(|k| k.is_deprecated_alias())
            .collect();
        assert_eq!(aliases, vec![Key::MetricsSamplingRates]);
        assert_eq!(
            Key::MetricsSamplingRates.canonical(),
            Key::MetricsSamplingRate
        );
    }

    #[test]
    fn any_case_is_a_look_alike() {
        assert_eq!(
            look_alike("metrics_sampling_rate"),
            Some(Key::MetricsSamplingRate)
        );
        assert_eq!(look_alike("Bind_Addr"), Some(Key::BindAddr));
    }

    #[test]
    fn small_typos_are_look_alikes() {
        assert_eq!(
            look_alike("METRICS_SAMPLNG_RATE"),
            Some(Key::MetricsSamplingRate)
        );
        assert_eq!(
            look_alike("METRIC_SAMPLING_RATE"),
            Some(Key::MetricsSamplingRate)
        );
        assert_eq!(look_alike("ADMIN_TOKN"), Some(Key::AdminToken));
    }

    #[test]
    fn trailing_s_is_a_look_alike() {
        assert_eq!(
            look_alike("METRICS_BUFFER_SIZES"),
            Some(Key::MetricsBufferSize)
        );
        assert_eq!(
            look_alike("REFSERVER_REGRESSION"),
            Some(Key::RefserverRegressions)
        );
    }

    #[test]
    fn ties_prefer_the_canonical_key_over_the_alias() {
        // One edit from both METRICS_SAMPLING_RATE and METRICS_SAMPLING_RATES.
        assert_eq!(
            look_alike("METRICS_SAMPLING_RATEX"),
            Some(Key::MetricsSamplingRate)
        );
        // Exactly the alias in another case: the alias is nearest.
        assert_eq!(
            look_alike("metrics_sampling_rates"),
            Some(Key::MetricsSamplingRates)
        );
    }

    #[test]
    fn known_keys_are_not_look_alikes() {
        for key in Key::ALL {
            assert_eq!(look_alike(key.name()), None, "{key}");
        }
    }

    #[test]
    fn unrelated_keys_are_ignored() {
        for key in [
            "PATH",
            "HOME",
            "USER",
            "SHELL",
            "PWD",
            "OLDPWD",
            "LANG",
            "TERM",
            "HOSTNAME",
            "RUST_LOG",
            "RUST_BACKTRACE",
            "CARGO",
            "CARGO_HOME",
            "CARGO_PKG_NAME",
            "CARGO_MANIFEST_DIR",
            "XDG_DATA_DIRS",
            "TMPDIR",
            "CI",
            "DATA",
            "SITE",
            "BIND",
        ] {
            assert_eq!(look_alike(key), None, "{key}");
        }
    }

    #[test]
    fn short_keys_do_not_match_by_distance() {
        for key in ["ADDR", "TOKEN", "URL", "SITE", "A", ""] {
            assert_eq!(look_alike(key), None, "{key:?}");
        }
        // At the length floor, distance matching applies.
        assert_eq!(look_alike("SITEURL"), Some(Key::SiteUrl));
        assert_eq!(look_alike("SITE_U"), Some(Key::SiteUrl));
    }

    #[test]
    fn three_edits_is_not_a_look_alike() {
        assert_eq!(look_alike("METRICS_ENAB"), None);
        assert_eq!(look_alike("METRICS_ENABL"), Some(Key::MetricsEnabled));
    }
}
