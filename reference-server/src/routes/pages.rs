//! HTML pages: the home page, one note, and the 404 page.

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;

use crate::db::Note;
use crate::error::AppError;
use crate::render::{FONT_FILE, NoteView};
use crate::state::AppState;

/// The site's name in titles and the feed.
pub(crate) const SITE_NAME: &str = "Field Notes";

/// How many notes the home page and feed show.
pub(crate) const RECENT_LIMIT: u32 = 20;

/// `/`: the most recent notes.
pub(crate) async fn home(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    let notes = state
        .pool
        .run(|conn| Note::recent(conn, RECENT_LIMIT))
        .await?;
    let notes: Vec<NoteView> = notes.iter().map(NoteView::from).collect();
    let html = state.renderer.page(
        "home.html",
        context! { site_name => SITE_NAME, font_file => FONT_FILE, notes },
    )?;
    Ok(Html(html))
}

/// `/notes/{slug}`: one note, or the 404 page.
pub(crate) async fn note(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    uri: Uri,
) -> Result<Response, AppError> {
    let lookup = slug.clone();
    let Some(note) = state
        .pool
        .run(move |conn| Note::by_slug(conn, &lookup))
        .await?
    else {
        return not_found_page(&state, uri.path());
    };
    let html = state.renderer.page(
        "note.html",
        context! { site_name => SITE_NAME, font_file => FONT_FILE, note => NoteView::from(&note) },
    )?;
    Ok(Html(html).into_response())
}

/// Any path no route claims.
pub(crate) async fn not_found(
    State(state): State<AppState>,
    uri: Uri,
) -> Result<Response, AppError> {
    not_found_page(&state, uri.path())
}

fn not_found_page(state: &AppState, path: &str) -> Result<Response, AppError> {
    let html = state.renderer.page(
        "not_found.html",
        context! { site_name => SITE_NAME, font_file => FONT_FILE, path },
    )?;
    Ok((StatusCode::NOT_FOUND, Html(html)).into_response())
}
