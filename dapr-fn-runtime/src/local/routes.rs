//! HTTP routing as the Functions host does it (custom-handler-protocol §6.1): ASP.NET
//! route templates with parameters, optional and catch-all parameters, defaults and
//! inline constraints; literals matched ignoring case; method filtering.

use dapr_fn_manifest::route::{RouteParam, RoutePart, RouteTemplate};

pub(crate) use crate::http::percent_decode;

/// One HTTP-triggered function's route.
#[derive(Debug, PartialEq)]
pub(crate) struct Route {
    pub(crate) function: &'static str,
    pub(crate) template: RouteTemplate,
    /// Lower-case methods; empty means all.
    pub(crate) methods: Vec<String>,
    pub(crate) auth_level: String,
    pub(crate) display: String,
}

/// Route values by parameter name (`None` for an unmatched optional parameter).
pub(crate) type RouteValues = Vec<(String, Option<String>)>;

/// What matching a request against all routes found.
#[derive(Debug, PartialEq)]
pub(crate) enum Match<'a> {
    Found(&'a Route, RouteValues),
    MethodNotAllowed(Vec<String>),
    NotFound,
}

impl Route {
    /// Matches a path (after the route prefix, no leading `/`) and returns route values.
    pub(crate) fn match_path(&self, path: &str) -> Option<RouteValues> {
        let segments: Vec<&str> = if path.is_empty() { Vec::new() } else { path.trim_end_matches('/').split('/').collect() };
        let mut values = Vec::new();
        let mut i = 0;
        for (s, parts) in self.template.segments.iter().enumerate() {
            let last = s + 1 == self.template.segments.len();
            let segment = segments.get(i).copied();
            match (parts.as_slice(), segment) {
                ([RoutePart::Param(p)], _) if p.catch_all => {
                    let rest = if i < segments.len() { Some(segments[i..].join("/")) } else { None };
                    let value = rest.map(|r| percent_decode(&r)).or_else(|| p.default.clone());
                    if !constraints_ok(p, value.as_deref()) {
                        return None;
                    }
                    values.push((p.name.clone(), value));
                    i = segments.len();
                    continue;
                }
                ([RoutePart::Param(p)], None) if last && (p.optional || p.default.is_some()) => {
                    values.push((p.name.clone(), p.default.clone()));
                    continue;
                }
                (_, None) => return None,
                (parts, Some(segment)) => {
                    let decoded = percent_decode(segment);
                    if !match_segment(parts, &decoded, &mut values) {
                        return None;
                    }
                }
            }
            i += 1;
        }
        (i == segments.len()).then_some(values)
    }

    fn allows(&self, method: &str) -> bool {
        self.methods.is_empty() || self.methods.iter().any(|m| m.eq_ignore_ascii_case(method))
    }
}

/// Matches one path segment against literals and parameters (`{a}.{b}` style).
fn match_segment(parts: &[RoutePart], segment: &str, values: &mut RouteValues) -> bool {
    let mut rest = segment;
    for (i, part) in parts.iter().enumerate() {
        match part {
            RoutePart::Literal(lit) => {
                if rest.len() < lit.len() || !rest[..lit.len()].eq_ignore_ascii_case(lit) {
                    return false;
                }
                rest = &rest[lit.len()..];
            }
            RoutePart::Param(p) => {
                // Up to the next literal (last occurrence, as ASP.NET does), or the rest.
                let end = match parts.get(i + 1) {
                    Some(RoutePart::Literal(next)) => match rest.to_ascii_lowercase().rfind(&next.to_ascii_lowercase()) {
                        Some(pos) => pos,
                        None => return false,
                    },
                    _ => rest.len(),
                };
                let value = &rest[..end];
                if value.is_empty() && !(p.optional || p.default.is_some()) {
                    return false;
                }
                let value = if value.is_empty() { p.default.clone() } else { Some(value.to_string()) };
                if !constraints_ok(p, value.as_deref()) {
                    return false;
                }
                values.push((p.name.clone(), value));
                rest = &rest[end..];
            }
        }
    }
    rest.is_empty()
}

/// ASP.NET Core's inline route constraints.
fn constraints_ok(p: &RouteParam, value: Option<&str>) -> bool {
    let Some(v) = value else { return !p.constraints.iter().any(|c| c == "required") };
    p.constraints.iter().all(|c| {
        let (name, arg) = match c.split_once('(') {
            Some((n, a)) => (n, Some(a.trim_end_matches(')'))),
            None => (c.as_str(), None),
        };
        let num = |s: Option<&str>| s.and_then(|s| s.trim().parse::<i64>().ok());
        let args: Vec<i64> = arg.map(|a| a.split(',').filter_map(|x| x.trim().parse().ok()).collect()).unwrap_or_default();
        match name.to_ascii_lowercase().as_str() {
            "int" => v.parse::<i32>().is_ok(),
            "long" => v.parse::<i64>().is_ok(),
            "bool" => v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false"),
            "decimal" | "double" | "float" => v.parse::<f64>().is_ok_and(f64::is_finite),
            "guid" => is_guid(v),
            "alpha" => !v.is_empty() && v.chars().all(|ch| ch.is_ascii_alphabetic()),
            "datetime" => v.len() >= 8 && v.chars().next().is_some_and(|ch| ch.is_ascii_digit()),
            "minlength" => args.first().is_some_and(|n| v.chars().count() as i64 >= *n),
            "maxlength" => args.first().is_some_and(|n| v.chars().count() as i64 <= *n),
            "length" => match args.as_slice() {
                [n] => v.chars().count() as i64 == *n,
                [a, b] => (*a..=*b).contains(&(v.chars().count() as i64)),
                _ => false,
            },
            "min" => v.parse::<i64>().ok().zip(num(arg)).is_some_and(|(x, n)| x >= n),
            "max" => v.parse::<i64>().ok().zip(num(arg)).is_some_and(|(x, n)| x <= n),
            "range" => match (v.parse::<i64>(), args.as_slice()) {
                (Ok(x), [a, b]) => (*a..=*b).contains(&x),
                _ => false,
            },
            "required" => !v.is_empty(),
            // regex(...) and unknown constraints are not evaluated locally: accept.
            _ => true,
        }
    })
}

fn is_guid(v: &str) -> bool {
    let v = v.trim_start_matches('{').trim_end_matches('}');
    let groups: Vec<&str> = v.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    (groups.len() == 5 && groups.iter().zip(lens).all(|(g, l)| g.len() == l && g.chars().all(|c| c.is_ascii_hexdigit())))
        || (v.len() == 32 && v.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Finds the route for a request. Routes with fewer parameters win over catch-alls, as
/// literal segments are more specific.
pub(crate) fn find<'a>(routes: &'a [Route], method: &str, path: &str) -> Match<'a> {
    let mut allowed = Vec::new();
    let mut candidates: Vec<(&Route, RouteValues)> = routes.iter().filter_map(|r| r.match_path(path).map(|v| (r, v))).collect();
    candidates.sort_by_key(|(r, v)| (r.template.params().any(|p| p.catch_all), v.len()));
    for (route, values) in candidates {
        if route.allows(method) {
            return Match::Found(route, values);
        }
        allowed.extend(route.methods.iter().map(|m| m.to_ascii_uppercase()));
    }
    if allowed.is_empty() {
        Match::NotFound
    } else {
        allowed.sort();
        allowed.dedup();
        Match::MethodNotAllowed(allowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(function: &'static str, template: &str, methods: &[&str]) -> Route {
        Route {
            function,
            template: RouteTemplate::parse(template).unwrap(),
            methods: methods.iter().map(|m| m.to_string()).collect(),
            auth_level: "function".into(),
            display: template.into(),
        }
    }

    fn values(m: Match<'_>) -> Vec<(String, Option<String>)> {
        match m {
            Match::Found(_, v) => v,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn matches_like_the_host() {
        let routes = vec![
            route("Save", "state/{key}", &["post"]),
            route("Product", "products/{category:alpha}/{id:int?}", &[]),
            route("Files", "files/{*path}", &["get"]),
            route("Pair", "pair/{a}.{b}", &[]),
            route("Guid", "items/{id:guid}", &[]),
        ];
        assert_eq!(values(find(&routes, "POST", "STATE/order%201")), [("key".to_string(), Some("order 1".to_string()))]);
        assert_eq!(find(&routes, "GET", "state/k"), Match::MethodNotAllowed(vec!["POST".into()]));
        assert_eq!(find(&routes, "POST", "state/k/extra"), Match::NotFound);
        assert_eq!(
            values(find(&routes, "GET", "products/books/7")),
            [("category".into(), Some("books".into())), ("id".into(), Some("7".into()))]
        );
        assert_eq!(values(find(&routes, "GET", "products/books")), [("category".into(), Some("books".into())), ("id".into(), None)]);
        assert_eq!(find(&routes, "GET", "products/books/x"), Match::NotFound);
        assert_eq!(find(&routes, "GET", "products/b00ks/7"), Match::NotFound);
        assert_eq!(values(find(&routes, "GET", "files/a/b/c.txt")), [("path".into(), Some("a/b/c.txt".into()))]);
        assert_eq!(values(find(&routes, "GET", "pair/x.y.z")), [("a".into(), Some("x.y".into())), ("b".into(), Some("z".into()))]);
        assert!(matches!(find(&routes, "GET", "items/0f8fad5b-d9cb-469f-a165-70867728950e"), Match::Found(..)));
        assert_eq!(find(&routes, "GET", "items/nope"), Match::NotFound);
    }

    #[test]
    fn constraints() {
        let p = |c: &str| RouteParam { name: "x".into(), optional: false, catch_all: false, default: None, constraints: vec![c.into()] };
        assert!(constraints_ok(&p("range(1,5)"), Some("3")) && !constraints_ok(&p("range(1,5)"), Some("6")));
        assert!(constraints_ok(&p("minlength(2)"), Some("ab")) && !constraints_ok(&p("maxlength(2)"), Some("abc")));
        assert!(constraints_ok(&p("bool"), Some("True")) && !constraints_ok(&p("long"), Some("1.5")));
        assert!(constraints_ok(&p("min(10)"), Some("10")) && !constraints_ok(&p("max(10)"), Some("11")));
        assert!(constraints_ok(&p("length(2,3)"), Some("abc")) && !constraints_ok(&p("length(2)"), Some("abc")));
    }
}
