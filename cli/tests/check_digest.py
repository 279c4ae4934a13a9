"""ctest: `nnsimd digest` can fail. A digest file written by --write checks clean; with one hash changed,
--check exits 1 and names that line; a malformed line exits 2 naming the file and line; --write merges
(keeps another ISA's lines) and --isa restricts the ISAs.
Usage: check_digest.py NNSIMD_BINARY WORKDIR."""
import subprocess
import sys
from pathlib import Path

nnsimd, work = sys.argv[1], Path(sys.argv[2])
path = work / "digest.txt"
path.write_text("avx512 f32 relu 0123456789abcdef\n")  # another machine's line: kept by --write
failures = []


def run(*args):
    return subprocess.run([nnsimd, "digest", *args], capture_output=True, text=True)


p = run("--isa", "scalar", "--write", str(path))
lines = [l for l in path.read_text().splitlines() if l and not l.startswith("#")]
if p.returncode != 0 or "avx512 f32 relu 0123456789abcdef" not in lines:
    failures.append(f"--write did not merge: exit {p.returncode}, {lines[:3]}")
if not any(l.startswith("scalar f64 softmax ") for l in lines) or any(l.startswith("sse2 ") for l in lines):
    failures.append(f"--isa scalar wrote other lines than scalar's: {lines}")
p = run("--isa", "scalar", "--check", str(path))
if p.returncode != 0 or " 0 differ" not in p.stdout:
    failures.append(f"clean check failed: exit {p.returncode}\n{p.stdout}")
victim = next(l for l in lines if l.startswith("scalar f32 softmax "))
flipped = victim[:-1] + ("0" if victim[-1] != "0" else "1")
path.write_text(path.read_text().replace(victim, flipped))
p = run("--isa", "scalar", "--check", str(path))
if p.returncode != 1 or "DIFFERS:      scalar f32 softmax" not in p.stdout or " 1 differ" not in p.stdout:
    failures.append(f"a changed hash was not caught: exit {p.returncode}\n{p.stdout}")
path.write_text(path.read_text() + "scalar f32 relu not-a-hash\n")
p = run("--isa", "scalar", "--check", str(path))
if p.returncode != 2 or "digest.txt:" not in p.stderr:
    failures.append(f"a malformed line was not reported: exit {p.returncode}\n{p.stderr}")
for f in failures:
    print("FAIL", f)
print("digest checked:", "FAILED" if failures else "ok")
sys.exit(1 if failures else 0)
