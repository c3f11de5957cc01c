use dapr_fn_runtime::prelude::*;

struct Settings;

#[function(name = "Checkout_v2-final")]
async fn checkout(
    #[http_trigger(auth_level = "anonymous", methods = "get, post", route = "cart/{cart_id:guid}/{*rest}")] req: HttpRequest,
    // An input: any Deserialize type.
    #[dapr_state(store = "statestore", key = "{cart_id}")] cart: Option<serde_json::Value>,
    // camelCase mapping: `saved_cart` becomes `savedCart`.
    #[dapr_state(store = "statestore", key = "{sys.randguid}")] saved_cart: DaprState<serde_json::Value>,
    // Explicit binding name, and a key from the body that only `unchecked` allows.
    #[dapr_state(name = "audit", store = "auditstore", key = "{user}", unchecked, dapr_address = "http://localhost:3501")] log: DaprState<String>,
    settings: AppState<Settings>,
    ctx: InvocationContext,
) -> HttpResponse {
    let _ = (&req, &settings, ctx.function_name());
    if let Some(cart) = cart {
        saved_cart.set(cart);
    }
    log.insert("explicit-key", "visited");
    HttpResponse::ok()
}

fn main() {}
