//! Fuzzes the attribute parser: any text as attribute arguments or function never makes
//! the macro panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use proc_macro2::TokenStream;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (args, item) = text.split_once('\u{0}').unwrap_or((text, "async fn f(#[dapr_state(store = \"s\")] s: DaprState<u8>) {}"));
    let (Ok(args), Ok(item)) = (args.parse::<TokenStream>(), item.parse::<TokenStream>()) else { return };
    for entry in ["function", "http_trigger", "dapr_state", "dapr_topic_trigger", "dapr_binding"] {
        let _ = dapr_fn_codegen::expand_attribute(entry, args.clone(), item.clone());
    }
});
