//! The scenario test matrix, generated from the files: for each scenario and target
//! kind a case that it passes, and for each catch it declares a case that it fails
//! with the catch's message when the regression switch is on. A new scenario file or
//! catch becomes a test with no Rust edit.

use std::collections::BTreeMap;
use std::fmt;

use harness::exit_codes;
use harness::scenario::{Catch, Scenario};
use harness::server::TargetSpec;
use reference_server::config::Regression;

use crate::containers::{Running, container_target};
use crate::{failure_lines, run, target};

/// How the reference server runs for a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// `targets/reference-process.toml`.
    Process,
    /// `targets/reference-container.toml`: needs a Docker engine.
    Container,
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Process => "process",
            Self::Container => "container",
        })
    }
}

/// One generated test.
#[derive(Debug, Clone)]
pub struct Case {
    /// The test's name: `<kind>/<scenario>` or `<kind>/<scenario>/catches/<switch>/<n>`.
    pub name: String,
    /// Where the server runs.
    pub kind: TargetKind,
    /// The scenario, as loaded.
    pub scenario: Scenario,
    /// The catch this case proves; `None` when the scenario must pass.
    pub catch: Option<Catch>,
}

/// Every case of `scenarios`, in file order: passes first, then each catch.
pub fn cases(scenarios: &[Scenario]) -> Vec<Case> {
    let mut out = Vec::new();
    for kind in [TargetKind::Process, TargetKind::Container] {
        for scenario in scenarios {
            out.push(Case {
                name: format!("{kind}/{}", scenario.name),
                kind,
                scenario: scenario.clone(),
                catch: None,
            });
            for (index, catch) in scenario.catches.iter().enumerate() {
                if !catch.holds_on(&kind.to_string()) {
                    continue;
                }
                out.push(Case {
                    name: format!(
                        "{kind}/{}/catches/{}/{}",
                        scenario.name,
                        catch.switch,
                        index + 1
                    ),
                    kind,
                    scenario: scenario.clone(),
                    catch: Some(catch.clone()),
                });
            }
        }
    }
    out
}

impl Case {
    /// Runs the case; `Err` says what went wrong, with the report's failures.
    pub async fn run(&self) -> Result<(), String> {
        let spec = match self.kind {
            TargetKind::Process => target("reference-process"),
            TargetKind::Container => container_target()?,
        };
        let running = (self.kind == TargetKind::Container).then(Running::enter);
        let result = self.run_on(&spec).await;
        if let Some(running) = running {
            running.leave()?;
        }
        result
    }

    async fn run_on(&self, spec: &TargetSpec) -> Result<(), String> {
        let name = &self.scenario.name;
        let env = match &self.catch {
            None => BTreeMap::new(),
            Some(catch) => {
                BTreeMap::from([("REFSERVER_REGRESSIONS".to_owned(), catch.switch.clone())])
            }
        };
        let report = run(std::slice::from_ref(&self.scenario), spec, env).await;
        let failures = failure_lines(&report).join("\n");
        let code = exit_codes::for_run(&report);
        match &self.catch {
            None if code == exit_codes::PASS && report.totals().checks > 0 => Ok(()),
            None => Err(format!(
                "scenario {name} failed on the {} target (exit code {code}):\n{failures}",
                self.kind
            )),
            Some(catch) if code != exit_codes::CHECK_FAILED => Err(format!(
                "{name} with regression {} on: exit code {code}, expected {} (a failed check):\n{failures}",
                catch.switch,
                exit_codes::CHECK_FAILED
            )),
            Some(catch) if !failures.contains(&catch.message) => Err(format!(
                "{name} with regression {} on: no failure mentions {:?}:\n{failures}",
                catch.switch, catch.message
            )),
            Some(_) => Ok(()),
        }
    }
}

/// Every name in every declared switch (one, or a comma list) is a regression switch
/// the reference server has, and every switch is caught on its own by some scenario.
pub fn switch_coverage(scenarios: &[Scenario]) -> Result<(), String> {
    let declared: Vec<(&str, &str)> = scenarios
        .iter()
        .flat_map(|s| {
            s.catches
                .iter()
                .map(|c| (s.name.as_str(), c.switch.as_str()))
        })
        .collect();
    for (name, switch) in &declared {
        for item in switch.split(',') {
            if Regression::from_name(item).is_none() {
                return Err(format!(
                    "{name} declares a catch for {switch:?}: {item:?} is not a regression switch"
                ));
            }
        }
    }
    for switch in Regression::ALL {
        if !declared.iter().any(|(_, s)| *s == switch.name()) {
            return Err(format!(
                "no scenario catches regression switch {} on its own",
                switch.name()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario_dir;

    fn names_of(cases: &[Case]) -> Vec<&str> {
        cases.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn one_case_per_scenario_and_kind_and_per_catch() {
        let scenarios = Scenario::load_dir(&scenario_dir()).expect("scenario files load");
        let cases = cases(&scenarios);
        let catches: usize = scenarios
            .iter()
            .flat_map(|s| &s.catches)
            .map(|c| usize::from(c.holds_on("process")) + usize::from(c.holds_on("container")))
            .sum();
        assert_eq!(cases.len(), 2 * scenarios.len() + catches);
        assert!(names_of(&cases).contains(&"process/static-assets/catches/nagle-stall/5"));
        assert!(!names_of(&cases).contains(&"container/static-assets/catches/nagle-stall/5"));
        let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), cases.len(), "case names are unique");
        assert!(names.contains(&"process/static-assets"));
        assert!(names.contains(&"container/static-assets/catches/buffered-body-size/1"));
    }

    #[test]
    fn the_committed_files_cover_every_switch() {
        let scenarios = Scenario::load_dir(&scenario_dir()).expect("scenario files load");
        switch_coverage(&scenarios).expect("coverage");
    }

    #[test]
    fn an_unknown_or_uncaught_switch_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("x.toml");
        std::fs::write(
            &file,
            "name = \"x\"\ndescription = \"d\"\ncatches = [{ switch = \"no-such-bug\", message = \"m\" }]\n[[steps]]\nboot = {}\n[[steps]]\nexpect-output = { contains = [\"x\"] }\n",
        )
        .expect("write");
        let scenario = Scenario::load(&file).expect("loads");
        let error = switch_coverage(std::slice::from_ref(&scenario)).expect_err("unknown");
        assert!(
            error.contains("\"no-such-bug\" is not a regression switch"),
            "{error}"
        );
        let error = switch_coverage(&[]).expect_err("uncaught");
        assert!(
            error.contains("no scenario catches regression switch"),
            "{error}"
        );
    }
}
