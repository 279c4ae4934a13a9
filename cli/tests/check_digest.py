"""ctest: `nnsimd digest` can fail. A digest file written by --write checks clean; with one hash changed,
--check exits 1 and names that line and its first differing case; a malformed line exits 2 naming the
file and line; --write merges (keeps another ISA's lines) and --isa restricts the ISAs; with one element
of a --dump folder changed, --against exits 1 naming the function, dtype, ISA, case and element.
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
# One case's bits changed (its line and its function's): named with the case's shape.
case_line = next(l for l in lines if l.startswith("scalar f32 softmax#3 "))
flipped_case = case_line[:-1] + ("0" if case_line[-1] != "0" else "1")
path.write_text(path.read_text().replace(case_line, flipped_case))
p = run("--isa", "scalar", "--check", str(path))
if p.returncode != 1 or "first differing case #3: 11x10" not in p.stdout:
    failures.append(f"the first differing case was not named: exit {p.returncode}\n{p.stdout}")

# The first differing element, against a dump of the outputs with one element changed.
dump = work / "dump"
p = run("--isa", "scalar", "--one-thread", "--dump", str(dump))
if p.returncode != 0:
    failures.append(f"--dump failed: exit {p.returncode}\n{p.stdout}{p.stderr}")
p = run("--isa", "scalar", "--one-thread", "--against", str(dump))
if p.returncode != 0 or "DIFFERS" in p.stdout:
    failures.append(f"the build's own dump did not compare clean: exit {p.returncode}\n{p.stdout}")
npy_file = dump / "scalar.f32.softmax.2.0.npy"
data = bytearray(npy_file.read_bytes())
offset = 10 + int.from_bytes(data[8:10], "little")  # .npy 1.0: magic, version, header length, header
data[offset + 4 * 9] ^= 0x01  # element 9 of the 11 x 7 (stride 7 + 1) output: row 1, column 1
npy_file.write_bytes(bytes(data))
p = run("--isa", "scalar", "--one-thread", "--against", str(dump))
if p.returncode != 1 or "DIFFERS:      scalar f32 softmax, case #2 (11x7 (row stride +1)): first at element [1, 1] of output 0" not in p.stdout:
    failures.append(f"the changed element was not named: exit {p.returncode}\n{p.stdout}")
path.write_text(path.read_text() + "scalar f32 relu not-a-hash\n")
p = run("--isa", "scalar", "--check", str(path))
if p.returncode != 2 or "digest.txt:" not in p.stderr:
    failures.append(f"a malformed line was not reported: exit {p.returncode}\n{p.stderr}")
for f in failures:
    print("FAIL", f)
print("digest checked:", "FAILED" if failures else "ok")
sys.exit(1 if failures else 0)
