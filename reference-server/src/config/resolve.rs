//! The resolver: raw spellings in, a validated [`Config`] or every error out. Every
//! setting is resolved here in turn; the sampling keys, look-alike keys and refusals
//! have their own modules.

use std::path::PathBuf;

use super::effective::{
    Config, DEFAULT_BIND_ADDR, DEFAULT_BUFFER_SIZE, DEFAULT_DATA_PATH, DEFAULT_METRICS_ENABLED,
    DEFAULT_MIN_SAMPLES, DEFAULT_SLOW_QUERY_THRESHOLD, DEFAULT_STATIC_DIR, DEFAULT_STRICT,
    MAX_BUFFER_SIZE, Setting,
};
use super::error::{ConfigError, ConfigErrorKind, ConfigErrors};
use super::keys::Key;
use super::raw::{EnvMap, RawConfig};
use super::refusal::Resolver;
use super::regressions::{Regression, Regressions};
use super::values::{
    parse_admin_token, parse_bool, parse_http_url, parse_integer, parse_path, parse_seconds,
    parse_site_url, parse_socket_addr, parse_usize,
};

/// Resolve the environment into a [`Config`], or return every error at once (with the
/// warnings seen so far). Pure: reads only `env`.
///
/// With the `silent-config-fallback` regression switch on, nothing is refused (see
/// `Resolver::refuse`); `REFSERVER_REGRESSIONS` itself is resolved first and is always
/// checked, so an unknown switch name still stops start-up.
pub fn resolve(env: &EnvMap) -> Result<Config, ConfigErrors> {
    let raw = RawConfig::from_env(env);
    let mut r = Resolver::new(&raw);

    let regressions = r.scalar(
        Key::RefserverRegressions,
        Regressions::none(),
        Regressions::parse,
    );
    r.set_silent_fallback(regressions.value.contains(Regression::SilentConfigFallback));
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

    let (errors, warnings) = r.finish();
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

impl Resolver<'_, '_> {
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
