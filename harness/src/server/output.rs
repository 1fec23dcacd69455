//! The last lines a process server printed, kept for failure reports.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, Mutex};

/// A bounded tail of interleaved stdout/stderr lines, shared with reader threads.
#[derive(Clone, Default)]
pub(crate) struct OutputTail {
    lines: Arc<Mutex<VecDeque<String>>>,
}

/// Lines kept per server: enough for a panic message and its context.
const KEEP: usize = 80;

impl OutputTail {
    /// Appends a line, dropping the oldest beyond the bound.
    pub fn push(&self, line: String) {
        let mut lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        if lines.len() == KEEP {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    /// The tail as one string.
    pub fn text(&self) -> String {
        let lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        lines
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Copies every line of `stream` into the tail (prefixed with `label`) on a thread;
    /// `first_line` receives the first one (how port-0 servers announce themselves).
    /// The returned receiver disconnects when the stream has been read to its end.
    pub fn follow(
        &self,
        stream: impl Read + Send + 'static,
        label: &'static str,
        first_line: Option<std::sync::mpsc::Sender<String>>,
    ) -> std::sync::mpsc::Receiver<()> {
        let tail = self.clone();
        let (done, finished) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            let _done = done;
            let mut first_line = first_line;
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if let Some(tx) = first_line.take() {
                    let _ = tx.send(line.clone());
                }
                tail.push(format!("[{label}] {line}"));
            }
        });
        finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_newest_lines() {
        let tail = OutputTail::default();
        for i in 0..(KEEP + 5) {
            tail.push(i.to_string());
        }
        let text = tail.text();
        assert!(text.starts_with("5\n"), "{text}");
        assert!(text.ends_with(&(KEEP + 4).to_string()));
    }
}
