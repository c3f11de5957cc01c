//! The benchmark job every peer in `../shared/bench` does, written as a dapr-fn user
//! would: parse the JSON body, save it under the route's `{key}`, answer `saved <key>`
//! and log the same line. Built without local mode, as deployed.

use dapr_fn_runtime::prelude::*;

/// Saves the JSON body under the route key.
#[function(name = "StateOutputBinding")]
async fn state_output_binding(
    #[http_trigger(auth_level = "function", methods = "post", route = "state/{key}")] req: HttpRequest,
    #[dapr_state(store = "statestore", key = "{key}")] state: DaprState<serde_json::Value>,
) -> Result<HttpResponse, Error> {
    let key = req.param("key").ok_or_else(|| Error::bad_request("missing route parameter `key`"))?;
    let message = format!("saved {key}");
    state.insert(key, req.json::<serde_json::Value>()?);
    tracing::info!("{message}");
    Ok(HttpResponse::ok().text(message))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    dapr_fn_runtime::run().await
}
