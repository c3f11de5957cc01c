#!/usr/bin/env bash
# Instructions per invocation of a custom handler, counted by valgrind's callgrind
# (repeatable whatever else the machine does): runs the handler under callgrind twice,
# for N and 2N sample invocations over one keep-alive connection, and reports
# (Ir(2N) - Ir(N)) / N, which cancels start-up and shutdown.
#   bench/instructions.sh BINARY [N=2000] [PAYLOAD=bench/payloads/state-output-binding.json]
# (payloads/state-output-binding-host.json is the same invocation with what the host
# really sends besides: eight request headers, an identity, and the Metadata it derives.)
set -euo pipefail
BIN="$1"; N="${2:-2000}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BODY="${3:-$HERE/payloads/state-output-binding.json}"
count() {
  local n="$1" port=$((18900 + RANDOM % 400)) out; out="$(mktemp)"
  FUNCTIONS_CUSTOMHANDLER_PORT=$port valgrind --tool=callgrind --callgrind-out-file="$out" "$BIN" >/dev/null 2>&1 &
  local pid=$!
  python3 - "$port" "$n" "$BODY" <<'PY'
import http.client, sys, time
port, n, body = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], 'rb').read()
for _ in range(600):
    try:
        c = http.client.HTTPConnection('127.0.0.1', port); c.request('GET', '/'); c.getresponse().read(); break
    except OSError:
        time.sleep(0.05)
c = http.client.HTTPConnection('127.0.0.1', port)
for _ in range(n):
    c.request('POST', '/StateOutputBinding', body, {'Content-Type': 'application/json'})
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
PY
  kill -TERM "$pid"; wait "$pid" || true
  callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
  rm -f "$out"
}
a="$(count "$N")"; b="$(count $((2 * N)))"
echo "$BIN: $(( (b - a) / N )) instructions per invocation (callgrind, N=$N)"
