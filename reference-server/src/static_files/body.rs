//! The response body: pieces of one open file (and, for multipart, the literal part
//! headers between them), read chunk by chunk as the client takes them.
//!
//! Never read whole into memory, and deliberately without an exact size hint: the
//! length travels in `Content-Length`, so the `buffered-body-size` regression (which
//! refuses bodies of unknown size) keeps failing every static GET, as rc.1 did.

use std::io::{self, SeekFrom};

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use tokio::fs::File;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Largest chunk read from the file at once.
const CHUNK: u64 = 64 * 1024;

/// One stretch of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Bytes sent as they are (multipart boundaries and part headers).
    Literal(Bytes),
    /// `len` bytes of the file from offset `start`.
    File {
        /// Offset of the first byte.
        start: u64,
        /// How many bytes.
        len: u64,
    },
}

impl Piece {
    /// How many bytes this piece adds to the body.
    pub(crate) fn len(&self) -> u64 {
        match self {
            Piece::Literal(bytes) => bytes.len() as u64,
            Piece::File { len, .. } => *len,
        }
    }
}

/// Where the stream is: the file, its read position, what is left of the current
/// file piece, and the pieces still to come.
struct Cursor {
    file: File,
    position: u64,
    remaining: u64,
    pieces: std::vec::IntoIter<Piece>,
}

/// A streamed body of `pieces`, read from `file` in order. A file that shrinks under
/// the stream ends it with an error (the connection is cut short, never padded).
pub(crate) fn stream(file: File, pieces: Vec<Piece>) -> Body {
    let cursor = Cursor {
        file,
        position: 0,
        remaining: 0,
        pieces: pieces.into_iter(),
    };
    Body::from_stream(futures::stream::try_unfold(cursor, next_chunk))
}

async fn next_chunk(mut cursor: Cursor) -> io::Result<Option<(Bytes, Cursor)>> {
    loop {
        if cursor.remaining > 0 {
            let chunk = read_chunk(&mut cursor).await?;
            return Ok(Some((chunk, cursor)));
        }
        match cursor.pieces.next() {
            None => return Ok(None),
            Some(Piece::Literal(bytes)) => return Ok(Some((bytes, cursor))),
            Some(Piece::File { start, len }) => {
                if start != cursor.position {
                    cursor.file.seek(SeekFrom::Start(start)).await?;
                    cursor.position = start;
                }
                cursor.remaining = len;
            }
        }
    }
}

async fn read_chunk(cursor: &mut Cursor) -> io::Result<Bytes> {
    let want = cursor.remaining.min(CHUNK);
    // `want` is at most CHUNK, so it fits a usize.
    let mut buffer = BytesMut::with_capacity(want as usize);
    let read = (&mut cursor.file).take(want).read_buf(&mut buffer).await?;
    if read == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the file is shorter than when its response began",
        ));
    }
    cursor.position += read as u64;
    cursor.remaining -= read as u64;
    Ok(buffer.freeze())
}

#[cfg(test)]
mod tests {
    use http_body::Body as _;
    use http_body_util::BodyExt;

    use super::*;

    async fn file_with(bytes: &[u8]) -> (tempfile::TempDir, File) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("f");
        std::fs::write(&path, bytes).expect("write");
        let file = File::open(&path).await.expect("open");
        (dir, file)
    }

    async fn collect(body: Body) -> Result<Bytes, axum::Error> {
        body.collect().await.map(|c| c.to_bytes())
    }

    #[tokio::test]
    async fn pieces_stream_in_order_with_seeks() {
        let data: Vec<u8> = (0..=255u8).cycle().take(200_000).collect();
        let (_dir, file) = file_with(&data).await;
        let pieces = vec![
            Piece::Literal(Bytes::from_static(b"<")),
            Piece::File {
                start: 150_000,
                len: 10,
            },
            Piece::Literal(Bytes::from_static(b"|")),
            Piece::File {
                start: 5,
                len: 100_000,
            },
            Piece::Literal(Bytes::from_static(b">")),
        ];
        let body = stream(file, pieces);
        assert!(
            body.size_hint().exact().is_none(),
            "no exact size: buffered-body-size must keep refusing static bodies"
        );
        let got = collect(body).await.expect("reads");
        let mut want = b"<".to_vec();
        want.extend_from_slice(&data[150_000..150_010]);
        want.push(b'|');
        want.extend_from_slice(&data[5..100_005]);
        want.push(b'>');
        assert!(got[..] == want[..]);
    }

    #[tokio::test]
    async fn a_file_shorter_than_promised_ends_in_an_error() {
        let (_dir, file) = file_with(b"short").await;
        let body = stream(file, vec![Piece::File { start: 0, len: 10 }]);
        assert!(collect(body).await.is_err());
    }

    #[tokio::test]
    async fn no_pieces_is_an_empty_body() {
        let (_dir, file) = file_with(b"").await;
        let got = collect(stream(file, Vec::new())).await.expect("reads");
        assert!(got.is_empty());
    }
}
