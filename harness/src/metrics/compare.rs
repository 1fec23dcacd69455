//! Comparisons written in scenario files: `== 3`, `> 0`, `>= 10`.

use std::fmt;
use std::str::FromStr;

use super::MetricsError;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

/// `OP VALUE`, applied to a reading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// The operator.
    pub op: Op,
    /// The right-hand side.
    pub value: f64,
}

impl Comparison {
    /// Whether `seen` satisfies the comparison (exact for `==` on integers).
    pub fn holds(&self, seen: f64) -> bool {
        match self.op {
            Op::Eq => seen == self.value,
            Op::Ne => seen != self.value,
            Op::Gt => seen > self.value,
            Op::Ge => seen >= self.value,
            Op::Lt => seen < self.value,
            Op::Le => seen <= self.value,
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        };
        write!(f, "{op} {}", self.value)
    }
}

impl FromStr for Comparison {
    type Err = MetricsError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        // Two-character operators first, so `>=` is not read as `>` and `=3`.
        let ops = [
            ("==", Op::Eq),
            ("!=", Op::Ne),
            (">=", Op::Ge),
            ("<=", Op::Le),
            (">", Op::Gt),
            ("<", Op::Lt),
        ];
        let (op, rest) = ops
            .iter()
            .find_map(|(symbol, op)| text.strip_prefix(symbol).map(|rest| (*op, rest)))
            .ok_or_else(|| {
                MetricsError::Syntax(format!(
                    "comparison {text:?}: expected an operator (==, !=, >, >=, <, <=) then a number, e.g. \"== 3\""
                ))
            })?;
        let value = rest
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                MetricsError::Syntax(format!(
                    "comparison {text:?}: {:?} is not a finite number",
                    rest.trim()
                ))
            })?;
        Ok(Self { op, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_applies() {
        let cases = [
            ("== 3", 3.0, true),
            ("==3", 2.0, false),
            ("> 0", 0.0, false),
            (">= 10", 10.0, true),
            ("< 1", 0.5, true),
            ("<= 1", 1.5, false),
            ("!= 0", 0.0, false),
        ];
        for (text, seen, expected) in cases {
            let cmp: Comparison = text.parse().expect(text);
            assert_eq!(cmp.holds(seen), expected, "{text} on {seen}");
        }
        assert_eq!(
            ">= 10".parse::<Comparison>().expect("ok").to_string(),
            ">= 10"
        );
    }

    #[test]
    fn malformed_comparisons_say_what_is_expected() {
        for bad in ["3", "=> 3", "== three", "== NaN", ""] {
            let err = bad.parse::<Comparison>().expect_err(bad).to_string();
            assert!(err.contains("comparison"), "{bad}: {err}");
        }
    }
}
