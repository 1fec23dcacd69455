//! Small files kept in memory between requests, each checked against the file system
//! by one `stat` per request.
//!
//! Serving a theme file used to take nine system calls (three `stat`s, `open`, two
//! `read`s, `close`, plus the socket's): a file system walk three times over for a few
//! kilobytes the page cache already holds. nginx (Debian's default, no
//! `open_file_cache`) opens, `fstat`s and `sendfile`s each time. Here a file already
//! read is served from memory once one `stat` of its path shows the same file: same
//! device and inode, same size, same modification and change times. A file replaced,
//! rewritten, truncated or removed fails that comparison and is opened again.
//!
//! Timestamps only move in clock ticks, so two writes within one tick can leave a file
//! with the same times and size. As `git` does for its index, a file changed less than
//! a second before it was read is never kept: it is read from disk until it has been
//! still for a second, and only then can a later write go unseen by the comparison.
//! That is the rule [`Validators`] already applies before calling `Last-Modified`
//! strong.
//!
//! Entries are keyed by the request path as received (below `/static`), so a hit
//! needs neither percent-decoding nor a new path; a path is only ever inserted after
//! [`super::path::relative_path`] accepted it. The cache is bounded in entries and
//! bytes: past either bound nothing more is kept, and files are read as before.

use std::collections::HashMap;
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use bytes::Bytes;

use super::path::SMALL_FILE;
use super::preconditions::Validators;

/// At most this many files are kept.
const MAX_ENTRIES: usize = 1024;
/// At most this many bytes of file contents are kept (512 files at the largest).
const MAX_BYTES: usize = 32 * 1024 * 1024;
/// A file changed more recently than this before it was read is not kept.
const SETTLED: Duration = Duration::from_secs(1);

/// Files read whole, by request path.
#[derive(Debug, Default)]
pub(crate) struct FileCache {
    entries: RwLock<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    by_path: HashMap<Box<str>, Arc<CachedFile>>,
    bytes: usize,
}

/// A file as it was read, and what a response needs of it.
#[derive(Debug)]
pub(crate) struct CachedFile {
    /// Where it is on disk, `stat`ed on every request.
    path: PathBuf,
    identity: Identity,
    /// The whole file.
    pub(crate) contents: Bytes,
    /// Its validators, settled: the file is at least a second old, so they no longer
    /// depend on the time of the request.
    pub(crate) validators: Validators,
    /// Its media type.
    pub(crate) content_type: &'static str,
}

impl CachedFile {
    /// `contents`, read whole through a handle whose metadata is `metadata`, from
    /// `path`, with its validators and media type.
    pub(crate) fn new(
        path: PathBuf,
        metadata: &Metadata,
        contents: Bytes,
        validators: Validators,
        content_type: &'static str,
    ) -> Self {
        Self {
            path,
            identity: Identity::of(metadata),
            contents,
            validators,
            content_type,
        }
    }
}

/// What tells one version of a file from another without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Identity {
    dev: u64,
    ino: u64,
    len: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl Identity {
    fn of(metadata: &Metadata) -> Self {
        Self {
            dev: metadata.dev(),
            ino: metadata.ino(),
            len: metadata.len(),
            modified: (metadata.mtime(), metadata.mtime_nsec()),
            changed: (metadata.ctime(), metadata.ctime_nsec()),
        }
    }

    /// Whether the last change is at least [`SETTLED`] before `now`.
    fn settled(&self, now: SystemTime) -> bool {
        let Ok(since_epoch) = now.duration_since(SystemTime::UNIX_EPOCH) else {
            return false;
        };
        let (secs, nanos) = self.changed;
        let (Ok(secs), Ok(nanos)) = (u64::try_from(secs), u32::try_from(nanos)) else {
            return false;
        };
        Duration::new(secs, nanos)
            .checked_add(SETTLED)
            .is_some_and(|settled_at| settled_at <= since_epoch)
    }
}

impl FileCache {
    /// The file kept for `request_path`, if one `stat` shows it unchanged on disk.
    pub(crate) fn get(&self, request_path: &str) -> Option<Arc<CachedFile>> {
        let file = {
            let entries = self.entries.read().ok()?;
            Arc::clone(entries.by_path.get(request_path)?)
        };
        let current = std::fs::metadata(&file.path).ok()?;
        (current.is_file() && Identity::of(&current) == file.identity).then_some(file)
    }

    /// Keeps `file` as the file `request_path` names, if it is small, settled and fits.
    pub(crate) fn insert(&self, request_path: &str, file: CachedFile) {
        self.insert_at(request_path, file, SystemTime::now());
    }

    /// [`Self::insert`] as of `now`.
    fn insert_at(&self, request_path: &str, file: CachedFile, now: SystemTime) {
        let identity = file.identity;
        let fits = file.contents.len() as u64 == identity.len && identity.len <= SMALL_FILE;
        if !fits || !identity.settled(now) || !file.validators.is_settled() {
            return;
        }
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        let replaced = entries
            .by_path
            .get(request_path)
            .map_or(0, |old| old.contents.len());
        let bytes = entries.bytes - replaced + file.contents.len();
        let room = replaced > 0 || entries.by_path.len() < MAX_ENTRIES;
        if !room || bytes > MAX_BYTES {
            return;
        }
        entries.bytes = bytes;
        entries.by_path.insert(request_path.into(), Arc::new(file));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.read().map_or(0, |e| e.by_path.len())
    }
}

#[cfg(test)]
mod tests {
    use std::fs::{self, File, FileTimes};

    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    struct Fixture {
        _dir: tempfile::TempDir,
        path: PathBuf,
        cache: FileCache,
    }

    /// A file last written an hour ago: settled.
    fn settled_file(contents: &[u8]) -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("style.css");
        write_aged(&path, contents, HOUR);
        Fixture {
            _dir: dir,
            path,
            cache: FileCache::default(),
        }
    }

    /// Writes `contents` with a modification time `age` ago (the change time is now:
    /// only the kernel sets it).
    fn write_aged(path: &std::path::Path, contents: &[u8], age: Duration) {
        fs::write(path, contents).expect("write");
        let then = SystemTime::now() - age;
        File::options()
            .write(true)
            .open(path)
            .and_then(|f| f.set_times(FileTimes::new().set_modified(then)))
            .expect("set times");
    }

    /// The fixture's file read as the server reads it, with validators as of an hour
    /// from now.
    fn read_whole(fixture: &Fixture) -> CachedFile {
        let metadata = fs::metadata(&fixture.path).expect("stat");
        let contents = Bytes::from(fs::read(&fixture.path).expect("read"));
        let validators = Validators::new(&metadata, SystemTime::now() + HOUR);
        CachedFile::new(
            fixture.path.clone(),
            &metadata,
            contents,
            validators,
            "text/css",
        )
    }

    /// Inserts the file as the server would after reading it, pretending `now` is an
    /// hour later (so the change time `write_aged` could not set back is settled).
    fn keep(fixture: &Fixture, key: &str) {
        let file = read_whole(fixture);
        assert!(file.identity.settled(SystemTime::now() + HOUR));
        fixture.cache.insert_at(key, file, SystemTime::now() + HOUR);
    }

    #[test]
    fn an_unchanged_file_is_served_from_memory() {
        let fixture = settled_file(b"body { color: red }");
        keep(&fixture, "/style.css");
        let hit = fixture.cache.get("/style.css").expect("a hit");
        assert_eq!(hit.contents, &b"body { color: red }"[..]);
        assert_eq!(hit.content_type, "text/css");
        assert!(fixture.cache.get("/other.css").is_none(), "another path");
    }

    #[test]
    fn a_rewritten_replaced_or_removed_file_is_read_again() {
        // Same size, new contents: the times differ.
        let fixture = settled_file(b"aaaa");
        keep(&fixture, "/style.css");
        write_aged(&fixture.path, b"bbbb", HOUR / 2);
        assert!(fixture.cache.get("/style.css").is_none(), "rewritten");

        // Same size and the same modification time set back: the change time differs.
        let fixture = settled_file(b"aaaa");
        let before = fs::metadata(&fixture.path).expect("stat");
        keep(&fixture, "/style.css");
        std::thread::sleep(Duration::from_millis(20));
        fs::write(&fixture.path, b"bbbb").expect("rewrite");
        File::options()
            .write(true)
            .open(&fixture.path)
            .and_then(|f| f.set_modified(before.modified().expect("mtime")))
            .expect("set times");
        assert!(fixture.cache.get("/style.css").is_none(), "mtime set back");

        // Replaced by rename: another inode.
        let fixture = settled_file(b"aaaa");
        keep(&fixture, "/style.css");
        let other = fixture.path.with_extension("new");
        write_aged(&other, b"aaaa", HOUR);
        fs::rename(&other, &fixture.path).expect("rename");
        assert!(fixture.cache.get("/style.css").is_none(), "replaced");

        // Removed.
        let fixture = settled_file(b"aaaa");
        keep(&fixture, "/style.css");
        fs::remove_file(&fixture.path).expect("remove");
        assert!(fixture.cache.get("/style.css").is_none(), "removed");
    }

    #[test]
    fn a_file_changed_within_the_last_second_is_not_kept() {
        let fixture = settled_file(b"fresh");
        fixture.cache.insert("/style.css", read_whole(&fixture));
        assert_eq!(fixture.cache.len(), 0, "its change time is now");
    }

    #[test]
    fn the_cache_is_bounded_in_entries() {
        let fixture = settled_file(b"x");
        for n in 0..MAX_ENTRIES + 10 {
            keep(&fixture, &format!("/{n}"));
        }
        assert_eq!(fixture.cache.len(), MAX_ENTRIES);
        // Replacing a kept path still works when full.
        keep(&fixture, "/0");
        assert_eq!(fixture.cache.len(), MAX_ENTRIES);
    }
}
