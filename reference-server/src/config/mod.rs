//! Configuration: the environment read once, resolved into typed, validated settings.
//!
//! Two layers, as in ripgrep's low/high-level arguments: `RawConfig` sorts the
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
    Config, DEFAULT_BUFFER_SIZE, DEFAULT_METRICS_ENABLED, DEFAULT_MIN_SAMPLES,
    DEFAULT_SLOW_QUERY_THRESHOLD, DEFAULT_STRICT, Setting, Source,
};
pub use error::{ConfigError, ConfigErrors, ConfigWarning, WarningKind};
pub use raw::{EnvMap, env_map};
pub use regressions::{Regression, Regressions};
pub use resolve::resolve;
pub use sampling::{OpType, SamplingRates};
