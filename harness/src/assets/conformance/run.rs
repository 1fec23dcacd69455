//! Running the table on one asset: every row as a GET and as a HEAD, graded with the
//! RFC's severity, folded into one outcome per group (`conditional`, `ranges`).

use std::time::Duration;

use reqwest::header::{CONTENT_RANGE, CONTENT_TYPE, ETAG, LAST_MODIFIED, RANGE};
use reqwest::{Method, StatusCode};

use super::Require;
use super::answer::{Answer, header_differences};
use super::table::{Facts, Feature, Row, TABLE_PATH, Table};
use crate::assets::fetch::{self, Fetched};
use crate::assets::link::path_label;
use crate::outcome::{CheckKind, CheckOutcome, Severity, Verdict};

/// One row that did not get an allowed answer.
struct Finding {
    severity: Severity,
    line: String,
    /// The server answered as if the row's headers were absent (for the summary).
    ignored: bool,
    /// A row every Range-supporting server must honour (not several ranges).
    single: bool,
}

/// The rows of one group for one asset.
#[derive(Default)]
struct Group {
    ran: usize,
    skipped: usize,
    findings: Vec<Finding>,
}

/// Runs every row of `table` that fits the asset against `url`, whose plain GET was
/// `plain` (a 200), and returns the `conditional` and `ranges` outcomes.
pub(crate) async fn check_conformance(
    client: &reqwest::Client,
    table: &Table,
    url: &url::Url,
    plain: &Fetched,
    require: Require,
    timeout: Duration,
) -> Vec<CheckOutcome> {
    let facts = facts(plain);
    let advertised = advertised(plain, &facts, require);
    let mut conditional = Group::default();
    let mut ranges = Group::default();
    for row in &table.rows {
        let group = match row.feature {
            Feature::Range => &mut ranges,
            Feature::Revalidation | Feature::Validators => &mut conditional,
        };
        let Some(request) = Filled::new(row, &facts) else {
            group.skipped += 1;
            continue;
        };
        group.ran += 1;
        let result = run_row(client, url, plain, row, &request, advertised, timeout).await;
        group.findings.extend(result.findings);
    }
    let label = path_label(url);
    let location = format!("{url} [{TABLE_PATH}]");
    [("conditional", conditional), ("ranges", ranges)]
        .into_iter()
        .filter(|(_, group)| group.ran > 0)
        .map(|(name, group)| {
            CheckOutcome::new(
                CheckKind::Asset,
                format!("{name} {label}"),
                location.clone(),
                group.verdict(name),
                Duration::ZERO,
            )
        })
        .collect()
}

/// One row as a server answered it, for side-by-side tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowAnswer {
    /// The row's `id`.
    pub id: String,
    /// The request headers as the table writes them (`Range: bytes=-{size+100}`).
    pub request: String,
    /// The answers RFC 9110 allows (`206 0-4`, or `200 whole` or `416`).
    pub allowed: String,
    /// What the GET got (`206 0-4`; `no answer` for a transport error).
    pub answer: String,
    /// Pass, or the row's finding as the check would grade it.
    pub verdict: Verdict,
}

/// Runs every row that fits the asset at `url` and returns each row's answer: what
/// the README's side-by-side table of the reference server and nginx is made of.
pub async fn row_answers(
    client: &reqwest::Client,
    table: &Table,
    url: &url::Url,
    require: Require,
    timeout: Duration,
) -> Result<Vec<RowAnswer>, String> {
    let plain = fetch::send(client.get(url.clone()), timeout)
        .await
        .map_err(|e| format!("GET {url}: {}", e.message))?;
    if !plain.status.is_success() {
        return Err(format!("GET {url}: status {}", plain.status.as_u16()));
    }
    let facts = facts(&plain);
    let advertised = advertised(&plain, &facts, require);
    let mut answers = Vec::new();
    for row in &table.rows {
        let Some(request) = Filled::new(row, &facts) else {
            continue;
        };
        let result = run_row(client, url, &plain, row, &request, advertised, timeout).await;
        let verdict = match result
            .findings
            .iter()
            .find(|f| f.severity == Severity::Must)
        {
            Some(f) => Verdict::judge(false, Severity::Must, &row.rule, &f.line),
            None => match result.findings.first() {
                Some(f) => Verdict::judge(false, Severity::May, &row.rule, &f.line),
                None => Verdict::Pass,
            },
        };
        let allowed: Vec<String> = request.answers.iter().map(Answer::short).collect();
        answers.push(RowAnswer {
            id: row.id.clone(),
            request: row.request_text.clone(),
            allowed: allowed.join(" or "),
            answer: result.answer.unwrap_or_else(|| "no answer".to_owned()),
            verdict,
        });
    }
    Ok(answers)
}

fn facts(plain: &Fetched) -> Facts {
    Facts {
        size: plain.body.len() as u64,
        etag: plain.header(ETAG).map(str::to_owned),
        last_modified: plain.header(LAST_MODIFIED).and_then(|text| {
            let at = httpdate::parse_http_date(text).ok()?;
            Some((text.to_owned(), at))
        }),
    }
}

fn advertised(plain: &Fetched, facts: &Facts, require: Require) -> Advertised {
    Advertised {
        range: require.range || plain.accepts_byte_ranges(),
        validators: require.validators || facts.etag.is_some(),
        require,
    }
}

/// What the server said it does (or the scenario requires of it).
#[derive(Debug, Clone, Copy)]
struct Advertised {
    range: bool,
    validators: bool,
    require: Require,
}

/// A row's request headers and answers, filled in for the asset.
struct Filled {
    headers: Vec<(reqwest::header::HeaderName, String)>,
    answers: Vec<Answer>,
}

impl Filled {
    /// `None` when the row does not fit the asset (too small, no such validator).
    fn new(row: &Row, facts: &Facts) -> Option<Self> {
        if facts.size < row.min_size || (row.strong && !facts.etag_is_strong()) {
            return None;
        }
        let headers = row
            .request
            .iter()
            .map(|(name, value)| Some((name.clone(), value.render(facts)?)))
            .collect::<Option<Vec<_>>>()?;
        let answers = row
            .expect
            .iter()
            .map(|answer| Answer::parse(&answer.render(facts)?).ok())
            .collect::<Option<Vec<_>>>()?;
        Some(Self { headers, answers })
    }

    fn describe(&self, method: &Method) -> String {
        let headers: Vec<String> = self
            .headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}"))
            .collect();
        format!("{method} with {}", headers.join(", "))
    }
}

/// What one row got: the GET's answer in short (`None`: no answer), and what was
/// wrong with it or with the HEAD.
struct RowResult {
    answer: Option<String>,
    findings: Vec<Finding>,
}

async fn run_row(
    client: &reqwest::Client,
    url: &url::Url,
    plain: &Fetched,
    row: &Row,
    request: &Filled,
    advertised: Advertised,
    timeout: Duration,
) -> RowResult {
    let send = |method: Method| {
        let mut builder = client.request(method, url.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        fetch::send(builder, timeout)
    };
    let allowed: Vec<String> = request.answers.iter().map(ToString::to_string).collect();
    let allowed = allowed.join(" or ");
    let mut findings = Vec::new();
    let get = match send(Method::GET).await {
        Ok(get) => get,
        Err(e) => {
            findings.push(Finding {
                severity: Severity::Must,
                line: format!(
                    "{}: {} got no answer: {} (expected {allowed}; {})",
                    row.id,
                    request.describe(&Method::GET),
                    e.message,
                    row.cite()
                ),
                ignored: false,
                single: false,
            });
            return RowResult {
                answer: None,
                findings,
            };
        }
    };
    let errors: Vec<String> = request
        .answers
        .iter()
        .filter_map(|answer| answer.check(plain, &get).err())
        .collect();
    if errors.len() == request.answers.len() {
        let ignored = Answer::Whole.check(plain, &get).is_ok();
        let (severity, why) = grade(row, advertised, ignored);
        findings.push(Finding {
            severity,
            line: format!(
                "{}: {} answered {} ({}), expected {allowed} ({}){why}",
                row.id,
                request.describe(&Method::GET),
                describe(&get),
                errors.join("; "),
                row.cite()
            ),
            ignored,
            single: !row.may_ignore,
        });
    }
    match send(Method::HEAD).await {
        Ok(head) => findings.extend(head_agrees(row, request, plain, &get, &head)),
        Err(e) => findings.push(Finding {
            severity: Severity::Must,
            line: format!(
                "{}: {} got no answer: {} (RFC 9110 §9.3.2: HEAD answers as GET does)",
                row.id,
                request.describe(&Method::HEAD),
                e.message
            ),
            ignored: false,
            single: false,
        }),
    }
    RowResult {
        answer: Some(short(plain, &get)),
        findings,
    }
}

/// An answer in a table cell: `206 0-4`, `200 whole`, `206 multipart (3 parts)`, `416`.
fn short(plain: &Fetched, got: &Fetched) -> String {
    let code = got.status.as_u16();
    if Answer::Whole.check(plain, got).is_ok() {
        return "200 whole".to_owned();
    }
    if let Some(kind) = got
        .header(CONTENT_TYPE)
        .filter(|t| t.starts_with("multipart/"))
    {
        let parts = kind
            .split("boundary=")
            .nth(1)
            .map(|b| {
                let delimiter = format!("--{}", b.trim_matches('"'));
                String::from_utf8_lossy(&got.body)
                    .matches(&delimiter)
                    .count()
                    .saturating_sub(1)
            })
            .unwrap_or(0);
        return format!("{code} multipart ({parts} parts)");
    }
    match got.header(CONTENT_RANGE) {
        Some(range) if range.contains('*') => code.to_string(),
        Some(range) => {
            let span = range.trim_start_matches("bytes ");
            let span = span.split('/').next().unwrap_or(span);
            format!("{code} {span}")
        }
        None => code.to_string(),
    }
}

/// How much a wrong GET answer weighs, and the words that say why when it only warns.
fn grade(row: &Row, advertised: Advertised, ignored: bool) -> (Severity, String) {
    if let Some(reason) = &row.lenient {
        return (Severity::May, format!(" [warning: {reason}]"));
    }
    let (feature_on, required, what) = match row.feature {
        Feature::Revalidation => return (Severity::Must, String::new()),
        Feature::Validators => (
            advertised.validators,
            advertised.require.validators,
            "the server sends no ETag, so it does not offer preconditions (RFC 9110 §13.1)",
        ),
        Feature::Range => (
            advertised.range,
            advertised.require.range,
            "the server does not send Accept-Ranges: bytes, and RFC 9110 §14.2 lets it ignore Range",
        ),
    };
    if !ignored {
        return (Severity::Must, String::new());
    }
    if row.may_ignore && !required {
        return (
            Severity::May,
            " [warning: RFC 9110 §14.2 lets a server ignore several or overlapping ranges]"
                .to_owned(),
        );
    }
    if feature_on {
        (Severity::Must, String::new())
    } else {
        (Severity::May, format!(" [warning: {what}]"))
    }
}

/// HEAD must answer as the GET did, without content (§9.3.2): a different status,
/// a body or a different header fails; a header left out only warns (the RFC lets a
/// server omit fields it computes while generating content).
///
/// A Range row's HEAD may also answer as a plain GET does: RFC 9110 §14.2 defines
/// range handling for GET only and says a server MUST ignore Range on other methods,
/// while nginx, Apache and Go answer HEAD as the ranged GET. Either is accepted.
fn head_agrees(
    row: &Row,
    request: &Filled,
    plain: &Fetched,
    ranged_get: &Fetched,
    head: &Fetched,
) -> Vec<Finding> {
    let ranged = request.headers.iter().any(|(name, _)| name == RANGE);
    let get = if ranged && head.status == StatusCode::OK && ranged_get.status != StatusCode::OK {
        plain
    } else {
        ranged_get
    };
    let what = request.describe(&Method::HEAD);
    let mut findings = Vec::new();
    let mut must = Vec::new();
    if head.status != get.status {
        must.push(format!(
            "status {} where the GET got {}",
            head.status.as_u16(),
            get.status.as_u16()
        ));
    }
    if !head.body.is_empty() {
        must.push(format!("{} body bytes", head.body.len()));
    }
    // Headers describe the selected representation only in a 2xx; an error page's
    // length is the server's business.
    let (different, missing) = if get.status.is_success() && head.status == get.status {
        header_differences(&get.headers, &head.headers)
    } else {
        (Vec::new(), Vec::new())
    };
    must.extend(different);
    if !must.is_empty() {
        findings.push(Finding {
            severity: Severity::Must,
            line: format!(
                "{}: {what} answered {} (RFC 9110 §9.3.2: HEAD answers as GET does, without content)",
                row.id,
                must.join(", ")
            ),
            ignored: false,
            single: false,
        });
    }
    if !missing.is_empty() && head.status == get.status {
        findings.push(Finding {
            severity: Severity::May,
            line: format!(
                "{}: {what} answered {} [warning: RFC 9110 §9.3.2 lets HEAD omit fields computed while generating content]",
                row.id,
                missing.join(", ")
            ),
            ignored: false,
            single: false,
        });
    }
    findings
}

/// `206, Content-Range bytes 0-4/6730, 5 body bytes`.
fn describe(got: &Fetched) -> String {
    let mut parts = vec![format!("{}", got.status.as_u16())];
    if let Some(range) = got.header(CONTENT_RANGE) {
        parts.push(format!("Content-Range {range}"));
    }
    if let Some(kind) = got
        .header(CONTENT_TYPE)
        .filter(|t| t.starts_with("multipart/"))
    {
        parts.push(kind.to_owned());
    }
    parts.push(format!("{} body bytes", got.body.len()));
    parts.join(", ")
}

impl Group {
    fn verdict(&self, name: &str) -> Verdict {
        if self.findings.is_empty() {
            return Verdict::Pass;
        }
        let severity = if self.findings.iter().any(|f| f.severity == Severity::Must) {
            Severity::Must
        } else {
            Severity::May
        };
        let skipped = match self.skipped {
            0 => String::new(),
            n => format!(", {n} skipped as not applicable"),
        };
        let expected = format!(
            "the {} {name} rows of {TABLE_PATH} answered as RFC 9110 allows{skipped}",
            self.ran
        );
        // Every single range answered with the whole file: say so once.
        let no_range_support = self
            .findings
            .iter()
            .all(|f| f.ignored && f.severity == Severity::May)
            && self.findings.iter().any(|f| f.single);
        let seen = if no_range_support && name == "ranges" && self.findings.len() > 1 {
            format!(
                "{} Range requests answered 200 with the whole file: the server does not \
                 support Range (RFC 9110 §14.2: a server MAY ignore Range) [warning]",
                self.findings.len()
            )
        } else {
            let mut lines: Vec<&str> = self.findings.iter().map(|f| f.line.as_str()).collect();
            lines.sort_by_key(|line| line.contains("[warning"));
            lines.join("\n")
        };
        Verdict::judge(false, severity, expected, seen)
    }
}
