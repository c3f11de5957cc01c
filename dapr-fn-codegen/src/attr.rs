//! Parsing: the entry attribute's arguments, sibling attributes on the function and
//! binding attributes on parameters, into an [`ast::Function`]. Our attributes are
//! removed from the item as they are read, so what is emitted afterwards is the plain
//! function. Every problem is recorded in the [`Ctxt`] and parsing goes on, so that all
//! of them are reported at once.

use dapr_fn_manifest::catalogue::{self, BindingSpec, Resolution, Role, ValueKind, AUTH_LEVELS, HTTP_METHODS};
use dapr_fn_manifest::names::{self, RETURN_BINDING};
use dapr_fn_manifest::{Direction, PropertyValue};
use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::spanned::Spanned;

use crate::ast::{Binding, Function, Param, ParamRole, Placement, Property, Returns};
use crate::ctxt::Ctxt;

/// Key that names a binding (on a binding attribute) or the function (on `#[function]`).
const NAME: &str = "name";
/// Flag that turns off the compile-time check of `{expressions}`.
const UNCHECKED: &str = "unchecked";
/// `#[function]` key naming the `http` output of an HTTP-triggered function.
const HTTP_RESPONSE: &str = "http_response";

/// Which of our attributes an attribute is, by the last segment of its path.
pub fn our_attribute(attr: &syn::Attribute) -> Option<&'static str> {
    let last = attr.path().segments.last()?.ident.to_string();
    catalogue::attribute_names().find(|n| *n == last)
}

/// Parses an annotated function. `entry` is the attribute whose macro is running, with
/// its `args`; our other attributes are taken out of `item` as they are read.
pub fn parse_function(entry: &str, args: TokenStream, item: &mut syn::ItemFn, cx: &mut Ctxt) -> Function {
    let mut fn_name: Option<(String, Span)> = None;
    let mut http_response: Option<(String, Span)> = None;
    let mut function_bindings = Vec::new();
    let mut seen_function_attr = false;

    let mut fn_level: Vec<(&str, Span, AttrArgs)> = vec![(entry, Span::call_site(), AttrArgs::Tokens(args))];
    item.attrs.retain(|attr| match our_attribute(attr) {
        Some(name) => {
            fn_level.push((name, attr.path().span(), AttrArgs::Attribute(Box::new(attr.clone()))));
            false
        }
        None => true,
    });

    for (attr_name, span, args) in fn_level {
        if attr_name == catalogue::FUNCTION_ATTRIBUTE {
            if seen_function_attr {
                cx.error(span, "duplicate `#[function]` attribute; give it once");
                continue;
            }
            seen_function_attr = true;
            args.parse(cx, |meta, cx| {
                if meta.path.is_ident(NAME) {
                    if let Some(lit) = string_value(&meta, cx) {
                        if fn_name.is_some() {
                            cx.error(meta.path.span(), "duplicate key `name` in #[function]");
                        }
                        fn_name = Some((lit.value(), lit.span()));
                    }
                } else if meta.path.is_ident(HTTP_RESPONSE) {
                    if let Some(lit) = string_value(&meta, cx) {
                        if http_response.is_some() {
                            cx.error(meta.path.span(), "duplicate key `http_response` in #[function]");
                        }
                        if let Err(e) = names::validate_binding_name(&lit.value()) {
                            cx.error(lit.span(), e);
                        }
                        http_response = Some((lit.value(), lit.span()));
                    }
                } else {
                    unknown_key(&meta, "function", &[NAME, HTTP_RESPONSE], cx);
                }
            });
        } else {
            let spec = catalogue::by_attribute(attr_name).expect("our_attribute only returns known names");
            function_bindings.push(parse_binding(spec, span, args, Placement::Function, cx));
        }
    }

    let mut params = Vec::new();
    for (index, input) in item.sig.inputs.iter_mut().enumerate() {
        let typed = match input {
            syn::FnArg::Receiver(r) => {
                cx.error_spanned(&*r, "dapr-fn functions are free functions; `self` parameters are not supported");
                continue;
            }
            syn::FnArg::Typed(t) => t,
        };
        let mut ours = Vec::new();
        typed.attrs.retain(|attr| match our_attribute(attr) {
            Some(name) => {
                ours.push((name, attr.clone()));
                false
            }
            None => true,
        });
        let ident = match &*typed.pat {
            syn::Pat::Ident(p) => Some(p.ident.clone()),
            _ => None,
        };
        let mut role = ParamRole::Context;
        for (i, (attr_name, attr)) in ours.into_iter().enumerate() {
            if i > 0 {
                cx.error(attr.path().span(), "a parameter takes one binding attribute; move this one to its own parameter");
                continue;
            }
            if attr_name == catalogue::FUNCTION_ATTRIBUTE {
                cx.error(attr.path().span(), "`#[function]` goes on the function, not on a parameter");
                continue;
            }
            let spec = catalogue::by_attribute(attr_name).expect("known attribute");
            let mut binding = parse_binding(spec, attr.path().span(), AttrArgs::Attribute(Box::new(attr)), Placement::Param(index), cx);
            if spec.role == Role::InputOrOutput {
                binding.direction = if last_segment_is(&typed.ty, "DaprState") { Direction::Out } else { Direction::In };
            }
            if !binding.explicit_name {
                match &ident {
                    Some(ident) => match names::binding_name_from_rust(&ident.to_string()) {
                        Ok(name) => {
                            binding.name = name;
                            binding.name_span = ident.span();
                        }
                        Err(e) => cx.error(
                            ident.span(),
                            format!("{e}; dapr-fn derives binding names from parameter names in camelCase: rename the parameter or add `name = \"...\"` to the attribute"),
                        ),
                    },
                    None => cx.error_spanned(&typed.pat, "this parameter has no plain name to derive its binding name from; add `name = \"...\"` to its attribute"),
                }
            }
            role = ParamRole::Binding(binding);
        }
        params.push(Param { ident, ty: (*typed.ty).clone(), role });
    }

    let first_context = params.iter().find(|p| matches!(p.role, ParamRole::Context));
    for binding in &mut function_bindings {
        if binding.is_trigger() {
            if !binding.explicit_name {
                if let Some(ident) = first_context.and_then(|p| p.ident.as_ref()) {
                    match names::binding_name_from_rust(&ident.to_string()) {
                        Ok(name) => {
                            binding.name = name;
                            binding.name_span = ident.span();
                        }
                        Err(e) => {
                            cx.error(ident.span(), format!("{e}; rename the parameter or add `name = \"...\"` to the trigger attribute"))
                        }
                    }
                }
            }
        } else {
            if binding.explicit_name {
                cx.error(
                    binding.name_span,
                    "an output on the function binds the return value, which the host always names `$return`; remove `name`",
                );
            }
            binding.name = RETURN_BINDING.into();
            binding.direction = Direction::Out;
            if binding.spec.role == Role::Input {
                cx.error(binding.attr_span, format!("#[{}] is an input binding; put it on a parameter", binding.spec.attribute));
            }
        }
    }

    let (name, name_span) = fn_name.unwrap_or_else(|| (names::function_name_from_rust(&item.sig.ident.to_string()), item.sig.ident.span()));
    Function {
        ident: item.sig.ident.clone(),
        name,
        name_span,
        is_async: item.sig.asyncness.is_some(),
        params,
        function_bindings,
        returns: classify_return(&item.sig.output),
        http_response: http_response.as_ref().map_or_else(|| names::HTTP_RESPONSE_BINDING.to_string(), |(n, _)| n.clone()),
        http_response_span: http_response.map_or_else(Span::call_site, |(_, s)| s),
    }
}

/// Arguments of one attribute: the entry macro's token stream or a sibling attribute.
enum AttrArgs {
    Tokens(TokenStream),
    Attribute(Box<syn::Attribute>),
}

impl AttrArgs {
    fn parse(self, cx: &mut Ctxt, mut each: impl FnMut(ParseNestedMeta<'_>, &mut Ctxt)) {
        let result = match self {
            AttrArgs::Tokens(tokens) => syn::meta::parser(|meta| {
                each(meta, cx);
                Ok(())
            })
            .parse2(tokens),
            AttrArgs::Attribute(attr) => match &attr.meta {
                syn::Meta::Path(_) => Ok(()),
                syn::Meta::List(_) => attr.parse_nested_meta(|meta| {
                    each(meta, cx);
                    Ok(())
                }),
                syn::Meta::NameValue(nv) => Err(syn::Error::new_spanned(
                    nv,
                    "write the attribute's settings in parentheses, e.g. #[dapr_state(store = \"statestore\")]",
                )),
            },
        };
        if let Err(e) = result {
            cx.push(e);
        }
    }
}

fn parse_binding(spec: &'static BindingSpec, attr_span: Span, args: AttrArgs, placement: Placement, cx: &mut Ctxt) -> Binding {
    let mut binding = Binding {
        spec,
        direction: match spec.role {
            Role::Trigger | Role::Input => Direction::In,
            Role::Output | Role::InputOrOutput => Direction::Out,
        },
        name: spec.default_name.to_string(),
        name_span: attr_span,
        explicit_name: false,
        properties: Vec::new(),
        written_keys: Vec::new(),
        unchecked: false,
        attr_span,
        placement,
    };
    let mut valid: Vec<&str> = spec.properties.iter().map(|p| p.key).collect();
    valid.push(NAME);
    if spec.resolution == Resolution::Full {
        valid.push(UNCHECKED);
    }
    args.parse(cx, |meta, cx| {
        let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
        if key == NAME {
            if let Some(lit) = string_value(&meta, cx) {
                if binding.explicit_name {
                    cx.error(meta.path.span(), format!("duplicate key `name` in #[{}]", spec.attribute));
                }
                if let Err(e) = names::validate_binding_name(&lit.value()) {
                    cx.error(lit.span(), e);
                }
                binding.name = lit.value();
                binding.name_span = lit.span();
                binding.explicit_name = true;
            }
        } else if key == UNCHECKED && spec.resolution == Resolution::Full {
            if binding.unchecked {
                cx.error(meta.path.span(), format!("duplicate key `unchecked` in #[{}]", spec.attribute));
            }
            if meta.input.peek(syn::Token![=]) {
                cx.error(meta.path.span(), "`unchecked` is a flag; write it without a value");
                let _ = meta.value().and_then(|v| v.parse::<syn::Expr>());
            }
            binding.unchecked = true;
        } else if let Some(prop) = spec.property(&key) {
            binding.written_keys.push(prop.key);
            let value = match prop.kind {
                ValueKind::Methods => methods_value(&meta, cx),
                ValueKind::AuthLevel => string_value(&meta, cx).and_then(|lit| {
                    let level = lit.value().to_ascii_lowercase();
                    if AUTH_LEVELS.contains(&level.as_str()) {
                        Some((PropertyValue::Text(level), lit.span()))
                    } else {
                        cx.error(lit.span(), format!("unknown auth level `{}`; use one of: {}", lit.value(), AUTH_LEVELS.join(", ")));
                        None
                    }
                }),
                ValueKind::Text | ValueKind::Route => string_value(&meta, cx).map(|lit| (PropertyValue::Text(lit.value()), lit.span())),
            };
            if binding.property(prop.key).is_some() {
                cx.error(meta.path.span(), format!("duplicate key `{key}` in #[{}]; give it once", spec.attribute));
            } else if let Some((value, span)) = value {
                binding.properties.push(Property { spec: prop, value, span });
            }
        } else {
            unknown_key(&meta, spec.attribute, &valid, cx);
        }
    });
    binding
}

/// Reads `= "literal"`; anything else is an error (the build step reads values from
/// source, so they must be written out).
fn string_value(meta: &ParseNestedMeta<'_>, cx: &mut Ctxt) -> Option<syn::LitStr> {
    let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
    let expr = match meta.value().and_then(|v| v.parse::<syn::Expr>()) {
        Ok(expr) => expr,
        Err(_) => {
            cx.error(meta.path.span(), format!("`{key}` needs a value: `{key} = \"...\"`"));
            return None;
        }
    };
    match expr {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(lit), .. }) => Some(lit),
        other => {
            cx.error_spanned(
                other,
                format!("`{key}` must be a string literal: function.json is generated from the source text at build time"),
            );
            None
        }
    }
}

/// Reads `methods = "get, post"` or `methods = ["get", "post"]`.
fn methods_value(meta: &ParseNestedMeta<'_>, cx: &mut Ctxt) -> Option<(PropertyValue, Span)> {
    let expr = match meta.value().and_then(|v| v.parse::<syn::Expr>()) {
        Ok(expr) => expr,
        Err(_) => {
            cx.error(meta.path.span(), "`methods` needs a value: `methods = \"get, post\"`");
            return None;
        }
    };
    let span = expr.span();
    let mut raw: Vec<(String, Span)> = Vec::new();
    match &expr {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(lit), .. }) => {
            raw.extend(lit.value().split(',').map(str::trim).filter(|m| !m.is_empty()).map(|m| (m.to_string(), lit.span())));
        }
        syn::Expr::Array(array) => {
            for elem in &array.elems {
                match elem {
                    syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(lit), .. }) => raw.push((lit.value().trim().to_string(), lit.span())),
                    other => cx.error_spanned(other, "each method must be a string literal, e.g. \"get\""),
                }
            }
        }
        other => {
            cx.error_spanned(other, "`methods` takes a string such as \"get, post\" or an array such as [\"get\", \"post\"]");
            return None;
        }
    }
    let mut methods: Vec<String> = Vec::new();
    for (m, span) in raw {
        let lower = m.to_ascii_lowercase();
        if !HTTP_METHODS.contains(&lower.as_str()) {
            cx.error(span, format!("unknown HTTP method `{m}`; use one of: {}", HTTP_METHODS.join(", ")));
        } else if methods.contains(&lower) {
            cx.error(span, format!("method `{lower}` is listed twice"));
        } else {
            methods.push(lower);
        }
    }
    if methods.is_empty() {
        cx.error(span, "`methods` is empty; the host would then match no request (omit `methods` to accept all)");
        return None;
    }
    Some((PropertyValue::List(methods), span))
}

fn unknown_key(meta: &ParseNestedMeta<'_>, attribute: &str, valid: &[&str], cx: &mut Ctxt) {
    let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_else(|| {
        let path = &meta.path;
        quote::quote!(#path).to_string()
    });
    let suggestion = valid
        .iter()
        .map(|v| (edit_distance(&key, v), v))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, v)| format!(" (did you mean `{v}`?)"))
        .unwrap_or_default();
    cx.error(meta.path.span(), format!("unknown key `{key}` in #[{attribute}]{suggestion}; valid keys: {}", valid.join(", ")));
    // Skip the value so the remaining keys are still read.
    if meta.input.peek(syn::Token![=]) {
        let _ = meta.value().and_then(|v| v.parse::<syn::Expr>());
    } else if meta.input.peek(syn::token::Paren) {
        let _ = meta.parse_nested_meta(|inner| {
            if inner.input.peek(syn::Token![=]) {
                let _ = inner.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        });
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(current + 1);
            prev = current;
        }
    }
    row[b.len()]
}

/// Whether a type's last path segment is `name` (e.g. `DaprState` in `dapr_fn_runtime::DaprState<T>`).
pub fn last_segment_is(ty: &syn::Type, name: &str) -> bool {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == name),
        syn::Type::Group(g) => last_segment_is(&g.elem, name),
        syn::Type::Paren(p) => last_segment_is(&p.elem, name),
        _ => false,
    }
}

fn classify_return(output: &syn::ReturnType) -> Returns {
    match output {
        syn::ReturnType::Default => Returns::Unit(Span::call_site()),
        syn::ReturnType::Type(_, ty) => match &**ty {
            syn::Type::Tuple(t) if t.elems.is_empty() => Returns::Unit(t.span()),
            ty if last_segment_is(ty, "Result") => Returns::Result((*ty).clone()),
            ty => Returns::Value((*ty).clone()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("stor", "store"), 1);
        assert_eq!(edit_distance("key", "key"), 0);
        assert_eq!(edit_distance("methd", "method_name"), 6);
    }
}
