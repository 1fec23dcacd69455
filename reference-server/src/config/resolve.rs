//! The resolver: raw spellings in, a validated [`Config`] or every error out.

use super::effective::{
    Config, DEFAULT_BIND_ADDR, DEFAULT_BUFFER_SIZE, DEFAULT_DATA_PATH, DEFAULT_METRICS_ENABLED,
    DEFAULT_MIN_SAMPLES, DEFAULT_SLOW_QUERY_THRESHOLD, DEFAULT_STATIC_DIR, DEFAULT_STRICT,
    MAX_BUFFER_SIZE, Setting,
};
use super::error::{ConfigError, ConfigErrorKind, ConfigErrors, ConfigWarning, WarningKind};
use super::keys::Key;
use super::raw::{EnvMap, RawConfig};
use super::regressions::{Regression, Regressions};
use super::sampling::SamplingRates;
use super::values::{
    parse_admin_token, parse_bool, parse_http_url, parse_integer, parse_path, parse_seconds,
    parse_site_url, parse_socket_addr, parse_usize,
};

use std::path::PathBuf;

/// Resolve the environment into a [`Config`], or return every error at once (with the
/// warnings seen so far). Pure: reads only `env`.
///
/// With the `silent-config-fallback` regression switch on, nothing is refused (see
/// [`Resolver::refuse`]); `REFSERVER_REGRESSIONS` itself is resolved first and is always
/// checked, so an unknown switch name still stops start-up.
pub fn resolve(env: &EnvMap) -> Result<Config, ConfigErrors> {
    let raw = RawConfig::from_env(env);
    let mut r = Resolver {
        raw: &raw,
        errors: Vec::new(),
        warnings: Vec::new(),
        silent_fallback: false,
    };

    let regressions = r.scalar(
        Key::RefserverRegressions,
        Regressions::none(),
        Regressions::parse,
    );
    r.silent_fallback = regressions.value.contains(Regression::SilentConfigFallback);
    let strict = r.scalar(Key::ConfigStrict, DEFAULT_STRICT, parse_bool);
    let metrics_enabled = r.scalar(Key::MetricsEnabled, DEFAULT_METRICS_ENABLED, parse_bool);
    let sampling = r.sampling();
    let slow_query_threshold = r.scalar(
        Key::MetricsSlowQueryThreshold,
        DEFAULT_SLOW_QUERY_THRESHOLD,
        parse_seconds,
    );
    let buffer_size = r.scalar(Key::MetricsBufferSize, DEFAULT_BUFFER_SIZE, |s| {
        parse_usize(s, 1, MAX_BUFFER_SIZE)
    });
    let min_samples = r.scalar(Key::MetricsMinSamples, DEFAULT_MIN_SAMPLES, |s| {
        parse_integer(s, 0, u64::MAX)
    });
    let bind_addr = r.scalar(Key::BindAddr, DEFAULT_BIND_ADDR, parse_socket_addr);
    let data_path = r.scalar(Key::DataPath, PathBuf::from(DEFAULT_DATA_PATH), parse_path);
    let static_dir = r.scalar(
        Key::StaticDir,
        PathBuf::from(DEFAULT_STATIC_DIR),
        parse_path,
    );
    let site_url = r.scalar(Key::SiteUrl, None, |s| parse_site_url(s).map(Some));
    let admin_token = r.scalar(Key::AdminToken, None, |s| parse_admin_token(s).map(Some));
    let token_endpoint = r.scalar(Key::TokenEndpoint, None, |s| parse_http_url(s).map(Some));
    r.look_alikes(strict.value);

    let Resolver {
        mut errors,
        mut warnings,
        ..
    } = r;
    errors.sort_by_cached_key(|e| (e.key.clone(), e.to_string()));
    warnings.sort_by_cached_key(|w| (w.key.clone(), w.message.clone()));
    if !errors.is_empty() {
        return Err(ConfigErrors { errors, warnings });
    }
    Ok(Config {
        metrics_enabled,
        sampling,
        slow_query_threshold,
        buffer_size,
        min_samples,
        strict,
        bind_addr,
        data_path,
        static_dir,
        site_url,
        admin_token,
        token_endpoint,
        regressions,
        warnings,
        env: env.clone(),
    })
}

/// Resolution state: the raw layer and what has gone wrong so far.
struct Resolver<'r, 'a> {
    raw: &'r RawConfig<'a>,
    errors: Vec<ConfigError>,
    warnings: Vec<ConfigWarning>,
    /// Regression `silent-config-fallback`: refusals are dropped (see [`Self::refuse`]).
    silent_fallback: bool,
}

impl Resolver<'_, '_> {
    /// Every refusal goes through here: the error stops start-up. Under the
    /// `silent-config-fallback` regression switch it is dropped without a word, which
    /// is the StarPunk class of config bug: the bad value's setting keeps its default,
    /// a strict-mode look-alike is ignored, and nobody is told.
    fn refuse(&mut self, error: ConfigError) {
        if !self.silent_fallback {
            self.errors.push(error);
        }
    }

    /// One key with one spelling: its parsed value, or the default (recording an error
    /// if it was set but bad, which fails the whole resolve).
    fn scalar<T>(
        &mut self,
        key: Key,
        default: T,
        parse: impl FnOnce(&str) -> Result<T, ConfigErrorKind>,
    ) -> Setting<T> {
        let Some(value) = self.raw.get(key) else {
            return Setting::default_value(default);
        };
        match parse_trimmed(value, parse) {
            Ok(parsed) => Setting::from_env(parsed, key.name()),
            Err(kind) => {
                self.refuse(ConfigError::for_key(key, value, kind));
                Setting::default_value(default)
            }
        }
    }

    /// The sampling rates from the canonical key and/or its deprecated alias.
    fn sampling(&mut self) -> Setting<SamplingRates> {
        let canonical = Key::MetricsSamplingRate;
        let alias = Key::MetricsSamplingRates;
        let parse = |key: Key, value: &str| SamplingRates::parse(key.name(), value);
        let mut from_canonical = self.raw.get(canonical).map(|v| (v, parse(canonical, v)));
        let mut from_alias = self.raw.get(alias).map(|v| (v, parse(alias, v)));
        if self.silent_fallback {
            // Regression `silent-config-fallback`, as in StarPunk's
            // `getenv(canonical) or getenv(alias) or default`: a spelling that does not
            // parse counts as unset, and beside a canonical value the alias is never read
            // (no conflict, no deprecation warning).
            from_canonical = from_canonical.filter(|(_, parsed)| parsed.is_ok());
            from_alias =
                from_alias.filter(|(_, parsed)| parsed.is_ok() && from_canonical.is_none());
        }

        if from_alias.is_some() {
            let message = if from_canonical.is_none() {
                format!("{alias} is deprecated; its value is used, but rename it to {canonical}")
            } else {
                format!(
                    "{alias} is deprecated, and {canonical} is also set; {canonical} takes \
                     precedence (the two must agree), so remove {alias}"
                )
            };
            self.warnings.push(ConfigWarning {
                key: alias.name().to_owned(),
                kind: WarningKind::DeprecatedAlias {
                    canonical: canonical.name().to_owned(),
                },
                message,
            });
        }
        for (key, parsed) in [(canonical, &from_canonical), (alias, &from_alias)] {
            if let Some((value, Err(kind))) = parsed {
                self.refuse(ConfigError::for_key(key, value, kind.clone()));
            }
        }

        match (from_canonical, from_alias) {
            (None, None) => Setting::default_value(SamplingRates::default()),
            (Some((_, Ok(rates))), None) => Setting::from_env(rates, canonical.name()),
            (None, Some((_, Ok(rates)))) => Setting::from_env(rates, alias.name()),
            (Some((canonical_value, Ok(c))), Some((alias_value, Ok(a)))) => {
                if !c.same_rates(&a) {
                    self.refuse(ConfigError::for_key(
                        alias,
                        alias_value,
                        ConfigErrorKind::AliasConflict {
                            alias_key: alias.name().to_owned(),
                            canonical_key: canonical.name().to_owned(),
                            canonical_value: canonical_value.to_owned(),
                            alias_rates: a.summary(),
                            canonical_rates: c.summary(),
                        },
                    ));
                }
                Setting::from_env(c, canonical.name())
            }
            // Some spelling was bad; the error is recorded and no Config is built.
            _ => Setting::default_value(SamplingRates::default()),
        }
    }

    /// Look-alike keys: warnings, or errors in strict mode. Their values are never used.
    fn look_alikes(&mut self, strict: bool) {
        for look_alike in self.raw.look_alikes() {
            let meant = look_alike.probably_meant;
            if strict {
                // Under `silent-config-fallback` the refusal is dropped and nothing is
                // said: the look-alike is ignored as if strict mode did not exist.
                self.refuse(ConfigError::new(
                    look_alike.env_key,
                    look_alike.value,
                    ConfigErrorKind::UnknownKey {
                        probably_meant: meant.name().to_owned(),
                    },
                    meant.is_secret(),
                ));
                continue;
            }
            let meant_text = if meant.is_deprecated_alias() {
                format!("{meant} (the deprecated alias of {})", meant.canonical())
            } else {
                meant.to_string()
            };
            let effect = match self.raw.setter(meant) {
                Some(setter) => format!("{} comes from {setter}", meant.canonical()),
                None => format!("{} keeps its default", meant.canonical()),
            };
            self.warnings.push(ConfigWarning {
                key: look_alike.env_key.to_owned(),
                kind: WarningKind::LookAlike {
                    probably_meant: meant.name().to_owned(),
                },
                message: format!(
                    "{} is not a known key, but it looks like {meant_text}; its value is ignored \
                     ({effect}). Rename or remove it; CONFIG_STRICT=true makes this an error",
                    look_alike.env_key
                ),
            });
        }
    }
}

/// Trim, refuse empty values, then parse.
fn parse_trimmed<T>(
    value: &str,
    parse: impl FnOnce(&str) -> Result<T, ConfigErrorKind>,
) -> Result<T, ConfigErrorKind> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ConfigErrorKind::Empty);
    }
    parse(trimmed)
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::config::{OpType, Regression, Source, env_map};

    const TOKEN: &str = "0123456789abcdef-token";

    fn ok(pairs: &[(&str, &str)]) -> Config {
        let env = env_map(pairs.iter().copied());
        match resolve(&env) {
            Ok(config) => config,
            Err(errors) => panic!("expected a valid config for {pairs:?}, got:\n{errors}"),
        }
    }

    fn err(pairs: &[(&str, &str)]) -> ConfigErrors {
        let env = env_map(pairs.iter().copied());
        resolve(&env).expect_err("expected a config error")
    }

    /// The single error for one key/value pair.
    fn only_error(key: &str, value: &str) -> ConfigError {
        let errors = err(&[(key, value)]);
        assert_eq!(errors.errors.len(), 1, "{errors}");
        errors.errors[0].clone()
    }

    fn env_source(key: &str) -> Source {
        Source::Env(key.to_owned())
    }

    fn rates(config: &Config) -> [f64; 3] {
        OpType::ALL.map(|op| config.sampling.value.rate(op))
    }

    fn origins(config: &Config) -> [String; 3] {
        OpType::ALL.map(|op| config.sampling.value.origin(op).to_owned())
    }

    // ---- defaults -------------------------------------------------------------------

    #[test]
    fn empty_env_gives_defaults_with_default_sources() {
        let c = ok(&[]);
        assert_eq!(c, Config::default());
        assert!(c.metrics_enabled.value);
        assert_eq!(rates(&c), [1.0; 3]);
        assert_eq!(
            origins(&c),
            ["default", "default", "default"].map(String::from)
        );
        assert_eq!(c.slow_query_threshold.value, Duration::from_secs(1));
        assert_eq!(c.buffer_size.value, 1000);
        assert_eq!(c.min_samples.value, 10);
        assert!(!c.strict.value);
        assert_eq!(
            c.bind_addr.value,
            "127.0.0.1:8000".parse::<SocketAddr>().expect("valid addr")
        );
        assert_eq!(c.data_path.value, PathBuf::from("data"));
        assert_eq!(c.static_dir.value, PathBuf::from(DEFAULT_STATIC_DIR));
        assert_eq!(c.site_url.value, None);
        assert_eq!(c.admin_token.value, None);
        assert_eq!(c.token_endpoint.value, None);
        assert!(c.regressions.value.is_empty());
        assert!(c.warnings.is_empty());
        let sources = [
            &c.metrics_enabled.source,
            &c.sampling.source,
            &c.slow_query_threshold.source,
            &c.buffer_size.source,
            &c.min_samples.source,
            &c.strict.source,
            &c.bind_addr.source,
            &c.data_path.source,
            &c.static_dir.source,
            &c.site_url.source,
            &c.admin_token.source,
            &c.token_endpoint.source,
            &c.regressions.source,
        ];
        assert!(sources.iter().all(|s| **s == Source::Default));
    }

    #[test]
    fn every_key_set_validly_is_sourced_from_its_key() {
        let c = ok(&[
            ("METRICS_ENABLED", "no"),
            ("METRICS_SAMPLING_RATE", "0.5"),
            ("METRICS_SLOW_QUERY_THRESHOLD", "0.25"),
            ("METRICS_BUFFER_SIZE", "50"),
            ("METRICS_MIN_SAMPLES", "0"),
            ("CONFIG_STRICT", "yes"),
            ("BIND_ADDR", "127.0.0.1:0"),
            ("DATA_PATH", "/tmp/blog"),
            ("STATIC_DIR", "/srv/static"),
            ("SITE_URL", "https://blog.example.org/"),
            ("ADMIN_TOKEN", TOKEN),
            ("TOKEN_ENDPOINT", "https://tokens.example.org/token"),
            ("REFSERVER_REGRESSIONS", "wrong-content-type"),
        ]);
        assert!(!c.metrics_enabled.value);
        assert_eq!(rates(&c), [0.5; 3]);
        assert_eq!(c.slow_query_threshold.value, Duration::from_millis(250));
        assert_eq!(c.buffer_size.value, 50);
        assert_eq!(c.min_samples.value, 0);
        assert!(c.strict.value);
        assert_eq!(c.bind_addr.value.port(), 0);
        assert_eq!(c.data_path.value, PathBuf::from("/tmp/blog"));
        assert_eq!(c.static_dir.value, PathBuf::from("/srv/static"));
        assert_eq!(
            c.site_url.value.as_deref(),
            Some("https://blog.example.org")
        );
        assert_eq!(c.admin_token.value.as_deref(), Some(TOKEN));
        assert_eq!(
            c.token_endpoint.value.as_deref(),
            Some("https://tokens.example.org/token")
        );
        assert!(c.regression(Regression::WrongContentType));
        assert!(c.warnings.is_empty());
        for (source, key) in [
            (&c.metrics_enabled.source, "METRICS_ENABLED"),
            (&c.sampling.source, "METRICS_SAMPLING_RATE"),
            (
                &c.slow_query_threshold.source,
                "METRICS_SLOW_QUERY_THRESHOLD",
            ),
            (&c.buffer_size.source, "METRICS_BUFFER_SIZE"),
            (&c.min_samples.source, "METRICS_MIN_SAMPLES"),
            (&c.strict.source, "CONFIG_STRICT"),
            (&c.bind_addr.source, "BIND_ADDR"),
            (&c.data_path.source, "DATA_PATH"),
            (&c.static_dir.source, "STATIC_DIR"),
            (&c.site_url.source, "SITE_URL"),
            (&c.admin_token.source, "ADMIN_TOKEN"),
            (&c.token_endpoint.source, "TOKEN_ENDPOINT"),
            (&c.regressions.source, "REFSERVER_REGRESSIONS"),
        ] {
            assert_eq!(*source, env_source(key));
        }
    }

    // ---- generic rules --------------------------------------------------------------

    #[test]
    fn values_are_trimmed() {
        let c = ok(&[
            ("METRICS_ENABLED", "  FALSE \n"),
            ("METRICS_BUFFER_SIZE", "\t7 "),
            ("BIND_ADDR", " 127.0.0.1:9 "),
            ("DATA_PATH", " db "),
            ("ADMIN_TOKEN", &format!("  {TOKEN}  ")),
        ]);
        assert!(!c.metrics_enabled.value);
        assert_eq!(c.buffer_size.value, 7);
        assert_eq!(c.bind_addr.value.port(), 9);
        assert_eq!(c.data_path.value, PathBuf::from("db"));
        assert_eq!(c.admin_token.value.as_deref(), Some(TOKEN));
        assert_eq!(c.raw("DATA_PATH"), Some(" db "));
    }

    #[test]
    fn empty_is_an_error_for_every_key() {
        for key in Key::ALL {
            for value in ["", "   ", "\t\n"] {
                let errors = err(&[(key.name(), value)]);
                let e = errors
                    .for_key(key.name())
                    .find(|e| e.kind == ConfigErrorKind::Empty);
                assert!(e.is_some(), "{key}={value:?}: {errors}");
            }
        }
    }

    #[test]
    fn multiple_errors_are_all_collected_and_sorted_by_key() {
        let errors = err(&[
            ("METRICS_SAMPLING_RATE", "1.5"),
            ("BIND_ADDR", "nowhere"),
            ("METRICS_ENABLED", "maybe"),
            ("METRICS_BUFFER_SIZE", "0"),
            ("ADMIN_TOKEN", "short"),
            ("REFSERVER_REGRESSIONS", "nope"),
            ("TOKEN_ENDPOINT", "ftp://x"),
        ]);
        let keys: Vec<_> = errors.errors.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "ADMIN_TOKEN",
                "BIND_ADDR",
                "METRICS_BUFFER_SIZE",
                "METRICS_ENABLED",
                "METRICS_SAMPLING_RATE",
                "REFSERVER_REGRESSIONS",
                "TOKEN_ENDPOINT",
            ]
        );
        assert_eq!(errors.to_string().lines().count(), 7);
    }

    #[test]
    fn resolution_is_deterministic() {
        let pairs = [
            ("METRICS_SAMPLNG_RATE", "0.1"),
            ("metrics_enabled", "no"),
            ("METRICS_SAMPLING_RATES", "0.3"),
            ("BIND_ADDR", "bad"),
            ("DATA_PATH", ""),
        ];
        let a = err(&pairs);
        let mut reversed = pairs;
        reversed.reverse();
        let b = err(&reversed);
        assert_eq!(a, b);
        assert_eq!(a.to_json(), b.to_json());
    }

    #[test]
    fn error_display_names_key_value_and_accepted_forms() {
        let e = only_error("METRICS_SAMPLING_RATE", "1.5");
        assert_eq!(
            e.to_string(),
            "METRICS_SAMPLING_RATE=\"1.5\": out of range; expected a number in [0, 1] \
             (e.g. 0.25) or a per-type map like http=0.1,database=1 or {\"database\":1.0} \
             (types: http, database, render, default)"
        );
        for (key, value, forms) in [
            ("METRICS_ENABLED", "maybe", "true/false/1/0/yes/no"),
            ("METRICS_SLOW_QUERY_THRESHOLD", "0", "finite number > 0"),
            ("METRICS_BUFFER_SIZE", "0", "1 to 1000000"),
            ("METRICS_MIN_SAMPLES", "-1", "integer >= 0"),
            ("BIND_ADDR", "localhost:80", "ip:port"),
            ("SITE_URL", "blog.example.org", "http:// or https://"),
            ("TOKEN_ENDPOINT", "tokens", "http:// or https://"),
            ("REFSERVER_REGRESSIONS", "bogus", "buffered-body-size"),
        ] {
            let text = only_error(key, value).to_string();
            assert!(text.starts_with(&format!("{key}=\"{value}\": ")), "{text}");
            assert!(text.contains(forms), "{text}");
        }
    }

    // ---- booleans -------------------------------------------------------------------

    #[test]
    fn bool_keys_accept_all_spellings() {
        for (value, expected) in [
            ("true", true),
            ("TRUE", true),
            ("1", true),
            ("Yes", true),
            ("false", false),
            ("False", false),
            ("0", false),
            ("NO", false),
        ] {
            let c = ok(&[("METRICS_ENABLED", value), ("CONFIG_STRICT", value)]);
            assert_eq!(c.metrics_enabled.value, expected, "{value}");
            assert_eq!(c.strict.value, expected, "{value}");
        }
    }

    #[test]
    fn bool_keys_reject_other_words() {
        for key in ["METRICS_ENABLED", "CONFIG_STRICT"] {
            for value in ["on", "off", "2", "enabled"] {
                assert_eq!(only_error(key, value).kind, ConfigErrorKind::NotABool);
            }
        }
    }

    // ---- sampling -------------------------------------------------------------------

    #[test]
    fn plain_sampling_rate_applies_to_every_type() {
        let c = ok(&[("METRICS_SAMPLING_RATE", "0.25")]);
        assert_eq!(rates(&c), [0.25; 3]);
        assert_eq!(origins(&c), ["METRICS_SAMPLING_RATE"; 3].map(String::from));
        assert_eq!(c.sampling.source, env_source("METRICS_SAMPLING_RATE"));
    }

    #[test]
    fn sampling_rate_boundaries() {
        for (value, rate) in [("0", 0.0), ("1", 1.0), (".5", 0.5), ("1e-1", 0.1)] {
            assert_eq!(rates(&ok(&[("METRICS_SAMPLING_RATE", value)])), [rate; 3]);
        }
        for (value, kind) in [
            ("-0.1", ConfigErrorKind::OutOfRange),
            ("1.0001", ConfigErrorKind::OutOfRange),
            ("NaN", ConfigErrorKind::NotFinite),
            ("inf", ConfigErrorKind::NotFinite),
            ("lots", ConfigErrorKind::NotANumber),
        ] {
            assert_eq!(
                only_error("METRICS_SAMPLING_RATE", value).kind,
                kind,
                "{value}"
            );
        }
    }

    #[test]
    fn sampling_list_map() {
        let c = ok(&[("METRICS_SAMPLING_RATE", " http = 0.1 , database=1 ")]);
        assert_eq!(rates(&c), [0.1, 1.0, 1.0]);
        assert_eq!(
            origins(&c),
            [
                "METRICS_SAMPLING_RATE[http]",
                "METRICS_SAMPLING_RATE[database]",
                "default"
            ]
            .map(String::from)
        );
    }

    #[test]
    fn sampling_json_map() {
        let c = ok(&[("METRICS_SAMPLING_RATE", r#"{"http":0.1,"database":1}"#)]);
        assert_eq!(rates(&c), [0.1, 1.0, 1.0]);
        assert_eq!(c.sampling.value.origin(OpType::Render), "default");
    }

    #[test]
    fn sampling_map_default_entry_is_visible_in_origins() {
        let c = ok(&[("METRICS_SAMPLING_RATE", "database=1,default=0.2")]);
        assert_eq!(rates(&c), [0.2, 1.0, 0.2]);
        assert_eq!(
            c.sampling.value.origin(OpType::Http),
            "METRICS_SAMPLING_RATE[default]"
        );
        assert_eq!(
            c.sampling.value.origin(OpType::Database),
            "METRICS_SAMPLING_RATE[database]"
        );
    }

    #[test]
    fn sampling_map_errors() {
        assert_eq!(
            only_error("METRICS_SAMPLING_RATE", "http=0.1,queries=1").kind,
            ConfigErrorKind::UnknownType {
                name: "queries".into()
            }
        );
        assert_eq!(
            only_error("METRICS_SAMPLING_RATE", r#"{"http":0.1,"http":0.2}"#).kind,
            ConfigErrorKind::DuplicateType {
                name: "http".into()
            }
        );
        assert!(matches!(
            only_error("METRICS_SAMPLING_RATE", "http=0.1,,").kind,
            ConfigErrorKind::Malformed { .. }
        ));
        assert!(matches!(
            only_error("METRICS_SAMPLING_RATE", r#"{"http":2}"#).kind,
            ConfigErrorKind::BadMapValue { .. }
        ));
        let text = only_error("METRICS_SAMPLING_RATE", "http=0.1,db=1").to_string();
        assert!(
            text.starts_with(
                "METRICS_SAMPLING_RATE=\"http=0.1,db=1\": unknown type `db`; expected"
            ),
            "{text}"
        );
        assert!(
            text.contains("types: http, database, render, default"),
            "{text}"
        );
    }

    #[test]
    fn sampling_alias_alone_is_used_with_a_warning() {
        let c = ok(&[("METRICS_SAMPLING_RATES", "database=0.5")]);
        assert_eq!(rates(&c), [1.0, 0.5, 1.0]);
        assert_eq!(c.sampling.source, env_source("METRICS_SAMPLING_RATES"));
        assert_eq!(
            c.sampling.value.origin(OpType::Database),
            "METRICS_SAMPLING_RATES[database]"
        );
        assert_eq!(c.warnings.len(), 1);
        let w = &c.warnings[0];
        assert_eq!(w.key, "METRICS_SAMPLING_RATES");
        assert_eq!(
            w.kind,
            WarningKind::DeprecatedAlias {
                canonical: "METRICS_SAMPLING_RATE".into()
            }
        );
        assert!(
            w.message.starts_with(
                "METRICS_SAMPLING_RATES is deprecated; its value is used, but rename it to \
                 METRICS_SAMPLING_RATE"
            ),
            "{}",
            w.message
        );
    }

    #[test]
    fn sampling_alias_agreeing_uses_canonical_and_warns() {
        let c = ok(&[
            ("METRICS_SAMPLING_RATE", "0.5"),
            (
                "METRICS_SAMPLING_RATES",
                r#"{"http":0.5,"database":0.5,"render":0.5}"#,
            ),
        ]);
        assert_eq!(rates(&c), [0.5; 3]);
        assert_eq!(c.sampling.source, env_source("METRICS_SAMPLING_RATE"));
        assert_eq!(origins(&c), ["METRICS_SAMPLING_RATE"; 3].map(String::from));
        assert_eq!(c.warnings.len(), 1);
        assert!(matches!(
            c.warnings[0].kind,
            WarningKind::DeprecatedAlias { .. }
        ));
    }

    #[test]
    fn sampling_alias_disagreeing_is_an_error_naming_both_values() {
        let errors = err(&[
            ("METRICS_SAMPLING_RATE", "0.5"),
            ("METRICS_SAMPLING_RATES", "0.1"),
        ]);
        assert_eq!(errors.errors.len(), 1, "{errors}");
        let e = &errors.errors[0];
        assert_eq!(e.key, "METRICS_SAMPLING_RATES");
        assert_eq!(e.value, "0.1");
        assert!(matches!(e.kind, ConfigErrorKind::AliasConflict { .. }));
        let text = e.to_string();
        assert!(
            text.starts_with(
                "METRICS_SAMPLING_RATES=\"0.1\": conflicts with METRICS_SAMPLING_RATE=\"0.5\""
            ),
            "{text}"
        );
        assert!(text.contains("http=0.1,database=0.1,render=0.1"), "{text}");
        assert!(text.contains("http=0.5,database=0.5,render=0.5"), "{text}");
        // The deprecation warning travels with the errors.
        assert_eq!(errors.warnings.len(), 1);
    }

    #[test]
    fn sampling_alias_with_a_bad_value_is_an_error() {
        let errors = err(&[("METRICS_SAMPLING_RATES", "2")]);
        assert_eq!(errors.errors.len(), 1);
        assert_eq!(errors.errors[0].key, "METRICS_SAMPLING_RATES");
        assert_eq!(errors.errors[0].kind, ConfigErrorKind::OutOfRange);
        let errors = err(&[
            ("METRICS_SAMPLING_RATE", "2"),
            ("METRICS_SAMPLING_RATES", "x"),
        ]);
        let keys: Vec<_> = errors.errors.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["METRICS_SAMPLING_RATE", "METRICS_SAMPLING_RATES"]);
    }

    // ---- numbers --------------------------------------------------------------------

    #[test]
    fn slow_query_threshold() {
        let c = ok(&[("METRICS_SLOW_QUERY_THRESHOLD", "1e-3")]);
        assert_eq!(c.slow_query_threshold.value, Duration::from_millis(1));
        let c = ok(&[("METRICS_SLOW_QUERY_THRESHOLD", "2")]);
        assert_eq!(c.slow_query_threshold.value, Duration::from_secs(2));
        for (value, kind) in [
            ("0", ConfigErrorKind::OutOfRange),
            ("-1", ConfigErrorKind::OutOfRange),
            ("inf", ConfigErrorKind::NotFinite),
            ("NaN", ConfigErrorKind::NotFinite),
            ("1s", ConfigErrorKind::NotANumber),
        ] {
            assert_eq!(
                only_error("METRICS_SLOW_QUERY_THRESHOLD", value).kind,
                kind,
                "{value}"
            );
        }
    }

    #[test]
    fn buffer_size_bounds() {
        assert_eq!(ok(&[("METRICS_BUFFER_SIZE", "1")]).buffer_size.value, 1);
        assert_eq!(
            ok(&[("METRICS_BUFFER_SIZE", "1000000")]).buffer_size.value,
            1_000_000
        );
        for (value, kind) in [
            ("0", ConfigErrorKind::OutOfRange),
            ("1000001", ConfigErrorKind::OutOfRange),
            ("-5", ConfigErrorKind::OutOfRange),
            ("10.5", ConfigErrorKind::NotAnInteger),
            ("big", ConfigErrorKind::NotANumber),
        ] {
            assert_eq!(
                only_error("METRICS_BUFFER_SIZE", value).kind,
                kind,
                "{value}"
            );
        }
    }

    #[test]
    fn min_samples_bounds() {
        assert_eq!(ok(&[("METRICS_MIN_SAMPLES", "0")]).min_samples.value, 0);
        assert_eq!(ok(&[("METRICS_MIN_SAMPLES", "500")]).min_samples.value, 500);
        for (value, kind) in [
            ("-1", ConfigErrorKind::OutOfRange),
            ("1.5", ConfigErrorKind::NotAnInteger),
            ("ten", ConfigErrorKind::NotANumber),
        ] {
            assert_eq!(
                only_error("METRICS_MIN_SAMPLES", value).kind,
                kind,
                "{value}"
            );
        }
    }

    // ---- server basics --------------------------------------------------------------

    #[test]
    fn bind_addr() {
        let c = ok(&[("BIND_ADDR", "[::1]:8080")]);
        assert_eq!(c.bind_addr.value.port(), 8080);
        assert_eq!(
            ok(&[("BIND_ADDR", "127.0.0.1:0")]).bind_addr.value.port(),
            0
        );
        for value in ["localhost:8000", "127.0.0.1", "127.0.0.1:99999"] {
            assert_eq!(
                only_error("BIND_ADDR", value).kind,
                ConfigErrorKind::NotASocketAddr
            );
        }
    }

    #[test]
    fn paths() {
        let c = ok(&[("DATA_PATH", "var/db"), ("STATIC_DIR", "theme")]);
        assert_eq!(c.data_path.value, PathBuf::from("var/db"));
        assert_eq!(c.static_dir.value, PathBuf::from("theme"));
    }

    #[test]
    fn site_url_and_token_endpoint() {
        let c = ok(&[
            ("SITE_URL", "http://localhost:8000/"),
            ("TOKEN_ENDPOINT", "http://127.0.0.1:9/token/"),
        ]);
        assert_eq!(c.site_url.value.as_deref(), Some("http://localhost:8000"));
        // The endpoint is a full URL: kept exactly.
        assert_eq!(
            c.token_endpoint.value.as_deref(),
            Some("http://127.0.0.1:9/token/")
        );
        for key in ["SITE_URL", "TOKEN_ENDPOINT"] {
            for value in ["example.org", "ftp://example.org", "https://", "http://a b"] {
                assert!(
                    matches!(
                        only_error(key, value).kind,
                        ConfigErrorKind::NotHttpUrl { .. }
                    ),
                    "{key}={value}"
                );
            }
        }
    }

    #[test]
    fn admin_token_must_be_long_and_is_never_echoed() {
        assert!(
            ok(&[("ADMIN_TOKEN", "0123456789abcdef")])
                .admin_token
                .value
                .is_some()
        );
        let e = only_error("ADMIN_TOKEN", "tooshort");
        assert_eq!(e.kind, ConfigErrorKind::TooShort { len: 8, min: 16 });
        let text = e.to_string();
        assert!(text.contains("at least 16"), "{text}");
        assert!(!text.contains("tooshort"), "{text}");
    }

    // ---- regressions ----------------------------------------------------------------

    #[test]
    fn regressions_parse_from_the_env() {
        let c = ok(&[(
            "REFSERVER_REGRESSIONS",
            "buffered-body-size, unwired-db-metrics",
        )]);
        assert!(c.regression(Regression::BufferedBodySize));
        assert!(c.regression(Regression::UnwiredDbMetrics));
        assert!(!c.regression(Regression::LegacySampling));
        assert_eq!(c.regressions.value.len(), 2);
    }

    #[test]
    fn unknown_regression_lists_valid_names() {
        let e = only_error("REFSERVER_REGRESSIONS", "legacy-sampling,typo");
        assert_eq!(
            e.kind,
            ConfigErrorKind::UnknownRegression {
                names: vec!["typo".into()]
            }
        );
        let text = e.to_string();
        for r in Regression::ALL {
            assert!(text.contains(r.name()), "{text}");
        }
    }

    // ---- regression silent-config-fallback --------------------------------------------

    const SILENT: (&str, &str) = ("REFSERVER_REGRESSIONS", "silent-config-fallback");

    /// The config with `silent-config-fallback` on; every other setting must be the
    /// default, sourced `default`, and nothing may be said about it.
    fn silently(pairs: &[(&str, &str)]) -> Config {
        let with_switch: Vec<(&str, &str)> = pairs.iter().copied().chain([SILENT]).collect();
        let c = ok(&with_switch);
        assert!(c.regression(Regression::SilentConfigFallback));
        c
    }

    /// Guards regression `silent-config-fallback`, refusal 1 of 3 (sampling-config's
    /// out-of-range step): an invalid value is refused without the switch, and with it
    /// silently becomes the default.
    #[test]
    fn silent_config_fallback_turns_an_invalid_value_into_the_default() {
        assert_eq!(
            only_error("METRICS_SAMPLING_RATE", "1.5").kind,
            ConfigErrorKind::OutOfRange
        );
        let c = silently(&[("METRICS_SAMPLING_RATE", "1.5")]);
        assert_eq!(rates(&c), [1.0; 3]);
        assert_eq!(c.sampling.source, Source::Default, "no trace of the key");
        assert!(c.warnings.is_empty(), "nothing said: {:?}", c.warnings);
        // Every kind of bad value, on every kind of key.
        let c = silently(&[
            ("METRICS_ENABLED", "sure"),
            ("METRICS_SLOW_QUERY_THRESHOLD", "1s"),
            ("METRICS_BUFFER_SIZE", "0"),
            ("METRICS_MIN_SAMPLES", "ten"),
            ("CONFIG_STRICT", ""),
            ("BIND_ADDR", "localhost:8000"),
            ("SITE_URL", "example.org"),
            ("ADMIN_TOKEN", "tooshort"),
            ("TOKEN_ENDPOINT", "ftp://tokens.example.org"),
        ]);
        assert_eq!(
            c,
            Config {
                regressions: c.regressions.clone(),
                env: c.env.clone(),
                ..Config::default()
            }
        );
        for value in [
            "2",
            "x",
            "http=",
            "{\"http\": 0.5",
            "http=0.1,http=0.2",
            "-0.1",
        ] {
            let c = silently(&[("METRICS_SAMPLING_RATE", value)]);
            assert_eq!(rates(&c), [1.0; 3], "{value}");
            assert_eq!(c.sampling.source, Source::Default, "{value}");
        }
    }

    /// Guards regression `silent-config-fallback`, refusal 2 of 3 (sampling-config's
    /// "both keys disagreeing" step): the conflict is resolved silently, canonical wins.
    #[test]
    fn silent_config_fallback_resolves_an_alias_conflict_silently() {
        let conflict = [
            ("METRICS_SAMPLING_RATE", "1.0"),
            ("METRICS_SAMPLING_RATES", "0.1"),
        ];
        let errors = err(&conflict);
        assert!(matches!(
            errors.errors[0].kind,
            ConfigErrorKind::AliasConflict { .. }
        ));
        let c = silently(&conflict);
        assert_eq!(rates(&c), [1.0; 3]);
        assert_eq!(c.sampling.source, env_source("METRICS_SAMPLING_RATE"));
        assert!(c.warnings.is_empty(), "nothing said: {:?}", c.warnings);
        // An invalid alias beside a valid canonical key: ignored too.
        let c = silently(&[
            ("METRICS_SAMPLING_RATE", "0.5"),
            ("METRICS_SAMPLING_RATES", "lots"),
        ]);
        assert_eq!(rates(&c), [0.5; 3]);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        // An invalid canonical value counts as unset, so the alias decides.
        let c = silently(&[
            ("METRICS_SAMPLING_RATE", "1.5"),
            ("METRICS_SAMPLING_RATES", "0.25"),
        ]);
        assert_eq!(rates(&c), [0.25; 3]);
        assert_eq!(c.sampling.source, env_source("METRICS_SAMPLING_RATES"));
    }

    /// Guards regression `silent-config-fallback`, refusal 3 of 3 (sampling-config's
    /// CONFIG_STRICT typo step): strict mode refuses nothing and says nothing.
    #[test]
    fn silent_config_fallback_drops_strict_mode_refusals() {
        let typo = [("CONFIG_STRICT", "true"), ("METRICS_SAMPLNG_RATE", "0.5")];
        assert_eq!(err(&typo).errors.len(), 1);
        let c = silently(&typo);
        assert!(c.strict.value, "strict mode is on, and refuses nothing");
        assert_eq!(rates(&c), [1.0; 3]);
        assert!(c.warnings.is_empty(), "nothing said: {:?}", c.warnings);
    }

    /// The switch changes nothing about a valid environment: values, sources and
    /// warnings stay what they are without it.
    #[test]
    fn silent_config_fallback_leaves_valid_settings_alone() {
        for pairs in [
            &[
                ("METRICS_SAMPLING_RATE", "0.5"),
                ("METRICS_BUFFER_SIZE", "50"),
            ][..],
            &[("METRICS_SAMPLING_RATES", "http=0.1")][..],
            &[("METRICS_SAMPLNG_RATE", "0.5")][..],
            &[
                ("METRICS_SAMPLING_RATE", "0.5"),
                ("METRICS_SAMPLING_RATES", "0.5"),
            ][..],
        ] {
            let plain = ok(pairs);
            let c = silently(pairs);
            assert_eq!(c.sampling, plain.sampling, "{pairs:?}");
            assert_eq!(c.buffer_size, plain.buffer_size, "{pairs:?}");
            if pairs.len() == 2 && pairs[1].0 == "METRICS_SAMPLING_RATES" {
                // Beside the canonical key the alias is not read at all.
                assert!(c.warnings.is_empty(), "{:?}", c.warnings);
            } else {
                assert_eq!(c.warnings, plain.warnings, "{pairs:?}");
            }
        }
    }

    /// The switch list itself is never silenced: an unknown name still stops start-up.
    #[test]
    fn silent_config_fallback_does_not_silence_unknown_switch_names() {
        let errors = err(&[
            ("REFSERVER_REGRESSIONS", "silent-config-fallback,typo"),
            ("METRICS_SAMPLING_RATE", "1.5"),
        ]);
        let keys: Vec<_> = errors.errors.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(
            keys,
            ["METRICS_SAMPLING_RATE", "REFSERVER_REGRESSIONS"],
            "without a valid switch list the switch is off, so the bad rate is refused too"
        );
    }

    // ---- look-alikes ----------------------------------------------------------------

    fn look_alike_warning(key: &str, value: &str) -> ConfigWarning {
        let c = ok(&[(key, value)]);
        assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
        c.warnings[0].clone()
    }

    #[test]
    fn look_alikes_warn_and_are_not_used() {
        for (key, value, meant) in [
            ("metrics_sampling_rate", "0.1", "METRICS_SAMPLING_RATE"),
            ("METRICS_SAMPLNG_RATE", "0.1", "METRICS_SAMPLING_RATE"),
            ("METRIC_SAMPLING_RATE", "0.1", "METRICS_SAMPLING_RATE"),
            ("METRICS_BUFFER_SIZES", "5", "METRICS_BUFFER_SIZE"),
        ] {
            let c = ok(&[(key, value)]);
            assert_eq!(
                c,
                Config {
                    warnings: c.warnings.clone(),
                    env: c.env.clone(),
                    ..Config::default()
                }
            );
            let w = look_alike_warning(key, value);
            assert_eq!(w.key, key);
            assert_eq!(
                w.kind,
                WarningKind::LookAlike {
                    probably_meant: meant.into()
                }
            );
            assert!(w.message.contains(meant), "{}", w.message);
            assert!(w.message.contains("keeps its default"), "{}", w.message);
            assert!(w.message.starts_with(key), "{}", w.message);
            assert_eq!(w.to_string(), w.message);
        }
    }

    #[test]
    fn look_alike_beside_the_real_key_does_not_override_it() {
        let c = ok(&[
            ("METRICS_SAMPLING_RATE", "0.5"),
            ("metrics_sampling_rate", "0.1"),
        ]);
        assert_eq!(rates(&c), [0.5; 3]);
        assert_eq!(c.warnings.len(), 1);
        assert!(
            c.warnings[0]
                .message
                .contains("METRICS_SAMPLING_RATE comes from METRICS_SAMPLING_RATE)"),
            "{}",
            c.warnings[0].message
        );
    }

    #[test]
    fn look_alike_message_names_the_key_that_counts() {
        let c = ok(&[
            ("METRICS_SAMPLING_RATES", "0.5"),
            ("METRICS_SAMPLNG_RATE", "0.1"),
        ]);
        let w = c
            .warnings
            .iter()
            .find(|w| w.key == "METRICS_SAMPLNG_RATE")
            .expect("a look-alike warning");
        assert!(
            w.message
                .contains("METRICS_SAMPLING_RATE comes from METRICS_SAMPLING_RATES"),
            "{}",
            w.message
        );
    }

    #[test]
    fn look_alike_of_the_alias_names_the_alias() {
        let w = look_alike_warning("metrics_sampling_rates", "0.1");
        assert_eq!(
            w.kind,
            WarningKind::LookAlike {
                probably_meant: "METRICS_SAMPLING_RATES".into()
            }
        );
        assert!(
            w.message
                .contains("deprecated alias of METRICS_SAMPLING_RATE"),
            "{}",
            w.message
        );
    }

    #[test]
    fn strict_mode_turns_look_alikes_into_errors() {
        let errors = err(&[
            ("CONFIG_STRICT", "true"),
            ("METRICS_SAMPLNG_RATE", "0.1"),
            ("metrics_buffer_size", "5"),
        ]);
        assert!(errors.warnings.is_empty(), "{:?}", errors.warnings);
        let kinds: Vec<_> = errors
            .errors
            .iter()
            .map(|e| (e.key.as_str(), e.kind.clone()))
            .collect();
        assert_eq!(
            kinds,
            [
                (
                    "METRICS_SAMPLNG_RATE",
                    ConfigErrorKind::UnknownKey {
                        probably_meant: "METRICS_SAMPLING_RATE".into()
                    }
                ),
                (
                    "metrics_buffer_size",
                    ConfigErrorKind::UnknownKey {
                        probably_meant: "METRICS_BUFFER_SIZE".into()
                    }
                ),
            ]
        );
    }

    #[test]
    fn strict_mode_off_or_invalid_keeps_warnings() {
        let c = ok(&[("CONFIG_STRICT", "false"), ("METRICS_SAMPLNG_RATE", "0.1")]);
        assert_eq!(c.warnings.len(), 1);
        // An invalid CONFIG_STRICT is its own error; look-alikes stay warnings.
        let errors = err(&[("CONFIG_STRICT", "sure"), ("METRICS_SAMPLNG_RATE", "0.1")]);
        assert_eq!(errors.errors.len(), 1);
        assert_eq!(errors.errors[0].key, "CONFIG_STRICT");
        assert_eq!(errors.warnings.len(), 1);
    }

    #[test]
    fn strict_mode_redacts_a_misspelled_admin_token() {
        let errors = err(&[
            ("CONFIG_STRICT", "1"),
            ("ADMIN_TOKN", "s3cret-s3cret-s3cret"),
        ]);
        let text = errors.to_string();
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("ADMIN_TOKN"), "{text}");
    }

    #[test]
    fn unrelated_keys_are_ignored_silently() {
        let c = ok(&[
            ("PATH", "/usr/bin"),
            ("HOME", "/root"),
            ("CARGO_PKG_NAME", "reference-server"),
            ("CARGO_MANIFEST_DIR", "/work"),
            ("RUST_LOG", "debug"),
            ("RUST_BACKTRACE", "1"),
            ("LANG", "C.UTF-8"),
            ("TERM", "xterm"),
        ]);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(c.raw("RUST_LOG"), Some("debug"));
        let errors = err(&[("CONFIG_STRICT", "1"), ("PATH", "/bin"), ("BIND_ADDR", "x")]);
        assert_eq!(errors.errors.len(), 1);
    }

    #[test]
    fn warnings_are_sorted_by_key() {
        let c = ok(&[
            ("METRICS_SAMPLNG_RATE", "0.1"),
            ("BIND_ADDRS", "127.0.0.1:1"),
            ("METRICS_SAMPLING_RATES", "0.3"),
            ("Data_Path", "x"),
        ]);
        let keys: Vec<_> = c.warnings.iter().map(|w| w.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "BIND_ADDRS",
                "Data_Path",
                "METRICS_SAMPLING_RATES",
                "METRICS_SAMPLNG_RATE"
            ]
        );
    }

    // ---- effective config JSON ------------------------------------------------------

    #[test]
    fn to_json_shows_values_sources_origins_and_warnings() {
        let c = ok(&[
            ("METRICS_SAMPLING_RATES", "http=0.1"),
            ("ADMIN_TOKEN", TOKEN),
            ("METRICS_SLOW_QUERY_THRESHOLD", "0.5"),
            ("REFSERVER_REGRESSIONS", "legacy-sampling"),
        ]);
        let v = c.to_json();
        let s = &v["settings"];
        assert_eq!(
            s["METRICS_SAMPLING_RATE"],
            json!({
                "value": {"http": 0.1, "database": 1.0, "render": 1.0},
                "source": "env:METRICS_SAMPLING_RATES",
                "origins": {
                    "http": "METRICS_SAMPLING_RATES[http]",
                    "database": "default",
                    "render": "default"
                }
            })
        );
        assert_eq!(
            s["METRICS_ENABLED"],
            json!({"value": true, "source": "default"})
        );
        assert_eq!(
            s["METRICS_SLOW_QUERY_THRESHOLD"],
            json!({"value": 0.5, "source": "env:METRICS_SLOW_QUERY_THRESHOLD"})
        );
        assert_eq!(
            s["ADMIN_TOKEN"],
            json!({"value": "set", "source": "env:ADMIN_TOKEN"})
        );
        assert_eq!(s["BIND_ADDR"]["value"], "127.0.0.1:8000");
        assert_eq!(s["SITE_URL"], json!({"value": null, "source": "default"}));
        assert_eq!(
            s["REFSERVER_REGRESSIONS"],
            json!({"value": ["legacy-sampling"], "source": "env:REFSERVER_REGRESSIONS"})
        );
        assert_eq!(v["regressions"], json!(["legacy-sampling"]));
        assert_eq!(v["warnings"][0]["key"], "METRICS_SAMPLING_RATES");
        assert_eq!(v["warnings"][0]["kind"], "deprecated-alias");
        assert!(!v.to_string().contains(TOKEN));
        // Every setting of the 12 canonical keys plus the regression switches.
        let keys: Vec<_> = s
            .as_object()
            .expect("settings is an object")
            .keys()
            .cloned()
            .collect();
        let mut expected: Vec<_> = Key::ALL
            .iter()
            .filter(|k| !k.is_deprecated_alias())
            .map(|k| k.name().to_owned())
            .collect();
        expected.sort();
        assert_eq!(keys, expected);
    }

    #[test]
    fn to_json_of_defaults() {
        let v = ok(&[]).to_json();
        assert_eq!(
            v["settings"]["ADMIN_TOKEN"],
            json!({"value": "generated at start", "source": "default"})
        );
        assert_eq!(v["settings"]["METRICS_BUFFER_SIZE"]["value"], 1000);
        assert_eq!(v["settings"]["METRICS_MIN_SAMPLES"]["value"], 10);
        assert_eq!(v["settings"]["METRICS_SLOW_QUERY_THRESHOLD"]["value"], 1.0);
        assert_eq!(v["warnings"], json!([]));
        assert_eq!(v["regressions"], json!([]));
        assert_eq!(v.to_string(), ok(&[]).to_json().to_string());
    }

    #[test]
    fn to_json_lists_look_alike_warnings() {
        let v = ok(&[("METRICS_SAMPLNG_RATE", "0.1")]).to_json();
        let w = &v["warnings"][0];
        assert_eq!(w["kind"], "look-alike");
        assert_eq!(w["probably_meant"], "METRICS_SAMPLING_RATE");
        assert_eq!(w["key"], "METRICS_SAMPLNG_RATE");
    }
}
