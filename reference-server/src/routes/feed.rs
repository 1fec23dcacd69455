//! `/feed.xml`: the notes as RSS 2.0, built by the `rss` crate.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use rss::{ChannelBuilder, GuidBuilder, ItemBuilder};

use super::pages::{RECENT_LIMIT, SITE_NAME};
use crate::db::Note;
use crate::error::AppError;
use crate::render::markdown_to_html;
use crate::state::AppState;

/// The feed of recent notes; rendering is timed as the `feed.xml` render operation.
pub(crate) async fn feed(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let notes = state
        .pool
        .run(|conn| Note::recent(conn, RECENT_LIMIT))
        .await?;
    let site = state.site_url(&headers);
    let xml = state.renderer.timed("feed.xml", || {
        let items = notes
            .iter()
            .map(|note| {
                let link = format!("{site}/notes/{}", note.slug);
                ItemBuilder::default()
                    .title(note.title.clone())
                    .link(Some(link.clone()))
                    .guid(Some(
                        GuidBuilder::default().value(link).permalink(true).build(),
                    ))
                    .pub_date(Some(note.published.to_rfc2822()))
                    .description(Some(markdown_to_html(&note.content)))
                    .build()
            })
            .collect::<Vec<_>>();
        let channel = ChannelBuilder::default()
            .title(SITE_NAME)
            .link(format!("{site}/"))
            .description("Notes from Field Notes, the rc-harness reference blog")
            .last_build_date(notes.first().map(|n| n.published.to_rfc2822()))
            .items(items)
            .build();
        Ok(channel.to_string())
    })?;
    let mut response = xml.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/rss+xml; charset=utf-8"),
    );
    Ok(response)
}
