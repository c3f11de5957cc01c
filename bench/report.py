#!/usr/bin/env python3
"""Medians per peer over the rounds of one run, and each figure's ratio to bare hyper
measured in the same run.

usage: python3 bench/report.py RESULTS_DIR   (reads results.jsonl, writes ratios.md)
"""
import json
import os
import statistics
import sys

BASE = "rust-hyper-bare"


def main(out_dir):
    rows = [json.loads(l) for l in open(os.path.join(out_dir, "results.jsonl")) if l.strip()]
    peers = []
    for r in rows:
        if r["peer"] not in peers:
            peers.append(r["peer"])
    med = {}
    for p in peers:
        load = [r for r in rows if r["peer"] == p and r["kind"] == "load"]
        cold = [r for r in rows if r["peer"] == p and r["kind"] == "cold2"]
        m = lambda xs: statistics.median(xs) if xs else None
        med[p] = {
            "rps": m([r["rps"] for r in load]),
            "p50": m([r["p50_ms"] for r in load]),
            "p99": m([r["p99_ms"] for r in load]),
            "cpu_us": m([r.get("server_cpu_us_per_req") for r in load if r.get("server_cpu_us_per_req")]),
            "rss": m([r["peak_rss_mib"] for r in load]),
            "ready": m([r["ready_median_ms"] for r in cold]),
            "first": m([r["first_median_ms"] for r in cold]),
            "errors": sum(r["errors"] for r in load),
            "rounds": len(load),
        }
    base = med.get(BASE, {})

    def cell(p, key, fmt):
        v = med[p][key]
        if v is None:
            return "n/a"
        b = base.get(key)
        ratio = f" ({v / b:.2f}x)" if b else ""
        return fmt.format(v) + ratio

    lines = [
        "| peer | req/s | p50 ms | p99 ms | server CPU us/req | peak RSS MiB | cold start: ready ms | cold start: first 200 ms | errors | rounds |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in peers:
        lines.append(
            f"| {p} | {cell(p, 'rps', '{:.0f}')} | {cell(p, 'p50', '{:.2f}')} | {cell(p, 'p99', '{:.2f}')} | {cell(p, 'cpu_us', '{:.1f}')} | "
            f"{cell(p, 'rss', '{:.1f}')} | {cell(p, 'ready', '{:.2f}')} | {cell(p, 'first', '{:.2f}')} | {med[p]['errors']} | {med[p]['rounds']} |"
        )
    lines.append("")
    lines.append(f"Medians over the rounds; (Nx) = ratio to {BASE} in the same run.")
    text = "\n".join(lines) + "\n"
    open(os.path.join(out_dir, "ratios.md"), "w").write(text)
    print(text)


if __name__ == "__main__":
    main(sys.argv[1])
