//! Property tests: whatever tokens an attribute is given, the macro never panics; it
//! either expands or reports spanned errors (and then still emits the user's function).

use proc_macro2::TokenStream;
use proptest::prelude::*;

const ENTRIES: &[&str] =
    &["function", "http_trigger", "dapr_state", "dapr_service_invocation_trigger", "dapr_topic_trigger", "dapr_publish", "dapr_secret"];
const KEYS: &[&str] = &[
    "name",
    "store",
    "key",
    "route",
    "methods",
    "auth_level",
    "pub_sub_name",
    "topic",
    "unchecked",
    "dapr_address",
    "http_response",
    "bogus",
    "r#type",
];
const VALUES: &[&str] = &[
    "\"x\"",
    "\"{key}\"",
    "\"%Setting%\"",
    "\"state/{key}\"",
    "\"get, post\"",
    "[\"get\"]",
    "\"admin/x\"",
    "\"{\"",
    "\"}\"",
    "\"%\"",
    "42",
    "true",
    "SOME_CONST",
    "\"\"",
    "\"a b\"",
    "\"host\"",
    "\"$return\"",
    "[1, 2]",
    "(a, b)",
    "\"{*rest}\"",
    "\"{id:int?}\"",
    "\"anonymous\"",
];
const PARAMS: &[&str] = &[
    "req: HttpRequest",
    "#[http_trigger(route = \"state/{key}\")] req: HttpRequest",
    "#[dapr_state(store = \"s\", key = \"{key}\")] state: DaprState<String>",
    "#[dapr_state] input: u32",
    "#[dapr_service_invocation_trigger] payload: String",
    "#[function] x: u8",
    "(a, b): (u8, u8)",
    "_: u8",
    "#[dapr_publish(pub_sub_name = \"p\", topic = \"t\")] out: DaprPublish<String>",
];

fn args() -> impl Strategy<Value = String> {
    prop::collection::vec((prop::sample::select(KEYS), prop::option::of(prop::sample::select(VALUES))), 0..5)
        .prop_map(|pairs| pairs.iter().map(|(k, v)| v.map_or(k.to_string(), |v| format!("{k} = {v}"))).collect::<Vec<_>>().join(", "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn attributes_never_panic(
        entry in prop::sample::select(ENTRIES),
        entry_args in args(),
        sibling in prop::option::of((prop::sample::select(ENTRIES), args())),
        params in prop::collection::vec(prop::sample::select(PARAMS), 0..4),
        is_async in any::<bool>(),
        ret in prop::sample::select(&["", "-> HttpResponse", "-> Result<(), Error>", "-> String", "-> impl Sized"][..]),
    ) {
        let sibling = sibling.map(|(name, a)| format!("#[{name}({a})]")).unwrap_or_default();
        let item = format!("{sibling} {} fn f({}) {ret} {{ todo!() }}", if is_async { "async" } else { "" }, params.join(", "));
        let args: TokenStream = entry_args.parse().unwrap();
        let item: TokenStream = item.parse().unwrap();
        let out = dapr_fn_codegen::expand_attribute(entry, args, item).to_string();
        // Whatever happened, the user's function is still there for the IDE.
        prop_assert!(out.contains("fn f"), "{out}");
    }

    #[test]
    fn arbitrary_token_soup_never_panics(soup in "[a-z_=,\\(\\)\\[\\]\"#{}: ]{0,60}") {
        if let (Ok(args), Ok(item)) = (soup.parse::<TokenStream>(), "async fn f() {}".parse::<TokenStream>()) {
            let _ = dapr_fn_codegen::expand_attribute("dapr_state", args, item.clone());
            let _ = dapr_fn_codegen::expand_attribute("function", item, soup.parse().unwrap_or_default());
        }
    }
}
