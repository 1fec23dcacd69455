//! Shared set-up for the monitoring-overhead benches: the monitoring variants every
//! bench compares side by side, reference-server apps built for each, an in-process
//! request helper and the criterion configuration that keeps a full run short.
//!
//! Bench ids are `<bench>/<subject>/<variant>`, e.g. `requests/note_page/rate_1.0`;
//! `bench-gate/budgets.toml` names them and the bench gate (`harness bench-gate`) reads
//! criterion's results under `target/criterion/`.

pub mod paired;
pub mod served;

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use criterion::Criterion;
use http_body_util::BodyExt;
use reference_server::config::{self, ConfigErrors, EnvMap};
use reference_server::monitoring::MonitorSettings;
use reference_server::{App, Site};
use tempfile::TempDir;
use tower::ServiceExt;

/// The server binary's allocator, so every bench counts and times what ships.
#[global_allocator]
static ALLOCATOR: reference_server::Allocator = reference_server::Allocator;

/// The admin token every bench app uses (admin routes are not benched).
pub const ADMIN_TOKEN: &str = "bench-admin-token-0123456789abcdef";

/// How monitoring is configured for one variant of a bench.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Monitoring {
    /// `METRICS_ENABLED=false`: no middleware, `record` returns at once.
    Off,
    /// Monitoring on with `METRICS_SAMPLING_RATE` set to this rate for every type.
    Sampled(f64),
}

/// The variants measured side by side: off, then on at sampling 0.0, 0.1 and 1.0.
pub const MONITORING: [Monitoring; 4] = [
    Monitoring::Off,
    Monitoring::Sampled(0.0),
    Monitoring::Sampled(0.1),
    Monitoring::Sampled(1.0),
];

impl Monitoring {
    /// The last segment of the bench id: `off`, `rate_0.0`, `rate_0.1`, `rate_1.0`.
    pub fn id(self) -> String {
        match self {
            Monitoring::Off => "off".to_owned(),
            Monitoring::Sampled(rate) => format!("rate_{rate:.1}"),
        }
    }

    /// The environment entries that configure this variant.
    pub fn env(self) -> Vec<(&'static str, String)> {
        match self {
            Monitoring::Off => vec![("METRICS_ENABLED", "false".to_owned())],
            Monitoring::Sampled(rate) => vec![
                ("METRICS_ENABLED", "true".to_owned()),
                ("METRICS_SAMPLING_RATE", rate.to_string()),
            ],
        }
    }

    /// The recorder settings of this variant, for benches that build a `Metrics`
    /// directly: the documented defaults with this rate (or disabled).
    pub fn settings(self) -> MonitorSettings {
        match self {
            Monitoring::Off => MonitorSettings {
                enabled: false,
                ..MonitorSettings::default()
            },
            Monitoring::Sampled(rate) => MonitorSettings::default().with_rate(rate),
        }
    }
}

/// Why a bench app could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The temporary data directory could not be created.
    #[error("cannot create a temp data directory: {0}")]
    TempDir(std::io::Error),
    /// The bench environment did not resolve to a valid configuration.
    #[error("bench configuration is invalid: {0}")]
    Config(ConfigErrors),
    /// The server refused to start.
    #[error("the reference server did not start: {0}")]
    Startup(reference_server::StartupError),
}

/// A reference-server app over its own temporary data directory (seeded database),
/// removed when dropped.
pub struct BenchApp {
    app: App,
    /// Kept alive (not read) so the data directory outlives the app.
    _dir: TempDir,
}

impl BenchApp {
    /// Builds an app configured for `monitoring`, with default static files.
    pub fn new(monitoring: Monitoring) -> Result<Self, SetupError> {
        let dir = tempfile::tempdir().map_err(SetupError::TempDir)?;
        let mut env = EnvMap::new();
        env.insert("DATA_PATH".into(), dir.path().display().to_string());
        env.insert("ADMIN_TOKEN".into(), ADMIN_TOKEN.into());
        for (key, value) in monitoring.env() {
            env.insert(key.into(), value);
        }
        let config = config::resolve(&env).map_err(SetupError::Config)?;
        let app = App::build(config).map_err(SetupError::Startup)?;
        Ok(Self { app, _dir: dir })
    }

    /// The built app (site, metrics, pool).
    pub fn app(&self) -> &App {
        &self.app
    }
}

/// An endpoint the request benches measure: its name in bench ids
/// (`served_requests/<name>/<variant>`, and `requests/...` in-process), its path, and
/// the smallest body it must answer with (so a 404 or an empty body can never pass for
/// a fast response).
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    /// The bench id's middle segment.
    pub name: &'static str,
    /// The path requested.
    pub uri: &'static str,
    /// The fewest body bytes a right answer has.
    pub min_body: usize,
}

/// The endpoints of `requests/...`: a small and a large static file, a note page and
/// the feed.
pub const ENDPOINTS: [Endpoint; 4] = [
    Endpoint {
        name: "static_small",
        uri: "/static/css/style.css",
        min_body: 1024,
    },
    Endpoint {
        name: "static_large",
        uri: "/static/img/large.png",
        min_body: 1 << 20,
    },
    Endpoint {
        name: "note_page",
        uri: "/notes/hello-world",
        min_body: 256,
    },
    Endpoint {
        name: "feed",
        uri: "/feed.xml",
        min_body: 256,
    },
];

/// Sends `GET uri` through `site` in-process (no network) and reads the whole body.
///
/// # Panics
///
/// Never for a valid `uri`: the site is infallible, and in-memory bodies do not
/// fail to read. A malformed `uri` panics, which is a bug in the bench.
pub async fn get(site: Site, uri: &str) -> (StatusCode, Bytes) {
    let request = Request::get(uri)
        .body(Body::empty())
        .expect("bench URIs are valid");
    let response = match site.oneshot(request).await {
        Ok(response) => response,
        Err(infallible) => match infallible {},
    };
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("in-process bodies read")
        .to_bytes();
    (status, body)
}

/// A current-thread tokio runtime (with timers and the blocking pool the database
/// handlers use), as a server worker would run one request.
///
/// # Panics
///
/// When the operating system refuses the runtime's resources.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The criterion configuration all benches share: 1 s warm-up, ~3 s of measurement,
/// 40 samples, so a full `cargo bench -p rc-benches` takes a few minutes. Command-line
/// flags (`--quick`, `--measurement-time`, `--save-baseline`) still override it.
pub fn criterion_config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(40)
}

/// One event recorded the way the server records it, shared by the wall-clock and
/// instruction-count recording benches.
pub mod recording {
    use std::hint::black_box;
    use std::time::Duration;

    use reference_server::monitoring::{
        EventDetail, Metrics, MonitorSettings, Name, OpType, Operation, OperationKey, Outcome,
    };

    /// A typical fast operation: well under the slow threshold, so only sampling
    /// admits it.
    pub const DURATION: Duration = Duration::from_micros(250);

    /// The statement key the database bench records under, as a `Query` static holds
    /// one.
    static STATEMENT: OperationKey = OperationKey::new();

    /// The operation name the server records for `op`.
    pub fn operation(op: OpType) -> &'static str {
        match op {
            OpType::Http => "GET /notes/{slug}",
            OpType::Database => "SELECT notes",
            OpType::Render => "note.html",
        }
    }

    /// The detail the server builds when an event is admitted: shared names, no
    /// allocation.
    pub fn detail(op: OpType) -> EventDetail {
        match op {
            OpType::Http => EventDetail::Http {
                method: Name::from("GET"),
                route: Name::from("/notes/{slug}"),
                status: 200,
                bytes: 4096,
            },
            OpType::Database => EventDetail::Database {
                kind: Name::from("SELECT"),
                table: Name::from("notes"),
                rows: 1,
                slow: false,
            },
            OpType::Render => EventDetail::Render {
                template: Name::from("note.html"),
            },
        }
    }

    /// A recorder and what a server call site holds to record one kind of event: an
    /// HTTP route's interned operation (the monitor keeps one per route and method), a
    /// statement's key (a `Query` static), a template name (looked up per render).
    #[derive(Debug)]
    pub struct Recording {
        metrics: Metrics,
        op: OpType,
        operation: Operation,
    }

    impl Recording {
        /// A recorder for `settings`, past its minimum samples for `op`.
        pub fn warm(op: OpType, settings: MonitorSettings) -> Self {
            let warm = settings.min_samples + 100;
            let metrics = Metrics::new(settings);
            let operation = metrics.operation(op, operation(op));
            let recording = Self {
                metrics,
                op,
                operation,
            };
            for _ in 0..warm {
                recording.record();
            }
            recording
        }

        /// Records one event as the server's call site for its type does.
        pub fn record(&self) {
            let op = black_box(self.op);
            let duration = black_box(DURATION);
            match op {
                OpType::Http => self.metrics.record_operation(
                    black_box(&self.operation),
                    duration,
                    Outcome::Ok,
                    4096,
                    || detail(op),
                ),
                OpType::Database => self.metrics.record_keyed(
                    &STATEMENT,
                    op,
                    || Name::from(operation(op)),
                    duration,
                    Outcome::Ok,
                    || detail(op),
                ),
                // The renderer interns each template's operation once, as the HTTP
                // monitor does each route's.
                OpType::Render => self.metrics.record_operation(
                    black_box(&self.operation),
                    duration,
                    Outcome::Ok,
                    0,
                    || detail(op),
                ),
            }
        }
    }
}

/// The point query both query benches run: a raw rusqlite query against the same
/// query through a `MonitoredConnection`, on an in-memory copy of the seeded database.
pub mod point_query {
    use std::path::Path;

    use reference_server::db::Query;
    use rusqlite::{Connection, Row};

    /// The statement, as the server declares its queries.
    pub static POINT: Query = Query::new("SELECT slug, title FROM notes WHERE slug = ?1");

    /// A seeded note.
    pub const SLUG: &str = "hello-world";

    /// One row: slug and title.
    pub type Found = (String, Option<String>);

    /// The row mapping both sides use.
    pub fn map(row: &Row<'_>) -> rusqlite::Result<Found> {
        Ok((row.get(0)?, row.get(1)?))
    }

    /// What `MonitoredConnection::query_opt` runs, without the wrapper.
    pub fn raw(conn: &Connection, slug: &str) -> rusqlite::Result<Option<Found>> {
        let mut stmt = conn.prepare_cached(POINT.sql())?;
        let mut rows = stmt.query([slug])?;
        match rows.next()? {
            Some(row) => Ok(Some(map(row)?)),
            None => Ok(None),
        }
    }

    /// Copies every table (schema, indexes, rows) of the database at `path` into a new
    /// in-memory database.
    ///
    /// On the file itself every read transaction takes WAL locks with system calls,
    /// which on a virtual machine cost microseconds and would hide the wrapper; in
    /// memory the raw query is a few hundred nanoseconds.
    pub fn in_memory_copy(path: &Path) -> rusqlite::Result<Connection> {
        let conn = Connection::open_in_memory()?;
        conn.execute("ATTACH DATABASE ?1 AS server", [path.to_string_lossy()])?;
        let schema: Vec<(String, String, String)> = conn
            .prepare(
                "SELECT type, name, sql FROM server.sqlite_master \
                 WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' \
                 ORDER BY type = 'index', rowid",
            )?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (kind, name, sql) in &schema {
            conn.execute_batch(sql)?;
            if kind == "table" {
                let name = name.replace('"', "\"\"");
                conn.execute_batch(&format!(
                    "INSERT INTO main.\"{name}\" SELECT * FROM server.\"{name}\""
                ))?;
            }
        }
        conn.execute_batch("DETACH DATABASE server")?;
        Ok(conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_ids_are_the_budget_names() {
        let ids: Vec<String> = MONITORING.iter().map(|m| m.id()).collect();
        assert_eq!(ids, ["off", "rate_0.0", "rate_0.1", "rate_1.0"]);
    }

    #[test]
    fn variants_configure_the_monitor_they_name() {
        for monitoring in MONITORING {
            let bench = BenchApp::new(monitoring).expect("app builds");
            let settings = bench.app().metrics().settings();
            match monitoring {
                Monitoring::Off => assert!(!settings.enabled),
                Monitoring::Sampled(rate) => {
                    assert!(settings.enabled);
                    assert_eq!(settings.rates, [rate; 3]);
                }
            }
            assert_eq!(monitoring.settings().enabled, settings.enabled);
        }
    }
}
