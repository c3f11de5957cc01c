#!/usr/bin/env python3
"""Conformance of the dapr-fn bench app with the job of ../shared/bench.

The shared harness/check.py compares the whole response byte for byte with a Node
peer's. dapr-fn answers the same job with the same outputs, plus what the host needs
and the peers leave out: an explicit Content-Type in `res`, and, for a body that is
not JSON, a 400 to the HTTP caller through `res` (a non-2xx to the host would become
a 500). This check asserts exactly that.

usage: python3 bench/check.py BINARY
"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PORT = 18060


def post(body):
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}/StateOutputBinding", data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.headers.get("Content-Type", ""), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), json.loads(e.read())


def main(binary):
    payloads = os.path.join(HERE, "payloads")
    sample = open(os.path.join(payloads, "state-output-binding.json"), "rb").read()
    env = dict(os.environ, FUNCTIONS_CUSTOMHANDLER_PORT=str(PORT))
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    failures = []
    try:
        deadline = time.time() + 30
        while True:
            try:
                post(sample)
                break
            except (ConnectionError, urllib.error.URLError, OSError):
                if time.time() > deadline:
                    print("FAIL: the app did not come up")
                    return 1
                time.sleep(0.02)
        status, ctype, body = post(sample)
        expected = {
            "Outputs": {
                "state": {"key": "order-42", "value": {"orderId": 42, "amount": 12.5, "items": ["a", "b"]}},
                "res": {"statusCode": 200, "headers": {"Content-Type": "text/plain; charset=utf-8"}, "body": "saved order-42"},
            },
            "Logs": ["saved order-42"],
            "ReturnValue": None,
        }
        if status != 200 or "application/json" not in ctype or body != expected:
            failures.append(f"sample invocation: {status} {ctype} {body}")
        status, _, body = post(b'{"Data":{"req":{"Params":{"key":"order-42"},"Body":"{not json')
        if status != 400 or not isinstance(body.get("error"), str):
            failures.append(f"malformed payload: {status} {body}")
        status, _, body = post(open(os.path.join(payloads, "malformed-body.json"), "rb").read())
        if status != 200 or body.get("Outputs", {}).get("res", {}).get("statusCode") != 400 or "state" in body.get("Outputs", {}):
            failures.append(f"malformed body: {status} {body}")
        if proc.poll() is not None:
            failures.append("the app exited")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    for f in failures:
        print("FAIL:", f)
    print("PASS" if not failures else "FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
