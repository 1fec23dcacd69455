//! Whole environments for the config properties. Each generated [`Case`] carries its
//! [`Oracle`]: what the generator meant every spelling to do, worked out while
//! generating and never by asking the resolver.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::sample::{Index, select, subsequence};
use reference_server::config::EnvMap;

use crate::sampling_values::{self, SamplingValue};
use crate::spelling::{
    ALIAS, BUFFER, CANONICAL, ENABLED, KNOWN_KEYS, MIN_SAMPLES, SLOW, STRICT, case_variant, padded,
    probably_meant,
};

/// What the sampling setting must resolve to.
#[derive(Clone, Debug, PartialEq)]
pub enum Expect {
    /// Exactly these rates, each from its origin, the setting sourced from `source_key`.
    Rate {
        per_type: [f64; 3],
        origins: [String; 3],
        source_key: String,
    },
    /// A named error for each of these keys (the whole resolve fails).
    Error { keys: BTreeSet<String> },
    /// The built-in default, and a warning that names the unrecognised key and the one
    /// it probably meant.
    DefaultWithWarning { typo_key: String, meant: String },
    /// Nothing sampling-related in the environment: the built-in default, sourced
    /// `default`.
    Default,
}

/// A warning the effective config must list.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Warn {
    /// The deprecated alias is set.
    DeprecatedAlias,
    /// An unknown key that looks like `probably_meant`.
    LookAlike { probably_meant: String },
}

/// A valid value of one of the other `METRICS_*` keys (or `CONFIG_STRICT`).
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    /// A boolean key.
    Bool(bool),
    /// The slow threshold, in whole nanoseconds.
    Nanos(u64),
    /// An integer key.
    Count(u64),
}

/// Everything the resolver must say about a case.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Oracle {
    /// The sampling setting.
    pub sampling: Option<Expect>,
    /// Keys set to a valid value, and the value; keys absent here keep their default.
    pub scalars: BTreeMap<&'static str, Scalar>,
    /// Every key that must be named by an error; empty: the resolve succeeds.
    pub errors: BTreeSet<String>,
    /// Every warning, by env key.
    pub warnings: BTreeSet<(String, Warn)>,
}

/// An environment and its oracle.
#[derive(Clone, Debug)]
pub struct Case {
    /// The environment given to the resolver (and to the server).
    pub env: EnvMap,
    /// What must come out.
    pub oracle: Oracle,
    /// How the sampling keys were spelled, for failure reports.
    pub sampling_forms: Vec<&'static str>,
}

/// A generated value of one scalar key: its text and meaning (`None`: invalid).
#[derive(Clone, Debug)]
pub struct ScalarValue {
    key: &'static str,
    text: String,
    meaning: Option<Scalar>,
}

/// How the sampling keys appear.
#[derive(Clone, Debug)]
pub enum Sampling {
    /// Neither key.
    Absent,
    /// Only `METRICS_SAMPLING_RATE`.
    Canonical(SamplingValue),
    /// Only the deprecated `METRICS_SAMPLING_RATES`.
    Alias(SamplingValue),
    /// Both keys; they may or may not agree.
    Both {
        canonical: SamplingValue,
        alias: SamplingValue,
    },
    /// Neither key, but a misspelling of one of them.
    TypoOnly(Typo),
}

/// An unknown key that looks like a known one.
#[derive(Clone, Debug)]
pub struct Typo {
    /// The key as spelled.
    pub key: String,
    /// The known key it is nearest to.
    pub meant: &'static str,
    /// Its value (never used by the resolver).
    pub value: String,
}

/// How a typo was made.
#[derive(Clone, Copy, Debug)]
enum Edit {
    Insert(Index, char),
    Delete(Index),
    Substitute(Index, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    let alphabet = select(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789abcxyz"
            .chars()
            .collect::<Vec<_>>(),
    );
    prop_oneof![
        (any::<Index>(), alphabet.clone()).prop_map(|(at, c)| Edit::Insert(at, c)),
        any::<Index>().prop_map(Edit::Delete),
        (any::<Index>(), alphabet).prop_map(|(at, c)| Edit::Substitute(at, c)),
    ]
}

fn apply(key: &str, edit: Edit) -> String {
    let mut chars: Vec<char> = key.chars().collect();
    match edit {
        Edit::Insert(at, c) => chars.insert(at.index(chars.len() + 1), c),
        Edit::Delete(at) => {
            chars.remove(at.index(chars.len()));
        }
        Edit::Substitute(at, c) => {
            let i = at.index(chars.len());
            // A substitution that changes nothing is a different typo: shift it.
            chars[i] = if chars[i] == c { '9' } else { c };
        }
    }
    chars.into_iter().collect()
}

/// A key spelled with random letter case, at least one letter lowered.
fn recase(key: &str, flips: &[bool], forced: Index) -> String {
    let letters: Vec<usize> = key
        .char_indices()
        .filter(|(_, c)| c.is_ascii_alphabetic())
        .map(|(i, _)| i)
        .collect();
    let forced = letters[forced.index(letters.len())];
    key.char_indices()
        .map(|(i, c)| {
            if i == forced || flips[i % flips.len()] {
                c.to_ascii_lowercase()
            } else {
                c
            }
        })
        .collect()
}

/// A misspelling of `target`: other case, one or two edits, or both.
fn typo_of(target: &'static str) -> impl Strategy<Value = Typo> {
    (
        0u8..4,
        proptest::collection::vec(any::<bool>(), 8),
        any::<Index>(),
        edit(),
        edit(),
        padded(
            prop_oneof![
                Just("0.5".to_owned()),
                Just("garbage".to_owned()),
                Just(String::new())
            ]
            .boxed(),
        ),
    )
        .prop_map(move |(mode, flips, forced, first, second, value)| {
            let key = match mode {
                0 => recase(target, &flips, forced),
                1 => apply(target, first),
                2 => apply(&apply(target, first), second),
                _ => recase(&apply(target, first), &flips, forced),
            };
            (key, value)
        })
        .prop_filter_map(
            "the typo must not spell a known key exactly",
            |(key, value)| {
                // The oracle is the design's rule: the nearest known key within two edits.
                probably_meant(&key).map(|meant| Typo { key, meant, value })
            },
        )
}

/// A misspelling of the sampling keys (mostly the canonical one).
pub fn sampling_typo() -> impl Strategy<Value = Typo> {
    prop_oneof![3 => typo_of(CANONICAL), 2 => typo_of(ALIAS)]
}

/// A misspelling of any `METRICS_*` key.
pub fn metrics_typo() -> impl Strategy<Value = Typo> {
    prop_oneof![
        4 => sampling_typo(),
        1 => typo_of(ENABLED),
        1 => typo_of(SLOW),
        1 => typo_of(BUFFER),
        1 => typo_of(MIN_SAMPLES),
    ]
}

/// The sampling keys: absent, one spelling, both (agreeing or not), or only a typo.
pub fn sampling(valid_only: bool) -> BoxedStrategy<Sampling> {
    let value = move || {
        if valid_only {
            sampling_values::valid()
        } else {
            sampling_values::any_value()
        }
    };
    let agreeing = sampling_values::valid().prop_flat_map(|canonical| {
        let rates = canonical
            .meaning
            .as_ref()
            .map(|m| m.per_type)
            .unwrap_or([1.0; 3]);
        (Just(canonical), sampling_values::respell(rates))
            .prop_map(|(canonical, alias)| Sampling::Both { canonical, alias })
    });
    let independent = (value(), value()).prop_map(|(canonical, alias)| {
        // Independent values; they agree only by chance, and the oracle checks.
        Sampling::Both { canonical, alias }
    });
    prop_oneof![
        1 => Just(Sampling::Absent),
        6 => value().prop_map(Sampling::Canonical),
        4 => value().prop_map(Sampling::Alias),
        2 => agreeing,
        2 => independent,
        2 => sampling_typo().prop_map(Sampling::TypoOnly),
    ]
    .boxed()
}

fn bool_value(key: &'static str, valid_only: bool) -> BoxedStrategy<ScalarValue> {
    let valid = (
        select(vec![
            ("true", true),
            ("false", false),
            ("1", true),
            ("0", false),
            ("yes", true),
            ("no", false),
        ]),
        any::<u8>(),
    )
        .prop_map(|((text, b), case)| (case_variant(text, case), Some(Scalar::Bool(b))));
    let invalid = select(vec![
        "on",
        "off",
        "y",
        "n",
        "2",
        "-1",
        "tru",
        "truee",
        "",
        "enabled",
        "yes please",
        "1.0",
    ])
    .prop_map(|text| (text.to_owned(), None));
    scalar(key, valid, invalid, valid_only)
}

fn seconds_value(valid_only: bool) -> BoxedStrategy<ScalarValue> {
    // k / 2^j seconds with j <= 9 is a whole number of nanoseconds, written exactly.
    let exact = (1u64..=100_000, 0u32..=9, any::<bool>()).prop_map(|(k, j, exp)| {
        let seconds = k as f64 / f64::from(1u32 << j);
        let text = if exp {
            format!("{seconds:e}")
        } else {
            format!("{seconds}")
        };
        (text, Some(Scalar::Nanos((k * 1_000_000_000) >> j)))
    });
    let named = select(vec![
        ("1e-9", 1u64),
        ("0.001", 1_000_000),
        ("3600", 3_600_000_000_000),
        (".5", 500_000_000),
    ])
    .prop_map(|(text, nanos)| (text.to_owned(), Some(Scalar::Nanos(nanos))));
    let valid = prop_oneof![3 => exact, 1 => named];
    let invalid = select(vec![
        "0", "-0", "-1", "0.0", "inf", "NaN", "-inf", "abc", "1s", "", "1e-12", "1e300", "500ms",
        "1,5",
    ])
    .prop_map(|text| (text.to_owned(), None));
    scalar(SLOW, valid, invalid, valid_only)
}

fn count_value(
    key: &'static str,
    valid: impl Strategy<Value = u64> + 'static,
    invalid: Vec<&'static str>,
    valid_only: bool,
) -> BoxedStrategy<ScalarValue> {
    let valid = (valid, 0u8..4).prop_map(|(n, style)| {
        let text = match style {
            0 => format!("+{n}"),
            1 => format!("{n:0>8}"),
            _ => n.to_string(),
        };
        (text, Some(Scalar::Count(n)))
    });
    let invalid = select(invalid).prop_map(|text| (text.to_owned(), None));
    scalar(key, valid, invalid, valid_only)
}

fn scalar(
    key: &'static str,
    valid: impl Strategy<Value = (String, Option<Scalar>)> + 'static,
    invalid: impl Strategy<Value = (String, Option<Scalar>)> + 'static,
    valid_only: bool,
) -> BoxedStrategy<ScalarValue> {
    let choice = if valid_only {
        valid.boxed()
    } else {
        prop_oneof![3 => valid, 1 => invalid].boxed()
    };
    (
        choice,
        crate::spelling::padding(),
        crate::spelling::padding(),
    )
        .prop_map(move |((text, meaning), before, after)| ScalarValue {
            key,
            text: format!("{before}{text}{after}"),
            meaning,
        })
        .boxed()
}

/// The other `METRICS_*` keys, each present or not, valid or not.
pub fn scalars(valid_only: bool) -> BoxedStrategy<Vec<ScalarValue>> {
    let maybe = |s: BoxedStrategy<ScalarValue>| proptest::option::weighted(0.35, s);
    (
        maybe(bool_value(ENABLED, valid_only)),
        maybe(seconds_value(valid_only)),
        maybe(count_value(
            BUFFER,
            prop_oneof![1u64..=16, 1u64..=1_000_000, Just(1_000_000)],
            vec![
                "0",
                "-1",
                "1000001",
                "2000000",
                "1.5",
                "1e3",
                "ten",
                "",
                "99999999999999999999999999",
                "0x10",
                "1_000",
                "- 5",
            ],
            valid_only,
        )),
        maybe(count_value(
            MIN_SAMPLES,
            prop_oneof![0u64..=20, any::<u64>(), Just(u64::MAX)],
            vec![
                "-1",
                "1.0",
                "1e1",
                "x",
                "",
                "18446744073709551616",
                "-0.5",
                "ten",
            ],
            valid_only,
        )),
    )
        .prop_map(|(a, b, c, d)| [a, b, c, d].into_iter().flatten().collect())
        .boxed()
}

/// Variables that have nothing to do with us and must be ignored without a warning.
const NOISE: [(&str, &str); 6] = [
    ("PATH", "/usr/bin:/bin"),
    ("HOME", "/root"),
    ("LANG", "C.UTF-8"),
    ("CARGO_PKG_NAME", "reference-server"),
    ("SAMPLING", "0.5"),
    ("METRICS_URL", "http://example.org"),
];

/// Every piece of a case before it is assembled into an environment.
#[derive(Clone, Debug)]
struct Parts {
    sampling: Sampling,
    scalars: Vec<ScalarValue>,
    typos: Vec<Typo>,
    strict: Option<(String, bool)>,
    noise: Vec<(&'static str, &'static str)>,
}

/// An environment with its oracle. With `valid_only`, every value is valid and strict
/// mode stays off, so the environment must resolve (and a server must start).
pub fn case(valid_only: bool) -> BoxedStrategy<Case> {
    let strict = if valid_only {
        Just(None).boxed()
    } else {
        proptest::option::weighted(
            0.1,
            (
                select(vec![("true", true), ("yes", true), ("0", false)]),
                any::<u8>(),
            )
                .prop_map(|((text, on), case)| (case_variant(text, case), on)),
        )
        .boxed()
    };
    (
        sampling(valid_only),
        scalars(valid_only),
        prop_oneof![
            2 => Just(Vec::new()),
            1 => proptest::collection::vec(metrics_typo(), 1..=2),
        ],
        strict,
        subsequence(NOISE.to_vec(), 0..=2),
    )
        .prop_map(|(sampling, scalars, typos, strict, noise)| {
            assemble(Parts {
                sampling,
                scalars,
                typos,
                strict,
                noise,
            })
        })
        .boxed()
}

/// Builds the environment and works out the oracle from the generator's intent.
fn assemble(parts: Parts) -> Case {
    let mut env = EnvMap::new();
    let mut oracle = Oracle::default();
    let mut sampling_forms = Vec::new();
    let strict = parts.strict.as_ref().is_some_and(|(_, on)| *on);
    if let Some((text, on)) = &parts.strict {
        env.insert(STRICT.into(), text.clone());
        oracle.scalars.insert(STRICT, Scalar::Bool(*on));
    }
    for (key, value) in &parts.noise {
        env.insert((*key).into(), (*value).into());
    }
    for value in &parts.scalars {
        env.insert(value.key.into(), value.text.clone());
        match &value.meaning {
            Some(meaning) => {
                oracle.scalars.insert(value.key, meaning.clone());
            }
            None => {
                oracle.errors.insert(value.key.into());
            }
        }
    }

    let mut typos = parts.typos;
    let mut set = |key: &str, value: &SamplingValue, env: &mut EnvMap| {
        env.insert(key.into(), value.text.clone());
        sampling_forms.push(value.form);
    };
    let sampling = match &parts.sampling {
        Sampling::Absent => Expect::Default,
        Sampling::TypoOnly(typo) => {
            typos.insert(0, typo.clone());
            if strict {
                Expect::Error {
                    keys: BTreeSet::from([typo.key.clone()]),
                }
            } else {
                Expect::DefaultWithWarning {
                    typo_key: typo.key.clone(),
                    meant: typo.meant.into(),
                }
            }
        }
        Sampling::Canonical(value) => {
            set(CANONICAL, value, &mut env);
            single(CANONICAL, value)
        }
        Sampling::Alias(value) => {
            set(ALIAS, value, &mut env);
            oracle
                .warnings
                .insert((ALIAS.into(), Warn::DeprecatedAlias));
            single(ALIAS, value)
        }
        Sampling::Both { canonical, alias } => {
            set(CANONICAL, canonical, &mut env);
            set(ALIAS, alias, &mut env);
            oracle
                .warnings
                .insert((ALIAS.into(), Warn::DeprecatedAlias));
            match (&canonical.meaning, &alias.meaning) {
                (Some(c), Some(a)) if c.per_type == a.per_type => single(CANONICAL, canonical),
                // Both valid but different: the alias is the offending key.
                (Some(_), Some(_)) => Expect::Error {
                    keys: BTreeSet::from([ALIAS.to_owned()]),
                },
                (c, a) => Expect::Error {
                    keys: [(CANONICAL, c), (ALIAS, a)]
                        .into_iter()
                        .filter(|(_, meaning)| meaning.is_none())
                        .map(|(key, _)| key.to_owned())
                        .collect(),
                },
            }
        }
    };
    if let Expect::Error { keys } = &sampling {
        oracle.errors.extend(keys.iter().cloned());
    }
    oracle.sampling = Some(sampling);

    for typo in typos {
        // Two typos may come out alike; the environment holds each key once.
        if env.contains_key(&typo.key) {
            continue;
        }
        env.insert(typo.key.clone(), typo.value.clone());
        if strict {
            oracle.errors.insert(typo.key.clone());
        } else {
            oracle.warnings.insert((
                typo.key.clone(),
                Warn::LookAlike {
                    probably_meant: typo.meant.into(),
                },
            ));
        }
    }
    debug_assert!(env.keys().all(|k| KNOWN_KEYS.contains(&k.as_str())
        || probably_meant(k).is_some()
        || NOISE.iter().any(|(n, _)| n == k)));
    Case {
        env,
        oracle,
        sampling_forms,
    }
}

/// The expectation when `key` is the only sampling key that counts.
fn single(key: &str, value: &SamplingValue) -> Expect {
    match &value.meaning {
        Some(rates) => Expect::Rate {
            per_type: rates.per_type,
            origins: rates.origin_names(key),
            source_key: key.to_owned(),
        },
        None => Expect::Error {
            keys: BTreeSet::from([key.to_owned()]),
        },
    }
}
