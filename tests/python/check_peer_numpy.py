"""ctest python.peer_numpy: bench/peer_numpy.py in quick mode on two small shape sets (the book's, the
forward pass's included, MNIST's output layer and relu/clip's 4 Ki elements) with a tiny min time. Checks that its rows are named as the C++ driver names its own
(the case list of nnsimd._bench, and nnsimd_bench --benchmark_list_tests where given), one per op NumPy
has and per implementation; that every row passed the oracle check; that the counters are the case's work
over the row's time; that overhead_ns is there; that the context names the BLAS. Then a planted wrong
output (NNSIMD_PEER_NUMPY_PLANT=softmax) must come back as an error row with the oracle's message: the
check can fail. OpenBLAS forced to its SSE3 core is recorded as a FALLBACK and rerun corrected. Bad
arguments exit 2 and write nothing.
Usage: check_peer_numpy.py SCRIPT WORKDIR [NNSIMD_BENCH]"""
import json
import os
import re
import subprocess
import sys

script, work = sys.argv[1], sys.argv[2]
bench = sys.argv[3] if len(sys.argv) > 3 else None
os.makedirs(work, exist_ok=True)
failures = 0


def expect(name, cond, detail=""):
    global failures
    print(("ok   " if cond else "FAIL ") + name)
    if not cond:
        failures += 1
        print(detail)


try:
    import numpy  # noqa: F401
    from nnsimd import _bench
except ImportError as e:
    print("skipped: %s" % e)
    sys.exit(77)

# POSIX extended syntax (no \d): nnsimd_bench reads the same filter with std::regex.
SHAPES = r"/(book:300x[0-9]+(x[0-9]+){0,2}|mnist:1024x10|mnist:1024x128x10|elems:4096)(/real_time)?$"
out = os.path.join(work, "peer_numpy.json")
if os.path.exists(out):
    os.remove(out)
p = subprocess.run([sys.executable, script, "--mode", "quick", "--filter=" + SHAPES, "--min-time", "0.0003",
                    "--out", out], capture_output=True, text=True)
expect("peer_numpy.py exits 0 and writes its file", p.returncode == 0 and os.path.exists(out), p.stderr)
if failures:
    sys.exit(1)
d = json.load(open(out))
rows = {b["name"]: b for b in d["benchmarks"]}

# The names the driver gives these cases, and the rows expected of each.
try:
    import threadpoolctl  # noqa: F401
    have_tpc = True
except ImportError:
    have_tpc = False
try:
    import torch  # noqa: F401
    have_torch = True
except ImportError:
    have_torch = False
cores = len(os.sched_getaffinity(0))
cases = [c for c in _bench.cases() if re.search(SHAPES, "/" + c[2])]
expect("the filter selects book, mnist and elems cases of every op",
       len({c[0] for c in cases}) == 11 and {c[2].split(":")[0] for c in cases} == {"book", "mnist", "elems"}, cases)
want = set()
for op, dtype, shape in cases:
    impls = ["peer_numpy", "py_nnsimd"] + (["py_torch"] if have_torch else [])
    if (op.startswith("dense") or op == "forward_pass") and dtype == "f32":  # peer_numpy.py's BLAS_OPS
        impls.append("peer_numpy_nnfs")
        if cores > 1 and have_tpc:
            impls.append("peer_numpy_t%d" % cores)
    for impl in impls:
        want.add("%s/%s/%s/%s" % (op, dtype, impl, shape) + ("/real_time" if "_t" in impl[len("peer_numpy"):] else ""))
expect("one row per case and implementation, named as the driver names rows", set(rows) == want,
       "missing %s\nextra %s" % (sorted(want - set(rows))[:10], sorted(set(rows) - want)[:10]))

if bench and os.path.exists(bench):
    listed = subprocess.run([bench, "--benchmark_list_tests", "--benchmark_filter=" + SHAPES],
                            capture_output=True, text=True).stdout.split()
    # The driver's rows of these cases, without their impl: every case of ours is one of the driver's.
    strip = lambda n: re.sub(r"^([^/]+/[^/]+)/[^/]+/", r"\1/", n).replace("/real_time", "")  # noqa: E731
    driver = {strip(n) for n in listed if not n.startswith("limit/") and "packed" not in n}
    ours = {strip(n) for n in rows}
    expect("the same cases as nnsimd_bench --benchmark_list_tests", driver and driver == ours,
           "driver only %s\nours only %s" % (sorted(driver - ours)[:10], sorted(ours - driver)[:10]))

errors = [(n, b.get("error_message")) for n, b in rows.items() if b.get("error_occurred")]
expect("every row passed the oracle check", not errors, errors[:5])
bad = []
for n, b in rows.items():
    if b.get("error_occurred"):
        continue
    op, dtype, impl, shape = n.split("/")[:4]
    c = _bench.Case(op, dtype, shape).counters
    t = (b["real_time"] if n.endswith("/real_time") else b["cpu_time"]) * 1e-9
    for k in ("flops", "bytes", "elements"):
        if k == "flops" and c[k] == 0:
            ok = k not in b
        else:
            ok = abs(b[k] * t - c[k]) <= 1e-6 * c[k]
        if not ok:
            bad.append((n, k, b.get(k), c[k] / t))
    if b["ws_bytes"] != c["ws_bytes"] or not b.get("overhead_ns", 0) > 0 or b["iterations"] < 1:
        bad.append((n, "ws_bytes/overhead_ns/iterations", b))
    if not b["label"].startswith(_bench.Case(op, dtype, shape).roof):
        bad.append((n, "label", b["label"]))
expect("counters are the case's work over the row's time; ws_bytes, overhead_ns, label present", not bad, bad[:5])
sce = rows.get("softmax_cross_entropy/f32/peer_numpy/book:300x3", {})
expect("the fused loss's NumPy row says it is the book's composition", "impl=book_softmax_then_cce" in sce.get("label", ""))
fp = "forward_pass/f32/%s/book:300x2x3x3"
expect("the forward pass's NumPy row is the book's script, PyTorch's the same composition",
       "impl=book_script" in rows.get(fp % "peer_numpy", {}).get("label", "")
       and (not have_torch or "impl=book_composition" in rows.get(fp % "py_torch", {}).get("label", "")))
ctx = d["context"]
code = ctx.get("nnsimd_peer_numpy_code", "")
expect("context names NumPy and its BLAS", code.startswith("numpy ") and ("BLAS " in code or not have_tpc)
       and "nnsimd_peer_numpy_nnfs_code" in ctx, ctx)

# The check can fail: a planted wrong softmax is reported with the oracle's message.
planted = os.path.join(work, "peer_numpy_plant.json")
p = subprocess.run([sys.executable, script, "--filter=softmax/f32/peer_numpy/book:", "--min-time", "0.0003",
                    "--out", planted], capture_output=True, text=True,
                   env=dict(os.environ, NNSIMD_PEER_NUMPY_PLANT="softmax"))
b = json.load(open(planted))["benchmarks"] if p.returncode == 0 else []
expect("a planted wrong output is an error row with the oracle's message",
       len(b) == 1 and b[0].get("error_occurred") is True
       and b[0].get("error_message", "").startswith("disagrees with the oracle: y[") and "bound" in b[0]["error_message"],
       (p.stderr, b))

# OpenBLAS forced to its SSE3 core (as 0.3.21 falls back by itself on CPUs it does not know): recorded as a
# FALLBACK, and the dense rows timed again with the core the CPU calls for, as peer_numpy_corrected.
if have_tpc:
    fb = os.path.join(work, "peer_numpy_fallback.json")
    p = subprocess.run([sys.executable, script, "--filter=dense_forward/f32/peer_numpy/book:300x2x3", "--min-time",
                        "0.0003", "--out", fb], capture_output=True, text=True,
                       env=dict(os.environ, OPENBLAS_CORETYPE="Prescott"))
    d = json.load(open(fb)) if p.returncode == 0 else {"benchmarks": [], "context": {}}
    c = d["context"]
    expect("OpenBLAS forced to Prescott: FALLBACK recorded, rerun corrected, both rows kept",
           [b["name"] for b in d["benchmarks"]] == ["dense_forward/f32/peer_numpy/book:300x2x3",
                                                    "dense_forward/f32/peer_numpy_corrected/book:300x2x3"]
           and "FALLBACK" in c.get("nnsimd_peer_numpy_code", "")
           and "FALLBACK" not in c.get("nnsimd_peer_numpy_corrected_code", "FALLBACK")
           and not any(n.startswith(os.path.basename(fb) + ".") for n in os.listdir(work)), (p.stderr, d))

# Bad input: exit 2, nothing written.
bad_out = os.path.join(work, "peer_numpy_bad.json")
for args in (["--filter=("], ["--mode", "slow"], ["--min-time", "-1"]):
    p = subprocess.run([sys.executable, script, "--out", bad_out] + args, capture_output=True, text=True)
    expect("%s exits 2 and writes nothing" % " ".join(args), p.returncode == 2 and not os.path.exists(bad_out), p.stderr)
sys.exit(1 if failures else 0)
