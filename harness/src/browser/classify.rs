//! Judging a page load with the crawl's severity: a page that does not load, a
//! refused or failed sub-resource, a stylesheet Chromium did not apply, a sub-resource answered 4xx/5xx and a console error
//! fail; a missing `/favicon.ico` that the page never linked only warns.

use std::time::Duration;

use crate::outcome::{CheckKind, CheckOutcome, Rendering, Screenshot, Severity, Verdict};

use super::record::PageLoad;

/// The checks one page load makes: one for the page itself, then one per problem,
/// each naming the page, the sub-resource and the browser's own reason. The page's
/// check lasts its load time (navigation to the load event), so `report.json` carries
/// it as that check's `duration_ms` (what `ci/time-browser.sh` reads).
pub fn classify(load: &PageLoad) -> Vec<CheckOutcome> {
    let page = &load.page;
    let document = load
        .requests
        .iter()
        .find(|r| r.resource_type == "Document" && same_url(&r.url, page));
    let page_failed = load.failed.iter().find(|f| same_url(&f.url, page));
    let page_seen = match (document.and_then(|d| d.status), page_failed) {
        (_, Some(failed)) => Some(failed.error_text.clone()),
        (Some(status), None) if status >= 400 => Some(format!("status {status}")),
        (Some(_), None) => None,
        (None, None) => Some("no response for the page".to_owned()),
    };
    let mut page_check = check(
        format!("browser load {}", shown(page, page)),
        page.clone(),
        Verdict::expect(
            page_seen.is_none(),
            "the page loads with status < 400",
            page_seen.unwrap_or_default(),
        ),
        load.load_time.unwrap_or_default(),
    );
    page_check.screenshot = load.screenshot.clone().map(|path| Screenshot {
        path,
        rendering: Rendering::default(),
    });
    let mut checks = vec![page_check];
    let mut named = std::collections::BTreeSet::new();
    for failed in load.failed.iter().filter(|f| !same_url(&f.url, page)) {
        let status = load
            .requests
            .iter()
            .filter(|r| r.url == failed.url)
            .find_map(|r| r.status);
        let mut seen = match status {
            Some(status) => format!(
                "{}: status {status}, then {}",
                failed.resource_type, failed.error_text
            ),
            None => format!("{}: {}", failed.resource_type, failed.error_text),
        };
        if let Some(reason) = &failed.blocked_reason {
            seen.push_str(&format!(" (blocked: {reason})"));
        }
        if let Some(cors) = &failed.cors_error {
            seen.push_str(&format!(" (CORS: {cors})"));
        }
        if named.insert(failed.url.clone()) {
            checks.push(sub_resource(load, &failed.url, &failed.resource_type, seen));
        }
    }
    for request in &load.requests {
        let Some(status) = request.status.filter(|s| *s >= 400) else {
            continue;
        };
        if same_url(&request.url, page) || !named.insert(request.url.clone()) {
            continue;
        }
        let seen = format!(
            "{}: status {status} ({})",
            request.resource_type,
            request.mime_type.as_deref().unwrap_or("no type")
        );
        checks.push(sub_resource(
            load,
            &request.url,
            &request.resource_type,
            seen,
        ));
    }
    for url in &load.unapplied_stylesheets {
        if !named.insert(url.clone()) {
            continue;
        }
        let response = load.requests.iter().rfind(|r| &r.url == url);
        let said = load
            .console_errors
            .iter()
            .find(|m| refused(&m.text).is_some_and(|(_, u)| &u == url))
            .map(|m| m.text.clone());
        let seen = said.unwrap_or_else(|| {
            format!(
                "Chromium applied no rule from it (served as {}, status {})",
                response
                    .and_then(|r| r.mime_type.as_deref())
                    .unwrap_or("no type"),
                response
                    .and_then(|r| r.status)
                    .map_or_else(|| "none".to_owned(), |s| s.to_string())
            )
        });
        checks.push(check(
            format!("browser Stylesheet {}", shown(url, page)),
            format!("{page} -> {url}"),
            Verdict::expect(false, format!("stylesheet {url} applied to the page"), seen),
            response.and_then(|r| r.duration).unwrap_or_default(),
        ));
    }
    let mut other_errors = 0;
    for message in &load.console_errors {
        // The network's own console lines repeat what the requests above report.
        if message.source == "network" {
            continue;
        }
        if let Some((kind, url)) = refused(&message.text) {
            if named.insert(url.clone()) {
                checks.push(check(
                    format!("browser {kind} {}", shown(&url, page)),
                    format!("{page} -> {url}"),
                    Verdict::expect(
                        false,
                        format!("{kind} {url} used by the page"),
                        &message.text,
                    ),
                    Duration::ZERO,
                ));
            }
            continue;
        }
        other_errors += 1;
        checks.push(check(
            format!(
                "browser console error {other_errors} on {}",
                shown(page, page)
            ),
            message.url.clone().unwrap_or_else(|| page.clone()),
            Verdict::expect(
                false,
                "no console error",
                format!("{}: {}", message.source, message.text),
            ),
            Duration::ZERO,
        ));
    }
    checks
}

/// A failed sub-resource: fails, except the implicit `/favicon.ico` of a page that
/// links no icon, which warns (browsers ask for it whether or not the site has one).
fn sub_resource(load: &PageLoad, url: &str, kind: &str, seen: String) -> CheckOutcome {
    let implicit_favicon = url::Url::parse(url).is_ok_and(|u| u.path() == "/favicon.ico")
        && !load.linked_icons.iter().any(|icon| same_url(icon, url));
    let severity = if implicit_favicon {
        Severity::May
    } else {
        Severity::Must
    };
    let expected = if implicit_favicon {
        "/favicon.ico (browsers ask for it even when the page links no icon)".to_owned()
    } else {
        format!("{kind} {url} loads")
    };
    check(
        format!("browser {kind} {}", shown(url, &load.page)),
        format!("{} -> {url}", load.page),
        Verdict::judge(false, severity, expected, seen),
        load.requests
            .iter()
            .find(|r| r.url == url)
            .and_then(|r| r.duration)
            .unwrap_or_default(),
    )
}

/// The kind and URL a browser's "Refused to apply style from 'URL'" or "Refused to
/// execute script from 'URL'" names.
fn refused(text: &str) -> Option<(&'static str, String)> {
    let kind = if text.starts_with("Refused to apply style from '") {
        "Stylesheet"
    } else if text.starts_with("Refused to execute script from '") {
        "Script"
    } else {
        return None;
    };
    let start = text.find('\'')? + 1;
    let end = start + text[start..].find('\'')?;
    Some((kind, text[start..end].to_owned()))
}

/// URLs equal up to a trailing slash (`http://h:1` and `http://h:1/`).
/// `url` as a check name shows it: its path and query when it is on `page`'s origin,
/// so a baseline's check pairs with the candidate's whatever port each ran on (the
/// check's location keeps the whole URL); whole otherwise.
pub(crate) fn shown(url: &str, page: &str) -> String {
    match (url::Url::parse(url), url::Url::parse(page)) {
        (Ok(u), Ok(p)) if u.origin() == p.origin() => match u.query() {
            Some(query) => format!("{}?{query}", u.path()),
            None => u.path().to_owned(),
        },
        _ => url.to_owned(),
    }
}

fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

fn check(name: String, location: String, verdict: Verdict, duration: Duration) -> CheckOutcome {
    CheckOutcome::new(CheckKind::Asset, name, location, verdict, duration)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::record::{ConsoleMessage, FailedRequest, RequestRecord};

    const PAGE: &str = "http://site/";

    fn request(url: &str, kind: &str, status: u16) -> RequestRecord {
        RequestRecord {
            url: url.to_owned(),
            method: "GET".to_owned(),
            resource_type: kind.to_owned(),
            status: Some(status),
            mime_type: Some("text/html".to_owned()),
            duration: None,
        }
    }

    fn load(requests: Vec<RequestRecord>) -> PageLoad {
        PageLoad {
            page: PAGE.to_owned(),
            load_time: Some(Duration::from_millis(30)),
            requests,
            failed: Vec::new(),
            console_errors: Vec::new(),
            linked_icons: Vec::new(),
            unapplied_stylesheets: Vec::new(),
            screenshot: None,
        }
    }

    fn verdicts(checks: &[CheckOutcome]) -> Vec<(String, &'static str)> {
        checks
            .iter()
            .map(|c| {
                let v = match c.verdict {
                    Verdict::Pass => "pass",
                    Verdict::Warn { .. } => "warn",
                    Verdict::Fail { .. } => "fail",
                    Verdict::Skip { .. } => "skip",
                };
                (c.name.clone(), v)
            })
            .collect()
    }

    #[test]
    fn a_clean_page_is_one_passing_check_and_a_500_page_fails_it() {
        let good = load(vec![request(PAGE, "Document", 200)]);
        assert_eq!(
            verdicts(&classify(&good)),
            [("browser load /".to_owned(), "pass")]
        );
        let bad = load(vec![request(PAGE, "Document", 500)]);
        let checks = classify(&bad);
        assert_eq!(
            checks[0].verdict.expected_and_seen().map(|p| p.1),
            Some("status 500")
        );
    }

    #[test]
    fn a_refused_stylesheet_fails_naming_it_and_the_browsers_words() {
        let mut page = load(vec![
            request(PAGE, "Document", 200),
            request("http://site/s.css", "Stylesheet", 200),
        ]);
        let words = "Refused to apply style from 'http://site/s.css' because its MIME type \
                     ('text/plain') is not a supported stylesheet MIME type, and strict MIME \
                     checking is enabled.";
        page.console_errors.push(ConsoleMessage {
            source: "security".to_owned(),
            text: words.to_owned(),
            url: None,
        });
        let checks = classify(&page);
        assert_eq!(
            verdicts(&checks)[1],
            ("browser Stylesheet /s.css".to_owned(), "fail")
        );
        assert_eq!(
            checks[1].verdict.expected_and_seen().map(|p| p.1),
            Some(words)
        );
        assert_eq!(checks[1].location, "http://site/ -> http://site/s.css");
    }

    #[test]
    fn failures_and_error_statuses_fail_but_an_unlinked_favicon_warns() {
        let mut page = load(vec![
            request(PAGE, "Document", 200),
            request("http://site/a.js", "Script", 200),
            request("http://site/data.json", "Fetch", 404),
            request("http://site/favicon.ico", "Other", 404),
        ]);
        page.failed.push(FailedRequest {
            url: "http://site/a.js".to_owned(),
            resource_type: "Script".to_owned(),
            error_text: "net::ERR_BLOCKED_BY_ORB".to_owned(),
            blocked_reason: Some("orb".to_owned()),
            cors_error: None,
        });
        page.console_errors.push(ConsoleMessage {
            source: "network".to_owned(),
            text: "Failed to load resource: 404".to_owned(),
            url: None,
        });
        let checks = classify(&page);
        assert_eq!(
            verdicts(&checks),
            [
                ("browser load /".to_owned(), "pass"),
                ("browser Script /a.js".to_owned(), "fail"),
                ("browser Fetch /data.json".to_owned(), "fail"),
                ("browser Other /favicon.ico".to_owned(), "warn"),
            ]
        );
        assert!(
            checks[1]
                .verdict
                .expected_and_seen()
                .is_some_and(|(_, seen)| seen.contains("ERR_BLOCKED_BY_ORB (blocked: orb)"))
        );
        page.linked_icons.push("http://site/favicon.ico".to_owned());
        assert_eq!(
            verdicts(&classify(&page))[3].1,
            "fail",
            "a linked icon must load"
        );
    }

    #[test]
    fn a_script_error_fails() {
        let mut page = load(vec![request(PAGE, "Document", 200)]);
        page.console_errors.push(ConsoleMessage {
            source: "javascript".to_owned(),
            text: "TypeError: x is undefined".to_owned(),
            url: None,
        });
        assert_eq!(verdicts(&classify(&page))[1].1, "fail");
    }

    #[test]
    fn names_show_same_origin_urls_by_path_so_runs_on_other_ports_pair() {
        assert_eq!(shown("http://h:1/a.css?v=2", "http://h:1/"), "/a.css?v=2");
        assert_eq!(shown("http://h:1/", "http://h:1/"), "/");
        assert_eq!(shown("http://cdn/x.js", "http://h:1/"), "http://cdn/x.js");
        assert_eq!(shown("http://h:2/x.js", "http://h:1/"), "http://h:2/x.js");
    }
}
