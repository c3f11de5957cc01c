//! Unit tests of the parser, validator, JSON rendering, expansion and crate scan,
//! without a compiler in the loop.

use proc_macro2::TokenStream;
use quote::quote;

use crate::analyze;

fn parse(entry: &str, args: TokenStream, item: TokenStream) -> syn::Result<(crate::ast::Function, syn::ItemFn)> {
    let mut item: syn::ItemFn = syn::parse2(item).unwrap();
    analyze(entry, args, &mut item).map(|f| (f, item))
}

fn json_of(entry: &str, args: TokenStream, item: TokenStream) -> serde_json::Value {
    let (f, _) = parse(entry, args, item).unwrap_or_else(|e| panic!("{e}"));
    let mut v: serde_json::Value = serde_json::from_str(&f.manifest().to_function_json()).unwrap();
    v.as_object_mut().unwrap().remove("generatedBy");
    v
}

fn errors(entry: &str, args: TokenStream, item: TokenStream) -> Vec<String> {
    match parse(entry, args, item) {
        Ok(_) => Vec::new(),
        Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn the_state_output_sample_renders_the_hosts_function_json() {
    let v = json_of(
        "function",
        quote!(name = "StateOutputBinding"),
        quote! {
            async fn state_output_binding(
                #[http_trigger(auth_level = "function", methods = "post", route = "state/{key}")] req: HttpRequest,
                #[dapr_state(store = "statestore", key = "{key}")] state: DaprState<String>,
            ) -> Result<HttpResponse, Error> { todo!() }
        },
    );
    assert_eq!(
        v,
        serde_json::json!({"bindings": [
            {"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "function", "methods": ["post"], "route": "state/{key}"},
            {"type": "daprState", "direction": "out", "name": "state", "stateStore": "statestore", "key": "{key}"},
            {"type": "http", "direction": "out", "name": "res"}
        ]})
    );
}

#[test]
fn function_level_attributes_bind_the_first_free_parameter_and_the_return_value() {
    let v = json_of(
        "dapr_service_invocation_trigger",
        quote!(method_name = "newOrder"),
        quote! {
            #[dapr_state(dapr_address = "http://localhost:3501", key = "latest", store = "%Store%")]
            async fn save_latest(order_payload: Order, ctx: InvocationContext) -> Order { todo!() }
        },
    );
    assert_eq!(
        v["bindings"],
        serde_json::json!([
            {"type": "daprServiceInvocationTrigger", "direction": "in", "name": "orderPayload", "methodName": "newOrder"},
            {"type": "daprState", "direction": "out", "name": "$return", "stateStore": "%Store%", "key": "latest", "daprAddress": "http://localhost:3501"}
        ]),
        "camelCase names, catalogue order for properties"
    );
}

#[test]
fn state_direction_follows_the_parameter_type_and_methods_normalize() {
    let v = json_of(
        "function",
        quote!(),
        quote! {
            fn f(
                #[http_trigger(methods = ["GET", "Post"], route = "/items/{id:int}/")] req: HttpRequest,
                #[dapr_state(store = "s", key = "{id}")] current: Option<Item>,
                #[dapr_state(store = "s", key = "{sys.randguid}", name = "copy")] _copy: dapr_fn_runtime::DaprState<Item>,
            ) -> HttpResponse { todo!() }
        },
    );
    assert_eq!(v["bindings"][0]["methods"], serde_json::json!(["get", "post"]));
    assert_eq!(v["bindings"][1]["direction"], "in");
    assert_eq!(v["bindings"][2]["direction"], "out");
    assert_eq!(v["bindings"][2]["name"], "copy");
}

#[test]
fn all_problems_of_a_function_are_reported_together() {
    let errs = errors(
        "function",
        quote!(name = "host", colour = "red"),
        quote! {
            async fn f<T>(
                #[dapr_state(key = "{nope}", key = "again")] a: DaprState<T>,
                #[http_trigger(methods = "")] b: HttpRequest,
                #[dapr_service_invocation_trigger] c: String,
            ) {}
        },
    );
    let expected = [
        "unknown key `colour` in #[function]; valid keys: name",
        "duplicate key `key` in #[dapr_state]; give it once",
        "`methods` is empty",
        "cannot be generic",
        "`host` is reserved",
        "a function has exactly one trigger",
        "#[dapr_state] needs `store`",
        "`{nope}` in `key` can never resolve",
    ];
    for e in expected {
        assert!(errs.iter().any(|m| m.contains(e)), "missing {e:?} in {errs:#?}");
    }
    assert_eq!(errs.len(), expected.len(), "{errs:#?}");
}

#[test]
fn expressions_may_use_route_parameters_query_headers_sys_and_the_trigger() {
    for key in ["{key}", "{KEY}", "{Query.id}", "{headers.x-id}", "{sys.utcnow}", "{req}", "prefix-{key}-%Suffix%"] {
        let errs = errors(
            "function",
            quote!(),
            quote! {
                fn f(#[http_trigger(route = "a/{key?}")] req: HttpRequest, #[dapr_state(store = "s", key = #key)] s: DaprState<u8>) -> HttpResponse { todo!() }
            },
        );
        assert!(errs.is_empty(), "{key}: {errs:?}");
    }
    let errs = errors(
        "function",
        quote!(),
        quote! { fn f(#[http_trigger] req: HttpRequest, #[dapr_state(store = "s", key = "{id}", unchecked)] s: DaprState<u8>) -> HttpResponse { todo!() } },
    );
    assert!(errs.is_empty(), "unchecked opts out: {errs:?}");
}

#[test]
fn expansion_keeps_the_function_and_uses_only_absolute_paths() {
    let (f, item) = parse(
        "function",
        quote!(),
        quote! {
            /// Docs stay.
            async fn save(#[http_trigger] req: HttpRequest, #[dapr_state(store = "s", key = "k")] state: DaprState<String>) -> HttpResponse { todo!() }
        },
    )
    .unwrap();
    let expanded = crate::expand::expand(&f, &item);
    let file: syn::File = syn::parse2(expanded.clone()).expect("the expansion parses as items");
    let text = prettyplease::unparse(&file);
    if std::env::var_os("SHOW_EXPANSION").is_some() {
        println!("{text}");
    }
    assert!(text.contains("/// Docs stay.\nasync fn save(req: HttpRequest, state: DaprState<String>) -> HttpResponse"), "{text}");
    assert!(!text.contains("#[dapr_state") && !text.contains("#[http_trigger"), "our attributes are stripped: {text}");
    assert!(
        text.contains(
            "#[::dapr_fn_runtime::__private::linkme::distributed_slice(\n        ::dapr_fn_runtime::__private::FUNCTIONS\n    )]"
        ),
        "{text}"
    );
    assert!(text.contains("name: \"Save\""));
    // Generated code refers to the runtime only through its hidden module.
    for line in text.lines().filter(|l| l.contains("dapr_fn_runtime")) {
        for (i, _) in line.match_indices("dapr_fn_runtime") {
            assert_eq!(&line[i.saturating_sub(2)..i], "::", "non-absolute path in: {line}");
        }
    }
}

#[test]
fn fallback_emits_the_stripped_function_and_the_errors() {
    let out = crate::expand_attribute(
        "dapr_state",
        quote!(),
        quote!(
            async fn f(#[http_trigger] req: HttpRequest) {}
        ),
    );
    let text = out.to_string();
    assert!(text.contains("compile_error"), "{text}");
    assert!(text.contains("async fn f (req : HttpRequest)"), "{text}");
    assert!(!text.contains("http_trigger"), "{text}");
}

mod scan {
    use std::collections::HashSet;

    use crate::scan::{scan_crate, CfgEnv};

    fn cfg(pairs: &[(&str, &[&str])], features: &[&str]) -> CfgEnv {
        CfgEnv {
            features: features.iter().map(|f| f.to_string()).collect::<HashSet<_>>(),
            cfgs: pairs.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect(),
        }
    }

    fn eval(env: &CfgEnv, predicate: &str) -> Option<bool> {
        env.eval(&syn::parse_str(predicate).unwrap())
    }

    #[test]
    fn evaluates_cfg_predicates_like_the_target() {
        let env = cfg(&[("unix", &[]), ("target_os", &["linux"]), ("target_pointer_width", &["64"])], &["json_logs"]);
        assert_eq!(eval(&env, "unix"), Some(true));
        assert_eq!(eval(&env, "windows"), Some(false));
        assert_eq!(eval(&env, "test"), Some(false));
        assert_eq!(eval(&env, "target_os = \"linux\""), Some(true));
        assert_eq!(eval(&env, "target_env = \"musl\""), Some(false));
        assert_eq!(eval(&env, "feature = \"json-logs\""), Some(true));
        assert_eq!(eval(&env, "all(unix, not(feature = \"x\"), any(windows, target_pointer_width = \"64\"))"), Some(true));
        assert_eq!(eval(&env, "my_custom_cfg"), None);
    }

    #[test]
    fn follows_the_module_tree() {
        let dir = std::env::temp_dir().join(format!("dapr-fn-scan-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src/api/v2")).unwrap();
        std::fs::create_dir_all(dir.join("src/elsewhere")).unwrap();
        let f = |name: &str| format!("#[dapr_service_invocation_trigger]\nasync fn {name}(p: String) {{}}\n");
        std::fs::write(
            dir.join("src/main.rs"),
            format!(
                "mod api;\n#[path = \"elsewhere/custom.rs\"]\nmod custom;\n#[cfg(test)]\nmod tests {{ {} }}\nmod inline {{ {} }}\n{}",
                f("in_tests"),
                f("in_inline"),
                f("at_root")
            ),
        )
        .unwrap();
        std::fs::write(dir.join("src/api.rs"), format!("mod v2;\n{}", f("in_api"))).unwrap();
        std::fs::write(dir.join("src/api/v2/mod.rs"), f("in_v2")).unwrap();
        std::fs::write(dir.join("src/elsewhere/custom.rs"), f("in_custom")).unwrap();
        let result = scan_crate(&[dir.join("src/main.rs")], &dir, &cfg(&[], &[]));
        let mut names: Vec<_> = result.functions.iter().map(|f| (f.manifest.name.clone(), f.source.clone())).collect();
        names.sort();
        assert_eq!(
            names,
            [
                ("AtRoot".to_string(), "src/main.rs:12".to_string()),
                ("InApi".into(), "src/api.rs:3".into()),
                ("InCustom".into(), "src/elsewhere/custom.rs:2".into()),
                ("InInline".into(), "src/main.rs:9".into()),
                ("InV2".into(), "src/api/v2/mod.rs:2".into()),
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
