//! Behaviour tests of the resolver: environments in, a [`Config`] or every error out,
//! grouped by area. Each area file uses the helpers here.

mod effective_json;
mod general;
mod look_alikes;
mod sampling_keys;
mod settings;
mod silent_fallback;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;

use super::effective::DEFAULT_STATIC_DIR;
use super::error::ConfigErrorKind;
use super::keys::Key;
use super::{
    Config, ConfigError, ConfigErrors, ConfigWarning, OpType, Regression, Source, WarningKind,
    env_map, resolve,
};

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

/// Asserts that each value of `key` is refused with its kind of error, and only that.
fn assert_refused(key: &str, cases: &[(&str, ConfigErrorKind)]) {
    for (value, kind) in cases {
        assert_eq!(only_error(key, value).kind, *kind, "{value}");
    }
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
