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
}

/// Why a served request did not give a whole response.
#[derive(Debug, thiserror::Error)]
pub enum ServedError {
    /// The pipe failed or closed before the response was whole.
    #[error("connection: {0}")]
    Io(#[from] io::Error),
    /// The response was not HTTP/1.1 with a status and a `Content-Length`.
    #[error("malformed response head: {0:?}")]
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
        }
    }

    /// `GET path` on the kept-alive connection; the status and the body's length.
    pub async fn get(&mut self, path: &str) -> Result<(StatusCode, usize), ServedError> {
        let request = format!("GET {path} HTTP/1.1\r\nhost: bench\r\n\r\n");
        self.pipe.write_all(request.as_bytes()).await?;
        self.buffer.clear();
        let (head_end, status, length) = loop {
            if self.pipe.read_buf(&mut self.buffer).await? == 0 {
                return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
            }
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let (status, length) = parse_head(&self.buffer[..end])?;
                break (end + 4, status, length);
            }
        };
        while self.buffer.len() < head_end + length {
            if self.pipe.read_buf(&mut self.buffer).await? == 0 {
                return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
            }
        }
        Ok((status, length))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The status and `Content-Length` of a response head.
fn parse_head(head: &[u8]) -> Result<(StatusCode, usize), ServedError> {
    let text = std::str::from_utf8(head).map_err(|e| ServedError::Head(e.to_string()))?;
    let malformed = || ServedError::Head(text.to_owned());
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse::<u16>().ok())
        .and_then(|code| StatusCode::from_u16(code).ok())
        .ok_or_else(malformed)?;
    let length = text
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .ok_or_else(malformed)?;
    Ok((status, length))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_give_status_and_length() {
        let head = b"HTTP/1.1 200 OK\r\ncontent-type: text/css\r\nContent-Length: 6695";
        assert_eq!(parse_head(head).expect("parses"), (StatusCode::OK, 6695));
        assert!(parse_head(b"HTTP/1.1 200 OK\r\nx: y").is_err(), "no length");
        assert!(parse_head(b"garbage").is_err());
    }
}
