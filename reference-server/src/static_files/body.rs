//! The response body: pieces of one file (and, for multipart, the literal part headers
//! between them), streamed as frames: from memory for a small file read whole when it
//! was opened ([`from_memory`]), or read chunk by chunk as the client takes them
//! ([`stream`]); a large file is never read whole into memory.
//!
//! Both are streams deliberately without an exact size hint: the length travels in
//! `Content-Length`, so the `buffered-body-size` regression (which refuses bodies of
//! unknown size) keeps failing every static GET, as rc.1 did. Both say they have ended
//! (`is_end_stream`) as their last byte goes out ([`Announced`]): hyper stops polling
//! a body once `Content-Length` bytes are sent, so a stream that only ends when polled
//! once more is dropped unfinished, and monitoring would count it as aborted.
//!
//! The first chunk of file data is read before the response is handed to hyper, so
//! the head and the start of the body leave in one write. Otherwise hyper sends the
//! head alone while the first read is pending, and on a kept-alive connection Nagle's
//! algorithm holds the small body back until the client's delayed ACK, about 40 ms
//! per request (the harness's keep-alive check measures it).

use std::io::{self, SeekFrom};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use futures::Stream;
use futures::stream::{self, StreamExt};
use http_body::Frame;
use pin_project_lite::pin_project;
use tokio::fs::File;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::http_monitor::Recorder;

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
    /// Whether any file data has been read yet.
    read_any: bool,
}

/// A streamed body of `pieces`, read from `file` in order, its first chunk of file
/// data already read when `read_ahead` (off only for the `nagle-stall` regression),
/// recorded by `recorder` when monitoring is on. A file that shrinks under the stream
/// ends it with an error (the connection is cut short, never padded).
pub(crate) async fn stream(
    file: File,
    pieces: Vec<Piece>,
    read_ahead: bool,
    recorder: Option<Recorder>,
) -> Announced<impl Stream<Item = io::Result<Bytes>> + Send + 'static, ()> {
    let length = pieces.iter().map(Piece::len).sum();
    let mut rest = Some(Cursor {
        file,
        position: 0,
        remaining: 0,
        pieces: pieces.into_iter(),
        read_any: !read_ahead,
    });
    let mut ready = Vec::new();
    while let Some(cursor) = rest.take_if(|c| !c.read_any) {
        match next_chunk(cursor).await {
            Ok(Some((chunk, cursor))) => {
                ready.push(Ok(chunk));
                rest = Some(cursor);
            }
            Ok(None) => break,
            Err(error) => {
                ready.push(Err(error));
                break;
            }
        }
    }
    let rest = stream::iter(rest.map(|cursor| stream::try_unfold(cursor, next_chunk)));
    Announced::new(stream::iter(ready).chain(rest.flatten()), length, recorder)
}

/// The spare bytes that make a body from memory 128 bytes, a power of two, as
/// [`Announced`] explains; a unit test checks the size. A file streamed from disk pays
/// for its reads, not for its allocation, and gets none.
pub(crate) type MemorySlack = [u8; 56];

/// A streamed body of `pieces` cut from `contents`, the whole file, recorded by
/// `recorder` when monitoring is on: each piece is a frame sharing the file's bytes.
/// The pieces were planned against the file's size, so they lie inside it; one that
/// does not ends the body with an error.
pub(crate) fn from_memory(
    contents: &Bytes,
    pieces: Vec<Piece>,
    recorder: Option<Recorder>,
) -> Announced<impl Stream<Item = io::Result<Bytes>> + Send + 'static, MemorySlack> {
    let size = contents.len() as u64;
    let length = pieces.iter().map(Piece::len).sum();
    let frames = pieces.into_iter().map(move |piece| match piece {
        Piece::Literal(bytes) => Ok(bytes),
        Piece::File { start, len } if start.saturating_add(len) <= size => {
            // Both ends are within `contents`, so they fit a usize.
            Ok(contents.slice(start as usize..(start + len) as usize))
        }
        Piece::File { .. } => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "a range beyond the end of the file",
        )),
    });
    let frames: Vec<io::Result<Bytes>> = frames.collect();
    Announced::new(stream::iter(frames), length, recorder)
}

pin_project! {
    /// A stream of `length` bytes as a body that has ended once they are out, and that
    /// records its request, when monitoring is on, as it is dropped: servers drop a
    /// body once it has ended, or when the client goes away mid-stream (then it counts
    /// as aborted, with the bytes sent so far). The bytes sent are what the count of
    /// `remaining` already says, so monitoring adds nothing per frame and no wrapper
    /// (`http_monitor::CountingBody` is for bodies that do not know their length).
    ///
    /// The recorder's slot is there with monitoring off too, and the spare bytes of
    /// `P` round both to the same power-of-two allocation: mimalloc v3 serves Rust's
    /// aligned allocations from its fast path only in such size classes (see
    /// `http_monitor::CountingBody`), and a body of another size would cost about 55
    /// instructions more in the allocator, in one mode and not the other.
    pub(crate) struct Announced<S, P> {
        #[pin]
        stream: S,
        remaining: u64,
        length: u64,
        recorder: Option<Recorder>,
        slack: MaybeUninit<P>,
    }

    impl<S, P> PinnedDrop for Announced<S, P> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(recorder) = this.recorder.take() {
                let remaining = *this.remaining;
                recorder.finish(*this.length - remaining, remaining == 0);
            }
        }
    }
}

impl<S, P> Announced<S, P> {
    fn new(stream: S, length: u64, recorder: Option<Recorder>) -> Self {
        Self {
            stream,
            remaining: length,
            length,
            recorder,
            slack: MaybeUninit::uninit(),
        }
    }
}

impl<S: Stream<Item = io::Result<Bytes>>, P> http_body::Body for Announced<S, P> {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.project();
        let polled = match ready!(this.stream.poll_next(cx)) {
            Some(Ok(bytes)) => {
                *this.remaining = this.remaining.saturating_sub(bytes.len() as u64);
                Some(Ok(Frame::data(bytes)))
            }
            Some(Err(error)) => {
                // Cut short, whatever comes after: recorded now as aborted.
                if let Some(recorder) = this.recorder.take() {
                    recorder.finish(*this.length - *this.remaining, false);
                }
                Some(Err(axum::Error::new(error)))
            }
            None => None,
        };
        Poll::Ready(polled)
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }
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
    cursor.read_any = true;
    Ok(buffer.freeze())
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
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
        let body = Body::new(stream(file, pieces, true, None).await);
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

    /// The head and a small file leave in one write only if the body's first frames
    /// are ready without waiting for the file (see the module doc on Nagle).
    #[tokio::test]
    async fn the_first_file_chunk_is_ready_before_the_response_leaves() {
        use futures::FutureExt;

        let (_dir, file) = file_with(b"small file").await;
        let pieces = vec![
            Piece::Literal(Bytes::from_static(b"head:")),
            Piece::File { start: 6, len: 4 },
        ];
        let mut body = Body::new(stream(file, pieces, true, None).await);
        let mut ready = Vec::new();
        while let Some(Some(frame)) = body.frame().now_or_never() {
            let data = frame.expect("frame").into_data().expect("data");
            ready.extend_from_slice(&data);
        }
        assert_eq!(ready, b"head:file");
    }

    #[tokio::test]
    async fn pieces_of_a_file_in_memory_are_frames_of_its_bytes() {
        let contents = Bytes::from_static(b"0123456789");
        let pieces = vec![
            Piece::Literal(Bytes::from_static(b"<")),
            Piece::File { start: 7, len: 3 },
            Piece::File { start: 0, len: 2 },
        ];
        let body = Body::new(from_memory(&contents, pieces, None));
        assert!(
            body.size_hint().exact().is_none(),
            "no exact size: buffered-body-size must keep refusing static bodies"
        );
        assert_eq!(collect(body).await.expect("reads"), &b"<78901"[..]);
        let mut body = Body::new(from_memory(
            &contents,
            vec![Piece::File { start: 0, len: 10 }],
            None,
        ));
        assert!(!body.is_end_stream());
        body.frame().await.expect("a frame").expect("data");
        assert!(
            body.is_end_stream(),
            "ended with its last byte, before being polled again"
        );
        let beyond = Body::new(from_memory(
            &contents,
            vec![Piece::File { start: 8, len: 3 }],
            None,
        ));
        assert!(collect(beyond).await.is_err());
    }

    /// The body records its request as it goes: whole, cut short by an error (the
    /// bytes before it kept), or dropped early.
    #[tokio::test]
    async fn a_body_records_its_bytes_and_whether_it_ended() {
        use std::sync::Arc;

        use crate::http_monitor::recorder_for_tests;
        use crate::monitoring::{Metrics, MonitorSettings, OpType};

        let contents = Bytes::from_static(b"0123456789");
        let whole = vec![Piece::File { start: 0, len: 10 }];
        let cut = vec![
            Piece::File { start: 0, len: 4 },
            Piece::File { start: 8, len: 3 },
        ];
        // (pieces, frames read before the drop, bytes, aborted)
        let cases = [
            (whole.clone(), usize::MAX, 10, 0),
            (cut, usize::MAX, 4, 1),
            (whole, 0, 0, 1),
        ];
        for (pieces, frames, bytes, aborted) in cases {
            let metrics = Arc::new(Metrics::new(MonitorSettings::default()));
            let recorder = Some(recorder_for_tests(&metrics));
            let mut body = Body::new(from_memory(&contents, pieces.clone(), recorder));
            for _ in 0..frames {
                match body.frame().await {
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => break,
                }
            }
            drop(body);
            let views = metrics.operation_views(OpType::Http);
            let [(_, view)] = views.as_slice() else {
                panic!("one operation, got {views:?}");
            };
            assert_eq!(
                (view.count, view.bytes, view.aborted),
                (1, bytes, aborted),
                "{pieces:?}, {frames} frames"
            );
        }
    }

    #[tokio::test]
    async fn a_file_shorter_than_promised_ends_in_an_error() {
        let (_dir, file) = file_with(b"short").await;
        let body =
            Body::new(stream(file, vec![Piece::File { start: 0, len: 10 }], true, None).await);
        assert!(collect(body).await.is_err());
    }

    #[tokio::test]
    async fn no_pieces_is_an_empty_body() {
        let (_dir, file) = file_with(b"").await;
        let got = collect(Body::new(stream(file, Vec::new(), true, None).await))
            .await
            .expect("reads");
        assert!(got.is_empty());
    }
}
