//! The sampling keys: `METRICS_SAMPLING_RATE` and its deprecated alias
//! `METRICS_SAMPLING_RATES`, alone, together (they must agree) or under
//! `silent-config-fallback`.

use super::effective::Setting;
use super::error::{ConfigError, ConfigErrorKind, ConfigWarning, WarningKind};
use super::keys::Key;
use super::refusal::Resolver;
use super::sampling::SamplingRates;

impl Resolver<'_, '_> {
    /// The sampling rates from the canonical key and/or its deprecated alias.
    pub(super) fn sampling(&mut self) -> Setting<SamplingRates> {
        let canonical = Key::MetricsSamplingRate;
        let alias = Key::MetricsSamplingRates;
        let parse = |key: Key, value: &str| SamplingRates::parse(key.name(), value);
        let mut from_canonical = self.raw.get(canonical).map(|v| (v, parse(canonical, v)));
        let mut from_alias = self.raw.get(alias).map(|v| (v, parse(alias, v)));
        if self.silent_fallback() {
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
            self.warn(ConfigWarning {
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
}
