//! What a visitor's browser sees: pages loaded in headless Chromium over the DevTools
//! protocol, with every request, every refusal and a screenshot, judged like the crawl.
//!
//! The crawl reads HTML and CSS; a browser also runs scripts, refuses a stylesheet
//! whose type is wrong and waits on stalls. This module finds Chromium
//! ([`find_chromium`]; whether it is required is
//! [`crate::prerequisite::Prerequisite::Chromium`]'s), drives it ([`Chromium`]), records one page load
//! ([`PageLoad`]) and turns it into checks ([`classify`]); `load_pages` does all of
//! that for a step's pages in one Chromium, for the `browser` and `check-assets` steps.

mod cdp;
mod classify;
mod error;
mod launch;
mod load;
mod locate;
mod pages;
mod record;
mod setup;

pub use classify::classify;
pub use error::{BrowserError, BrowserErrorKind};
pub use launch::Chromium;
pub use load::LoadOptions;
pub use locate::find_chromium;
pub(crate) use pages::load_pages;
pub use record::{ConsoleMessage, FailedRequest, PageLoad, RequestRecord};
pub use setup::BrowserSetup;
pub(crate) use setup::path_segment;
