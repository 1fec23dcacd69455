//! Parsers for single scalar values (booleans, numbers, durations, addresses, paths,
//! URLs, secrets). Each takes an already trimmed, non-empty value.

use std::net::SocketAddr;
use std::num::IntErrorKind;
use std::path::PathBuf;
use std::time::Duration;

use super::error::ConfigErrorKind;

/// Minimum length of `ADMIN_TOKEN`, in characters.
pub(crate) const MIN_ADMIN_TOKEN_LEN: usize = 16;

/// `true/false/1/0/yes/no`, any case.
pub(crate) fn parse_bool(text: &str) -> Result<bool, ConfigErrorKind> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(ConfigErrorKind::NotABool),
    }
}

/// An integer in `min..=max`; negatives, floats and overflow are told apart.
pub(crate) fn parse_integer(text: &str, min: u64, max: u64) -> Result<u64, ConfigErrorKind> {
    match text.parse::<i128>() {
        Ok(n) if n < i128::from(min) || n > i128::from(max) => Err(ConfigErrorKind::OutOfRange),
        Ok(n) => u64::try_from(n).map_err(|_| ConfigErrorKind::OutOfRange),
        Err(e)
            if matches!(
                e.kind(),
                IntErrorKind::PosOverflow | IntErrorKind::NegOverflow
            ) =>
        {
            Err(ConfigErrorKind::OutOfRange)
        }
        Err(_) if text.parse::<f64>().is_ok() => Err(ConfigErrorKind::NotAnInteger),
        Err(_) => Err(ConfigErrorKind::NotANumber),
    }
}

/// An integer in `min..=max` as `usize`.
pub(crate) fn parse_usize(text: &str, min: usize, max: usize) -> Result<usize, ConfigErrorKind> {
    let to_u64 = |n: usize| u64::try_from(n).map_err(|_| ConfigErrorKind::OutOfRange);
    let n = parse_integer(text, to_u64(min)?, to_u64(max)?)?;
    usize::try_from(n).map_err(|_| ConfigErrorKind::OutOfRange)
}

/// Seconds as a finite number > 0 (at least one nanosecond, at most what a
/// [`Duration`] holds).
pub(crate) fn parse_seconds(text: &str) -> Result<Duration, ConfigErrorKind> {
    let secs: f64 = text.parse().map_err(|_| ConfigErrorKind::NotANumber)?;
    if !secs.is_finite() {
        return Err(ConfigErrorKind::NotFinite);
    }
    if secs <= 0.0 {
        return Err(ConfigErrorKind::OutOfRange);
    }
    match Duration::try_from_secs_f64(secs) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(ConfigErrorKind::OutOfRange),
    }
}

/// `ip:port`, IPv4 or bracketed IPv6; port 0 asks the OS for a free port.
pub(crate) fn parse_socket_addr(text: &str) -> Result<SocketAddr, ConfigErrorKind> {
    text.parse().map_err(|_| ConfigErrorKind::NotASocketAddr)
}

/// A path; the caller has already refused empty values.
pub(crate) fn parse_path(text: &str) -> Result<PathBuf, ConfigErrorKind> {
    if text.is_empty() {
        return Err(ConfigErrorKind::Empty);
    }
    Ok(PathBuf::from(text))
}

/// An `http://` or `https://` URL with a host and no whitespace, kept as written.
pub(crate) fn parse_http_url(text: &str) -> Result<String, ConfigErrorKind> {
    let lower = text.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
    else {
        return Err(ConfigErrorKind::NotHttpUrl {
            reason: "it does not start with http:// or https://",
        });
    };
    if rest.split(['/', '?', '#']).next().is_none_or(str::is_empty) {
        return Err(ConfigErrorKind::NotHttpUrl {
            reason: "there is no host after the scheme",
        });
    }
    if text.chars().any(char::is_whitespace) {
        return Err(ConfigErrorKind::NotHttpUrl {
            reason: "it contains whitespace",
        });
    }
    Ok(text.to_owned())
}

/// The public base URL of the site: an http(s) URL with one trailing `/` removed, so
/// `format!("{site_url}/notes/x")` never doubles the slash.
pub(crate) fn parse_site_url(text: &str) -> Result<String, ConfigErrorKind> {
    let url = parse_http_url(text)?;
    Ok(url.strip_suffix('/').map(str::to_owned).unwrap_or(url))
}

/// A secret of at least [`MIN_ADMIN_TOKEN_LEN`] characters.
pub(crate) fn parse_admin_token(text: &str) -> Result<String, ConfigErrorKind> {
    let len = text.chars().count();
    if len < MIN_ADMIN_TOKEN_LEN {
        return Err(ConfigErrorKind::TooShort {
            len,
            min: MIN_ADMIN_TOKEN_LEN,
        });
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bools_in_any_case() {
        for t in ["true", "TRUE", "True", "1", "yes", "YES", "Yes"] {
            assert_eq!(parse_bool(t), Ok(true), "{t}");
        }
        for f in ["false", "FALSE", "False", "0", "no", "NO", "No"] {
            assert_eq!(parse_bool(f), Ok(false), "{f}");
        }
        for bad in ["on", "off", "y", "n", "2", "tru", "-1", "truee"] {
            assert_eq!(parse_bool(bad), Err(ConfigErrorKind::NotABool), "{bad}");
        }
    }

    #[test]
    fn integers_in_range() {
        assert_eq!(parse_integer("1", 1, 10), Ok(1));
        assert_eq!(parse_integer("10", 1, 10), Ok(10));
        assert_eq!(parse_integer("+5", 1, 10), Ok(5));
        assert_eq!(parse_integer("0", 1, 10), Err(ConfigErrorKind::OutOfRange));
        assert_eq!(parse_integer("11", 1, 10), Err(ConfigErrorKind::OutOfRange));
        assert_eq!(parse_integer("-1", 0, 10), Err(ConfigErrorKind::OutOfRange));
        assert_eq!(
            parse_integer("99999999999999999999999999999999999999999", 0, 10),
            Err(ConfigErrorKind::OutOfRange)
        );
        assert_eq!(
            parse_integer("18446744073709551616", 0, u64::MAX),
            Err(ConfigErrorKind::OutOfRange)
        );
        assert_eq!(
            parse_integer("18446744073709551615", 0, u64::MAX),
            Ok(u64::MAX)
        );
    }

    #[test]
    fn integers_reject_floats_and_garbage() {
        for (text, kind) in [
            ("1.5", ConfigErrorKind::NotAnInteger),
            ("1e3", ConfigErrorKind::NotAnInteger),
            ("1_000", ConfigErrorKind::NotANumber),
            ("ten", ConfigErrorKind::NotANumber),
        ] {
            assert_eq!(parse_integer(text, 0, 10), Err(kind), "{text}");
        }
    }

    #[test]
    fn usize_bounds() {
        assert_eq!(parse_usize("1000000", 1, 1_000_000), Ok(1_000_000));
        assert_eq!(
            parse_usize("1000001", 1, 1_000_000),
            Err(ConfigErrorKind::OutOfRange)
        );
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("1"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_seconds("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_seconds("1e-3"), Ok(Duration::from_millis(1)));
        assert_eq!(parse_seconds("1e-9"), Ok(Duration::from_nanos(1)));
        assert_eq!(parse_seconds("0"), Err(ConfigErrorKind::OutOfRange));
        assert_eq!(parse_seconds("-0"), Err(ConfigErrorKind::OutOfRange));
        assert_eq!(parse_seconds("-1"), Err(ConfigErrorKind::OutOfRange));
        assert_eq!(parse_seconds("1e-12"), Err(ConfigErrorKind::OutOfRange));
        assert_eq!(parse_seconds("1e300"), Err(ConfigErrorKind::OutOfRange));
        assert_eq!(parse_seconds("inf"), Err(ConfigErrorKind::NotFinite));
        assert_eq!(parse_seconds("NaN"), Err(ConfigErrorKind::NotFinite));
        assert_eq!(parse_seconds("1s"), Err(ConfigErrorKind::NotANumber));
    }

    #[test]
    fn socket_addrs() {
        assert_eq!(parse_socket_addr("127.0.0.1:0").map(|a| a.port()), Ok(0));
        assert!(parse_socket_addr("[::1]:8080").is_ok());
        assert!(parse_socket_addr("0.0.0.0:65535").is_ok());
        for bad in [
            "localhost:8000",
            "127.0.0.1",
            "127.0.0.1:65536",
            ":8000",
            "8000",
        ] {
            assert_eq!(
                parse_socket_addr(bad),
                Err(ConfigErrorKind::NotASocketAddr),
                "{bad}"
            );
        }
    }

    #[test]
    fn paths() {
        assert_eq!(parse_path("data/db"), Ok(PathBuf::from("data/db")));
        assert_eq!(parse_path(""), Err(ConfigErrorKind::Empty));
    }

    #[test]
    fn http_urls() {
        assert_eq!(
            parse_http_url("https://tokens.example.org/token"),
            Ok("https://tokens.example.org/token".into())
        );
        assert!(parse_http_url("HTTP://example.org").is_ok());
        assert!(parse_http_url("http://127.0.0.1:9999/").is_ok());
        for bad in [
            "ftp://example.org",
            "example.org",
            "http:/example.org",
            "http://",
            "https:///path",
            "http://exa mple.org",
        ] {
            assert!(
                matches!(parse_http_url(bad), Err(ConfigErrorKind::NotHttpUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn site_url_loses_exactly_one_trailing_slash() {
        assert_eq!(
            parse_site_url("https://blog.example.org/"),
            Ok("https://blog.example.org".into())
        );
        assert_eq!(
            parse_site_url("https://blog.example.org/sub/"),
            Ok("https://blog.example.org/sub".into())
        );
        assert_eq!(
            parse_site_url("https://blog.example.org"),
            Ok("https://blog.example.org".into())
        );
        assert_eq!(
            parse_site_url("https://blog.example.org//"),
            Ok("https://blog.example.org/".into())
        );
    }

    #[test]
    fn admin_token_length() {
        assert_eq!(
            parse_admin_token("0123456789abcdef"),
            Ok("0123456789abcdef".into())
        );
        assert_eq!(
            parse_admin_token("0123456789abcde"),
            Err(ConfigErrorKind::TooShort { len: 15, min: 16 })
        );
        // Characters, not bytes.
        assert_eq!(
            parse_admin_token("ééééééééé"),
            Err(ConfigErrorKind::TooShort { len: 9, min: 16 })
        );
    }
}
