//! Code generation: the user's function stays as written (minus our attributes); next to
//! it goes a hidden `const _: () = { ... };` block that registers the function with the
//! runtime and adapts the host's invocation payload to its parameters. Generated code
//! names nothing from the user's scope: every path is absolute into
//! `::dapr_fn_runtime::__private`.

use dapr_fn_manifest::Direction;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::{Binding, Function, ParamRole, Returns};

/// The hidden, versioned module of the runtime that generated code uses.
fn private() -> TokenStream {
    quote!(::dapr_fn_runtime::__private)
}

/// How the runtime fills one parameter: one line per binding kind.
fn param_expr(binding: &Binding, ty: &syn::Type, output_index: Option<usize>) -> TokenStream {
    let p = private();
    let name = &binding.name;
    let span = ty.span();
    let from_data = |param_trait: TokenStream| quote_spanned!(span=> <#ty as #p::#param_trait>::from_data(&__data, #name)?);
    match (binding.spec.json_type, output_index) {
        ("httpTrigger", _) => from_data(quote!(HttpTriggerParam)),
        ("daprServiceInvocationTrigger" | "daprBindingTrigger", _) => from_data(quote!(TriggerPayloadParam)),
        ("daprTopicTrigger", _) if crate::attr::last_segment_is(ty, "CloudEvent") => from_data(quote!(CloudEventParam)),
        ("daprTopicTrigger", _) => from_data(quote!(TopicDataParam)),
        ("daprState", None) => from_data(quote!(StateInputParam)),
        ("daprSecret", _) => from_data(quote!(SecretInputParam)),
        (kind, Some(index)) => {
            let param_trait = match kind {
                "daprState" => quote!(StateOutputParam),
                "daprInvoke" => quote!(InvokeOutputParam),
                "daprPublish" => quote!(PublishOutputParam),
                "daprBinding" => quote!(BindingOutputParam),
                other => unreachable!("no output adapter for {other}"),
            };
            quote_spanned!(span=> <#ty as #p::#param_trait>::bind(&__inv, #index))
        }
        (other, None) => unreachable!("no input adapter for {other}"),
    }
}

/// The marker type of an output binding's kind, for `$return`.
fn output_kind(binding: &Binding) -> TokenStream {
    let p = private();
    match binding.spec.json_type {
        "daprState" => quote!(#p::kind::DaprState),
        "daprInvoke" => quote!(#p::kind::DaprInvoke),
        "daprPublish" => quote!(#p::kind::DaprPublish),
        "daprBinding" => quote!(#p::kind::DaprBinding),
        other => unreachable!("no return adapter for {other}"),
    }
}

/// Triggers whose function's return value is the reply to the caller (dapr-extension §5.5).
fn trigger_replies(f: &Function) -> bool {
    f.trigger().is_some_and(|t| matches!(t.spec.json_type, "daprServiceInvocationTrigger" | "daprBindingTrigger"))
}

/// Expands a validated function. `item` is the user's function with our attributes removed.
pub fn expand(f: &Function, item: &syn::ItemFn) -> TokenStream {
    let p = private();
    let ident = &f.ident;
    let name = &f.name;
    let function_json = f.manifest().to_function_json();
    let rust_name = ident.to_string();
    let http_response = &f.http_response;
    let http_trigger = match f.trigger().filter(|t| t.spec.json_type == "httpTrigger") {
        Some(t) => {
            let name = &t.name;
            quote!(::core::option::Option::Some(#name))
        }
        None => quote!(::core::option::Option::None),
    };

    let mut outputs = Vec::new();
    let mut args = Vec::new();
    let mut arg_types = Vec::new();
    let mut checks = Vec::new();
    let trigger_param = f.function_trigger_param();
    let fn_trigger = f.function_bindings.iter().find(|b| b.is_trigger());
    for (index, param) in f.params.iter().enumerate() {
        let ty = &param.ty;
        arg_types.push(ty.clone());
        let expr = match (&param.role, trigger_param == Some(index)) {
            (ParamRole::Binding(b), _) => {
                let output_index = (b.direction == Direction::Out).then(|| {
                    outputs.push(output_def(b));
                    outputs.len() - 1
                });
                param_expr(b, ty, output_index)
            }
            (ParamRole::Context, true) => param_expr(fn_trigger.expect("trigger param implies a trigger"), ty, None),
            (ParamRole::Context, false) => {
                let span = ty.span();
                checks.push(quote_spanned!(span=> <#ty as #p::ContextParam>::check(__app)?;));
                quote_spanned!(span=> <#ty as #p::ContextParam>::from_invocation(&__inv, &__data)?)
            }
        };
        args.push(expr);
    }
    let arg_names: Vec<syn::Ident> = (0..args.len()).map(|i| format_ident!("__arg{}", i)).collect();
    let call_await = f.is_async.then(|| quote!(.await));

    let ret_span = match &f.returns {
        Returns::Unit(span) => *span,
        Returns::Result(ty) | Returns::Value(ty) => ty.span(),
    };
    let result = match &f.returns {
        Returns::Result(_) => quote_spanned!(ret_span=> #p::FunctionResult::into_result(__ret)),
        Returns::Unit(_) | Returns::Value(_) => quote!(#p::Result::Ok(__ret)),
    };
    let finish = match (f.has_http_response(), f.return_binding()) {
        (true, None) => quote_spanned!(ret_span=> #p::finish_http(__inv, __result)),
        (true, Some(b)) => {
            let kind = output_kind(b);
            quote_spanned!(ret_span=> #p::finish_http_and_return::<#kind, _>(__inv, __result))
        }
        (false, None) if trigger_replies(f) => quote_spanned!(ret_span=> #p::finish_reply(__inv, __result)),
        (false, None) => quote_spanned!(ret_span=> #p::finish_trigger(__inv, __result)),
        (false, Some(b)) => {
            let kind = output_kind(b);
            quote_spanned!(ret_span=> #p::finish_return::<#kind, _>(__inv, __result))
        }
    };

    let registration = format_ident!("__DAPR_FN_{}", rust_name.to_uppercase(), span = Span::call_site());
    quote! {
        #item

        #[doc(hidden)]
        #[allow(non_upper_case_globals, non_snake_case, unused_qualifications, clippy::all)]
        const _: () = {
            #[#p::linkme::distributed_slice(#p::FUNCTIONS)]
            #[linkme(crate = #p::linkme)]
            static #registration: #p::FunctionDef = #p::FunctionDef {
                name: #name,
                rust_path: ::core::concat!(::core::module_path!(), "::", #rust_name),
                function_json: #function_json,
                http_trigger: #http_trigger,
                http_response: #http_response,
                outputs: &[#(#outputs),*],
                invoke: __dapr_fn_invoke,
                check: __dapr_fn_check,
            };

            fn __dapr_fn_check(__app: &#p::AppContext) -> #p::Result<(), #p::Error> {
                #(#checks)*
                #p::Result::Ok(())
            }

            fn __dapr_fn_invoke(__inv: #p::Invocation) -> #p::InvokeFuture {
                #p::Box::pin(async move {
                    let (#(#arg_names,)*) = {
                        let __data = match __inv.data() {
                            #p::Result::Ok(data) => data,
                            #p::Result::Err(error) => return __inv.reject(error),
                        };
                        let __args: #p::Result<(#(#arg_types,)*), #p::Error> = (|| {
                            #p::Result::Ok((#(#args,)*))
                        })();
                        match __args {
                            #p::Result::Ok(args) => args,
                            #p::Result::Err(error) => return __inv.reject(error),
                        }
                    };
                    let __ret = #ident(#(#arg_names),*) #call_await;
                    let __result = #result;
                    #finish
                })
            }
        };
    }
}

fn output_def(b: &Binding) -> TokenStream {
    let p = private();
    let name = &b.name;
    let ty = b.spec.json_type;
    let properties: Vec<&str> = b.spec.properties.iter().filter(|spec| b.property(spec.key).is_some()).map(|spec| spec.json).collect();
    quote!(#p::OutputDef { name: #name, binding_type: #ty, properties: &[#(#properties),*] })
}
