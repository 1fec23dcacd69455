//! `expect-output = { contains = [...] }`: the running target's output (stdout and
//! stderr so far) mentions each text, e.g. a config warning naming a key.

use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::outcome::{CheckKind, CheckOutcome, Verdict};
use crate::scenario::context::{Context, Stop};

/// How long output may take to show up: it arrives through reader threads.
const OUTPUT_WAIT: Duration = Duration::from_secs(5);

/// The step as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOutput {
    contains: Vec<String>,
}

/// Texts the target's output must contain; never empty.
#[derive(Debug, Clone)]
pub(crate) struct ExpectOutput {
    contains: Vec<String>,
}

impl TryFrom<RawOutput> for ExpectOutput {
    type Error = String;

    fn try_from(raw: RawOutput) -> Result<Self, String> {
        if raw.contains.is_empty() {
            return Err("expect-output needs at least one text in `contains`".to_owned());
        }
        Ok(Self {
            contains: raw.contains,
        })
    }
}

impl ExpectOutput {
    pub(crate) async fn run(&self, cx: &mut Context<'_>) -> Result<Vec<CheckOutcome>, Stop> {
        let target = cx.running("expect-output")?;
        let started = Instant::now();
        let deadline = started + OUTPUT_WAIT;
        let mut output = target.output();
        while !self.contains.iter().all(|t| output.contains(t.as_str()))
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
            output = target.output();
        }
        Ok(self
            .contains
            .iter()
            .map(|text| mentions("output says", &output, text, started))
            .collect())
    }
}

/// The target's output mentions `text` (a warning, an offending key).
pub(super) fn mentions(name: &str, output: &str, text: &str, started: Instant) -> CheckOutcome {
    CheckOutcome::new(
        CheckKind::Config,
        format!("{name} {text:?}"),
        "target output",
        Verdict::expect(
            output.contains(text),
            format!("output mentioning {text:?}"),
            last_lines(output, 6),
        ),
        started.elapsed(),
    )
}

/// The last `n` lines of `text`, joined: enough to see why without the whole log.
pub(super) fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let tail = &lines[lines.len().saturating_sub(n)..];
    if tail.is_empty() {
        "(no output)".to_owned()
    } else {
        tail.join(" | ")
    }
}
