//! A small, fixed-size pool of SQLite connections.
//!
//! SQLite calls block, so [`Pool::run`] moves the work onto tokio's blocking threads.
//! Connections are handed out wrapped in a [`MonitoredConnection`]; the only way to
//! get an unmonitored one is the `unwired-db-metrics` regression switch, which exists
//! to prove the harness notices.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use super::{DbError, MonitoredConnection, migrations, seed};
use crate::monitoring::Metrics;

/// How the pool is sized and how long a caller may wait for a connection.
#[derive(Debug, Clone)]
pub(crate) struct PoolOptions {
    /// Connections opened at most.
    pub(crate) max_size: usize,
    /// How long [`Pool::run`] waits for a free connection before failing.
    pub(crate) acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 4,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// Counters shown on the admin dashboard and exported to Prometheus.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub(crate) struct PoolStats {
    /// Connections opened so far.
    pub(crate) size: usize,
    /// Connections waiting in the pool.
    pub(crate) idle: usize,
    /// Connections lent out right now.
    pub(crate) in_use: usize,
    /// The configured maximum.
    pub(crate) max_size: usize,
    /// Connections handed out since start.
    pub(crate) acquired: u64,
    /// Times a caller had to wait for a connection.
    pub(crate) waits: u64,
    /// Times a caller gave up waiting.
    pub(crate) timeouts: u64,
}

/// A cloneable handle to the pool.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    returned: Condvar,
    opened: AtomicUsize,
    in_use: AtomicUsize,
    acquired: AtomicU64,
    waits: AtomicU64,
    timeouts: AtomicU64,
    options: PoolOptions,
    /// `None` only under the `unwired-db-metrics` regression.
    metrics: Option<Arc<Metrics>>,
    /// Set by [`Pool::run_queries_on_caller`].
    on_caller: AtomicBool,
}

impl Pool {
    /// Opens (creating if needed) `dir/blog.db`, applies migrations and seeds a fresh
    /// database with the bundled notes. `metrics: None` hands out unmonitored
    /// connections (the `unwired-db-metrics` regression).
    pub(crate) fn open(
        dir: &Path,
        options: PoolOptions,
        metrics: Option<Arc<Metrics>>,
    ) -> Result<Self, DbError> {
        let path = dir.join("blog.db");
        std::fs::create_dir_all(dir).map_err(|source| DbError::Open {
            path: path.clone(),
            source: Box::new(source),
        })?;
        let mut first = open_connection(&path)?;
        let before = migrations::migrate(&mut first)?;
        if before == 0 {
            seed::seed(&first)?;
        }
        let pool = Self {
            inner: Arc::new(Inner {
                path,
                idle: Mutex::new(vec![first]),
                returned: Condvar::new(),
                opened: AtomicUsize::new(1),
                in_use: AtomicUsize::new(0),
                acquired: AtomicU64::new(0),
                waits: AtomicU64::new(0),
                timeouts: AtomicU64::new(0),
                options,
                metrics,
                on_caller: AtomicBool::new(false),
            }),
        };
        Ok(pool)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `work` with a pooled connection on a blocking thread (on the caller's after
    /// [`Pool::run_queries_on_caller`]).
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&MonitoredConnection<'_>) -> Result<T, DbError> + Send + 'static,
    {
        if self.inner.on_caller.load(Ordering::Relaxed) {
            return self.run_blocking(work);
        }
        let pool = self.clone();
        tokio::task::spawn_blocking(move || pool.run_blocking(work))
            .await
            .map_err(|e| DbError::Task(e.to_string()))?
    }

    /// From now on, runs every query on the task that asks instead of a blocking
    /// thread: for instruction counts only. Callgrind counts the thread it measures, so
    /// a query on another thread is left out of a page's count, and how often the
    /// waiting runtime wakes meanwhile moves that count by about 1% with the machine's
    /// load. A server never does this: a query waiting on SQLite's lock would stall
    /// every task of its runtime.
    pub fn run_queries_on_caller(&self) {
        self.inner.on_caller.store(true, Ordering::Relaxed);
    }

    /// Runs `work` with a pooled connection on the calling thread (benches, start-up).
    pub(crate) fn run_blocking<T>(
        &self,
        work: impl FnOnce(&MonitoredConnection<'_>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let conn = self.acquire()?;
        let metrics = self.inner.metrics.as_deref();
        let result = work(&MonitoredConnection::new(&conn, metrics));
        self.release(conn);
        result
    }

    /// A consistent-enough snapshot of the pool's counters.
    pub(crate) fn stats(&self) -> PoolStats {
        let idle = self.lock_idle().len();
        PoolStats {
            size: self.inner.opened.load(Ordering::Relaxed),
            idle,
            in_use: self.inner.in_use.load(Ordering::Relaxed),
            max_size: self.inner.options.max_size,
            acquired: self.inner.acquired.load(Ordering::Relaxed),
            waits: self.inner.waits.load(Ordering::Relaxed),
            timeouts: self.inner.timeouts.load(Ordering::Relaxed),
        }
    }

    fn lock_idle(&self) -> MutexGuard<'_, Vec<Connection>> {
        // A panic while holding this lock cannot leave the Vec half-updated.
        self.inner
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn acquire(&self) -> Result<Connection, DbError> {
        let inner = &self.inner;
        let deadline = Instant::now() + inner.options.acquire_timeout;
        let mut idle = self.lock_idle();
        let mut waited = false;
        let conn = loop {
            if let Some(conn) = idle.pop() {
                break conn;
            }
            if inner.opened.load(Ordering::Relaxed) < inner.options.max_size {
                inner.opened.fetch_add(1, Ordering::Relaxed);
                drop(idle);
                match open_connection(&inner.path) {
                    Ok(conn) => break conn,
                    Err(e) => {
                        inner.opened.fetch_sub(1, Ordering::Relaxed);
                        return Err(e);
                    }
                }
            }
            if !waited {
                waited = true;
                inner.waits.fetch_add(1, Ordering::Relaxed);
            }
            let now = Instant::now();
            if now >= deadline {
                inner.timeouts.fetch_add(1, Ordering::Relaxed);
                return Err(DbError::PoolTimeout(inner.options.acquire_timeout));
            }
            idle = inner
                .returned
                .wait_timeout(idle, deadline - now)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|poisoned| poisoned.into_inner().0);
        };
        inner.in_use.fetch_add(1, Ordering::Relaxed);
        inner.acquired.fetch_add(1, Ordering::Relaxed);
        Ok(conn)
    }

    fn release(&self, conn: Connection) {
        self.inner.in_use.fetch_sub(1, Ordering::Relaxed);
        self.lock_idle().push(conn);
        self.inner.returned.notify_one();
    }
}

fn open_connection(path: &Path) -> Result<Connection, DbError> {
    let open_err = |source: rusqlite::Error| DbError::Open {
        path: path.to_path_buf(),
        source: Box::new(source),
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(open_err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(DbError::Open {
            path: path.to_path_buf(),
            source: format!("SQLite refused WAL mode (got {mode})").into(),
        });
    }
    // FULL: a note acknowledged with 201 survives a crash right after.
    conn.pragma_update(None, "synchronous", "FULL")
        .and_then(|()| conn.pragma_update(None, "foreign_keys", "ON"))
        .and_then(|()| conn.busy_timeout(Duration::from_secs(5)))
        .map_err(open_err)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Query;

    /// The slug of every note: enough to count them without the notes module, which
    /// tests itself on a pool.
    static SLUGS: Query = Query::new("SELECT slug FROM notes");

    fn slugs(conn: &MonitoredConnection<'_>) -> Result<Vec<String>, DbError> {
        conn.query_all(&SLUGS, [], |row| row.get(0))
    }

    #[test]
    fn fresh_database_is_seeded_and_uses_wal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pool = Pool::open(dir.path(), PoolOptions::default(), None).expect("open");
        let notes = pool.run_blocking(slugs).expect("recent");
        assert!(notes.len() >= 3, "seeded notes: {}", notes.len());
        assert!(dir.path().join("blog.db-wal").exists());
        // Reopening does not seed twice.
        drop(pool);
        let pool = Pool::open(dir.path(), PoolOptions::default(), None).expect("reopen");
        let again = pool.run_blocking(slugs).expect("recent");
        assert_eq!(again.len(), notes.len());
    }

    #[tokio::test]
    async fn queries_leave_the_caller_thread_unless_told_to_stay() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pool = Pool::open(dir.path(), PoolOptions::default(), None).expect("open");
        let caller = std::thread::current().id();
        let thread = |_: &MonitoredConnection<'_>| Ok(std::thread::current().id());
        assert_ne!(pool.run(thread).await.expect("runs"), caller);
        pool.run_queries_on_caller();
        assert_eq!(pool.run(thread).await.expect("runs"), caller);
    }

    #[test]
    fn acquire_times_out_when_exhausted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let options = PoolOptions {
            max_size: 1,
            acquire_timeout: Duration::from_millis(20),
        };
        let pool = Pool::open(dir.path(), options, None).expect("open");
        let held = pool.acquire().expect("first");
        assert!(matches!(pool.acquire(), Err(DbError::PoolTimeout(_))));
        let stats = pool.stats();
        assert_eq!((stats.in_use, stats.timeouts, stats.waits), (1, 1, 1));
        pool.release(held);
        assert!(pool.acquire().is_ok());
    }
}
