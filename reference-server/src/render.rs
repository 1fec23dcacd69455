//! Page rendering: Markdown to safe HTML, and templates timed as `render` operations.

use std::sync::Arc;
use std::time::Instant;

use minijinja::Environment;
use pulldown_cmark::{Event, Options, Parser, html};
use serde::Serialize;

use crate::db::Note;
use crate::monitoring::{EventDetail, Metrics, Name, OpType, Outcome};

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

/// Renders templates and records each rendering.
pub(crate) struct Renderer {
    env: Environment<'static>,
    metrics: Arc<Metrics>,
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
        Ok(Self { env, metrics })
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
        let started = Instant::now();
        let result = render();
        let outcome = if result.is_ok() {
            Outcome::Ok
        } else {
            Outcome::Error
        };
        self.metrics
            .record(OpType::Render, name, started.elapsed(), outcome, || {
                EventDetail::Render {
                    template: Name::from(name),
                }
            });
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
