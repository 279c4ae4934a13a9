#!/usr/bin/env -S python3 -S
"""A stand-in for nnsimd_bench in tools/ab.py's tests: the flags ab.py passes, JSON like Google Benchmark's.

Benchmarks "k0".."k5" and the clock proxy "limit/fma/f32/sse2" take a base time with noise that is
reproducible: the process number (a counter in $FAKE_STATE) seeds it. Every process draws a common
factor (lognormal, $FAKE_COMMON_SIGMA, default 0.01, and a burst on a fraction $FAKE_BURST of the
processes, default 0.2: +30 %) that hits all its benchmarks alike, as a busy neighbour does, and each
benchmark its own lognormal noise ($FAKE_SIGMA, default 0.02). $FAKE_SLOW="k2:1.05"
makes k2 that much slower.
"""
import json
import os
import random
import re
import sys

NAMES = ["k0", "k1", "k2", "k3", "k4", "k5", "limit/fma/f32/sse2"]


def main():
    flags = dict(a[2:].split("=", 1) if "=" in a else (a[2:], "true") for a in sys.argv[1:])
    regex = re.compile(flags.get("benchmark_filter", "."))
    names = [n for n in NAMES if regex.search(n)]
    if flags.get("benchmark_list_tests") == "true":
        print("\n".join(names))
        return 0
    state = os.environ["FAKE_STATE"]
    count = int(open(state).read() or 0) if os.path.exists(state) else 0
    with open(state, "w") as f:
        f.write(str(count + 1))
    rng = random.Random(int(os.environ.get("FAKE_SEED", "1")) * 1000003 + count)
    common = (rng.lognormvariate(0, float(os.environ.get("FAKE_COMMON_SIGMA", "0.01")))
              * (1.3 if rng.random() < float(os.environ.get("FAKE_BURST", "0.2")) else 1.0))
    sigma = float(os.environ.get("FAKE_SIGMA", "0.02"))
    slow = dict(s.split(":") for s in os.environ.get("FAKE_SLOW", "").split(",") if s)
    out = []
    for i, n in enumerate(names):
        t = (1000.0 + 100 * i) * common * rng.lognormvariate(0, sigma) * float(slow.get(n, 1))
        out.append({"name": n, "run_type": "iteration", "real_time": t, "cpu_time": t, "time_unit": "ns",
                    "iterations": 1000})
    print(json.dumps({"context": {"nnsimd_machine_id": "fake", "nnsimd_streaming_store_bytes": "1048576"},
                      "benchmarks": out}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
