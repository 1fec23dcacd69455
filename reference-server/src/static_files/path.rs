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
use std::io;
use std::path::{Path, PathBuf};

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

/// An open regular file and its metadata, taken from the open handle.
#[derive(Debug)]
pub(crate) struct OpenFile {
    /// The file, positioned at its start.
    pub(crate) file: tokio::fs::File,
    /// Its size and modification time, from the same handle the body reads.
    pub(crate) metadata: Metadata,
}

/// Opens `path` if it is a regular file; `None` for anything else (missing, a
/// directory, a FIFO or device, unreadable, `ENAMETOOLONG`, `ENOTDIR`...).
pub(crate) async fn open(path: PathBuf) -> Option<OpenFile> {
    match tokio::task::spawn_blocking(move || open_regular(&path)).await {
        Ok(Ok(Some((file, metadata)))) => Some(OpenFile {
            file: tokio::fs::File::from_std(file),
            metadata,
        }),
        Ok(Ok(None)) => None,
        Ok(Err(error)) => {
            tracing::debug!(%error, "static file not opened");
            None
        }
        Err(error) => {
            tracing::warn!(%error, "static file lookup did not finish");
            None
        }
    }
}

/// The file type is checked before opening, so a FIFO never blocks `open(2)`, and
/// again on the handle, which is what gets served.
fn open_regular(path: &Path) -> io::Result<Option<(std::fs::File, Metadata)>> {
    if !std::fs::metadata(path)?.is_file() {
        return Ok(None);
    }
    let file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    Ok(metadata.is_file().then_some((file, metadata)))
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
        let opened = open(dir.path().join("f.txt")).await.expect("opens");
        assert_eq!(opened.metadata.len(), 1);
        assert!(open(dir.path().join("d")).await.is_none());
        assert!(open(dir.path().join("missing")).await.is_none());
        assert!(open(dir.path().join("f.txt/x")).await.is_none(), "ENOTDIR");
        assert!(open(dir.path().join("a".repeat(300))).await.is_none());
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
        let opened = tokio::time::timeout(std::time::Duration::from_secs(5), open(fifo)).await;
        assert!(opened.expect("open(2) never blocks").is_none());
    }
}
