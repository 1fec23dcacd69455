//! Asset checks for any HTTP site: discover stylesheets, scripts, images, fonts, icons
//! and manifests by parsing HTML, CSS and manifests (plus a static dir on disk), then
//! check each one the way browsers and caches use it.
//!
//! The bug this guards against: every static file answered 500 after a monitoring hook
//! broke streamed bodies, while the HTML pages looked fine.

mod check;
mod conformance;
mod css;
mod discover;
mod facts;
mod fetch;
mod from_browser;
mod html;
mod keepalive;
mod link;
mod manifest;
mod media;
mod pages;

pub use check::check_site;
pub(crate) use check::{SiteCheck, check_site_counted};
pub use conformance::{Require, RowAnswer, Table, TableError, row_answers};
pub use css::{CssScan, links_in_css, scan_css};
pub use discover::{Asset, AssetOptions, Discovery, StaticDir, discover};
pub use facts::AssetFacts;
pub use from_browser::links_from_browser;
pub use html::links_in_html;
pub use keepalive::StallLimit;
pub use link::{Expect, Link};
pub use manifest::{ManifestError, ManifestErrorKind, links_in_manifest};
pub use pages::{FoundPages, find_pages, page_links};
