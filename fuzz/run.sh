#!/usr/bin/env bash
# Runs each fuzz target for a bounded time (SECONDS_PER_TARGET, default 60) with
# cargo-fuzz (libFuzzer + AddressSanitizer), from the seed corpus in fuzz/corpus/.
# Findings land in fuzz/artifacts/<target>/; keep each as a regression test.
# The machine has only a stable toolchain: RUSTC_BOOTSTRAP=1 lets it take the
# sanitizer flags cargo-fuzz passes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
SECS="${SECONDS_PER_TARGET:-60}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for target in invocation attributes; do
  work="$(mktemp -d)"
  cp corpus/"$target"/* "$work"/
  echo "== $target: $SECS s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "$work" -- -max_total_time="$SECS" 2>&1 | grep -E "^#[0-9]+ +DONE|^Done|ERROR|SUMMARY" || true
  rm -rf "$work"
done
