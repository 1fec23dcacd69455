//! Look-alike keys (`METRICS_SAMPLNG_RATE`, `metrics_sampling_rate`): a warning naming
//! the key probably meant and the one that counts, or an error in strict mode.

use super::error::{ConfigError, ConfigErrorKind, ConfigWarning, WarningKind};
use super::refusal::Resolver;

impl Resolver<'_, '_> {
    /// Look-alike keys: warnings, or errors in strict mode. Their values are never used.
    pub(super) fn look_alikes(&mut self, strict: bool) {
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
            self.warn(ConfigWarning {
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
