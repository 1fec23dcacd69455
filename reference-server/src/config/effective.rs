//! The effective configuration: typed settings, each with its source, and its JSON form
//! for `/admin/config` and `reference-server config`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::error::ConfigWarning;
use super::keys::Key;
use super::raw::EnvMap;
use super::regressions::{Regression, Regressions};
use super::sampling::{OpType, SamplingRates};

/// Default of `METRICS_ENABLED`.
pub const DEFAULT_METRICS_ENABLED: bool = true;
/// Default of `METRICS_SLOW_QUERY_THRESHOLD`.
pub const DEFAULT_SLOW_QUERY_THRESHOLD: Duration = Duration::from_secs(1);
/// Default of `METRICS_BUFFER_SIZE`.
pub const DEFAULT_BUFFER_SIZE: usize = 1000;
/// Largest accepted `METRICS_BUFFER_SIZE`.
pub(crate) const MAX_BUFFER_SIZE: usize = 1_000_000;
/// Default of `METRICS_MIN_SAMPLES`.
pub const DEFAULT_MIN_SAMPLES: u64 = 10;
/// Default of `CONFIG_STRICT`.
pub const DEFAULT_STRICT: bool = false;
/// Default of `BIND_ADDR`.
pub(crate) const DEFAULT_BIND_ADDR: SocketAddr =
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8000);
/// Default of `DATA_PATH`.
pub(crate) const DEFAULT_DATA_PATH: &str = "data";
/// Default of `STATIC_DIR`: the fixture theme shipped in the repository.
pub(crate) const DEFAULT_STATIC_DIR: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/site/static");

/// Where a setting's value came from, so no default is ever taken silently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The built-in default: no key set it.
    Default,
    /// The exact env key that set it, e.g. `METRICS_SAMPLING_RATES`.
    Env(String),
}

impl fmt::Display for Source {
    /// `default` or `env:KEY`, as in the effective config JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::Env(key) => write!(f, "env:{key}"),
        }
    }
}

/// A resolved value together with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting<T> {
    /// The typed, validated value.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

impl<T> Setting<T> {
    /// A setting left at its built-in default.
    pub(crate) fn default_value(value: T) -> Self {
        Self {
            value,
            source: Source::Default,
        }
    }

    /// A setting given by `env_key`.
    pub(crate) fn from_env(value: T, env_key: &str) -> Self {
        Self {
            value,
            source: Source::Env(env_key.to_owned()),
        }
    }

    /// Whether the built-in default is in effect.
    #[cfg(test)]
    pub(crate) fn is_default(&self) -> bool {
        self.source == Source::Default
    }

    /// This setting in the effective config JSON, its value shown as `shown` makes it.
    fn json_with<'a, U: Serialize>(&'a self, shown: impl FnOnce(&'a T) -> U) -> Value {
        json!({"value": shown(&self.value), "source": self.source.to_string()})
    }
}

impl<T: Serialize> Setting<T> {
    /// This setting in the effective config JSON, its value as it serializes.
    fn to_json(&self) -> Value {
        self.json_with(|value| value)
    }
}

/// The typed, validated configuration the server runs with. Built only by
/// [`resolve`](super::resolve()) (or [`Default`]), so every value has been checked.
#[derive(Clone, PartialEq)]
pub struct Config {
    /// Whether monitoring records anything.
    pub metrics_enabled: Setting<bool>,
    /// Event-buffer sampling rate per operation type.
    pub sampling: Setting<SamplingRates>,
    /// Operations at least this slow always enter the event buffer.
    pub slow_query_threshold: Setting<Duration>,
    /// Capacity of the event buffer.
    pub buffer_size: Setting<usize>,
    /// The first N operations of each type always enter the event buffer.
    pub min_samples: Setting<u64>,
    /// Whether look-alike keys are errors instead of warnings.
    pub strict: Setting<bool>,
    /// Where to listen; port 0 picks a free port.
    pub bind_addr: Setting<SocketAddr>,
    /// Where the SQLite database lives.
    pub(crate) data_path: Setting<PathBuf>,
    /// The directory served under `/static`.
    pub(crate) static_dir: Setting<PathBuf>,
    /// Public base URL without a trailing `/`; `None`: derive from the bound address.
    pub(crate) site_url: Setting<Option<String>>,
    /// Bearer token for `/admin` and `/metrics`; `None`: the server generates one.
    pub(crate) admin_token: Setting<Option<String>>,
    /// IndieAuth token endpoint that verifies Micropub bearer tokens.
    pub(crate) token_endpoint: Setting<Option<String>>,
    /// Historical bugs switched back on (empty in normal operation).
    pub regressions: Setting<Regressions>,
    /// Everything an operator should fix that did not stop startup, sorted by key.
    pub warnings: Vec<ConfigWarning>,
    pub(super) env: EnvMap,
}

impl Default for Config {
    /// Every setting at its built-in default, as with an empty environment.
    fn default() -> Self {
        Self {
            metrics_enabled: Setting::default_value(DEFAULT_METRICS_ENABLED),
            sampling: Setting::default_value(SamplingRates::default()),
            slow_query_threshold: Setting::default_value(DEFAULT_SLOW_QUERY_THRESHOLD),
            buffer_size: Setting::default_value(DEFAULT_BUFFER_SIZE),
            min_samples: Setting::default_value(DEFAULT_MIN_SAMPLES),
            strict: Setting::default_value(DEFAULT_STRICT),
            bind_addr: Setting::default_value(DEFAULT_BIND_ADDR),
            data_path: Setting::default_value(PathBuf::from(DEFAULT_DATA_PATH)),
            static_dir: Setting::default_value(PathBuf::from(DEFAULT_STATIC_DIR)),
            site_url: Setting::default_value(None),
            admin_token: Setting::default_value(None),
            token_endpoint: Setting::default_value(None),
            regressions: Setting::default_value(Regressions::none()),
            warnings: Vec::new(),
            env: EnvMap::new(),
        }
    }
}

impl Config {
    /// The environment value of `key` exactly as given (untrimmed), for code that must
    /// look at a spelling itself (e.g. the `plural-sampling-key` regression).
    pub(crate) fn raw(&self, key: &str) -> Option<&str> {
        self.env.get(key).map(String::as_str)
    }

    /// Whether the regression switch `regression` is on.
    pub(crate) fn regression(&self, regression: Regression) -> bool {
        self.regressions.value.contains(regression)
    }

    /// The effective config as deterministic JSON: every setting under its canonical
    /// env key with value and source, the warnings, and the regression switches. The
    /// admin token is shown only as `set` or `generated at start`.
    pub fn to_json(&self) -> Value {
        let token = if self.admin_token.value.is_some() {
            "set"
        } else {
            "generated at start"
        };
        let mut settings: Map<String, Value> = [
            (Key::MetricsEnabled, self.metrics_enabled.to_json()),
            (
                Key::MetricsSlowQueryThreshold,
                self.slow_query_threshold.json_with(Duration::as_secs_f64),
            ),
            (Key::MetricsBufferSize, self.buffer_size.to_json()),
            (Key::MetricsMinSamples, self.min_samples.to_json()),
            (Key::ConfigStrict, self.strict.to_json()),
            (Key::BindAddr, self.bind_addr.json_with(|a| a.to_string())),
            (
                Key::DataPath,
                self.data_path.json_with(|p| p.to_string_lossy()),
            ),
            (
                Key::StaticDir,
                self.static_dir.json_with(|p| p.to_string_lossy()),
            ),
            (Key::SiteUrl, self.site_url.to_json()),
            (Key::AdminToken, self.admin_token.json_with(|_| token)),
            (Key::TokenEndpoint, self.token_endpoint.to_json()),
            (
                Key::RefserverRegressions,
                self.regressions.json_with(|_| self.regression_names()),
            ),
        ]
        .into_iter()
        .map(|(key, setting)| (key.name().to_owned(), setting))
        .collect();

        let rates = &self.sampling.value;
        let per_type = |f: &dyn Fn(OpType) -> Value| {
            OpType::ALL
                .iter()
                .map(|op| (op.as_str().to_owned(), f(*op)))
                .collect::<Map<_, _>>()
        };
        settings.insert(
            Key::MetricsSamplingRate.name().to_owned(),
            json!({
                "value": per_type(&|op| json!(rates.rate(op))),
                "source": self.sampling.source.to_string(),
                "origins": per_type(&|op| json!(rates.origin(op))),
            }),
        );

        json!({
            "settings": settings,
            "warnings": self.warnings.iter().map(ConfigWarning::to_json).collect::<Vec<_>>(),
            "regressions": self.regression_names(),
        })
    }

    /// Names of the switches that are on.
    fn regression_names(&self) -> Vec<&'static str> {
        self.regressions
            .value
            .iter()
            .map(Regression::name)
            .collect()
    }
}

impl fmt::Debug for Config {
    /// Like a derived `Debug`, but the admin token is shown only as set or unset and
    /// the raw environment (which may hold it) only by its keys.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let token = Setting {
            value: if self.admin_token.value.is_some() {
                "<set>"
            } else {
                "<unset>"
            },
            source: self.admin_token.source.clone(),
        };
        f.debug_struct("Config")
            .field("metrics_enabled", &self.metrics_enabled)
            .field("sampling", &self.sampling)
            .field("slow_query_threshold", &self.slow_query_threshold)
            .field("buffer_size", &self.buffer_size)
            .field("min_samples", &self.min_samples)
            .field("strict", &self.strict)
            .field("bind_addr", &self.bind_addr)
            .field("data_path", &self.data_path)
            .field("static_dir", &self.static_dir)
            .field("site_url", &self.site_url)
            .field("admin_token", &token)
            .field("token_endpoint", &self.token_endpoint)
            .field("regressions", &self.regressions)
            .field("warnings", &self.warnings)
            .field("env_keys", &self.env.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_display() {
        assert_eq!(Source::Default.to_string(), "default");
        assert_eq!(
            Source::Env("METRICS_SAMPLING_RATES".into()).to_string(),
            "env:METRICS_SAMPLING_RATES"
        );
    }

    #[test]
    fn setting_constructors() {
        assert!(Setting::default_value(1).is_default());
        let s = Setting::from_env(2, "METRICS_BUFFER_SIZE");
        assert!(!s.is_default());
        assert_eq!(s.source, Source::Env("METRICS_BUFFER_SIZE".into()));
    }

    #[test]
    fn default_config_values() {
        let c = Config::default();
        assert!(c.metrics_enabled.value);
        assert_eq!(c.bind_addr.value.to_string(), "127.0.0.1:8000");
        assert_eq!(c.data_path.value, PathBuf::from("data"));
        assert!(c.static_dir.value.ends_with("fixtures/site/static"));
        assert_eq!(c.raw("PATH"), None);
    }

    #[test]
    fn debug_hides_the_admin_token_and_env_values() {
        let c = Config {
            admin_token: Setting::from_env(Some("s3cret-s3cret-s3cret".into()), "ADMIN_TOKEN"),
            env: EnvMap::from([("ADMIN_TOKEN".into(), "s3cret-s3cret-s3cret".into())]),
            ..Config::default()
        };
        let text = format!("{c:?}");
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("<set>"), "{text}");
        assert!(text.contains("ADMIN_TOKEN"), "{text}");
    }
}
