//! A small DevTools-protocol client: JSON commands over one WebSocket, answers matched
//! by id, events passed on in order. Only what page loads need, so the harness does
//! not compile the whole generated protocol.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use super::error::BrowserErrorKind;

/// One event: its method (`Network.loadingFailed`), session and parameters.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub(crate) method: String,
    pub(crate) session: Option<String>,
    pub(crate) params: Value,
}

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<Value, String>>>>>;
type Sink = futures::stream::SplitSink<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    Message,
>;

/// A connection to Chromium's browser endpoint.
pub(crate) struct Connection {
    sink: Mutex<Sink>,
    pending: Pending,
    next_id: AtomicU64,
    reader: JoinHandle<()>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Connection {
    /// Connects to `ws_url`; events arrive on the returned receiver.
    pub(crate) async fn connect(
        ws_url: &str,
    ) -> Result<(Self, mpsc::UnboundedReceiver<Event>), BrowserErrorKind> {
        let (stream, _) = tokio_tungstenite::connect_async(ws_url)
            .await
            .map_err(|e| BrowserErrorKind::Connection(format!("{ws_url}: {e}")))?;
        let (sink, mut source) = stream.split();
        let pending: Pending = Arc::default();
        let (events, receiver) = mpsc::unbounded_channel();
        let answers = Arc::clone(&pending);
        let reader = tokio::spawn(async move {
            while let Some(Ok(message)) = source.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                let Ok(value) = serde_json::from_str::<Value>(text.as_str()) else {
                    continue;
                };
                if let Some(id) = value.get("id").and_then(Value::as_u64) {
                    let answer = match value.get("error") {
                        Some(error) => Err(error
                            .get("message")
                            .and_then(Value::as_str)
                            .unwrap_or("unknown error")
                            .to_owned()),
                        None => Ok(value.get("result").cloned().unwrap_or(Value::Null)),
                    };
                    if let Some(waiter) = answers.lock().await.remove(&id) {
                        let _ = waiter.send(answer);
                    }
                } else if let Some(method) = value.get("method").and_then(Value::as_str) {
                    let event = Event {
                        method: method.to_owned(),
                        session: value
                            .get("sessionId")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                        params: value.get("params").cloned().unwrap_or(Value::Null),
                    };
                    if events.send(event).is_err() {
                        break;
                    }
                }
            }
            // The socket closed: every waiter learns it at once.
            answers.lock().await.clear();
        });
        let connection = Self {
            sink: Mutex::new(sink),
            pending,
            next_id: AtomicU64::new(1),
            reader,
        };
        Ok((connection, receiver))
    }

    /// Sends `method` (to `session`, or the browser) and waits at most `bound` for
    /// its answer.
    pub(crate) async fn call(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
        bound: Duration,
    ) -> Result<Value, BrowserErrorKind> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = Value::String(session.to_owned());
        }
        let (sender, answer) = oneshot::channel();
        self.pending.lock().await.insert(id, sender);
        self.sink
            .lock()
            .await
            .send(Message::text(message.to_string()))
            .await
            .map_err(|e| BrowserErrorKind::Connection(format!("sending {method}: {e}")))?;
        match tokio::time::timeout(bound, answer).await {
            Err(_) => {
                self.pending.lock().await.remove(&id);
                Err(BrowserErrorKind::Timeout {
                    what: format!("the answer to {method}"),
                    secs: bound.as_secs_f64(),
                })
            }
            Ok(Err(_)) => Err(BrowserErrorKind::Connection(format!(
                "closed before answering {method}"
            ))),
            Ok(Ok(Err(message))) => Err(BrowserErrorKind::Command {
                method: method.to_owned(),
                message,
            }),
            Ok(Ok(Ok(result))) => Ok(result),
        }
    }
}
