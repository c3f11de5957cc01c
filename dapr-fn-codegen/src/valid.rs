//! Semantic checks on a parsed [`Function`], each a spanned error that says how to fix it.

use dapr_fn_manifest::catalogue::{Resolution, ValueKind};
use dapr_fn_manifest::expr::{self, Token};
use dapr_fn_manifest::names::{self, HTTP_RESPONSE_BINDING};
use dapr_fn_manifest::route::RouteTemplate;
use dapr_fn_manifest::PropertyValue;
use proc_macro2::Span;

use crate::ast::{Binding, Function, Placement};
use crate::ctxt::Ctxt;

/// Roots every trigger contributes to binding data (custom-handler-protocol §2.5).
const SYSTEM_ROOTS: &[&str] = &["sys"];
/// Extra roots an HTTP trigger contributes besides its route parameters.
const HTTP_ROOTS: &[&str] = &["Query", "Headers"];
/// A topic trigger's binding data: the CloudEvent envelope's top-level fields
/// (dapr-extension §5.4).
const CLOUD_EVENT_ROOTS: &[&str] = &[
    "id",
    "source",
    "type",
    "specversion",
    "datacontenttype",
    "data",
    "topic",
    "pubsubname",
    "traceid",
    "traceparent",
    "tracestate",
    "time",
    "subject",
];

/// Runs every check, recording failures in `cx`.
pub fn check(f: &Function, item: &syn::ItemFn, cx: &mut Ctxt) {
    check_signature(item, cx);
    if let Err(e) = names::validate_function_name(&f.name) {
        cx.error(f.name_span, format!("{e}; set another with #[function(name = \"...\")]"));
    }
    check_trigger_count(f, cx);
    check_names(f, cx);
    check_required(f, cx);
    let route_params = check_route(f, cx);
    check_expressions(f, route_params.as_deref(), cx);
    check_placements(f, cx);
}

fn check_signature(item: &syn::ItemFn, cx: &mut Ctxt) {
    let sig = &item.sig;
    if !sig.generics.params.is_empty() {
        cx.error_spanned(&sig.generics, "dapr-fn functions cannot be generic: the host calls one concrete function per function.json");
    }
    if let Some(unsafety) = &sig.unsafety {
        cx.error_spanned(unsafety, "dapr-fn functions cannot be `unsafe`");
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned(variadic, "dapr-fn functions cannot be variadic");
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned(abi, "dapr-fn functions cannot declare an ABI");
    }
}

fn check_trigger_count(f: &Function, cx: &mut Ctxt) {
    let triggers: Vec<&Binding> = f.bindings().filter(|b| b.is_trigger()).collect();
    match triggers.as_slice() {
        [] => cx.error(
            f.name_span,
            format!(
                "function `{}` has no trigger; put one on the parameter that receives it, \
                 e.g. `#[http_trigger(methods = \"post\", route = \"...\")] req: HttpRequest` \
                 or `#[dapr_service_invocation_trigger] payload: serde_json::Value`",
                f.name
            ),
        ),
        [_] => {}
        [first, rest @ ..] => {
            for extra in rest {
                cx.error(
                    extra.attr_span,
                    format!(
                        "a function has exactly one trigger, and `{}` already has #[{}]; split this into another function",
                        f.name, first.spec.attribute
                    ),
                );
            }
        }
    }
    let outputs_on_fn = f.function_bindings.iter().filter(|b| !b.is_trigger()).count();
    if outputs_on_fn > 1 {
        for extra in f.function_bindings.iter().filter(|b| !b.is_trigger()).skip(1) {
            cx.error(extra.attr_span, "only one output can bind the return value; move this one to a parameter");
        }
    }
}

fn check_names(f: &Function, cx: &mut Ctxt) {
    let mut seen: Vec<(String, Span)> = Vec::new();
    if f.has_http_response() {
        seen.push((f.http_response.clone(), f.http_response_span));
    } else if f.http_response != HTTP_RESPONSE_BINDING {
        cx.error(
            f.http_response_span,
            "`http_response` names the HTTP output of an HTTP-triggered function, and this function has no #[http_trigger]",
        );
    }
    for b in f.bindings() {
        if let Some((_, _)) = seen.iter().find(|(n, _)| n.eq_ignore_ascii_case(&b.name)) {
            let why = if b.name.eq_ignore_ascii_case(&f.http_response) && f.has_http_response() {
                format!("`{}` is the HTTP response of an HTTP-triggered function", f.http_response)
            } else {
                "binding names must be unique, ignoring case".to_string()
            };
            cx.error(
                b.name_span,
                format!("binding name `{}` is already used: {why}; rename the parameter or add `name = \"...\"`", b.name),
            );
        } else {
            seen.push((b.name.clone(), b.name_span));
        }
    }
}

fn check_required(f: &Function, cx: &mut Ctxt) {
    for b in f.bindings() {
        for prop in b.spec.properties.iter().filter(|p| p.required) {
            if b.property(prop.key).is_none() && !b.written_keys.contains(&prop.key) {
                cx.error(
                    b.attr_span,
                    format!(
                        "#[{attr}] needs `{key}` ({doc}): #[{attr}({key} = \"...\")]",
                        attr = b.spec.attribute,
                        key = prop.key,
                        doc = prop.doc
                    ),
                );
            }
        }
    }
}

/// Checks the HTTP route and returns its parameter names (`None` without an HTTP trigger).
fn check_route(f: &Function, cx: &mut Ctxt) -> Option<Vec<String>> {
    let trigger = f.trigger()?;
    let route = trigger.spec.properties.iter().find(|p| p.kind == ValueKind::Route)?;
    let Some(prop) = trigger.property(route.key) else {
        return Some(Vec::new());
    };
    let text = prop.value.as_text().unwrap_or_default();
    match RouteTemplate::parse(text) {
        Ok(t) => Some(t.params().map(|p| p.name.clone()).collect()),
        Err(e) => {
            cx.error(prop.span, format!("invalid route `{text}`: {} (at `{}`)", e.message, &text[e.range]));
            Some(Vec::new())
        }
    }
}

fn check_expressions(f: &Function, route_params: Option<&[String]>, cx: &mut Ctxt) {
    let trigger = f.trigger();
    for b in f.bindings().filter(|b| b.spec.resolution == Resolution::Full) {
        for prop in &b.properties {
            let PropertyValue::Text(text) = &prop.value else { continue };
            let tokens = match expr::tokenize(text) {
                Ok(t) => t,
                Err(e) => {
                    cx.error(prop.span, format!("`{}` in `{}`: {}", &text[e.range], prop.spec.key, e.message));
                    continue;
                }
            };
            if b.unchecked {
                continue;
            }
            for token in &tokens {
                let Token::Expression { path, .. } = token else { continue };
                let root = token.expression_root().unwrap_or(path);
                let known = SYSTEM_ROOTS.iter().any(|r| r.eq_ignore_ascii_case(root))
                    || trigger.is_some_and(|t| t.name.eq_ignore_ascii_case(root))
                    || (trigger.is_some_and(|t| t.spec.json_type == "daprTopicTrigger")
                        && CLOUD_EVENT_ROOTS.iter().any(|r| r.eq_ignore_ascii_case(root)))
                    || route_params.is_some_and(|ps| {
                        ps.iter().any(|p| p.eq_ignore_ascii_case(root)) || HTTP_ROOTS.iter().any(|r| r.eq_ignore_ascii_case(root))
                    });
                if known {
                    continue;
                }
                let source = match (route_params, trigger) {
                    (Some(ps), Some(t)) => {
                        let route = t.property("route").and_then(|p| p.value.as_text()).unwrap_or(&f.name).to_string();
                        let listed = if ps.is_empty() { "none".to_string() } else { ps.join(", ") };
                        format!("the route `{route}` has no `{{{root}}}` parameter (route parameters: {listed})")
                    }
                    (_, Some(t)) if t.spec.json_type == "daprTopicTrigger" => {
                        format!(
                            "the #[dapr_topic_trigger] trigger supplies only CloudEvent fields ({}), `{{{}}}` and `{{sys.*}}`",
                            CLOUD_EVENT_ROOTS.join(", "),
                            t.name
                        )
                    }
                    (_, Some(t)) => format!("the #[{}] trigger supplies only `{{{}}}` and `{{sys.*}}`", t.spec.attribute, t.name),
                    (_, None) => "the function has no trigger to supply it".into(),
                };
                cx.error(
                    prop.span,
                    format!(
                        "`{{{path}}}` in `{}` can never resolve: {source}. If the value comes from the request body or query \
                         string at run time, add `unchecked` to #[{}] to skip this check",
                        prop.spec.key, b.spec.attribute
                    ),
                );
            }
        }
    }
}

fn check_placements(f: &Function, cx: &mut Ctxt) {
    for b in f.bindings() {
        if matches!(b.placement, Placement::Param(_)) && b.name == names::RETURN_BINDING {
            cx.error(b.name_span, "`$return` names the return value's binding; put the attribute on the function instead");
        }
    }
}
