//! In-process property: every generated environment resolves to exactly what its oracle
//! says: the requested rates with their exact source, a named error, or the default
//! with a warning naming the unrecognised key. Never a silent default.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use reference_server::config::{
    self, Config, ConfigErrors, ConfigWarning, DEFAULT_BUFFER_SIZE, DEFAULT_METRICS_ENABLED,
    DEFAULT_MIN_SAMPLES, DEFAULT_SLOW_QUERY_THRESHOLD, DEFAULT_STRICT, OpType, Setting, Source,
    WarningKind,
};

use crate::env::{Case, Expect, Scalar, Warn};
use crate::spelling::{BUFFER, ENABLED, MIN_SAMPLES, SLOW, STRICT, TYPES};

/// Cases per run of the in-process property.
pub const CASES: u32 = 10_000;

/// Cases drawn (with a fixed seed) to check what the generator covers.
const COVERAGE_CASES: u32 = 2_000;

/// Whether the resolver's answer for `case` is exactly what the oracle says.
pub fn check(case: &Case, outcome: &Result<Config, ConfigErrors>) -> Result<(), TestCaseError> {
    let oracle = &case.oracle;
    match outcome {
        Err(errors) => {
            prop_assert!(
                !oracle.errors.is_empty(),
                "rejected an environment the generator meant to be valid:\n{errors}"
            );
            check_errors(case, errors)?;
            check_warnings(case, &errors.warnings)
        }
        Ok(config) => {
            prop_assert!(
                oracle.errors.is_empty(),
                "accepted an environment with bad keys {:?}; effective config:\n{:#}",
                oracle.errors,
                config.to_json()
            );
            check_sampling(oracle.sampling.as_ref(), config)?;
            check_scalars(case, config)?;
            check_warnings(case, &config.warnings)
        }
    }
}

/// One error per offending key, and each names its key and shows the value.
fn check_errors(case: &Case, errors: &ConfigErrors) -> Result<(), TestCaseError> {
    let keys: Vec<&str> = errors.errors.iter().map(|e| e.key.as_str()).collect();
    let named: BTreeSet<&str> = keys.iter().copied().collect();
    prop_assert_eq!(keys.len(), named.len(), "one error per key:\n{}", errors);
    let expected: BTreeSet<&str> = case.oracle.errors.iter().map(String::as_str).collect();
    prop_assert_eq!(
        named,
        expected,
        "the errors name exactly the bad keys:\n{}",
        errors
    );
    for error in &errors.errors {
        let given = case.env.get(&error.key).ok_or_else(|| {
            TestCaseError::fail(format!("error about a key not in the env: {error}"))
        })?;
        prop_assert_eq!(&error.value, given, "the error keeps the value as given");
        let shown = error.to_string();
        prop_assert!(shown.contains(&error.key), "key missing from: {}", shown);
        // Values with control characters are shown escaped; the rest verbatim.
        prop_assert!(
            shown.contains(given.as_str()) || shown.contains(&format!("{given:?}")),
            "value {:?} missing from: {}",
            given,
            shown
        );
    }
    Ok(())
}

fn check_sampling(expect: Option<&Expect>, config: &Config) -> Result<(), TestCaseError> {
    let sampling = &config.sampling;
    let rates: [f64; 3] = OpType::ALL.map(|op| sampling.value.rate(op));
    let origins: [String; 3] = OpType::ALL.map(|op| sampling.value.origin(op).to_owned());
    prop_assert_eq!(OpType::ALL.map(OpType::as_str), TYPES);
    match expect {
        Some(Expect::Rate {
            per_type,
            origins: expected_origins,
            source_key,
        }) => {
            prop_assert_eq!(rates, *per_type, "effective rates");
            prop_assert_eq!(&origins, expected_origins, "per-type origins");
            prop_assert_eq!(&sampling.source, &Source::Env(source_key.clone()));
        }
        Some(Expect::Default | Expect::DefaultWithWarning { .. }) | None => {
            prop_assert_eq!(rates, [1.0; 3], "built-in default rates");
            prop_assert_eq!(origins, ["default", "default", "default"].map(String::from));
            prop_assert_eq!(&sampling.source, &Source::Default);
        }
        Some(Expect::Error { keys }) => {
            return Err(TestCaseError::fail(format!(
                "sampling should have been rejected for {keys:?}, got {:?}",
                sampling
            )));
        }
    }
    if let Some(Expect::DefaultWithWarning { typo_key, meant }) = expect {
        let warning = config
            .warnings
            .iter()
            .find(|w| &w.key == typo_key)
            .ok_or_else(|| {
                TestCaseError::fail(format!("silent default: no warning about {typo_key}"))
            })?;
        prop_assert_eq!(
            &warning.kind,
            &WarningKind::LookAlike {
                probably_meant: meant.clone()
            }
        );
        prop_assert!(
            warning.message.contains(typo_key.as_str()) && warning.message.contains(meant.as_str()),
            "the warning names {} and {}: {}",
            typo_key,
            meant,
            warning.message
        );
    }
    Ok(())
}

/// Each other key has the generated value sourced from itself, or its default sourced
/// `default`.
fn check_scalars(case: &Case, config: &Config) -> Result<(), TestCaseError> {
    let expected = |key: &str| case.oracle.scalars.get(key);
    fn sourced<T>(setting: &Setting<T>, key: &str, set: bool) -> Result<(), TestCaseError> {
        let want = if set {
            Source::Env(key.to_owned())
        } else {
            Source::Default
        };
        prop_assert_eq!(&setting.source, &want, "source of {}", key);
        Ok(())
    }

    let bool_of = |key: &str, default: bool| match expected(key) {
        Some(Scalar::Bool(b)) => *b,
        _ => default,
    };
    prop_assert_eq!(
        config.metrics_enabled.value,
        bool_of(ENABLED, DEFAULT_METRICS_ENABLED)
    );
    sourced(
        &config.metrics_enabled,
        ENABLED,
        expected(ENABLED).is_some(),
    )?;
    prop_assert_eq!(config.strict.value, bool_of(STRICT, DEFAULT_STRICT));
    sourced(&config.strict, STRICT, expected(STRICT).is_some())?;

    let nanos = match expected(SLOW) {
        Some(Scalar::Nanos(n)) => *n,
        _ => u64::try_from(DEFAULT_SLOW_QUERY_THRESHOLD.as_nanos()).unwrap_or(u64::MAX),
    };
    let got = config.slow_query_threshold.value;
    prop_assert!(
        got.abs_diff(Duration::from_nanos(nanos)) <= Duration::from_nanos(1),
        "slow threshold {:?}, expected {} ns",
        got,
        nanos
    );
    sourced(&config.slow_query_threshold, SLOW, expected(SLOW).is_some())?;

    let count_of = |key: &str, default: u64| match expected(key) {
        Some(Scalar::Count(n)) => *n,
        _ => default,
    };
    prop_assert_eq!(
        config.buffer_size.value as u64,
        count_of(BUFFER, DEFAULT_BUFFER_SIZE as u64)
    );
    sourced(&config.buffer_size, BUFFER, expected(BUFFER).is_some())?;
    prop_assert_eq!(
        config.min_samples.value,
        count_of(MIN_SAMPLES, DEFAULT_MIN_SAMPLES)
    );
    sourced(
        &config.min_samples,
        MIN_SAMPLES,
        expected(MIN_SAMPLES).is_some(),
    )?;
    Ok(())
}

/// Exactly the expected warnings, each naming its key and what to use instead.
fn check_warnings(case: &Case, warnings: &[ConfigWarning]) -> Result<(), TestCaseError> {
    let mut seen = BTreeSet::new();
    for warning in warnings {
        let (kind, named) = match &warning.kind {
            WarningKind::DeprecatedAlias { canonical } => (Warn::DeprecatedAlias, canonical),
            WarningKind::LookAlike { probably_meant } => (
                Warn::LookAlike {
                    probably_meant: probably_meant.clone(),
                },
                probably_meant,
            ),
        };
        prop_assert!(
            warning.message.contains(warning.key.as_str())
                && warning.message.contains(named.as_str()),
            "the warning names {} and {}: {}",
            warning.key,
            named,
            warning.message
        );
        prop_assert!(
            seen.insert((warning.key.clone(), kind)),
            "duplicate warning: {}",
            warning.message
        );
    }
    prop_assert_eq!(&seen, &case.oracle.warnings, "warnings");
    Ok(())
}

/// The outcome mix of the generator, printed with `--nocapture`.
#[derive(Default)]
struct Tally {
    rates: u64,
    errors: u64,
    default_with_warning: u64,
    defaults: u64,
}

proptest! {
    #![proptest_config(crate::config(CASES))]

    /// The in-process property, over [`CASES`] generated environments.
    #[test]
    fn every_environment_resolves_as_its_generator_meant(case in crate::env::case(false)) {
        let outcome = config::resolve(&case.env);
        check(&case, &outcome)?;
    }
}

/// Generation plus resolution of the whole run stays fast, and the generator covers
/// every kind of outcome (so the property is not vacuous).
#[test]
fn the_generator_covers_every_outcome() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let started = Instant::now();
    let mut runner = TestRunner::deterministic();
    let strategy = crate::env::case(false);
    let mut tally = Tally::default();
    let mut forms = std::collections::BTreeMap::<&str, u32>::new();
    for _ in 0..COVERAGE_CASES {
        let case = strategy
            .new_tree(&mut runner)
            .expect("the strategy generates")
            .current();
        match case.oracle.sampling {
            Some(Expect::Rate { .. }) => tally.rates += 1,
            Some(Expect::Error { .. }) => tally.errors += 1,
            Some(Expect::DefaultWithWarning { .. }) => tally.default_with_warning += 1,
            Some(Expect::Default) | None => tally.defaults += 1,
        }
        for form in &case.sampling_forms {
            *forms.entry(form).or_default() += 1;
        }
        let outcome = config::resolve(&case.env);
        if let Err(e) = check(&case, &outcome) {
            panic!("{e}\ncase: {case:#?}");
        }
    }
    eprintln!(
        "{COVERAGE_CASES} deterministic cases in {:?}: {} rates, {} errors, {} defaults with a \
         warning, {} plain defaults",
        started.elapsed(),
        tally.rates,
        tally.errors,
        tally.default_with_warning,
        tally.defaults
    );
    eprintln!("sampling value forms: {forms:?}");
    for form in [
        "plain rate",
        "bad plain rate",
        "JSON map",
        "type=rate list",
        "broken JSON map",
        "broken type=rate list",
        "JSON map (respelled)",
        "type=rate list (respelled)",
        "plain rate (respelled)",
    ] {
        assert!(
            forms.get(form).copied().unwrap_or(0) >= 20,
            "too few `{form}` values"
        );
    }
    let share = |n: u64| n * 100 / u64::from(COVERAGE_CASES);
    assert!(share(tally.rates) >= 20, "too few valid rates");
    assert!(share(tally.errors) >= 20, "too few errors");
    assert!(
        share(tally.default_with_warning) >= 3,
        "too few typo-only cases"
    );
    assert!(tally.defaults > 0, "no untouched defaults");
}

/// The property is about the server as shipped: no generated environment turns a
/// regression switch on. And it is able to fail: with `silent-config-fallback` (the
/// StarPunk class of config bug) on, every environment the oracle says must be refused
/// is accepted with a silent default instead, and the property's check says so.
#[test]
fn the_property_runs_without_switches_and_catches_silent_config_fallback() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let strategy = crate::env::case(false);
    let mut refusals = 0;
    for _ in 0..COVERAGE_CASES {
        let case = strategy
            .new_tree(&mut runner)
            .expect("the strategy generates")
            .current();
        assert!(
            !case.env.contains_key("REFSERVER_REGRESSIONS"),
            "a generated environment turns a regression switch on: {case:#?}"
        );
        if case.oracle.errors.is_empty() {
            continue;
        }
        refusals += 1;
        let mut env = case.env.clone();
        env.insert(
            "REFSERVER_REGRESSIONS".into(),
            "silent-config-fallback".into(),
        );
        let outcome = config::resolve(&env);
        assert!(
            outcome.is_ok(),
            "the switch refuses nothing, yet: {:?}",
            outcome.err()
        );
        assert!(
            check(&case, &outcome).is_err(),
            "the property did not notice a silently accepted environment: {case:#?}"
        );
    }
    assert!(refusals >= 200, "too few refused environments: {refusals}");
}

/// Regression test of a bug the property above found: JSON per-type rates were read
/// with serde_json's default float parser, one ULP off for numbers with more than 15
/// significant digits, so a JSON map got a rate other than the one written and an
/// alias spelling the canonical rate exactly was refused as a conflict. Fixed by
/// serde_json's `float_roundtrip` feature.
#[test]
fn json_rates_are_read_exactly_as_written() {
    let env = config::env_map([("METRICS_SAMPLING_RATE", r#"{"http":4.8308795581271596e-1}"#)]);
    let config = config::resolve(&env).expect("a valid map");
    assert_eq!(
        config.sampling.value.rate(OpType::Http),
        "4.8308795581271596e-1".parse::<f64>().expect("a float"),
        "the JSON rate is the number written"
    );

    let env = config::env_map([
        ("METRICS_SAMPLING_RATE", "0.3108851853274275"),
        (
            "METRICS_SAMPLING_RATES",
            r#"{"default":0.310885185327427500}"#,
        ),
    ]);
    if let Err(errors) = config::resolve(&env) {
        panic!("the alias spells the same rate, yet:\n{errors}");
    }
}
