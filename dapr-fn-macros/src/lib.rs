//! The attribute macros of dapr-fn. They are thin: all logic lives in
//! `dapr-fn-codegen`, and their documentation is on the re-exports in
//! `dapr_fn_runtime`, which is the crate to depend on.
#![warn(missing_docs)]

use proc_macro::TokenStream;

macro_rules! entry_points {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[proc_macro_attribute]
        pub fn $name(args: TokenStream, item: TokenStream) -> TokenStream {
            dapr_fn_codegen::expand_attribute(stringify!($name), args.into(), item.into()).into()
        }
    )*};
}

entry_points! {
    /// Names a dapr-fn function; see `dapr_fn_runtime::function`.
    function,
    /// An HTTP trigger; see `dapr_fn_runtime::http_trigger`.
    http_trigger,
    /// A Dapr service-invocation trigger; see `dapr_fn_runtime::dapr_service_invocation_trigger`.
    dapr_service_invocation_trigger,
    /// A Dapr pub/sub topic trigger; see `dapr_fn_runtime::dapr_topic_trigger`.
    dapr_topic_trigger,
    /// A Dapr input-binding trigger; see `dapr_fn_runtime::dapr_binding_trigger`.
    dapr_binding_trigger,
    /// A Dapr state input or output binding; see `dapr_fn_runtime::dapr_state`.
    dapr_state,
    /// A Dapr secret input binding; see `dapr_fn_runtime::dapr_secret`.
    dapr_secret,
    /// A Dapr service-invocation output binding; see `dapr_fn_runtime::dapr_invoke`.
    dapr_invoke,
    /// A Dapr publish output binding; see `dapr_fn_runtime::dapr_publish`.
    dapr_publish,
    /// A Dapr output binding; see `dapr_fn_runtime::dapr_binding`.
    dapr_binding,
}
