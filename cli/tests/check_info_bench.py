"""ctest: `nnsimd info` reports the machine and follows NNSIMD_ISA; `nnsimd bench` fails with exit 3 and
a clear message when the benchmark binary is missing; a peer whose CPU detection falls back below the
CPU (OpenBLAS forced to its SSE3 Prescott core here, as 0.3.21 does by itself on CPUs it does not know)
is recorded as such and timed again, corrected, in the same result file. (Running the suite itself is not
a unit test: the last check times two book-sized rows.)
Usage: check_info_bench.py NNSIMD_BINARY WORKDIR."""
import os
import subprocess
import sys

nnsimd, work = sys.argv[1], sys.argv[2]
failures = 0


def expect(name, cond, p):
    global failures
    print(("ok   " if cond else "FAIL ") + name)
    if not cond:
        failures += 1
        print(p.stdout, p.stderr)


p = subprocess.run([nnsimd, "info"], capture_output=True, text=True)
keys = ("cpu:", "compiled ISAs:", "runnable ISAs:", "active ISA:", "cap:", "OpenMP threads:", "machine id:")
expect("info prints " + ", ".join(keys), p.returncode == 0 and all(k in p.stdout for k in keys), p)
p = subprocess.run([nnsimd, "info"], capture_output=True, text=True, env=dict(os.environ, NNSIMD_ISA="sse2"))
if "sse2" in p.stdout.split("runnable ISAs:")[1].splitlines()[0]:
    expect("NNSIMD_ISA=sse2 is the active ISA and the cap",
           "active ISA:        sse2" in p.stdout and "cap:               sse2" in p.stdout, p)
p = subprocess.run([nnsimd, "bench", "--bench-path", os.path.join(work, "no_such_bench")], capture_output=True, text=True)
expect("bench without the benchmark binary exits 3 with a message",
       p.returncode == 3 and "nnsimd_bench was not found" in p.stderr, p)

# The OpenBLAS peer's fallback and its corrected rows, where the benchmark binary has that peer.
bench = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(nnsimd))), "bench", "nnsimd_bench")
listed = subprocess.run([bench, "--benchmark_list_tests", "--benchmark_filter=peer_openblas"], capture_output=True,
                        text=True) if os.path.exists(bench) else None
if listed is None or "peer_openblas" not in listed.stdout:
    print("skip the OpenBLAS fallback check: no nnsimd_bench with peer_openblas in this build")
else:
    import glob
    import json
    import shutil
    out = os.path.join(work, "bench_fallback")
    shutil.rmtree(out, ignore_errors=True)
    p = subprocess.run([nnsimd, "bench", "--quick", "--no-summary", "--out", out, "--filter", "dense_forward/f32/peer_openblas/book:300x2",
                        "--", "--benchmark_min_time=0.001"], capture_output=True, text=True,
                       env=dict(os.environ, OPENBLAS_CORETYPE="Prescott"))
    files = glob.glob(os.path.join(out, "bench-quick-*.json"))
    ok = p.returncode == 0 and len(files) == 1
    if ok:
        d = json.load(open(files[0]))
        names = [b["name"] for b in d["benchmarks"]]
        ctx = d["context"]
        ok = (names == ["dense_forward/f32/peer_openblas/book:300x2x3", "dense_forward/f32/peer_openblas_corrected/book:300x2x3"]
              and "FALLBACK" in ctx.get("nnsimd_peer_openblas_code", "")
              and "Prescott" in ctx.get("nnsimd_peer_openblas_code", "")
              and "FALLBACK" not in ctx.get("nnsimd_peer_openblas_corrected_code", "FALLBACK")
              and not glob.glob(os.path.join(out, "*corrected*")))
    expect("OpenBLAS forced to Prescott: recorded as a fallback, rerun corrected, both rows kept", ok, p)
sys.exit(1 if failures else 0)
