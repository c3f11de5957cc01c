//! What is emitted when the attributes are wrong: the user's function without our
//! attributes (so the body still type-checks and the IDE keeps working) plus every error.

use proc_macro2::TokenStream;
use quote::quote;

/// The stripped function followed by the errors as `compile_error!`s.
pub(crate) fn fallback(item: &syn::ItemFn, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    quote! {
        #errors
        #[allow(dead_code)]
        #item
    }
}
