//! One request of a `traffic` step: read to the end (a body that breaks off fails),
//! or hang up mid-body on purpose, as a visitor who leaves mid-download does.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;
use url::Url;

/// Bound on the whole of one hang-up request.
const HANG_UP_TIMEOUT: Duration = Duration::from_secs(15);

/// A small receive buffer, so the server cannot hand the whole body to the kernel
/// before the hang-up: it must still be writing when the connection goes.
const HANG_UP_RECV_BUFFER: u32 = 4096;

/// Sends one request and reads the whole body: a request is only complete when its
/// body is, and a body that breaks off is a failure naming the bytes received.
pub(super) async fn complete(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &Url,
    expect_status: u16,
) -> Result<(), String> {
    let mut response = client
        .request(method, url.clone())
        .send()
        .await
        .map_err(|e| format!("failed: {e}"))?;
    let status = response.status().as_u16();
    if status != expect_status {
        return Err(format!("status {status}"));
    }
    let announced = response.content_length();
    let mut received: u64 = 0;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => received += chunk.len() as u64,
            Ok(None) => return Ok(()),
            Err(e) => {
                let of = announced.map_or(String::new(), |n| format!(" of {n} announced"));
                return Err(format!(
                    "body of {} broke off after {received} bytes{of}: {e}",
                    url.path()
                ));
            }
        }
    }
}

/// Sends `GET` over a fresh connection, reads the status and at least `bytes` of the
/// body, then closes the connection with the rest unread.
pub(super) async fn hang_up(url: &Url, bytes: u64, expect_status: u16) -> Result<(), String> {
    tokio::time::timeout(HANG_UP_TIMEOUT, hang_up_inner(url, bytes, expect_status))
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "no {bytes} body bytes of {} within {} s",
                url.path(),
                HANG_UP_TIMEOUT.as_secs()
            ))
        })
}

async fn hang_up_inner(url: &Url, bytes: u64, expect_status: u16) -> Result<(), String> {
    if url.scheme() != "http" {
        return Err(format!(
            "hang_up_after_bytes needs a plain http:// target, not {}",
            url.scheme()
        ));
    }
    let address = url
        .socket_addrs(|| Some(80))
        .map_err(|e| format!("cannot resolve {url}: {e}"))?
        .into_iter()
        .next()
        .ok_or_else(|| format!("{url} resolves to no address"))?;
    let socket = if address.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(|e| format!("cannot open a socket: {e}"))?;
    socket
        .set_recv_buffer_size(HANG_UP_RECV_BUFFER)
        .map_err(|e| format!("cannot shrink the receive buffer: {e}"))?;
    let mut stream = socket
        .connect(address)
        .await
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let host = url.host_str().unwrap_or_default();
    let authority = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let request =
        format!("GET {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("cannot send the request: {e}"))?;

    let mut received = Vec::with_capacity(8192);
    let mut chunk = [0u8; 1024];
    let mut body_start = None;
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| format!("reading the response: {e}"))?;
        if n == 0 {
            let body = body_start.map_or(0, |start| received.len() - start);
            return Err(format!(
                "the server finished after {body} body bytes, before the {bytes} to hang up at: \
                 use a larger resource"
            ));
        }
        received.extend_from_slice(&chunk[..n]);
        if body_start.is_none() {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(&received) {
                Ok(httparse::Status::Complete(head)) => {
                    let status = response.code.unwrap_or_default();
                    if status != expect_status {
                        return Err(format!("status {status}"));
                    }
                    body_start = Some(head);
                }
                Ok(httparse::Status::Partial) => continue,
                Err(e) => return Err(format!("not an HTTP response: {e}")),
            }
        }
        if let Some(start) = body_start
            && (received.len() - start) as u64 >= bytes
        {
            // Dropping the stream with data unread resets the connection mid-body.
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A one-connection server that answers every request with `response` and closes.
    async fn serve_once(response: &'static [u8]) -> Url {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("accept");
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request).await;
            let _ = stream.write_all(response).await;
        });
        Url::parse(&format!("http://{address}/static/app.js")).expect("url")
    }

    #[tokio::test]
    async fn a_body_that_breaks_off_fails_naming_path_and_bytes() {
        let url = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789").await;
        let client = reqwest::Client::new();
        let error = complete(&client, reqwest::Method::GET, &url, 200)
            .await
            .expect_err("a truncated body must fail");
        assert!(
            error.contains("/static/app.js broke off after 10 bytes of 1000 announced"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_whole_body_passes_and_a_wrong_status_fails() {
        let url = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc").await;
        let client = reqwest::Client::new();
        complete(&client, reqwest::Method::GET, &url, 200)
            .await
            .expect("whole body");
        let url = serve_once(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n").await;
        let error = complete(&client, reqwest::Method::GET, &url, 200)
            .await
            .expect_err("500");
        assert_eq!(error, "status 500");
    }

    #[tokio::test]
    async fn hanging_up_needs_enough_body_and_the_right_status() {
        let url = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello").await;
        let error = hang_up(&url, 1024, 200).await.expect_err("too small");
        assert!(error.contains("after 5 body bytes"), "{error}");

        let url = serve_once(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").await;
        let error = hang_up(&url, 1, 200).await.expect_err("404");
        assert_eq!(error, "status 404");

        let url =
            serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n01234567890123456789").await;
        hang_up(&url, 8, 200).await.expect("enough body to hang up");
    }
}
