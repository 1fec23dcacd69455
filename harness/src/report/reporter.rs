//! The reporters of a run: the [`Reporter`] a run sends its events to, and the
//! [`Fanout`] that records them into the run's one [`RunReport`] and shows each event,
//! with the report so far, to every [`ReportView`] (the terminal).
//!
//! A reporter that fails (a terminal that cannot be written) keeps going and says so
//! from `finish`, so the caller can fail the run once it is over.

use std::fmt;

use super::error::ReporterError;
use super::event::RunEvent;
use super::run_report::RunReport;

/// Receives the events of a run, in order. Simple and synchronous: a reporter that
/// needs to do I/O does it inline, keeps its first error, and returns it from
/// [`Reporter::finish`].
pub trait Reporter {
    /// Handles one event.
    fn on_event(&mut self, event: &RunEvent);

    /// The run is over: whether everything the reporter had to do was done. The default
    /// has nothing that can fail.
    fn finish(&mut self) -> Result<(), ReporterError> {
        Ok(())
    }
}

impl<R: Reporter + ?Sized> Reporter for &mut R {
    fn on_event(&mut self, event: &RunEvent) {
        (**self).on_event(event);
    }

    fn finish(&mut self) -> Result<(), ReporterError> {
        (**self).finish()
    }
}

impl<R: Reporter + ?Sized> Reporter for Box<R> {
    fn on_event(&mut self, event: &RunEvent) {
        (**self).on_event(event);
    }

    fn finish(&mut self) -> Result<(), ReporterError> {
        (**self).finish()
    }
}

/// A [`RunReport`] is the reporter that collects: it records every event.
impl Reporter for RunReport {
    fn on_event(&mut self, event: &RunEvent) {
        self.record(event);
    }
}

/// A reporter that reads the run's one [`RunReport`] instead of keeping its own: it is
/// shown each event after the report has recorded it.
pub trait ReportView {
    /// Handles one event; `report` already includes it.
    fn on_event(&mut self, event: &RunEvent, report: &RunReport);

    /// The run is over: whether everything the view had to do was done. The default
    /// has nothing that can fail.
    fn finish(&mut self, report: &RunReport) -> Result<(), ReporterError> {
        let _ = report;
        Ok(())
    }
}

impl<V: ReportView + ?Sized> ReportView for &mut V {
    fn on_event(&mut self, event: &RunEvent, report: &RunReport) {
        (**self).on_event(event, report);
    }

    fn finish(&mut self, report: &RunReport) -> Result<(), ReporterError> {
        (**self).finish(report)
    }
}

impl<V: ReportView + ?Sized> ReportView for Box<V> {
    fn on_event(&mut self, event: &RunEvent, report: &RunReport) {
        (**self).on_event(event, report);
    }

    fn finish(&mut self, report: &RunReport) -> Result<(), ReporterError> {
        (**self).finish(report)
    }
}

/// The reporter of a run: records every event into the run's [`RunReport`], then hands
/// the event and the report to every view, in the order they were added.
///
/// Views may be borrowed; the caller takes the report when the run is over:
///
/// ```
/// use harness::report::{Fanout, Reporter, RunEvent};
/// use std::time::Duration;
///
/// let mut fanout = Fanout::new();
/// fanout.on_event(&RunEvent::RunFinished { duration: Duration::ZERO });
/// assert!(fanout.finish().is_ok());
/// assert!(fanout.into_report().passed());
/// ```
#[derive(Default)]
pub struct Fanout<'a> {
    report: RunReport,
    views: Vec<Box<dyn ReportView + Send + 'a>>,
}

impl<'a> Fanout<'a> {
    /// A fan-out with an empty report and no views.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a view (builder style).
    pub fn with(mut self, view: impl ReportView + Send + 'a) -> Self {
        self.push(view);
        self
    }

    /// Adds a view.
    pub(crate) fn push(&mut self, view: impl ReportView + Send + 'a) {
        self.views.push(Box::new(view));
    }

    /// How many views are shown the events.
    pub(crate) fn len(&self) -> usize {
        self.views.len()
    }

    /// The collected report, once the run is over.
    pub fn into_report(self) -> RunReport {
        self.report
    }
}

impl fmt::Debug for Fanout<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fanout")
            .field("report", &self.report)
            .field("views", &self.len())
            .finish()
    }
}

impl Reporter for Fanout<'_> {
    fn on_event(&mut self, event: &RunEvent) {
        self.report.record(event);
        for view in &mut self.views {
            view.on_event(event, &self.report);
        }
    }

    /// Finishes every view (each one, even after one failed) and returns the first
    /// error.
    fn finish(&mut self) -> Result<(), ReporterError> {
        let mut result = Ok(());
        for view in &mut self.views {
            let finished = view.finish(&self.report);
            if result.is_ok() {
                result = finished;
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;
    use crate::report::test_support::sample_events;

    /// Records what it was shown: each event, and the number of checks the report had
    /// by then.
    #[derive(Default)]
    struct Recorder(Vec<(RunEvent, usize)>);

    impl ReportView for Recorder {
        fn on_event(&mut self, event: &RunEvent, report: &RunReport) {
            self.0.push((event.clone(), report.totals().checks));
        }
    }

    fn events_only(recorder: &Recorder) -> Vec<RunEvent> {
        recorder.0.iter().map(|(e, _)| e.clone()).collect()
    }

    /// Fails its `finish` with a terminal error saying `what`, and counts its finishes.
    struct Failing {
        what: &'static str,
        finished: usize,
    }

    impl Failing {
        fn new(what: &'static str) -> Self {
            Self { what, finished: 0 }
        }
    }

    impl ReportView for Failing {
        fn on_event(&mut self, _: &RunEvent, _: &RunReport) {}

        fn finish(&mut self, _: &RunReport) -> Result<(), ReporterError> {
            self.finished += 1;
            Err(ReporterError::Terminal(io::Error::other(self.what)))
        }
    }

    #[test]
    fn fanout_delivers_every_event_to_every_view_in_order() {
        let (mut a, mut b, mut c) = (
            Recorder::default(),
            Recorder::default(),
            Recorder::default(),
        );
        let mut fanout = Fanout::new().with(&mut a).with(&mut b);
        fanout.push(&mut c);
        assert_eq!(fanout.len(), 3);
        for event in &sample_events() {
            fanout.on_event(event);
        }
        assert_eq!(
            fanout.into_report(),
            RunReport::from_events(&sample_events())
        );
        assert_eq!(events_only(&a), sample_events());
        assert_eq!(events_only(&b), sample_events());
        assert_eq!(events_only(&c), sample_events());
    }

    #[test]
    fn fanout_views_read_the_report_after_it_recorded_the_event() {
        let mut view = Recorder::default();
        let mut fanout = Fanout::new().with(&mut view);
        for event in &sample_events() {
            fanout.on_event(event);
        }
        drop(fanout);
        let checks: Vec<_> = view.0.iter().map(|(_, checks)| *checks).collect();
        assert_eq!(
            checks,
            [0, 0, 1, 1, 1, 1, 1],
            "the check counts from its event on"
        );
    }

    #[test]
    fn fanout_takes_owned_boxed_views() {
        let mut fanout =
            Fanout::new().with(Box::new(Recorder::default()) as Box<dyn ReportView + Send>);
        fanout.on_event(&sample_events()[0]);
        assert_eq!(fanout.len(), 1);
    }

    #[test]
    fn fanout_finishes_every_view_and_returns_the_first_error() {
        let (mut first, mut second) = (Failing::new("first"), Failing::new("second"));
        let mut fanout = Fanout::new()
            .with(Recorder::default())
            .with(&mut first)
            .with(&mut second);
        let err = fanout.finish().err().map(|e| e.to_string());
        drop(fanout);
        assert_eq!(
            err.as_deref(),
            Some("cannot write the terminal report: first")
        );
        assert_eq!((first.finished, second.finished), (1, 1));
        assert!(Fanout::new().with(Recorder::default()).finish().is_ok());
    }

    #[test]
    fn run_report_is_a_reporter() {
        let mut report = RunReport::new();
        for event in &sample_events() {
            Reporter::on_event(&mut report, event);
        }
        assert!(report.finish().is_ok());
        assert_eq!(report, RunReport::from_events(&sample_events()));
    }
}
