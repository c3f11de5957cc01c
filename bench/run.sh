#!/usr/bin/env bash
# Side-by-side benchmark of dapr-fn against the peers of ../shared/bench, in one run:
# builds the bench app (release, the recommended deployment profile), copies the peers'
# bench folder to target/bench-peers, checks every peer's answers, then ROUNDS rounds of
# (load run, cold-start run) per peer, interleaved, and writes a table with medians and
# each figure's ratio to bare hyper. Also reports binary size and build-step costs
# (bench/build-cost.sh) unless BUILD_COST=0.
#
# Settings: PEERS ("dapr-fn rust-hyper-bare node-express"; any name of peers.conf),
#   ROUNDS (3), DURATION (10), WARMUP (2), CONNS (64), RUNS (20 cold starts),
#   SMOKE=1 (1 round, 1 s, 3 cold starts, dapr-fn and bare hyper only: what CI runs),
#   PEERS_DIR (../shared/bench relative to the repository).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEERS_DIR="${PEERS_DIR:-$ROOT/../shared/bench}"
WORK="$ROOT/target/bench-peers"
if [ "${SMOKE:-0}" = 1 ]; then
  export ROUNDS=1 DURATION=1 WARMUP=0 RUNS=3
  # Only proves the benchmark runs: skip the slow LTO link.
  export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
  PEERS="dapr-fn rust-hyper-bare"
  BUILD_COST=0
fi
PEERS="${PEERS:-dapr-fn rust-hyper-bare node-express}"
ROUNDS="${ROUNDS:-3}"
RUNS="${RUNS:-20}"

for tool in wrk:wrk /usr/bin/time:time; do
  command -v "${tool%%:*}" >/dev/null || { apt-get install -y "${tool##*:}" >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y "${tool##*:}" >/dev/null); }
done
[ -d "$PEERS_DIR" ] || { echo "bench: no peers folder at $PEERS_DIR (set PEERS_DIR)" >&2; exit 1; }
mkdir -p "$WORK"
cp -r "$PEERS_DIR/." "$WORK/"
chmod -R u+w "$WORK"

echo "== build (release)"
(cd "$ROOT" && cargo build --release -q -p dapr-fn-bench-app -p dapr-fn-coldstart)
APP="$ROOT/target/release/dapr-fn-bench-app"
COLDSTART="$ROOT/target/release/dapr-fn-coldstart"
for peer in $PEERS; do
  case "$peer" in
    rust-hyper-bare) (cd "$WORK/peers/rust-hyper-bare" && cargo build --release -q) ;;
    node-*) (cd "$WORK/peers/$peer" && npm ci --no-audit --no-fund --silent) ;;
    python-*) [ -x "$WORK/venv/bin/python" ] || python3 -m venv "$WORK/venv"; "$WORK/venv/bin/pip" install -q -r "$WORK/peers/python/requirements.lock.txt" ;;
  esac
done

command_of() {
  if [ "$1" = dapr-fn ]; then echo "$APP"; else grep -E "^$1[[:space:]]" "$WORK/peers.conf" | sed -E 's/^[^[:space:]]+[[:space:]]+//'; fi
}

STAMP="$(date -u +%Y-%m-%dT%H%M%SZ)"
OUT="$WORK/results/dapr-fn-$STAMP"
mkdir -p "$OUT"
{
  echo "date_utc: $STAMP"; echo "commit: $(cd "$ROOT" && git rev-parse --short HEAD)"
  echo "kernel: $(uname -r)"; echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"; echo "cores: $(nproc)"
  echo "rustc: $(rustc --version)"; echo "settings: ROUNDS=$ROUNDS DURATION=${DURATION:-10} CONNS=${CONNS:-64} RUNS=$RUNS PEERS=$PEERS"
} | tee "$OUT/env.txt"

ok=()
for peer in $PEERS; do
  cmd="$(command_of "$peer")"
  if [ "$peer" = dapr-fn ]; then check=(python3 "$ROOT/bench/check.py" "$APP"); else check=(python3 "$WORK/harness/check.py" -- $cmd); fi
  if (cd "$WORK" && "${check[@]}") >"$OUT/check-$peer.log" 2>&1; then ok+=("$peer"); else echo "   $peer FAILED its conformance check (see $OUT/check-$peer.log)"; fi
done
[[ " ${ok[*]} " == *" dapr-fn "* ]] || { echo "bench: dapr-fn failed its check" >&2; exit 1; }

for r in $(seq "$ROUNDS"); do
  for peer in "${ok[@]}"; do
    cmd="$(command_of "$peer")"
    echo "== round $r: $peer"
    (cd "$WORK" && ./run-load.sh $cmd) >"$OUT/load-$peer-r$r.log" 2>&1 || { echo "   load run failed"; continue; }
    grep '^LOAD_JSON ' "$OUT/load-$peer-r$r.log" | sed "s/^LOAD_JSON {/{\"peer\":\"$peer\",\"kind\":\"load\",\"round\":$r,/" >>"$OUT/results.jsonl"
    grep -v '^LOAD_JSON ' "$OUT/load-$peer-r$r.log" | tail -1
    (cd "$WORK" && taskset -c 1 "$COLDSTART" --runs "$RUNS" --port-base $((18500 + r * 40)) --body payloads/state-output-binding.json -- taskset -c 0 $cmd) >"$OUT/cold-$peer-r$r.log" 2>&1 || { echo "   cold-start run failed"; continue; }
    grep '^COLDSTART2_JSON ' "$OUT/cold-$peer-r$r.log" | sed "s/^COLDSTART2_JSON {/{\"peer\":\"$peer\",\"kind\":\"cold2\",\"round\":$r,/" >>"$OUT/results.jsonl"
  done
done

python3 "$ROOT/bench/report.py" "$OUT"
if [ "${BUILD_COST:-1}" = 1 ]; then "$ROOT/bench/build-cost.sh" | tee "$OUT/build-cost.txt"; fi
echo "results in $OUT"
