#!/usr/bin/env python3
"""Instructions per call of a kernel, counted by valgrind's callgrind: reproducible where timings are not.

Runs nnsimd_bench under callgrind with one benchmark selected and reports, for every function whose name
contains SYMBOL, the calls and the instructions executed inside it and its callees (inclusive Ir) per
call. valgrind does not decode AVX-512, so under it the CPU shows AVX2 at most: profile the avx2 (or sse2)
implementations. Example (what binds the sparse cross-entropy at 1024 x 10):

    tools/callgrind_count.py build/release/bench/nnsimd_bench 'categorical_cross_entropy/f32/avx2/mnist:1024x10' categorical_cross_entropy
    tools/callgrind_count.py build/release/bench/nnsimd_bench 'limit/log/f32/avx2' vlog

The second reports the instructions of xsimd::log per call of the limit loop (n elements per call).

With --digest it runs `nnsimd digest --isa ISA --one-thread` instead and reports the instructions of each
public function (nnsimd::softmax<float>, ...) over the digest's fixed inputs: a per-kernel instruction
count that a refactor must not move (issue 12 held every kernel within 1%). --save writes the counts as
JSON, --compare reads such a file and exits 1 when a count moved by more than --tolerance:

    tools/callgrind_count.py --digest build/release/cli/nnsimd --isa avx2 --save /tmp/before-avx2.json
    tools/callgrind_count.py --digest build/release/cli/nnsimd --isa avx2 --compare /tmp/before-avx2.json
"""
import argparse
import json
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


PUBLIC = re.compile(r"^(?:[a-z_:<> ]+ )?nnsimd::(?:packed_dense<(?:float|double)>::packed_dense|[a-z_]+<(?:float|double)>)\(")


def digest_counts(cli: str, isa: str) -> dict:
    """{public function: inclusive Ir} over `nnsimd digest --isa ISA --one-thread` under callgrind."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", cli, "digest", "--isa", isa,
               "--one-thread"]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0 or not out.exists():
            sys.stderr.write(r.stderr[-2000:])
            raise SystemExit(f"callgrind_count: valgrind failed on {' '.join(cmd[3:])}")
        return {n: i for n, (_, i) in inclusive_per_function(out).items() if PUBLIC.match(n)}


def digest_main(args) -> int:
    counts = digest_counts(args.digest, args.isa)
    if args.save:
        Path(args.save).write_text(json.dumps({"isa": args.isa, "counts": counts}, indent=1, sort_keys=True) + "\n")
    if not args.compare:
        for name, ir in sorted(counts.items()):
            print(f"{ir:14d}  {name}")
        return 0
    base = json.loads(Path(args.compare).read_text())["counts"]
    moved = 0
    for name in sorted(set(base) | set(counts)):
        a, b = base.get(name), counts.get(name)
        if a is None or b is None:
            print(f"{'only before' if b is None else 'only after':>14}  {name}")
            moved += 1
            continue
        change = b / a - 1
        flag = abs(change) > args.tolerance
        moved += flag
        print(f"{a:14d} {b:14d} {change * 100:+7.2f}%{'  MOVED' if flag else ''}  {name}")
    print(f"callgrind_count: {len(counts)} functions, {moved} moved by more than {args.tolerance * 100:g}%")
    return 1 if moved else 0


def main() -> int:
    if "--digest" in sys.argv:
        ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
        ap.add_argument("--digest", required=True, help="path to the nnsimd command")
        ap.add_argument("--isa", required=True, help="sse2 or avx2 (valgrind decodes no AVX-512)")
        ap.add_argument("--save", help="write the counts to this JSON file")
        ap.add_argument("--compare", help="compare with counts saved earlier")
        ap.add_argument("--tolerance", type=float, default=0.01, help="largest relative change allowed (0.01)")
        return digest_main(ap.parse_args())
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench", help="path to nnsimd_bench")
    ap.add_argument("name", help="exact benchmark name, e.g. categorical_cross_entropy/f32/avx2/mnist:1024x10")
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
