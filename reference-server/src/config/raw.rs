//! The raw layer: which of our keys the environment spells exactly, and which unknown
//! keys look like ours; nothing is parsed or validated here.

use std::collections::BTreeMap;

use super::keys::{Key, look_alike};

/// The environment as read once at the edge: every variable, name to value. Tests
/// build one directly; the resolver never reads the process environment.
pub type EnvMap = BTreeMap<String, String>;

/// An unknown env key that looks like one of ours. Its value is never used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LookAlike<'a> {
    /// The key as spelled in the environment.
    pub(crate) env_key: &'a str,
    /// Its value as given.
    pub(crate) value: &'a str,
    /// The known key it was probably meant to be.
    pub(crate) probably_meant: Key,
}

/// The environment sorted into our keys (exact spellings, values untouched) and
/// look-alikes; unrelated variables are dropped. Mirrors the input, so the resolver
/// can say for every setting which exact key it came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct RawConfig<'a> {
    values: BTreeMap<Key, &'a str>,
    look_alikes: Vec<LookAlike<'a>>,
}

impl<'a> RawConfig<'a> {
    /// Sort `env` into known keys and look-alikes.
    pub(crate) fn from_env(env: &'a EnvMap) -> Self {
        let mut raw = RawConfig::default();
        for (name, value) in env {
            if let Some(key) = Key::from_name(name) {
                raw.values.insert(key, value);
            } else if let Some(probably_meant) = look_alike(name) {
                raw.look_alikes.push(LookAlike {
                    env_key: name,
                    value,
                    probably_meant,
                });
            }
        }
        raw
    }

    /// The raw value of `key`, if the environment spells it exactly.
    pub(crate) fn get(&self, key: Key) -> Option<&'a str> {
        self.values.get(&key).copied()
    }

    /// Which exact key gives the setting behind `key`, if any: its canonical key if
    /// present, else an alias of it.
    pub(crate) fn setter(&self, key: Key) -> Option<Key> {
        let canonical = key.canonical();
        // Keys are ordered canonical-first, so the first match is the one that counts.
        self.values
            .keys()
            .copied()
            .find(|k| k.canonical() == canonical)
    }

    /// The look-alike keys, sorted by env key.
    pub(crate) fn look_alikes(&self) -> &[LookAlike<'a>] {
        &self.look_alikes
    }
}

/// Build an [`EnvMap`] from pairs; handy in tests and for callers that assemble an
/// environment by hand.
pub fn env_map<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> EnvMap
where
    K: Into<String>,
    V: Into<String>,
{
    pairs
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_keys_into_known_look_alike_and_unrelated() {
        let env = env_map([
            ("METRICS_ENABLED", " no "),
            ("metrics_enabled", "yes"),
            ("PATH", "/usr/bin"),
            ("METRICS_SAMPLING_RATES", "0.5"),
        ]);
        let raw = RawConfig::from_env(&env);
        assert_eq!(raw.get(Key::MetricsEnabled), Some(" no "));
        assert_eq!(raw.get(Key::MetricsSamplingRates), Some("0.5"));
        assert_eq!(raw.get(Key::MetricsSamplingRate), None);
        assert_eq!(
            raw.setter(Key::MetricsSamplingRate),
            Some(Key::MetricsSamplingRates)
        );
        assert_eq!(raw.setter(Key::BindAddr), None);
        assert_eq!(
            raw.look_alikes(),
            [LookAlike {
                env_key: "metrics_enabled",
                value: "yes",
                probably_meant: Key::MetricsEnabled
            }]
        );
    }

    #[test]
    fn the_canonical_key_is_the_setter_when_both_spellings_are_present() {
        let env = env_map([
            ("METRICS_SAMPLING_RATES", "0.5"),
            ("METRICS_SAMPLING_RATE", "0.5"),
        ]);
        let raw = RawConfig::from_env(&env);
        assert_eq!(
            raw.setter(Key::MetricsSamplingRates),
            Some(Key::MetricsSamplingRate)
        );
    }

    #[test]
    fn empty_env_is_empty() {
        let env = EnvMap::new();
        assert_eq!(RawConfig::from_env(&env), RawConfig::default());
    }
}
