//! Micro-benchmarks of the invocation hot path, per stage: decoding the host's payload,
//! running a whole invocation (decode, function, encode), and encoding the response.
//! `cargo bench -p dapr-fn-runtime --bench hot_path`; under `cargo test` each runs once.

use criterion::{criterion_group, criterion_main, Criterion};
use dapr_fn_runtime::__bench;
use dapr_fn_runtime::prelude::*;
use std::hint::black_box;

/// The job of the side-by-side benchmark (bench/app), as a user writes it.
#[function(name = "StateOutputBinding")]
async fn state_output_binding(
    #[http_trigger(methods = "post", route = "state/{key}")] req: HttpRequest,
    #[dapr_state(store = "statestore", key = "{key}")] state: DaprState<serde_json::Value>,
) -> Result<HttpResponse, Error> {
    let key = req.param("key").unwrap_or_default().to_string();
    state.insert(key.clone(), req.json::<serde_json::Value>()?);
    Ok(HttpResponse::ok().text(format!("saved {key}")))
}

const PAYLOAD: &[u8] = include_bytes!("../../bench/payloads/state-output-binding.json");

fn stages(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
    let mut group = c.benchmark_group("invocation");
    group.bench_function("decode", |b| b.iter(|| __bench::decode("StateOutputBinding", black_box(PAYLOAD))));
    group.bench_function("dispatch", |b| b.iter(|| runtime.block_on(__bench::dispatch("StateOutputBinding", black_box(PAYLOAD)))));
    group.bench_function("encode", |b| b.iter(|| __bench::encode(black_box(r#"{"orderId":42,"amount":12.5,"items":["a","b"]}"#))));
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
