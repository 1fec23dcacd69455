//! Wiring: configuration in, a ready [`axum::Router`] out.

use std::sync::Arc;
use std::time::Duration;

use crate::auth::AdminToken;
use crate::config::{Config, Regression, SamplingRates, Source};
use crate::db::{DbError, Pool, PoolOptions};
use crate::monitoring::{Metrics, MonitorSettings, OpType};
use crate::render::{RenderError, Renderer};
use crate::site::Site;
use crate::state::{AppState, Shared};
use crate::{routes, static_files};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened, migrated or seeded.
    #[error(transparent)]
    Database(#[from] DbError),
    /// A bundled template does not compile.
    #[error(transparent)]
    Templates(#[from] RenderError),
    /// The operating system gave us no randomness for the admin token.
    #[error("cannot generate an admin token: {0}")]
    Random(getrandom::Error),
    /// The HTTP client for the token endpoint could not be built.
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(reqwest::Error),
}

/// A built server: the site plus the handles tests and `main` need.
pub struct App {
    site: Site,
    state: AppState,
}

impl App {
    /// Opens the database, compiles templates and assembles the routes.
    pub fn build(config: Config) -> Result<Self, StartupError> {
        let regressions = config.regressions.value.clone();
        let metrics = Arc::new(Metrics::new(monitor_settings(&config)));
        // Regression `unwired-db-metrics`: the pool hands out unmonitored connections.
        let pool_metrics =
            (!regressions.contains(Regression::UnwiredDbMetrics)).then(|| metrics.clone());
        let pool = Pool::open(
            &config.data_path.value,
            PoolOptions::default(),
            pool_metrics,
        )?;
        let renderer = Renderer::new(metrics.clone())?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(StartupError::HttpClient)?;
        let admin = AdminToken::from_config(config.admin_token.value.as_deref())
            .map_err(StartupError::Random)?;
        let static_dir = config.static_dir.value.clone();
        let enabled = config.metrics_enabled.value;
        let state = AppState(Arc::new(Shared {
            config,
            metrics: metrics.clone(),
            pool,
            renderer,
            client,
            admin,
        }));
        let (routes, files) = static_files::add(routes::routes(), &static_dir, &regressions);
        let (router, templates) = routes.into_parts();
        let router = router.with_state(state.clone());
        let buffered = enabled && regressions.contains(Regression::BufferedBodySize);
        let metrics = enabled.then_some(metrics);
        let site = Site::new(router, &templates, files, metrics, buffered);
        Ok(Self { site, state })
    }

    /// The whole site, ready to serve or to call in-process.
    pub fn site(&self) -> Site {
        self.site.clone()
    }

    /// The metrics registry, for in-process assertions and benches.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.state.metrics
    }

    /// The admin token in force (configured or generated).
    pub fn admin_token(&self) -> &AdminToken {
        &self.state.admin
    }

    /// The connection pool, for benches that query the database directly.
    pub fn pool(&self) -> &Pool {
        &self.state.pool
    }
}

/// `build_app(config)`, as the design names it: the whole site, monitoring included
/// (a tower service rather than an `axum::Router`, see [`Site`]).
pub fn build_app(config: Config) -> Result<Site, StartupError> {
    App::build(config).map(|app| app.site)
}

/// Maps the resolved configuration onto the monitor, applying the sampling
/// regressions where the historical code read its settings.
fn monitor_settings(config: &Config) -> MonitorSettings {
    let regressions = &config.regressions.value;
    let sampling = &config.sampling.value;
    let mut rates = OpType::ALL.map(|t| sampling.rate(t));
    if regressions.contains(Regression::PluralSamplingKey) {
        // v1.1.2-rc.1: the buffer read only METRICS_SAMPLING_RATES and, finding
        // nothing usable, silently sampled 10%.
        rates = config
            .raw("METRICS_SAMPLING_RATES")
            .and_then(|raw| SamplingRates::parse("METRICS_SAMPLING_RATES", raw).ok())
            .map_or([0.1; 3], |parsed| OpType::ALL.map(|t| parsed.rate(t)));
    }
    let legacy = regressions.contains(Regression::LegacySampling);
    if legacy && config.sampling.source == Source::Default {
        // The old hard-coded default.
        rates = [0.1; 3];
    }
    MonitorSettings {
        enabled: config.metrics_enabled.value,
        rates,
        slow_threshold: config.slow_query_threshold.value,
        buffer_size: config.buffer_size.value,
        min_samples: config.min_samples.value,
        legacy_sampling: legacy,
    }
}
