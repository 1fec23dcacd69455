//! Spellings of single values: rates (plain and JSON), whitespace, and the keys the
//! server knows, with an edit-distance oracle for look-alike keys written from the
//! design ("any case, edit distance <= 2, nearest wins"), independent of the resolver.

use proptest::prelude::*;
use proptest::sample::{Index, select};

/// The canonical sampling key.
pub const CANONICAL: &str = "METRICS_SAMPLING_RATE";
/// Its deprecated plural alias.
pub const ALIAS: &str = "METRICS_SAMPLING_RATES";
/// The monitoring switch.
pub const ENABLED: &str = "METRICS_ENABLED";
/// The slow-operation threshold in seconds.
pub const SLOW: &str = "METRICS_SLOW_QUERY_THRESHOLD";
/// The event-buffer capacity.
pub const BUFFER: &str = "METRICS_BUFFER_SIZE";
/// The minimum-sample guarantee.
pub const MIN_SAMPLES: &str = "METRICS_MIN_SAMPLES";
/// Whether look-alike keys are errors.
pub const STRICT: &str = "CONFIG_STRICT";

/// Every key the design lists, in its table order; a look-alike at equal distance from
/// two keys means the earlier one (so the canonical sampling key beats its alias).
pub const KNOWN_KEYS: [&str; 14] = [
    ENABLED,
    CANONICAL,
    ALIAS,
    SLOW,
    BUFFER,
    MIN_SAMPLES,
    STRICT,
    "BIND_ADDR",
    "DATA_PATH",
    "STATIC_DIR",
    "SITE_URL",
    "ADMIN_TOKEN",
    "TOKEN_ENDPOINT",
    "REFSERVER_REGRESSIONS",
];

/// Operation types in the order of `OpType::ALL`.
pub const TYPES: [&str; 3] = ["http", "database", "render"];

/// Levenshtein distance over characters (textbook dynamic programme).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// The known key an unknown env key probably means: the nearest one (ignoring case)
/// within two edits, earlier keys winning ties; `None` for exact known keys and
/// unrelated ones. Every key generated here is long, so the short-key rules of the
/// design never come into play.
pub fn probably_meant(env_key: &str) -> Option<&'static str> {
    if KNOWN_KEYS.contains(&env_key) {
        return None;
    }
    let upper = env_key.to_ascii_uppercase();
    KNOWN_KEYS
        .iter()
        .map(|known| (edit_distance(&upper, known), *known))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

/// Optional whitespace around a value (the resolver trims it).
pub fn padding() -> impl Strategy<Value = &'static str> {
    select(vec!["", "", "", "", " ", "  ", "\t", "\n", " \t ", "\r\n"])
}

/// `text` with optional whitespace on either side.
pub fn padded(text: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    (padding(), text, padding()).prop_map(|(before, text, after)| format!("{before}{text}{after}"))
}

/// A rate in [0, 1]: boundaries, round decimals and arbitrary doubles.
pub fn rate() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(1.0),
        Just(0.5),
        Just(0.1),
        (0u32..=1000).prop_map(|k| f64::from(k) / 1000.0),
        0.0f64..=1.0,
    ]
}

/// Ways to write `x` that Rust's float parser reads back as exactly `x`.
fn plain_spellings(x: f64) -> Vec<String> {
    let display = format!("{x}");
    let mut spellings = vec![
        display.clone(),
        format!("{x:e}"),
        format!("{x:E}"),
        format!("+{display}"),
        if display.contains('.') {
            format!("{display}00")
        } else {
            format!("{display}.000")
        },
    ];
    if let Some(fraction) = display.strip_prefix("0.") {
        spellings.push(format!(".{fraction}"));
    }
    if x == 0.0 {
        spellings.extend(["-0", "-0.0", "0e7", ".0"].map(String::from));
    }
    if x == 1.0 {
        spellings.extend(["1.", "10e-1", "0.1e1"].map(String::from));
    }
    spellings
}

/// Most significant digits a generated JSON rate has: unlimited, since the resolver
/// reads JSON with serde_json's `float_roundtrip` parser, exact like Rust's own (see
/// `resolver::json_rates_are_read_exactly_as_written`, the regression test of the bug
/// this property found).
pub const JSON_SIGNIFICANT_DIGITS: usize = usize::MAX;

/// Whether a JSON number reads back exactly: any digits, a sane decimal exponent.
pub fn json_reads_exactly(text: &str) -> bool {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (
            &text[..at],
            text[at + 1..].parse::<i64>().unwrap_or(i64::MAX),
        ),
        None => (text, 0),
    };
    let mantissa = mantissa.trim_start_matches(['-', '+']);
    let decimals = mantissa.split_once('.').map_or(0, |(_, f)| f.len());
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0');
    let scale = exponent.saturating_sub(i64::try_from(decimals).unwrap_or(i64::MAX));
    // Any number of digits reads exactly; only absurd exponents are kept out.
    significant.is_empty() || scale.abs() <= 400
}

/// `x` moved to the nearest rate the JSON spellings can carry exactly: at most
/// [`JSON_SIGNIFICANT_DIGITS`] significant digits, and nothing below 1e-6 but 0.
fn json_rate(x: f64) -> f64 {
    if x < 1e-6 {
        return 0.0;
    }
    let digits = JSON_SIGNIFICANT_DIGITS.saturating_sub(1).min(16);
    format!("{x:.digits$e}").parse().unwrap_or(x)
}

/// Ways to write `x` as a JSON number that read back as exactly `x`.
fn json_spellings(x: f64) -> Vec<String> {
    let display = format!("{x}");
    let mut spellings = vec![display.clone(), format!("{x:e}"), format!("{x:E}")];
    if display.contains('.') {
        spellings.push(format!("{display}00"));
    }
    if x == 0.0 {
        spellings.extend(["-0", "0.0", "0e0"].map(String::from));
    }
    if x == 1.0 {
        spellings.extend(["1.0", "10e-1", "1E+0"].map(String::from));
    }
    spellings.retain(|s| json_reads_exactly(s));
    if spellings.is_empty() {
        spellings.push(display);
    }
    spellings
}

/// One spelling of `x`, chosen by `pick`.
pub fn spell_rate(x: f64, json: bool, pick: Index) -> String {
    let spellings = if json {
        json_spellings(x)
    } else {
        plain_spellings(x)
    };
    pick.get(&spellings).clone()
}

/// A rate and one exact spelling of it (plain or JSON).
pub fn spelled_rate(json: bool) -> impl Strategy<Value = (f64, String)> {
    (rate(), any::<Index>()).prop_map(move |(x, pick)| {
        let x = if json { json_rate(x) } else { x };
        (x, spell_rate(x, json, pick))
    })
}

/// Plain values that are not a rate in [0, 1]: out of range, not finite, empty, garbage.
pub fn bad_plain_rate() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "1.0000001",
            "-0.1",
            "2",
            "1e3",
            "-1",
            "-1e-300",
            "100",
            "1.5",
            "-0.5",
            "1e1",
        ])
        .prop_map(String::from),
        (1e-9f64..1e6).prop_map(|d| format!("{}", 1.0 + d)),
        (1e-9f64..1e6).prop_map(|d| format!("-{d}")),
        select(vec![
            "NaN",
            "nan",
            "inf",
            "-inf",
            "+inf",
            "infinity",
            "-Infinity",
            "INF",
            "1e309"
        ])
        .prop_map(String::from),
        select(vec!["", " ", "\t", "\n  "]).prop_map(String::from),
        select(vec![
            "abc", "10%", "0.5.1", "0,5", "half", "0x1", "1/2", "0.5f", "--0.5", "1e", "e-1",
            "five", "0.1;0.2", "[0.1]", "true", "null", "\"0.5\"", "0 .5", "½",
        ])
        .prop_map(String::from),
        "[a-z%#!]{1,8}",
    ]
}

/// `name` in the case variant `variant` (0 lower, 1 upper, 2 capitalised).
pub fn case_variant(name: &str, variant: u8) -> String {
    match variant % 3 {
        0 => name.to_ascii_lowercase(),
        1 => name.to_ascii_uppercase(),
        _ => {
            let mut chars = name.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        }
    }
}
