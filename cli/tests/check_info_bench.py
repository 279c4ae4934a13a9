"""ctest: `nnsimd info` reports the machine and follows NNSIMD_ISA; `nnsimd bench` fails with exit 3 and
a clear message when the benchmark binary is missing; a peer whose CPU detection falls back below the
CPU (OpenBLAS forced to its SSE3 Prescott core here, as 0.3.21 does by itself on CPUs it does not know)
is recorded as such and timed again, corrected, in the same result file; NumPy's rows timed from Python
(bench/peer_numpy.py) are merged into it, or skipped with one line when the Python module is missing. (Running the suite itself is not
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

# NumPy's rows (bench/peer_numpy.py) after the driver's: merged into the same file with their context, or,
# without the build's Python module next to the binary, skipped with one line and exit 0. A stand-in
# driver writes one row, so this takes the script's time only.
import json
import shutil
fake = os.path.join(work, "fake_bench")
with open(fake, "w") as f:
    f.write("#!%s\nimport json, sys\nout = [a.split('=', 1)[1] for a in sys.argv if a.startswith('--benchmark_out=')][0]\n"
            "json.dump({'context': {'executable': '/x/nnsimd_bench'}, 'benchmarks': [{'name': 'relu/f32/avx2/elems:4096', "
            "'run_name': 'relu/f32/avx2/elems:4096', 'run_type': 'iteration', 'iterations': 1, 'real_time': 1.0, "
            "'cpu_time': 1.0, 'time_unit': 'ns'}]}, open(out, 'w'))\n" % sys.executable)
os.chmod(fake, 0o755)
module_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(nnsimd))), "python")
if not (os.path.isdir(module_dir) and any(n.startswith("nnsimd.") and n.endswith(".so") for n in os.listdir(module_dir))):
    print("skip the NumPy rows check: the build has no Python module")
else:
    out = os.path.join(work, "bench_numpy")
    shutil.rmtree(out, ignore_errors=True)
    p = subprocess.run([nnsimd, "bench", "--no-summary", "--bench-path", fake, "--out", out, "--filter",
                        "relu/f32/peer_numpy/elems:4096$"], capture_output=True, text=True)
    files = [os.path.join(out, n) for n in os.listdir(out)] if os.path.isdir(out) else []
    d = json.load(open(files[0])) if p.returncode == 0 and len(files) == 1 else {}
    expect("bench merges NumPy's row and context into its result file (and no part file is left)",
           [b["name"] for b in d.get("benchmarks", [])] == ["relu/f32/avx2/elems:4096", "relu/f32/peer_numpy/elems:4096"]
           and "nnsimd_peer_numpy_code" in d.get("context", {}), p)
    # The same binary where no module is next to it: one line, exit 0.
    alone = os.path.join(work, "alone", "bin")
    os.makedirs(alone, exist_ok=True)
    shutil.copy(nnsimd, os.path.join(alone, "nnsimd"))
    shutil.rmtree(out, ignore_errors=True)
    p = subprocess.run([os.path.join(alone, "nnsimd"), "bench", "--no-summary", "--bench-path", fake, "--out", out],
                       capture_output=True, text=True)
    expect("bench without the Python module: NumPy rows skipped with one line, exit 0",
           p.returncode == 0 and (p.stdout + p.stderr).count("NumPy rows skipped") == 1, p)

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
    files = glob.glob(os.path.join(out, "bench-part-quick-*.json"))  # --filter: a part of the suite
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
