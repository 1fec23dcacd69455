//! Configuration errors (stop startup) and warnings (shown in the effective config).

use std::fmt;

use serde_json::{Value, json};

use super::keys::Key;

/// What is wrong with one value. Its `Display` is the reason only; [`ConfigError`]
/// adds the key, the value and the accepted forms.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum ConfigErrorKind {
    /// The value is empty or only whitespace.
    #[error("empty")]
    Empty,
    /// Not one of the boolean spellings.
    #[error("not a boolean")]
    NotABool,
    /// Not parseable as a number at all.
    #[error("not a number")]
    NotANumber,
    /// A number, but NaN or infinite.
    #[error("not a finite number")]
    NotFinite,
    /// A number outside the key's range.
    #[error("out of range")]
    OutOfRange,
    /// A number, but an integer was required.
    #[error("not an integer")]
    NotAnInteger,
    /// A per-type map or list that cannot be read.
    #[error("malformed: {detail}")]
    Malformed {
        /// What exactly is malformed.
        detail: String,
    },
    /// A per-type map names a type that does not exist.
    #[error("unknown type `{name}`")]
    UnknownType {
        /// The type as written.
        name: String,
    },
    /// A per-type map names the same type twice.
    #[error("type `{name}` given twice")]
    DuplicateType {
        /// The type as written (second occurrence).
        name: String,
    },
    /// A per-type map entry whose rate is bad.
    #[error("type `{name}`: {reason}")]
    BadMapValue {
        /// The type whose value is bad.
        name: String,
        /// Why the value is bad.
        reason: String,
    },
    /// Not an `ip:port` socket address.
    #[error("not a socket address")]
    NotASocketAddr,
    /// Not an `http://` or `https://` URL.
    #[error("not an http(s) URL: {reason}")]
    NotHttpUrl {
        /// Which part is wrong.
        reason: &'static str,
    },
    /// A secret shorter than the minimum length.
    #[error("too short ({len} characters; at least {min} are required)")]
    TooShort {
        /// Length of the given value, in characters.
        len: usize,
        /// The minimum length.
        min: usize,
    },
    /// `REFSERVER_REGRESSIONS` names switches that do not exist.
    #[error("unknown regression switch{} {}", if .names.len() == 1 { "" } else { "es" }, backticked(.names))]
    UnknownRegression {
        /// The unknown names, as written.
        names: Vec<String>,
    },
    /// The deprecated alias is set beside the canonical key to different rates.
    #[error(
        "conflicts with {canonical_key}={}: the deprecated alias means {alias_rates} but \
         {canonical_key} means {canonical_rates}; remove {alias_key} (or make it equal)",
        quote(.canonical_value)
    )]
    AliasConflict {
        /// The deprecated key (the one this error is about).
        alias_key: String,
        /// The canonical key it conflicts with.
        canonical_key: String,
        /// The canonical key's raw value.
        canonical_value: String,
        /// Per-type rates the alias resolves to.
        alias_rates: String,
        /// Per-type rates the canonical key resolves to.
        canonical_rates: String,
    },
    /// Strict mode: an unknown key that looks like a known one.
    #[error(
        "unknown key; it looks like {probably_meant} (strict mode, CONFIG_STRICT=true, \
         rejects look-alikes; rename it or remove it)"
    )]
    UnknownKey {
        /// The known key it probably meant.
        probably_meant: String,
    },
}

impl ConfigErrorKind {
    /// A stable kebab-case name for machine-readable output.
    #[cfg(test)]
    pub(crate) fn code(&self) -> &'static str {
        match self {
            ConfigErrorKind::Empty => "empty",
            ConfigErrorKind::NotABool => "not-a-bool",
            ConfigErrorKind::NotANumber => "not-a-number",
            ConfigErrorKind::NotFinite => "not-finite",
            ConfigErrorKind::OutOfRange => "out-of-range",
            ConfigErrorKind::NotAnInteger => "not-an-integer",
            ConfigErrorKind::Malformed { .. } => "malformed",
            ConfigErrorKind::UnknownType { .. } => "unknown-type",
            ConfigErrorKind::DuplicateType { .. } => "duplicate-type",
            ConfigErrorKind::BadMapValue { .. } => "bad-map-value",
            ConfigErrorKind::NotASocketAddr => "not-a-socket-addr",
            ConfigErrorKind::NotHttpUrl { .. } => "not-http-url",
            ConfigErrorKind::TooShort { .. } => "too-short",
            ConfigErrorKind::UnknownRegression { .. } => "unknown-regression",
            ConfigErrorKind::AliasConflict { .. } => "alias-conflict",
            ConfigErrorKind::UnknownKey { .. } => "unknown-key",
        }
    }

    /// Whether the message should end with the key's accepted forms (not for errors
    /// that carry their own advice).
    fn shows_expected(&self) -> bool {
        !matches!(
            self,
            ConfigErrorKind::AliasConflict { .. } | ConfigErrorKind::UnknownKey { .. }
        )
    }
}

/// One bad setting: the exact env key, its value as given (secrets redacted) and what
/// is wrong, so the message alone tells an operator what to fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}={}: {}{}", .key, quote(.value), .kind, expected_suffix(.key, .kind))]
pub struct ConfigError {
    /// The exact env key, e.g. `METRICS_SAMPLING_RATE`.
    pub key: String,
    /// The value as given (untrimmed), or a redaction for secrets.
    pub value: String,
    /// What is wrong.
    pub(crate) kind: ConfigErrorKind,
}

impl ConfigError {
    /// An error about `env_key`, redacting the value if `secret` is set.
    pub(crate) fn new(env_key: &str, value: &str, kind: ConfigErrorKind, secret: bool) -> Self {
        let value = if secret {
            redacted(value)
        } else {
            value.to_owned()
        };
        Self {
            key: env_key.to_owned(),
            value,
            kind,
        }
    }

    /// An error about a known key; its value is redacted if the key is a secret.
    pub(crate) fn for_key(key: Key, value: &str, kind: ConfigErrorKind) -> Self {
        Self::new(key.name(), value, kind, key.is_secret())
    }

    /// The error as JSON (nothing prints it; tests compare resolutions by it).
    #[cfg(test)]
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "key": self.key,
            "value": self.value,
            "kind": self.kind.code(),
            "message": self.to_string(),
        })
    }
}

/// Every error found while resolving (never just the first), plus the warnings seen so
/// far, so a failed start still shows everything at once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConfigErrors {
    /// The errors, sorted by key.
    pub errors: Vec<ConfigError>,
    /// The warnings, sorted by key.
    pub warnings: Vec<ConfigWarning>,
}

impl ConfigErrors {
    /// The errors about one env key (tests and callers that react to a specific key).
    #[cfg(test)]
    pub(crate) fn for_key<'a>(
        &'a self,
        key: &'a str,
    ) -> impl Iterator<Item = &'a ConfigError> + 'a {
        self.errors.iter().filter(move |e| e.key == key)
    }

    /// Errors and warnings as JSON.
    #[cfg(test)]
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "errors": self.errors.iter().map(ConfigError::to_json).collect::<Vec<_>>(),
            "warnings": self.warnings.iter().map(ConfigWarning::to_json).collect::<Vec<_>>(),
        })
    }
}

impl fmt::Display for ConfigErrors {
    /// One error per line, no trailing newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Why a key produced a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WarningKind {
    /// A deprecated alias was used; its value counts, but it should be renamed.
    DeprecatedAlias {
        /// The key to use instead.
        canonical: String,
    },
    /// An unknown key that looks like a known one; its value was ignored.
    LookAlike {
        /// The known key it was probably meant to be.
        probably_meant: String,
    },
}

impl WarningKind {
    /// A stable kebab-case name for machine-readable output.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            WarningKind::DeprecatedAlias { .. } => "deprecated-alias",
            WarningKind::LookAlike { .. } => "look-alike",
        }
    }
}

/// Something an operator should fix that does not stop startup; listed in the effective
/// config so that nothing is ignored silently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// The exact env key the warning is about.
    pub key: String,
    /// Why.
    pub kind: WarningKind,
    /// A self-contained sentence for humans, naming the key.
    pub message: String,
}

impl ConfigWarning {
    /// The warning as JSON: `key`, `kind`, `message`, and `probably_meant` or
    /// `use_instead` depending on the kind.
    pub(crate) fn to_json(&self) -> Value {
        let mut value = json!({
            "key": self.key,
            "kind": self.kind.code(),
            "message": self.message,
        });
        if let Value::Object(map) = &mut value {
            match &self.kind {
                WarningKind::DeprecatedAlias { canonical } => {
                    map.insert("use_instead".into(), json!(canonical));
                }
                WarningKind::LookAlike { probably_meant } => {
                    map.insert("probably_meant".into(), json!(probably_meant));
                }
            }
        }
        value
    }
}

impl fmt::Display for ConfigWarning {
    /// The message, which already names the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Quote a value for a one-line message: `"..."`, or `'...'` when it holds double
/// quotes (JSON maps stay readable), or Rust escaping when it holds control characters.
pub(crate) fn quote(value: &str) -> String {
    if value.chars().any(char::is_control) || (value.contains('"') && value.contains('\'')) {
        format!("{value:?}")
    } else if value.contains('"') {
        format!("'{value}'")
    } else {
        format!("\"{value}\"")
    }
}

/// What a secret value is replaced with in messages.
fn redacted(value: &str) -> String {
    format!("<redacted, {} characters>", value.chars().count())
}

/// `; expected ...` for known keys, nothing for unknown ones or self-explaining kinds.
fn expected_suffix(key: &str, kind: &ConfigErrorKind) -> String {
    match Key::from_name(key) {
        Some(key) if kind.shows_expected() => format!("; expected {}", key.expected()),
        _ => String::new(),
    }
}

/// `` `a`, `b` `` for a list of names.
fn backticked(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_key_value_reason_and_forms() {
        let e = ConfigError::for_key(Key::MetricsSamplingRate, "1.5", ConfigErrorKind::OutOfRange);
        assert_eq!(
            e.to_string(),
            "METRICS_SAMPLING_RATE=\"1.5\": out of range; expected a number in [0, 1] \
             (e.g. 0.25) or a per-type map like http=0.1,database=1 or {\"database\":1.0} \
             (types: http, database, render, default)"
        );
    }

    #[test]
    fn json_values_are_single_quoted() {
        let e = ConfigError::for_key(
            Key::MetricsSamplingRate,
            r#"{"http":2}"#,
            ConfigErrorKind::OutOfRange,
        );
        assert!(
            e.to_string()
                .starts_with(r#"METRICS_SAMPLING_RATE='{"http":2}': "#)
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(quote("a\nb"), "\"a\\nb\"");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("  "), "\"  \"");
    }

    #[test]
    fn secrets_are_redacted() {
        let e = ConfigError::for_key(
            Key::AdminToken,
            "hunter2",
            ConfigErrorKind::TooShort { len: 7, min: 16 },
        );
        let text = e.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("<redacted, 7 characters>"), "{text}");
        assert!(text.contains("at least 16"), "{text}");
    }

    #[test]
    fn unknown_keys_get_no_expected_suffix() {
        let e = ConfigError::new(
            "METRICS_SAMPLNG_RATE",
            "0.5",
            ConfigErrorKind::UnknownKey {
                probably_meant: "METRICS_SAMPLING_RATE".into(),
            },
            false,
        );
        assert_eq!(
            e.to_string(),
            "METRICS_SAMPLNG_RATE=\"0.5\": unknown key; it looks like METRICS_SAMPLING_RATE \
             (strict mode, CONFIG_STRICT=true, rejects look-alikes; rename it or remove it)"
        );
    }

    #[test]
    fn unknown_regressions_are_listed() {
        let one = ConfigErrorKind::UnknownRegression {
            names: vec!["x".into()],
        };
        assert_eq!(one.to_string(), "unknown regression switch `x`");
        let two = ConfigErrorKind::UnknownRegression {
            names: vec!["x".into(), "y".into()],
        };
        assert_eq!(two.to_string(), "unknown regression switches `x`, `y`");
    }

    #[test]
    fn errors_display_one_per_line() {
        let errors = ConfigErrors {
            errors: vec![
                ConfigError::for_key(Key::BindAddr, "x", ConfigErrorKind::NotASocketAddr),
                ConfigError::for_key(Key::DataPath, " ", ConfigErrorKind::Empty),
            ],
            warnings: vec![],
        };
        let text = errors.to_string();
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("BIND_ADDR=\"x\": not a socket address; expected"));
        assert!(lines[1].starts_with("DATA_PATH=\" \": empty; expected a non-empty path"));
        assert_eq!(errors.for_key("DATA_PATH").count(), 1);
    }

    #[test]
    fn warning_json_carries_the_hint() {
        let w = ConfigWarning {
            key: "METRICS_SAMPLNG_RATE".into(),
            kind: WarningKind::LookAlike {
                probably_meant: "METRICS_SAMPLING_RATE".into(),
            },
            message: "m".into(),
        };
        assert_eq!(
            w.to_json(),
            json!({"key": "METRICS_SAMPLNG_RATE", "kind": "look-alike",
                   "probably_meant": "METRICS_SAMPLING_RATE", "message": "m"})
        );
    }

    #[test]
    fn error_json_has_code_and_message() {
        let e = ConfigError::for_key(Key::MetricsEnabled, "maybe", ConfigErrorKind::NotABool);
        let v = e.to_json();
        assert_eq!(v["kind"], "not-a-bool");
        assert_eq!(v["key"], "METRICS_ENABLED");
        assert_eq!(v["value"], "maybe");
        assert_eq!(v["message"], json!(e.to_string()));
    }
}
