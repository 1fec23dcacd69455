//! Page rendering: Markdown to safe HTML, and templates timed as `render` operations.

use std::sync::Arc;

use minijinja::Environment;
use pulldown_cmark::{Event, Options, Parser, html};
use serde::Serialize;

use crate::db::Note;
use crate::monitoring::{EventDetail, Metrics, Name, OpType, Operation, Outcome, Ticks};

/// The web font the theme preloads (must match `fixtures/site/static/fonts/`).
pub(crate) const FONT_FILE: &str = "dejavu-sans-latin.woff2";

/// Every template, compiled into the binary so a deployment cannot lose one.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    (
        "note_entry.html",
        include_str!("../templates/note_entry.html"),
    ),
    ("home.html", include_str!("../templates/home.html")),
    ("note.html", include_str!("../templates/note.html")),
    (
        "not_found.html",
        include_str!("../templates/not_found.html"),
    ),
    ("admin.html", include_str!("../templates/admin.html")),
];

/// Renderings that are not templates, timed by [`Renderer::timed`].
const OTHER_RENDERERS: &[&str] = &["feed.xml"];

/// Renders templates and records each rendering.
pub(crate) struct Renderer {
    env: Environment<'static>,
    metrics: Arc<Metrics>,
    /// The operation of every template and other renderer, interned once: found by
    /// comparing a handful of names instead of hashing one per rendering.
    operations: Vec<(&'static str, Operation)>,
}

/// A rendering failed; the message is for logs, never for clients.
#[derive(Debug, thiserror::Error)]
#[error("rendering {template} failed: {source}")]
pub struct RenderError {
    /// The template or renderer name.
    pub(crate) template: String,
    /// What went wrong.
    #[source]
    pub(crate) source: Box<dyn std::error::Error + Send + Sync>,
}

impl Renderer {
    /// Compiles every template; a syntax error here is a bug caught by the tests.
    pub(crate) fn new(metrics: Arc<Metrics>) -> Result<Self, RenderError> {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source).map_err(|e| RenderError {
                template: (*name).to_owned(),
                source: Box::new(e),
            })?;
        }
        let operations = TEMPLATES
            .iter()
            .map(|(name, _)| *name)
            .chain(OTHER_RENDERERS.iter().copied())
            .map(|name| (name, metrics.operation(OpType::Render, name)))
            .collect();
        Ok(Self {
            env,
            metrics,
            operations,
        })
    }

    /// Renders `template` with `context`, recording a `render` operation.
    pub(crate) fn page(
        &self,
        template: &'static str,
        context: impl Serialize,
    ) -> Result<String, RenderError> {
        self.timed(template, || {
            self.env
                .get_template(template)
                .and_then(|t| t.render(context))
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)
        })
    }

    /// Times any other renderer (the feed) as a `render` operation named `name`.
    pub(crate) fn timed(
        &self,
        name: &'static str,
        render: impl FnOnce() -> Result<String, Box<dyn std::error::Error + Send + Sync>>,
    ) -> Result<String, RenderError> {
        let started = Ticks::now();
        let result = render();
        let outcome = if result.is_ok() {
            Outcome::Ok
        } else {
            Outcome::Error
        };
        let detail = || EventDetail::Render {
            template: Name::from(name),
        };
        let known = self
            .operations
            .iter()
            .find(|(known, _)| std::ptr::eq(*known, name) || *known == name);
        match known {
            Some((_, operation)) => {
                self.metrics
                    .record_operation_since(operation, started, outcome, 0, detail);
            }
            None => {
                let duration = Ticks::now().duration_since(started);
                self.metrics
                    .record(OpType::Render, name, duration, outcome, detail);
            }
        }
        result.map_err(|source| RenderError {
            template: name.to_owned(),
            source,
        })
    }
}

/// A note as templates see it: Markdown already turned into HTML.
#[derive(Debug, Serialize)]
pub(crate) struct NoteView {
    /// URL segment.
    pub(crate) slug: String,
    /// Optional title.
    pub(crate) title: Option<String>,
    /// Rendered, escaped HTML.
    pub(crate) html: String,
    /// RFC 3339, for `datetime=`.
    pub(crate) published: String,
    /// For people.
    pub(crate) published_human: String,
}

impl From<&Note> for NoteView {
    fn from(note: &Note) -> Self {
        Self {
            slug: note.slug.clone(),
            title: note.title.clone(),
            html: markdown_to_html(&note.content),
            published: note.published.to_rfc3339(),
            published_human: note.published.format("%-d %B %Y, %H:%M UTC").to_string(),
        }
    }
}

/// Markdown to HTML with raw HTML escaped: notes arrive over Micropub from clients we
/// do not control, so they must not inject markup.
pub(crate) fn markdown_to_html(markdown: &str) -> String {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    let parser = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, parser);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_in_markdown_is_escaped() {
        let html = markdown_to_html("Hi <script>alert(1)</script> *there*");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("<em>there</em>"), "{html}");
    }
}
