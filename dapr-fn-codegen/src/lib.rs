//! Everything behind dapr-fn's attributes, as an ordinary library so it can be unit
//! tested and shared: the proc-macro crate calls [`expand_attribute`], the build step
//! calls [`scan`] and [`analyze`]. Both go through the same parser and validator, so
//! they always agree on what a function's function.json is.
//!
//! The pipeline, one file per stage: [`attr`] parses attributes into the [`ast`] model,
//! [`valid`] checks it, [`expand`] generates code, `fallback` keeps the user's function
//! compiling when there are errors, [`index`] cross-checks with the build step.
#![warn(missing_docs, unreachable_pub)]

pub mod ast;
pub mod attr;
mod ctxt;
pub mod expand;
mod fallback;
pub mod index;
pub mod scan;
pub mod valid;

#[cfg(test)]
mod tests;

pub use ctxt::Ctxt;

use proc_macro2::TokenStream;

/// Parses and validates one function. `entry` is the attribute whose macro runs, `args`
/// its arguments; our other attributes are removed from `item`.
pub fn analyze(entry: &str, args: TokenStream, item: &mut syn::ItemFn) -> syn::Result<ast::Function> {
    let mut cx = Ctxt::new();
    let function = attr::parse_function(entry, args, item, &mut cx);
    valid::check(&function, item, &mut cx);
    cx.check().map(|()| function)
}

/// The whole expansion of an attribute macro named `entry` (e.g. `dapr_state`).
pub fn expand_attribute(entry: &str, args: TokenStream, input: TokenStream) -> TokenStream {
    let mut item: syn::ItemFn = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            let error = syn::Error::new(
                proc_macro2::Span::call_site(),
                format!("#[{entry}] goes on a free `fn` (usually `async fn`); dapr-fn functions cannot be methods or other items"),
            );
            let mut out = error.to_compile_error();
            out.extend(input);
            return out;
        }
    };
    let output = match analyze(entry, args, &mut item) {
        Ok(function) => match index::cross_check(&function.name, &function.manifest().to_function_json()) {
            index::CrossCheck::Disagrees(message) => {
                // Reported only outside `cfg(test)`: test-only functions are not part of the app.
                let error = syn::Error::new(function.name_span, message).to_compile_error();
                let expanded = expand::expand(&function, &item);
                quote::quote! { #[cfg(not(test))] const _: () = { #error }; #expanded }
            }
            index::CrossCheck::NoBuildStep | index::CrossCheck::Agrees => expand::expand(&function, &item),
        },
        Err(error) => fallback::fallback(&item, error),
    };
    if std::env::var_os("DAPR_FN_MACROS_DEBUG").is_some() {
        eprintln!("// #[{entry}] expansion of `{}`:\n{output}", item.sig.ident);
    }
    output
}
