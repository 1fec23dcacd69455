//! Refusals: the resolver's state (the raw layer, the errors and warnings so far) and
//! the one place a bad value is refused, or dropped under `silent-config-fallback`.

use super::error::{ConfigError, ConfigWarning};
use super::raw::RawConfig;

/// Resolution state: the raw layer and what has gone wrong so far.
pub(super) struct Resolver<'r, 'a> {
    /// The environment sorted into our keys and look-alikes.
    pub(super) raw: &'r RawConfig<'a>,
    errors: Vec<ConfigError>,
    warnings: Vec<ConfigWarning>,
    /// Regression `silent-config-fallback`: refusals are dropped (see [`Self::refuse`]).
    silent_fallback: bool,
}

impl<'r, 'a> Resolver<'r, 'a> {
    /// Nothing resolved yet; refusals stop start-up until
    /// [`Self::set_silent_fallback`] says otherwise.
    pub(super) fn new(raw: &'r RawConfig<'a>) -> Self {
        Self {
            raw,
            errors: Vec::new(),
            warnings: Vec::new(),
            silent_fallback: false,
        }
    }

    /// Switch regression `silent-config-fallback` on or off for what is resolved next.
    pub(super) fn set_silent_fallback(&mut self, on: bool) {
        self.silent_fallback = on;
    }

    /// Whether regression `silent-config-fallback` is on.
    pub(super) fn silent_fallback(&self) -> bool {
        self.silent_fallback
    }

    /// Every refusal goes through here: the error stops start-up. Under the
    /// `silent-config-fallback` regression switch it is dropped without a word, which
    /// is the StarPunk class of config bug: the bad value's setting keeps its default,
    /// a strict-mode look-alike is ignored, and nobody is told.
    pub(super) fn refuse(&mut self, error: ConfigError) {
        if !self.silent_fallback {
            self.errors.push(error);
        }
    }

    /// Something an operator should fix that does not stop start-up.
    pub(super) fn warn(&mut self, warning: ConfigWarning) {
        self.warnings.push(warning);
    }

    /// The errors and warnings, each sorted by key (then text), so the outcome does
    /// not depend on the order of the environment.
    pub(super) fn finish(self) -> (Vec<ConfigError>, Vec<ConfigWarning>) {
        let Self {
            mut errors,
            mut warnings,
            ..
        } = self;
        errors.sort_by_cached_key(|e| (e.key.clone(), e.to_string()));
        warnings.sort_by_cached_key(|w| (w.key.clone(), w.message.clone()));
        (errors, warnings)
    }
}
