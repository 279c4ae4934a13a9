#!/usr/bin/env python3
"""Instructions per call of a kernel, counted by valgrind's callgrind: reproducible where timings are not.

Runs nnsimd_bench under callgrind with one benchmark selected and reports, for every function whose name
contains SYMBOL, the calls and the instructions executed inside it and its callees (inclusive Ir) per
call. valgrind does not decode AVX-512, so under it the CPU shows AVX2 at most: profile the avx2 (or sse2)
implementations. Example (what binds the sparse cross-entropy at 1024 x 10):

    tools/callgrind_count.py build/release/bench/nnsimd_bench 'cce_sparse/f32/avx2/mnist:1024x10' cce_sparse
    tools/callgrind_count.py build/release/bench/nnsimd_bench 'limit/log/f32/avx2' vlog

The second reports the instructions of xsimd::log per call of the limit loop (n elements per call).
"""
import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path


def inclusive_per_function(out: Path):
    """{function name: (calls, inclusive Ir)} from a callgrind output file (call edges' costs)."""
    names, calls, incl = {}, {}, {}
    cfn = None
    pending = None
    for line in out.read_text().splitlines():
        m = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?$", line)
        if m:
            kind, ident, name = m.groups()
            if name:
                names[ident] = name
            if kind == "cfn":
                cfn = ident
            continue
        m = re.match(r"calls=(\d+)", line)
        if m and cfn is not None:
            pending = (cfn, int(m.group(1)))
            continue
        if pending is not None:
            # The line after calls= holds the inclusive cost of those calls: "<position> <Ir>".
            parts = line.split()
            if len(parts) >= 2:
                ident, n = pending
                calls[ident] = calls.get(ident, 0) + n
                incl[ident] = incl.get(ident, 0) + int(parts[1])
            pending = None
    return {names.get(k, k): (calls[k], incl[k]) for k in calls}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench", help="path to nnsimd_bench")
    ap.add_argument("name", help="exact benchmark name, e.g. cce_sparse/f32/avx2/mnist:1024x10")
    ap.add_argument("symbol", help="substring of the function(s) to report")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", args.bench,
               f"--benchmark_filter=^{re.escape(args.name)}$", "--benchmark_min_time=0.01"]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0 or not out.exists():
            sys.stderr.write(r.stderr[-2000:])
            print(f"callgrind_count: valgrind failed on {args.name}", file=sys.stderr)
            return 2
        rows = [(n, c, i) for n, (c, i) in inclusive_per_function(out).items() if args.symbol in n]
    if not rows:
        print(f"callgrind_count: no function containing '{args.symbol}' was called by {args.name}", file=sys.stderr)
        return 1
    print(f"{args.name}: instructions per call (inclusive), callgrind")
    for name, c, i in sorted(rows, key=lambda t: -t[2]):
        short = name if len(name) <= 110 else name[:107] + "..."
        print(f"  {i / c:14.1f} Ir/call  {c:6d} calls  {short}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
