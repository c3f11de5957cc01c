#!/usr/bin/env bash
# What dapr-fn costs at build time and on disk:
# - release size of the bench app (the deployment profile: LTO, 1 codegen unit), as built
#   and stripped;
# - a 200-function app: time of a no-change `cargo build` and of a one-function edit,
#   against the same 200 functions without the attributes (plain async fns, no build.rs).
# Debug builds, median of 3; the first build of each app is not timed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/target/build-cost"
N="${FUNCTIONS:-200}"
mkdir -p "$WORK"
export CARGO_TARGET_DIR="$WORK/target"

(cd "$ROOT" && cargo build --release -q -p dapr-fn-bench-app)
BIN="$ROOT/target/release/dapr-fn-bench-app"
cp "$BIN" "$WORK/stripped" && strip "$WORK/stripped"
echo "bench app release binary: $(( $(stat -c %s "$BIN") / 1024 )) KiB, stripped $(( $(stat -c %s "$WORK/stripped") / 1024 )) KiB"

make_app() { # name with_attributes
  local dir="$WORK/$1" attrs="$2"
  rm -rf "$dir/src"; mkdir -p "$dir/src"
  {
    echo "[package]"; echo "name = \"$1\""; echo 'version = "0.0.0"'; echo 'edition = "2021"'; echo
    echo "[dependencies]"; echo "dapr-fn-runtime = { path = \"$ROOT/dapr-fn-runtime\", default-features = false }"
    echo 'tokio = { version = "1", features = ["rt-multi-thread", "macros"] }'
    if [ "$attrs" = 1 ]; then echo; echo "[build-dependencies]"; echo "dapr-fn-build = { path = \"$ROOT/dapr-fn-build\" }"; fi
    echo; echo "[workspace]"
  } >"$dir/Cargo.toml"
  if [ "$attrs" = 1 ]; then echo 'fn main() { dapr_fn_build::generate(); }' >"$dir/build.rs"; else rm -f "$dir/build.rs"; fi
  {
    echo "use dapr_fn_runtime::prelude::*;"
    for i in $(seq "$N"); do
      if [ "$attrs" = 1 ]; then
        echo "#[function(name = \"Save$i\")]"
        echo "async fn save_$i(#[http_trigger(methods = \"post\", route = \"items$i/{key}\")] req: HttpRequest, #[dapr_state(store = \"statestore\", key = \"{key}\")] state: DaprState<String>) -> Result<HttpResponse, Error> {"
      else
        echo "#[allow(dead_code)]"
        echo "async fn save_$i(req: HttpRequest, state: DaprState<String>) -> Result<HttpResponse, Error> {"
      fi
      echo "    state.set(req.body_text()?); Ok(HttpResponse::ok().text(\"$i\"))"
      echo "}"
    done
    echo '#[tokio::main] async fn main() -> Result<(), Error> { dapr_fn_runtime::run().await }'
  } >"$dir/src/main.rs"
}

time_build() { # dir → seconds
  local start end
  start=$(date +%s.%N); (cd "$1" && cargo build -q); end=$(date +%s.%N)
  echo "$end - $start" | bc
}

median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

for variant in with:1 without:0; do
  name="app$N-${variant%%:*}"; make_app "$name" "${variant##*:}"
  (cd "$WORK/$name" && cargo build -q)
  nochange=(); edit=()
  for i in 1 2 3; do
    nochange+=("$(time_build "$WORK/$name")")
    sed -i "s/Ok(HttpResponse::ok().text(\"1\"))/Ok(HttpResponse::ok().text(\"1-$i\"))/; s/Ok(HttpResponse::ok().text(\"1-[0-9]\"))/Ok(HttpResponse::ok().text(\"1-$i\"))/" "$WORK/$name/src/main.rs"
    edit+=("$(time_build "$WORK/$name")")
  done
  echo "$N functions ${variant%%:*} attributes: no-change build $(median3 "${nochange[@]}") s, one-function edit $(median3 "${edit[@]}") s"
done
