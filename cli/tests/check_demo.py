"""ctest: `nnsimd demo` prints the book's `loss: 1.0986104` and `acc: 0.34` for the scalar reference and
every runnable ISA (as `nnsimd info` lists them), then says they agree; also with --threads 1 and 2.
Usage: check_demo.py NNSIMD_BINARY WORKDIR."""
import re
import subprocess
import sys

nnsimd = sys.argv[1]
info = subprocess.run([nnsimd, "info"], capture_output=True, text=True, check=True).stdout
runnable = re.search(r"^runnable ISAs:\s+(.*)$", info, re.M).group(1).split()
assert runnable[0] == "scalar", info
failures = []
for threads in ("1", "2"):
    p = subprocess.run([nnsimd, "demo", "--repeat", "1", "--threads", threads], capture_output=True, text=True)
    out = p.stdout
    sections = dict(re.findall(r"^== (\w+) ==\n(.*?)(?=^== |\nagreement)", out, re.M | re.S))
    if p.returncode != 0:
        failures.append(f"threads={threads}: exit status {p.returncode}")
    if sorted(sections) != sorted(runnable):
        failures.append(f"threads={threads}: sections {sorted(sections)} but runnable ISAs {runnable}")
    for isa, body in sections.items():
        lines = body.splitlines()
        if "loss: 1.0986104" not in lines or "acc: 0.34" not in lines:
            failures.append(f"threads={threads} {isa}: no 'loss: 1.0986104' / 'acc: 0.34' line in:\n{body}")
        # The first softmax row: the three logits are exactly 0 (X[0] = (0, 0), zero biases) -> 1/3.
        if not body.startswith("[[0.33333334 0.33333334 0.33333334]"):
            failures.append(f"threads={threads} {isa}: first softmax row is not 1/3 in float32:\n{body}")
    if "all implementations agree: yes" not in out:
        failures.append(f"threads={threads}: implementations do not agree:\n{out}")
for f in failures:
    print("FAIL", f)
print("demo checked for", " ".join(runnable), "with 1 and 2 threads:", "FAILED" if failures else "ok")
sys.exit(1 if failures else 0)
