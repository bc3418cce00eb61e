#!/usr/bin/env python3
"""The seed's two formulas, as users ran them over a perf_analyzer profile export.

- average time to first token: mean of (response_timestamps[0] - timestamp) over the requests
- average token-to-token latency: mean of every difference between consecutive
  response_timestamps, pooled over the requests

Both are exact: Python integers, one correctly rounded division, then / 1e9. This is the
reference palens is tested against (test/e2e/seed.test.ts) and measured beside (bench/analyze.ts).
It loads the whole file with json.load, as the seed did.

With --drop-empty, responses whose output is empty ({}, null, or an empty text_output / TEXT)
are removed first, as palens does by default (the seed did not).

Usage: seed_reference.py [--drop-empty] EXPORT [EXPERIMENT_INDEX] -> one JSON line on stdout.
"""
import json
import sys


def is_empty(output) -> bool:
    if not output:
        return True
    texts = [output[k] for k in ("text_output", "TEXT") if k in output]
    return bool(texts) and all(t in ("", None) for t in texts)


def main() -> None:
    args = sys.argv[1:]
    drop = "--drop-empty" in args
    args = [a for a in args if a != "--drop-empty"]
    path = args[0]
    index = int(args[1]) if len(args) > 1 else 0
    with open(path) as f:
        requests = json.load(f)["experiments"][index]["requests"]
    if drop:
        for r in requests:
            outputs = r.get("response_outputs")
            if outputs is not None:
                r["response_timestamps"] = [t for t, o in zip(r["response_timestamps"], outputs) if not is_empty(o)]
    first = [r["response_timestamps"][0] - r["timestamp"] for r in requests]
    gaps = []
    for r in requests:
        stamps = r["response_timestamps"]
        for a, b in zip(stamps, stamps[1:]):
            gaps.append(b - a)
    print(json.dumps({
        "time_to_first_token_s": sum(first) / len(first) / 1000000000,
        "token_to_token_latency_s": sum(gaps) / len(gaps) / 1000000000 if gaps else None,
        "ttft_sum_ns": str(sum(first)),
        "ttft_count": len(first),
        "gap_sum_ns": str(sum(gaps)),
        "gap_count": len(gaps),
        "gap_min_ns": str(min(gaps)) if gaps else None,
        "gap_max_ns": str(max(gaps)) if gaps else None,
        "seed_lines": [
            "Average time to first token: " + str(sum(first) / len(first) / 1000000000) + " s",
            "Average token-to-token latency: " + (str(sum(gaps) / len(gaps) / 1000000000) if gaps else "None") + " s",
        ],
    }))


if __name__ == "__main__":
    main()
