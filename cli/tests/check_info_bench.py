"""ctest: `nnsimd info` reports the machine and follows NNSIMD_ISA; `nnsimd bench` fails with exit 3 and
a clear message when the benchmark binary is missing. (Running the suite itself is not a unit test.)
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
sys.exit(1 if failures else 0)
