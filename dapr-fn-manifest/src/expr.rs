//! `%AppSetting%` and `{binding.expression}` tokens inside binding property values.
//!
//! The host resolves them (custom-handler-protocol §5.4, dapr-extension §1.1); dapr-fn
//! only finds them, so the macro can check them against what the trigger supplies and
//! point at the exact token when one is wrong.

use std::ops::Range;

/// One piece of a property value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token<'a> {
    /// Text taken as written.
    Literal(&'a str),
    /// `%name%`: replaced by the app setting (environment variable) `name`.
    AppSetting {
        /// The setting name between the `%`.
        name: &'a str,
        /// Byte range of the whole token, `%` included.
        range: Range<usize>,
    },
    /// `{path}`: bound from the trigger's binding data at each invocation.
    Expression {
        /// The path between the braces, e.g. `key` or `data.orderId`.
        path: &'a str,
        /// Byte range of the whole token, braces included.
        range: Range<usize>,
    },
}

impl Token<'_> {
    /// For an expression, its root name (`data` in `data.orderId`).
    pub fn expression_root(&self) -> Option<&str> {
        match self {
            Token::Expression { path, .. } => Some(path.split(['.', '[']).next().unwrap_or(path).trim()),
            _ => None,
        }
    }
}

/// A malformed token, with the byte range to point at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenError {
    /// What is wrong and how to fix it.
    pub message: String,
    /// Where, in bytes of the value.
    pub range: Range<usize>,
}

/// Splits a property value into literals, `%settings%` and `{expressions}`.
pub fn tokenize(value: &str) -> Result<Vec<Token<'_>>, TokenError> {
    let bytes = value.as_bytes();
    let mut tokens = Vec::new();
    let mut literal_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let Some(len) = value[i + 1..].find('%') else {
                    return Err(TokenError {
                        message: "`%` starts an app-setting reference but has no closing `%`; write `%SettingName%`".into(),
                        range: i..value.len(),
                    });
                };
                let name = &value[i + 1..i + 1 + len];
                let end = i + len + 2;
                if name.is_empty() || name.contains(['{', '}']) {
                    return Err(TokenError {
                        message: format!("`{}` is not an app-setting reference; write `%SettingName%`", &value[i..end]),
                        range: i..end,
                    });
                }
                push_literal(&mut tokens, &value[literal_start..i]);
                tokens.push(Token::AppSetting { name, range: i..end });
                i = end;
                literal_start = i;
            }
            b'{' => {
                let close = value[i + 1..].find(['}', '{']).map(|p| p + i + 1);
                let Some(close) = close.filter(|&c| bytes[c] == b'}') else {
                    return Err(TokenError {
                        message: "`{` starts a binding expression but has no matching `}`".into(),
                        range: i..close.unwrap_or(value.len()),
                    });
                };
                let path = &value[i + 1..close];
                if path.trim().is_empty() {
                    return Err(TokenError {
                        message: "`{}` is an empty binding expression; name a value, e.g. `{key}`".into(),
                        range: i..close + 1,
                    });
                }
                push_literal(&mut tokens, &value[literal_start..i]);
                tokens.push(Token::Expression { path, range: i..close + 1 });
                i = close + 1;
                literal_start = i;
            }
            b'}' => return Err(TokenError { message: "`}` without an opening `{`".into(), range: i..i + 1 }),
            _ => i += 1,
        }
    }
    push_literal(&mut tokens, &value[literal_start..]);
    Ok(tokens)
}

fn push_literal<'a>(tokens: &mut Vec<Token<'a>>, text: &'a str) {
    if !text.is_empty() {
        tokens.push(Token::Literal(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_settings_expressions_and_literals() {
        let t = tokenize("%Prefix%-{key}/{data.orderId}").unwrap();
        assert_eq!(
            t,
            vec![
                Token::AppSetting { name: "Prefix", range: 0..8 },
                Token::Literal("-"),
                Token::Expression { path: "key", range: 9..14 },
                Token::Literal("/"),
                Token::Expression { path: "data.orderId", range: 15..29 },
            ]
        );
        assert_eq!(t[4].expression_root(), Some("data"));
        assert_eq!(tokenize("statestore").unwrap(), vec![Token::Literal("statestore")]);
        assert_eq!(tokenize("").unwrap(), vec![]);
    }

    #[test]
    fn rejects_malformed_tokens_with_their_position() {
        assert_eq!(tokenize("a{key").unwrap_err().range, 1..5);
        assert_eq!(tokenize("a{b{c}").unwrap_err().range, 1..3);
        assert_eq!(tokenize("{}").unwrap_err().range, 0..2);
        assert_eq!(tokenize("x}").unwrap_err().range, 1..2);
        assert_eq!(tokenize("50%").unwrap_err().range, 2..3);
        assert_eq!(tokenize("%%").unwrap_err().range, 0..2);
    }
}
