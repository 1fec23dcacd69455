//! Configuration: the environment read once, resolved into typed, validated settings.
//!
//! Two layers, as in ripgrep's low/high-level arguments: [`RawConfig`] sorts the
//! environment into our exact keys and look-alikes without judging values; [`resolve()`]
//! turns that into a [`Config`] where every setting carries its [`Source`], or into
//! [`ConfigErrors`] listing every bad value at once. Nothing falls back silently:
//! deprecated and look-alike spellings become [`ConfigWarning`]s shown in
//! [`Config::to_json`].

mod effective;
mod error;
mod keys;
mod look_alikes;
mod raw;
mod refusal;
mod regressions;
mod resolve;
mod sampling;
mod sampling_keys;
mod values;

#[cfg(test)]
mod tests;

pub use effective::{
    Config, DEFAULT_BIND_ADDR, DEFAULT_BUFFER_SIZE, DEFAULT_DATA_PATH, DEFAULT_METRICS_ENABLED,
    DEFAULT_MIN_SAMPLES, DEFAULT_SLOW_QUERY_THRESHOLD, DEFAULT_STATIC_DIR, DEFAULT_STRICT,
    MAX_BUFFER_SIZE, Setting, Source,
};
pub use error::{ConfigError, ConfigErrorKind, ConfigErrors, ConfigWarning, WarningKind};
pub use keys::{Key, MAX_LOOK_ALIKE_DISTANCE, MIN_FUZZY_LEN, look_alike};
pub use raw::{EnvMap, LookAlike, RawConfig, env_map};
pub use regressions::{Regression, Regressions};
pub use resolve::resolve;
pub use sampling::{DEFAULT_ORIGIN, DEFAULT_RATE, OpType, SamplingRates};
pub use values::MIN_ADMIN_TOKEN_LEN;
