//! Requests served as the server serves them: `axum::serve` (hyper's HTTP/1.1) on one
//! kept-alive connection, over an in-memory pipe instead of a socket.
//!
//! What a request costs the server is its HTTP work as well as the site's: parsing
//! the request head, building the `Request`, encoding the response head and body and
//! writing them out. The in-process benches (`get`) leave all of that out, so they
//! overstate monitoring's share of a request; these count it, with no kernel in the
//! way (a pipe is memory, so the count stays deterministic under callgrind). The
//! client side is a few lines of byte handling: it writes a fixed request and reads
//! the response by its `Content-Length`.

use std::future::Future;
use std::io;

use axum::ServiceExt;
use axum::http::StatusCode;
use memchr::memmem;
use reference_server::Site;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

/// Room in the pipe each way: a whole small response fits.
const PIPE: usize = 256 * 1024;

/// A listener that hands `axum::serve` one in-memory connection, then none.
struct OneConnection(Option<DuplexStream>);

impl axum::serve::Listener for OneConnection {
    type Io = DuplexStream;
    type Addr = ();

    fn accept(&mut self) -> impl Future<Output = (Self::Io, Self::Addr)> + Send {
        let next = self.0.take();
        async move {
            match next {
                Some(io) => (io, ()),
                None => std::future::pending().await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(())
    }
}

/// The client end of a connection `axum::serve` is serving `site` on. Must be created
/// and used inside a tokio runtime, which runs the server as a spawned task.
pub struct Connection {
    pipe: DuplexStream,
    buffer: Vec<u8>,
    scanner: HeadScanner,
}

/// A request written once, sent as it is each time: the count holds as little client
/// work as a request can cost.
pub struct Prepared(Vec<u8>);

impl Prepared {
    /// `GET path` on a kept-alive connection.
    pub fn get(path: &str) -> Self {
        Self(format!("GET {path} HTTP/1.1\r\nhost: bench\r\n\r\n").into_bytes())
    }
}

/// Why a served request did not give a whole response.
#[derive(Debug, thiserror::Error)]
pub enum ServedError {
    /// The pipe failed or closed before the response was whole.
    #[error("connection: {0}")]
    Io(#[from] io::Error),
    /// The response was not HTTP/1.1 with a status and a `Content-Length`.
    #[error("malformed response head: {0}")]
    Head(String),
}

impl Connection {
    /// Starts serving `site` on a new in-memory connection.
    pub fn open(site: Site) -> Self {
        let (client, server) = tokio::io::duplex(PIPE);
        let serve = axum::serve(OneConnection(Some(server)), site.into_make_service());
        tokio::spawn(async move {
            // Never returns: the listener waits for a second connection forever.
            let _ = serve.await;
        });
        Self {
            pipe: client,
            buffer: Vec::with_capacity(PIPE),
            scanner: HeadScanner::new(),
        }
    }

    /// Sends `request` and reads the whole response; its status and body length.
    ///
    /// The client's share of the count is kept small, since it sits in the
    /// denominator of every served ratio: the request is written once, the head is
    /// scanned for its status and length only and the body is only counted.
    pub async fn send(&mut self, request: &Prepared) -> Result<(StatusCode, usize), ServedError> {
        self.pipe.write_all(&request.0).await?;
        self.buffer.clear();
        let (head_length, status, length) = loop {
            if self.pipe.read_buf(&mut self.buffer).await? == 0 {
                return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
            }
            if let Some(head) = self.scanner.scan(&self.buffer)? {
                break head;
            }
        };
        while self.buffer.len() < head_length + length {
            if self.pipe.read_buf(&mut self.buffer).await? == 0 {
                return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
            }
        }
        Ok((status, length))
    }
}

/// Finds what the client needs in a response head, with searchers built once.
///
/// Not a general parser, on purpose: hyper writes a head as `HTTP/1.1 NNN ...` with
/// lowercase field names, so two substring searches find all the client needs, for a
/// few hundred instructions where a validating parser costs ten times as many.
/// Anything else is an error, never a guess.
struct HeadScanner {
    blank_line: memmem::Finder<'static>,
    line_end: memmem::Finder<'static>,
    content_length: memmem::Finder<'static>,
}

impl HeadScanner {
    const CONTENT_LENGTH: &'static [u8] = b"\r\ncontent-length: ";

    fn new() -> Self {
        Self {
            blank_line: memmem::Finder::new(b"\r\n\r\n"),
            line_end: memmem::Finder::new(b"\r\n"),
            content_length: memmem::Finder::new(Self::CONTENT_LENGTH),
        }
    }

    /// The head's length, status and `Content-Length`, once `bytes` hold the whole
    /// head.
    fn scan(&self, bytes: &[u8]) -> Result<Option<(usize, StatusCode, usize)>, ServedError> {
        let Some(end) = self.blank_line.find(bytes) else {
            return Ok(None);
        };
        let head = &bytes[..end + 2];
        let malformed = |what: &str| {
            ServedError::Head(format!("{what} in {:?}", String::from_utf8_lossy(head)))
        };
        let status = head
            .strip_prefix(b"HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| StatusCode::from_bytes(code).ok())
            .ok_or_else(|| malformed("no HTTP/1.1 status"))?;
        let value = self
            .content_length
            .find(head)
            .map(|at| &head[at + Self::CONTENT_LENGTH.len()..])
            .and_then(|rest| Some(&rest[..self.line_end.find(rest)?]))
            .ok_or_else(|| malformed("no content-length"))?;
        let length = std::str::from_utf8(value)
            .ok()
            .and_then(|digits| digits.parse::<usize>().ok())
            .ok_or_else(|| malformed("a malformed content-length"))?;
        Ok(Some((end + 4, status, length)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_give_length_status_and_content_length() {
        let scanner = HeadScanner::new();
        let parse_head = |bytes: &[u8]| scanner.scan(bytes);
        let head = b"HTTP/1.1 200 OK\r\ncontent-type: text/css\r\ncontent-length: 6695\r\n\r\nbody";
        assert_eq!(
            parse_head(head).expect("parses"),
            Some((head.len() - 4, StatusCode::OK, 6695))
        );
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\ncontent-le").expect("partial"),
            None
        );
        let odd_length = b"HTTP/1.1 200 OK\r\ncontent-length: 6x\r\n\r\n";
        assert!(parse_head(odd_length).is_err(), "malformed length");
        assert!(
            parse_head(b"HTTP/1.1 200 OK\r\nx: y\r\n\r\n").is_err(),
            "no length"
        );
        assert!(parse_head(b"garbage\r\n\r\n").is_err());
    }
}
