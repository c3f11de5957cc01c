//! The host's naming rules (`custom-handler-protocol.md` §5.2, §5.4) and the mapping
//! from Rust identifiers to names the host accepts.

/// Longest function or binding name the host accepts.
pub const MAX_NAME_LEN: usize = 128;

/// Why the host would reject a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameError(pub String);

impl std::fmt::Display for NameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a function (folder) name: an ASCII letter, then ASCII letters, digits, `_` or
/// `-`, at most 128 characters, and not the reserved `host`.
pub fn validate_function_name(name: &str) -> Result<(), NameError> {
    let mut chars = name.chars();
    match chars.next() {
        None => return Err(NameError("a function name cannot be empty".into())),
        Some(c) if !c.is_ascii_alphabetic() => return Err(NameError(format!("function name `{name}` must start with an ASCII letter"))),
        Some(_) => {}
    }
    if let Some(bad) = chars.find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-')) {
        return Err(NameError(format!("function name `{name}` contains `{bad}`; only ASCII letters, digits, `_` and `-` are allowed")));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(NameError(format!("function name `{name}` is {} characters long; the host allows at most {MAX_NAME_LEN}", name.len())));
    }
    if name.eq_ignore_ascii_case("host") {
        return Err(NameError("`host` is reserved by the Functions host and cannot name a function".into()));
    }
    Ok(())
}

/// Checks a binding name: an ASCII letter then ASCII letters and digits (no `_` or `-`),
/// at most 128 characters, or exactly `$return`.
pub fn validate_binding_name(name: &str) -> Result<(), NameError> {
    if name == RETURN_BINDING {
        return Ok(());
    }
    let ok = name.len() <= MAX_NAME_LEN
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(NameError(format!(
            "binding name `{name}` is not accepted by the host: it must be an ASCII letter followed by \
             ASCII letters and digits (no `_` or `-`), at most {MAX_NAME_LEN} characters"
        )))
    }
}

/// The binding name of a function's return value.
pub const RETURN_BINDING: &str = "$return";

/// The http output binding dapr-fn adds to HTTP-triggered functions.
pub const HTTP_RESPONSE_BINDING: &str = "res";

fn words(rust_ident: &str) -> impl Iterator<Item = &str> {
    rust_ident.strip_prefix("r#").unwrap_or(rust_ident).split('_').filter(|w| !w.is_empty())
}

fn capitalize(word: &str, out: &mut String) {
    let mut chars = word.chars();
    if let Some(first) = chars.next() {
        out.extend(first.to_uppercase());
        out.push_str(chars.as_str());
    }
}

/// Maps a Rust parameter name to a binding name: `order_payload` → `orderPayload`
/// (leading underscores and `r#` dropped), then checks it with [`validate_binding_name`].
pub fn binding_name_from_rust(rust_ident: &str) -> Result<String, NameError> {
    let mut out = String::with_capacity(rust_ident.len());
    for (i, word) in words(rust_ident).enumerate() {
        if i == 0 {
            out.push_str(word);
        } else {
            capitalize(word, &mut out);
        }
    }
    validate_binding_name(&out).map(|()| out)
}

/// Maps a Rust function name to the default function name: `state_output_binding` →
/// `StateOutputBinding`.
pub fn function_name_from_rust(rust_ident: &str) -> String {
    let mut out = String::with_capacity(rust_ident.len());
    for word in words(rust_ident) {
        capitalize(word, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_follow_the_host_rules() {
        for ok in ["StateOutputBinding", "a", "Create_New-Order2", &"x".repeat(128)] {
            assert_eq!(validate_function_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "1abc", "_abc", "with space", "naïve", "host", "HOST", &"x".repeat(129)] {
            assert!(validate_function_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn binding_names_follow_the_host_rules() {
        for ok in ["req", "orderPayload", "a1", "$return"] {
            assert_eq!(validate_binding_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "order_payload", "a-b", "1a", "$ret", &"x".repeat(129)] {
            assert!(validate_binding_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rust_names_map_to_host_names() {
        assert_eq!(binding_name_from_rust("req").unwrap(), "req");
        assert_eq!(binding_name_from_rust("order_payload").unwrap(), "orderPayload");
        assert_eq!(binding_name_from_rust("_state").unwrap(), "state");
        assert_eq!(binding_name_from_rust("r#type").unwrap(), "type");
        assert_eq!(binding_name_from_rust("a__b_2").unwrap(), "aB2");
        assert!(binding_name_from_rust("_").is_err());
        assert!(binding_name_from_rust("état").is_err());
        assert_eq!(function_name_from_rust("state_output_binding"), "StateOutputBinding");
        assert_eq!(function_name_from_rust("r#fn"), "Fn");
    }
}
