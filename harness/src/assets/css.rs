//! Asset references in CSS: `url()` in any form, `@import`, `image-set()`, and fonts in
//! `@font-face`, found with cssparser's tokenizer so comments, strings and nesting
//! (`@media`, `@supports`, nested rules) are handled like a browser does.

use cssparser::{ParseError, Parser, ParserInput, Token};
use url::Url;

use super::link::{Expect, Link, LinkSink};

/// What a stylesheet references, and what in it could not be tokenized cleanly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CssScan {
    /// Same-origin references, in source order.
    pub links: Vec<Link>,
    /// Tokenizer errors (`line 3: malformed url(...)`); a malformed `url()` is a lost
    /// asset reference, so these make the sheet fail its parse check.
    pub errors: Vec<String>,
}

/// Every same-origin asset `css` (served at `sheet`) references, in source order.
///
/// `@import` targets are [`Expect::Stylesheet`]; `url()` in `@font-face` with a font
/// extension is [`Expect::Font`]; other `url()`s are typed by extension (image, font)
/// or [`Expect::Any`].
pub fn links_in_css(sheet: &Url, css: &str) -> Vec<Link> {
    scan_css(sheet, css).links
}

/// Like [`links_in_css`], also reporting tokenizer errors.
pub fn scan_css(sheet: &Url, css: &str) -> CssScan {
    let mut sink = LinkSink::new(sheet);
    let errors = scan_into(&mut sink, css);
    CssScan {
        links: sink.links,
        errors,
    }
}

/// Scans `css` into `sink` (whose base may differ from the sheet, as for a `<style>`
/// element); returns tokenizer errors.
pub(crate) fn scan_into(sink: &mut LinkSink<'_>, css: &str) -> Vec<String> {
    let mut input = ParserInput::new(css);
    let mut parser = Parser::new(&mut input);
    let mut walker = Walker {
        sink,
        errors: Vec::new(),
    };
    walker.walk(&mut parser, false);
    walker.errors
}

type NoError<'i> = ParseError<'i, ()>;

struct Walker<'s, 'a> {
    sink: &'s mut LinkSink<'a>,
    errors: Vec<String>,
}

impl Walker<'_, '_> {
    fn walk(&mut self, p: &mut Parser<'_, '_>, in_font_face: bool) {
        // The at-rule whose prelude we are in, and whether it is an `@import` still
        // waiting for its URL (which must be the first token after the keyword).
        let mut at_rule: Option<String> = None;
        let mut import_wants_url = false;
        loop {
            p.skip_whitespace();
            let line = p.current_source_location().line + 1;
            let token = match p.next() {
                Ok(token) => token.clone(),
                Err(_) => break,
            };
            match token {
                Token::AtKeyword(name) => {
                    let name = name.to_ascii_lowercase();
                    import_wants_url = name == "import";
                    at_rule = Some(name);
                }
                Token::QuotedString(s) if import_wants_url => {
                    import_wants_url = false;
                    self.import(&s);
                }
                Token::UnquotedUrl(u) => {
                    if std::mem::take(&mut import_wants_url) {
                        self.import(&u);
                    } else {
                        self.url(&u, in_font_face);
                    }
                }
                Token::Function(name) => {
                    let name = name.to_ascii_lowercase();
                    let import = std::mem::take(&mut import_wants_url);
                    let _ = p.parse_nested_block(|inner| {
                        match name.as_str() {
                            "url" | "src" => {
                                if let Some(s) = first_string(inner) {
                                    if import {
                                        self.import(&s);
                                    } else {
                                        self.url(&s, in_font_face);
                                    }
                                }
                            }
                            "image-set" | "-webkit-image-set" => self.image_set(inner),
                            _ => self.walk(inner, in_font_face),
                        }
                        Ok::<(), NoError<'_>>(())
                    });
                }
                Token::CurlyBracketBlock => {
                    let font_face = in_font_face || at_rule.as_deref() == Some("font-face");
                    at_rule = None;
                    import_wants_url = false;
                    let _ = p.parse_nested_block(|inner| {
                        self.walk(inner, font_face);
                        Ok::<(), NoError<'_>>(())
                    });
                }
                Token::ParenthesisBlock | Token::SquareBracketBlock => {
                    import_wants_url = false;
                    let _ = p.parse_nested_block(|inner| {
                        self.walk(inner, in_font_face);
                        Ok::<(), NoError<'_>>(())
                    });
                }
                Token::Semicolon => {
                    at_rule = None;
                    import_wants_url = false;
                }
                Token::BadUrl(u) => {
                    import_wants_url = false;
                    self.errors.push(format!("line {line}: malformed url({u})"));
                }
                Token::BadString(s) => {
                    import_wants_url = false;
                    self.errors
                        .push(format!("line {line}: unterminated string \"{s}"));
                }
                Token::CloseCurlyBracket | Token::CloseParenthesis | Token::CloseSquareBracket => {
                    import_wants_url = false;
                    self.errors
                        .push(format!("line {line}: unmatched closing bracket"));
                }
                _ => import_wants_url = false,
            }
        }
    }

    /// `image-set("a.png" 1x, url(b.png) 2x)`: strings are URLs here.
    fn image_set(&mut self, p: &mut Parser<'_, '_>) {
        loop {
            let token = match p.next() {
                Ok(token) => token.clone(),
                Err(_) => break,
            };
            match token {
                Token::QuotedString(s) | Token::UnquotedUrl(s) => {
                    self.sink.push_with(&s, "css image-set()", image_or_any);
                }
                Token::Function(name) if name.eq_ignore_ascii_case("url") => {
                    let _ = p.parse_nested_block(|inner| {
                        if let Some(s) = first_string(inner) {
                            self.sink.push_with(&s, "css image-set()", image_or_any);
                        }
                        Ok::<(), NoError<'_>>(())
                    });
                }
                _ => {}
            }
        }
    }

    fn import(&mut self, raw: &str) {
        self.sink.push(raw, Expect::Stylesheet, "css @import");
    }

    fn url(&mut self, raw: &str, in_font_face: bool) {
        if in_font_face {
            self.sink
                .push_with(raw, "css @font-face src", font_image_or_any);
        } else {
            self.sink.push_with(raw, "css url()", font_image_or_any);
        }
    }
}

/// The first quoted string in a function's arguments (`url("x" format)`).
fn first_string(p: &mut Parser<'_, '_>) -> Option<String> {
    while let Ok(token) = p.next() {
        if let Token::QuotedString(s) = token {
            return Some(s.to_string());
        }
    }
    None
}

fn font_image_or_any(url: &Url) -> Expect {
    match Expect::from_extension(url) {
        Expect::Font => Expect::Font,
        Expect::Image | Expect::Icon => Expect::Image,
        _ => Expect::Any,
    }
}

fn image_or_any(url: &Url) -> Expect {
    match Expect::from_extension(url) {
        Expect::Image | Expect::Icon => Expect::Image,
        _ => Expect::Any,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> Url {
        Url::parse("http://h:8080/static/css/site.css").expect("test URL")
    }

    fn found(css: &str) -> Vec<(String, Expect, &'static str)> {
        let scan = scan_css(&sheet(), css);
        assert_eq!(scan.errors, Vec::<String>::new(), "{css}");
        scan.links
            .into_iter()
            .map(|l| (l.url.to_string(), l.expect, l.via))
            .collect()
    }

    fn urls(css: &str) -> Vec<String> {
        found(css).into_iter().map(|(u, _, _)| u).collect()
    }

    #[test]
    fn url_quoted_unquoted_and_with_spaces() {
        let css = r#"
            a { background: url(a.png) }
            b { background: url("b.png") }
            c { background: url('c.png') }
            d { background: url(  d.png  ) }
            e { background: url( "e f.png" ) }
            f { background: URL(F.PNG) }
            g { background: url(/abs/g.png?v=1#frag) }
            h { background: url(//h:8080/h.png) }
        "#;
        assert_eq!(
            urls(css),
            [
                "http://h:8080/static/css/a.png",
                "http://h:8080/static/css/b.png",
                "http://h:8080/static/css/c.png",
                "http://h:8080/static/css/d.png",
                "http://h:8080/static/css/e%20f.png",
                "http://h:8080/static/css/F.PNG",
                "http://h:8080/abs/g.png?v=1",
                "http://h:8080/h.png",
            ]
        );
        assert!(
            found(css)
                .iter()
                .all(|(_, e, v)| *e == Expect::Image && *v == "css url()")
        );
    }

    #[test]
    fn skips_data_uris_fragments_other_origins_and_comments() {
        let css = r#"
            /* url(commented.png) */
            a { background: url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E") }
            b { background: url(data:image/png;base64,iVBORw0KGgo=) }
            c { filter: url(#blur) }
            d { background: url(https://cdn.example/x.png) }
            e { content: "url(in-a-string.png)" }
            @import url("//fonts.example/css?family=X");
        "#;
        assert_eq!(urls(css), Vec::<String>::new());
    }

    #[test]
    fn import_forms() {
        let css = r#"
            @import "a.css";
            @import 'b.css' screen;
            @import url(c.css);
            @import url("d.css") print;
            @import url( 'e.css' ) layer(base) supports(display: grid);
            @IMPORT "f.css";
            @import url("g.css") print
        "#;
        let got = found(css);
        let want: Vec<_> = ["a", "b", "c", "d", "e", "f", "g"]
            .iter()
            .map(|n| {
                (
                    format!("http://h:8080/static/css/{n}.css"),
                    Expect::Stylesheet,
                    "css @import",
                )
            })
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn font_face_sources_are_fonts_and_nested_blocks_are_walked() {
        let css = r#"
            @font-face {
              font-family: X;
              src: local("X"), url(../fonts/x.woff2) format("woff2"),
                   url("../fonts/x.woff") format("woff"), url(../fonts/x.svg#x) format("svg");
            }
            @media (min-width: 40rem) {
              @supports (display: grid) {
                .a { background: url(../img/deep.png) }
                @font-face { src: url(../fonts/deep.ttf) }
              }
            }
            .card { & .nested { background-image: url(../img/nested.jpg) } }
            .set { background-image: image-set("../img/s1.png" 1x, url(../img/s2.png) 2x) }
            .icon { mask: url(../img/icon.svg) }
            .other { cursor: url(../cursors/hand.cur), auto }
        "#;
        let got = found(css);
        let want = [
            (
                "http://h:8080/static/fonts/x.woff2",
                Expect::Font,
                "css @font-face src",
            ),
            (
                "http://h:8080/static/fonts/x.woff",
                Expect::Font,
                "css @font-face src",
            ),
            (
                "http://h:8080/static/fonts/x.svg",
                Expect::Image,
                "css @font-face src",
            ),
            (
                "http://h:8080/static/img/deep.png",
                Expect::Image,
                "css url()",
            ),
            (
                "http://h:8080/static/fonts/deep.ttf",
                Expect::Font,
                "css @font-face src",
            ),
            (
                "http://h:8080/static/img/nested.jpg",
                Expect::Image,
                "css url()",
            ),
            (
                "http://h:8080/static/img/s1.png",
                Expect::Image,
                "css image-set()",
            ),
            (
                "http://h:8080/static/img/s2.png",
                Expect::Image,
                "css image-set()",
            ),
            (
                "http://h:8080/static/img/icon.svg",
                Expect::Image,
                "css url()",
            ),
            (
                "http://h:8080/static/cursors/hand.cur",
                Expect::Any,
                "css url()",
            ),
        ];
        crate::assets::link::assert_links(&got, &want);
    }

    #[test]
    fn a_string_after_a_non_import_at_rule_is_not_a_url() {
        let css = r#"@charset "utf-8"; @namespace svg "http://h:8080/svg"; @layer a, b;"#;
        assert_eq!(urls(css), Vec::<String>::new());
    }

    #[test]
    fn tokenizer_errors_are_reported_with_lines() {
        let scan = scan_css(
            &sheet(),
            "a { background: url(b c.png) }\n}\nb { content: \"x\n}",
        );
        assert_eq!(
            scan.errors,
            [
                "line 1: malformed url(b c.png)",
                "line 2: unmatched closing bracket",
                "line 3: unterminated string \"x",
            ]
        );
    }
}
