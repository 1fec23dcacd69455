//! Request path to file: what may reach the file system, and opening it.
//!
//! Only a path of plain names does. Each `/`-separated segment is percent-decoded on
//! its own (so `%2f` never becomes a separator) and the path is refused, before any
//! disk access, when a segment is empty (`//`, a trailing `/`, as after a file name),
//! is a dot segment or any other name starting with `.` (hidden files are never
//! served), holds a slash, backslash or control character (NUL included), is not
//! UTF-8, or is longer than `NAME_MAX`, or when the whole path is longer than
//! `PATH_MAX`. What is left is a relative path of plain names joined below the root,
//! so nothing escapes it (symbolic links inside the root are followed, as `ServeDir`
//! and nginx do: the root is the operator's).
//!
//! Only malformed percent-escapes (`%zz`, a lone `%`) are a 400, the request-target
//! being invalid (RFC 3986 §2.1); every other refusal, and every failure to open, is a
//! 404: the route never answers 5xx, and never says why a name does not exist.

use std::fs::Metadata;
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};

use bytes::Bytes;

/// Longest file name Linux accepts (`NAME_MAX`); longer ones are refused unopened.
const NAME_MAX: usize = 255;
/// Longest decoded path looked up at all (`open(2)` would fail past `PATH_MAX`).
const PATH_MAX: usize = 1024;

/// Why a request path names no file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// 400: the path is not a valid URI path (a malformed percent-escape).
    Malformed,
    /// 404: no file is served under that name.
    NotFound,
}

/// The file a request path (below `/static`, with its leading `/`) names, relative
/// to the static root.
pub(crate) fn relative_path(request_path: &str) -> Result<PathBuf, Refusal> {
    let Some(rest) = request_path.strip_prefix('/') else {
        return Err(Refusal::NotFound);
    };
    let mut relative = PathBuf::new();
    let mut total = 0;
    for raw in rest.split('/') {
        let name = segment(raw)?;
        total += name.len() + 1;
        if total > PATH_MAX {
            return Err(Refusal::NotFound);
        }
        relative.push(name);
    }
    Ok(relative)
}

/// One decoded, checked path segment.
fn segment(raw: &str) -> Result<String, Refusal> {
    let decoded = percent_decode(raw.as_bytes())?;
    let name = String::from_utf8(decoded).map_err(|_| Refusal::NotFound)?;
    let refused = name.is_empty()
        || name.len() > NAME_MAX
        || name.starts_with('.')
        || name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control());
    if refused {
        return Err(Refusal::NotFound);
    }
    Ok(name)
}

/// Strict percent-decoding: every `%` must start a two-digit hex escape.
fn percent_decode(raw: &[u8]) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter();
    while let Some(&b) = bytes.next() {
        if b != b'%' {
            out.push(b);
            continue;
        }
        let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
        match (hex(bytes.next()), hex(bytes.next())) {
            // Both digits are below 16, so the byte fits.
            (Some(high), Some(low)) => out.push((high * 16 + low) as u8),
            _ => return Err(Refusal::Malformed),
        }
    }
    Ok(out)
}

/// Files up to this size are read whole when opened, and on the worker thread itself,
/// as nginx reads files in its event loop: a `stat`, an `open` and one `read` of a
/// page-cached theme file take microseconds, less than the hand-off to tokio's
/// blocking pool that `tokio::fs` makes for each of them. Larger files, and every
/// file system call whose size is not yet known to be small, go through that pool.
pub(crate) const SMALL_FILE: u64 = 64 * 1024;

/// An open regular file and its metadata, taken from the open handle.
#[derive(Debug)]
pub(crate) struct OpenFile {
    /// What the body is read from.
    pub(crate) source: Source,
    /// Its size and modification time, from the same handle the body reads.
    pub(crate) metadata: Metadata,
}

/// Where a file's bytes come from.
#[derive(Debug)]
pub(crate) enum Source {
    /// The whole file, read through the handle its metadata came from.
    Memory(Bytes),
    /// The file, positioned at its start, for bodies read as the client takes them.
    File(tokio::fs::File),
}

/// Opens `path` if it is a regular file; `None` for anything else (missing, a
/// directory, a FIFO or device, unreadable, `ENAMETOOLONG`, `ENOTDIR`...). With
/// `read_small`, a file of at most [`SMALL_FILE`] bytes is read whole, in place.
pub(crate) async fn open(path: PathBuf, read_small: bool) -> Option<OpenFile> {
    if read_small {
        match std::fs::metadata(&path) {
            Ok(metadata) if metadata.is_file() && metadata.len() <= SMALL_FILE => {
                return opened(open_regular(&path, true));
            }
            Ok(metadata) if metadata.is_file() => {}
            Ok(_) => return None,
            Err(error) => return opened(Err(error)),
        }
    }
    match tokio::task::spawn_blocking(move || open_regular(&path, read_small)).await {
        Ok(result) => opened(result),
        Err(error) => {
            tracing::warn!(%error, "static file lookup did not finish");
            None
        }
    }
}

fn opened(result: io::Result<Option<OpenFile>>) -> Option<OpenFile> {
    result.unwrap_or_else(|error| {
        tracing::debug!(%error, "static file not opened");
        None
    })
}

/// The file type is checked before opening, so a FIFO never blocks `open(2)`, and
/// again on the handle, which is what gets served.
fn open_regular(path: &Path, read_small: bool) -> io::Result<Option<OpenFile>> {
    if !std::fs::metadata(path)?.is_file() {
        return Ok(None);
    }
    let mut file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Ok(None);
    }
    let size = metadata.len();
    if read_small && size <= SMALL_FILE {
        // One byte more than the size, to see a file that grew meanwhile.
        let mut contents = Vec::with_capacity(size as usize + 1);
        (&mut file).take(size + 1).read_to_end(&mut contents)?;
        if contents.len() as u64 == size {
            return Ok(Some(OpenFile {
                source: Source::Memory(Bytes::from(contents)),
                metadata,
            }));
        }
        // Changed under us: stream it, which ends in an error if it shrank.
        file.rewind()?;
    }
    Ok(Some(OpenFile {
        source: Source::File(tokio::fs::File::from_std(file)),
        metadata,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(path: &str) -> PathBuf {
        relative_path(path).unwrap_or_else(|e| panic!("{path}: {e:?}"))
    }

    #[test]
    fn plain_names_map_below_the_root() {
        assert_eq!(ok("/css/style.css"), Path::new("css/style.css"));
        assert_eq!(ok("/favicon.ico"), Path::new("favicon.ico"));
        assert_eq!(ok("/a%20b/c%2Bd.css"), Path::new("a b/c+d.css"));
        assert_eq!(ok("/caf%C3%A9.txt"), Path::new("café.txt"));
        assert_eq!(
            ok("/css;/x.css"),
            Path::new("css;/x.css"),
            "';' is part of a name"
        );
    }

    #[test]
    fn empty_and_dot_segments_are_404() {
        for path in [
            "",
            "/",
            "css",
            "/css/",
            "/css/style.css/",
            "/css/style.css/.",
            "/css/style.css/..",
            "/css//style.css",
            "//etc/passwd",
            "/./css/style.css",
            "/../Cargo.toml",
            "/%2e%2e/Cargo.toml",
            "/%2E/style.css",
            "/.git/config",
            "/.../x",
            "/..;/x",
        ] {
            assert_eq!(relative_path(path), Err(Refusal::NotFound), "{path:?}");
        }
    }

    #[test]
    fn separators_and_control_characters_inside_names_are_404() {
        for path in [
            "/..%2fCargo.toml",
            "/css%2Fstyle.css",
            "/..%5cCargo.toml",
            "/css\\style.css",
            "/style.css%00",
            "/css/..%00/style.css",
            "/%0a",
            "/%7f",
            "/%c2%85",
            "/%c0%ae%c0%ae",
            "/%ff%fe",
        ] {
            assert_eq!(relative_path(path), Err(Refusal::NotFound), "{path:?}");
        }
    }

    #[test]
    fn malformed_escapes_are_400() {
        for path in ["/%", "/%2", "/%zz/style.css", "/%%2e", "/%u002e"] {
            assert_eq!(relative_path(path), Err(Refusal::Malformed), "{path:?}");
        }
    }

    #[test]
    fn overlong_names_and_paths_are_refused_before_the_file_system() {
        assert!(relative_path(&format!("/{}", "a".repeat(NAME_MAX))).is_ok());
        assert!(relative_path(&format!("/{}", "a".repeat(NAME_MAX + 1))).is_err());
        assert!(relative_path(&format!("/{}", "%61".repeat(NAME_MAX + 1))).is_err());
        assert!(relative_path(&"/a".repeat(PATH_MAX / 2)).is_ok());
        assert!(relative_path(&"/a".repeat(PATH_MAX / 2 + 1)).is_err());
    }

    #[tokio::test]
    async fn only_regular_files_open() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("f.txt"), b"x").expect("write");
        std::fs::create_dir(dir.path().join("d")).expect("mkdir");
        let opened = open(dir.path().join("f.txt"), false).await.expect("opens");
        assert_eq!(opened.metadata.len(), 1);
        assert!(matches!(opened.source, Source::File(_)));
        assert!(open(dir.path().join("d"), true).await.is_none());
        assert!(open(dir.path().join("missing"), true).await.is_none());
        assert!(
            open(dir.path().join("f.txt/x"), true).await.is_none(),
            "ENOTDIR"
        );
        assert!(open(dir.path().join("a".repeat(300)), true).await.is_none());
    }

    #[tokio::test]
    async fn small_files_are_read_whole_and_large_ones_streamed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let small = vec![7u8; SMALL_FILE as usize];
        let large = vec![7u8; SMALL_FILE as usize + 1];
        std::fs::write(dir.path().join("small"), &small).expect("write");
        std::fs::write(dir.path().join("large"), &large).expect("write");
        let opened = open(dir.path().join("small"), true).await.expect("opens");
        assert!(matches!(opened.source, Source::Memory(ref bytes) if bytes[..] == small[..]));
        let opened = open(dir.path().join("large"), true).await.expect("opens");
        assert!(matches!(opened.source, Source::File(_)));
    }

    #[tokio::test]
    async fn a_fifo_is_not_opened() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("pipe.css");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("mkfifo unavailable: skipped");
            return;
        }
        let opened =
            tokio::time::timeout(std::time::Duration::from_secs(5), open(fifo, true)).await;
        assert!(opened.expect("open(2) never blocks").is_none());
    }
}
