//! HTTP trigger route templates (ASP.NET Core syntax, custom-handler-protocol §6.1):
//! literal segments, `{name}`, `{name?}`, `{*rest}`, `{name=default}` and inline
//! constraints such as `{id:int}` or `{code:regex(^\d{{3}}$)}`.

/// One parameter of a route template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteParam {
    /// The parameter name, e.g. `key`.
    pub name: String,
    /// `{name?}`: may be absent.
    pub optional: bool,
    /// `{*name}`: takes the rest of the path.
    pub catch_all: bool,
    /// `{name=value}`: used when absent.
    pub default: Option<String>,
    /// Inline constraints in order, e.g. `int`, `min(1)`.
    pub constraints: Vec<String>,
}

/// A piece of a path segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoutePart {
    /// Text matched case-insensitively.
    Literal(String),
    /// A parameter.
    Param(RouteParam),
}

/// A parsed route template: its `/`-separated segments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteTemplate {
    /// Each segment's parts.
    pub segments: Vec<Vec<RoutePart>>,
}

/// A malformed route, with the byte range to point at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteError {
    /// What is wrong.
    pub message: String,
    /// Where, in bytes of the template.
    pub range: std::ops::Range<usize>,
}

impl RouteTemplate {
    /// Parses a template, rejecting what ASP.NET Core and the host reject.
    pub fn parse(template: &str) -> Result<RouteTemplate, RouteError> {
        let err = |message: String, range: std::ops::Range<usize>| Err(RouteError { message, range });
        let offset = template.len() - template.trim_start_matches(['/', '~']).len();
        let body = template[offset..].trim_end_matches('/');
        let first = body.split('/').next().unwrap_or("").to_ascii_lowercase();
        if first == "admin" || first == "runtime" {
            return err(
                format!("routes may not start with `{first}`: the host reserves it for its own endpoints"),
                offset..offset + first.len(),
            );
        }
        let mut segments = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut start = offset;
        if body.is_empty() {
            return Ok(RouteTemplate { segments });
        }
        let segment_count = body.split('/').count();
        for (index, segment) in body.split('/').enumerate() {
            if segment.is_empty() {
                return err("empty path segment (`//`) in route".into(), start..start + 1);
            }
            let parts = parse_segment(segment, start)?;
            for (i, part) in parts.iter().enumerate() {
                if let RoutePart::Param(p) = part {
                    if p.catch_all && index + 1 != segment_count {
                        return err(format!("catch-all parameter `{}` must be in the last segment", p.name), start..start + segment.len());
                    }
                    if (p.optional || p.catch_all) && parts.len() > 1 && i + 1 != parts.len() {
                        return err(format!("parameter `{}` is optional and must end its segment", p.name), start..start + segment.len());
                    }
                    if names.iter().any(|n| n.eq_ignore_ascii_case(&p.name)) {
                        return err(format!("route parameter `{}` appears twice", p.name), start..start + segment.len());
                    }
                    names.push(p.name.clone());
                }
                if i > 0 && matches!((&parts[i - 1], part), (RoutePart::Param(_), RoutePart::Param(_))) {
                    return err(
                        "a segment cannot hold two parameters in a row; separate them with literal text".into(),
                        start..start + segment.len(),
                    );
                }
            }
            segments.push(parts);
            start += segment.len() + 1;
        }
        Ok(RouteTemplate { segments })
    }

    /// Every parameter, in order.
    pub fn params(&self) -> impl Iterator<Item = &RouteParam> {
        self.segments.iter().flatten().filter_map(|p| match p {
            RoutePart::Param(p) => Some(p),
            RoutePart::Literal(_) => None,
        })
    }
}

fn parse_segment(segment: &str, base: usize) -> Result<Vec<RoutePart>, RouteError> {
    let bytes = segment.as_bytes();
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                literal.push('{');
                i += 2;
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                literal.push('}');
                i += 2;
            }
            b'}' => {
                return Err(RouteError {
                    message: "`}` without an opening `{` (write `}}` for a literal brace)".into(),
                    range: base + i..base + i + 1,
                })
            }
            b'{' => {
                let (param, end) = parse_param(segment, i, base)?;
                if !literal.is_empty() {
                    parts.push(RoutePart::Literal(std::mem::take(&mut literal)));
                }
                parts.push(RoutePart::Param(param));
                i = end;
            }
            _ => {
                let c = segment[i..].chars().next().unwrap_or('\0');
                if c == '?' {
                    return Err(RouteError {
                        message: "`?` is not allowed in a route; query strings are matched separately".into(),
                        range: base + i..base + i + 1,
                    });
                }
                literal.push(c);
                i += c.len_utf8();
            }
        }
    }
    if !literal.is_empty() {
        parts.push(RoutePart::Literal(literal));
    }
    Ok(parts)
}

/// Parses `{...}` starting at `open`; returns the parameter and the index after `}`.
fn parse_param(segment: &str, open: usize, base: usize) -> Result<(RouteParam, usize), RouteError> {
    let bytes = segment.as_bytes();
    let mut depth = 0usize;
    let mut i = open + 1;
    let mut inner = String::new();
    loop {
        let Some(&b) = bytes.get(i) else {
            return Err(RouteError {
                message: "`{` opens a route parameter that is never closed".into(),
                range: base + open..base + segment.len(),
            });
        };
        match b {
            b'{' | b'}' if bytes.get(i + 1) == Some(&b) && depth > 0 => {
                inner.push(b as char);
                i += 2;
                continue;
            }
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b'}' if depth == 0 => break,
            b'{' if depth == 0 => {
                return Err(RouteError { message: "route parameters cannot be nested".into(), range: base + open..base + i + 1 })
            }
            _ => {}
        }
        let c = segment[i..].chars().next().unwrap_or('\0');
        inner.push(c);
        i += c.len_utf8();
    }
    let range = base + open..base + i + 1;
    let bad = |message: String| RouteError { message, range: range.clone() };
    let mut rest = inner.as_str();
    let catch_all = rest.starts_with('*');
    rest = rest.trim_start_matches('*');
    let (head, default) = match split_top_level(rest, '=') {
        Some((h, d)) => (h, Some(d.to_string())),
        None => (rest, None),
    };
    let mut pieces = split_constraints(head);
    let mut name = pieces.remove(0);
    let mut optional = false;
    if let Some(last) = pieces.last_mut() {
        if let Some(stripped) = last.strip_suffix('?') {
            *last = stripped.to_string();
            optional = true;
        }
    } else if let Some(stripped) = name.strip_suffix('?') {
        name = stripped.to_string();
        optional = true;
    }
    if name.is_empty() || name.contains(['/', '?', '*', '{', '}', '=', '.']) || name.contains(char::is_whitespace) {
        return Err(bad(format!("`{{{inner}}}` does not name a route parameter; write e.g. `{{key}}` or `{{id:int}}`")));
    }
    if optional && default.is_some() {
        return Err(bad(format!("route parameter `{name}` cannot be optional and have a default")));
    }
    if optional && catch_all {
        return Err(bad(format!("catch-all parameter `{name}` cannot also be optional")));
    }
    if pieces.iter().any(String::is_empty) {
        return Err(bad(format!("route parameter `{name}` has an empty constraint")));
    }
    Ok((RouteParam { name, optional, catch_all, default, constraints: pieces }, i + 1))
}

fn split_top_level(s: &str, sep: char) -> Option<(&str, &str)> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if c == sep && depth == 0 => return Some((&s[..i], &s[i + 1..])),
            _ => {}
        }
    }
    None
}

fn split_constraints(s: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ':' if depth == 0 => {
                out.push(String::new());
                continue;
            }
            _ => {}
        }
        out.last_mut().expect("never empty").push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(t: &str) -> Vec<String> {
        RouteTemplate::parse(t).unwrap().params().map(|p| p.name.clone()).collect()
    }

    #[test]
    fn parses_parameters_with_options_and_constraints() {
        assert_eq!(names("state/{key}"), ["key"]);
        assert_eq!(names("/products/{category:alpha}/{id:int?}/"), ["category", "id"]);
        assert_eq!(names("files/{*path}"), ["path"]);
        assert_eq!(names("a/{x=7}.{ext}"), ["x", "ext"]);
        let t = RouteTemplate::parse("c/{code:regex(^\\d{{3}}$):minlength(3)}").unwrap();
        let p = t.params().next().unwrap();
        assert_eq!(p.constraints, ["regex(^\\d{3}$)", "minlength(3)"]);
        let t = RouteTemplate::parse("p/{id:int?}").unwrap();
        let p = t.params().next().unwrap();
        assert!(p.optional);
        assert_eq!(p.constraints, ["int"]);
        assert!(RouteTemplate::parse("").unwrap().segments.is_empty());
    }

    #[test]
    fn rejects_what_the_host_rejects() {
        for (bad, range) in [
            ("admin/x", 0..5),
            ("Runtime", 0..7),
            ("a//b", 2..3),
            ("a/{key", 2..6),
            ("a/{}", 2..4),
            ("{*rest}/more", 0..7),
            ("{a}{b}", 0..6),
            ("{a}/{A}", 4..7),
            ("a?b", 1..2),
            ("x}", 1..2),
        ] {
            let e = RouteTemplate::parse(bad).unwrap_err();
            assert_eq!(e.range, range, "{bad}: {}", e.message);
        }
    }
}
