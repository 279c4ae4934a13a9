"""ctest: every error path of `nnsimd run` exits 2 with a message naming the problem and writes nothing:
unsupported dtype, big-endian, Fortran order, wrong rank, shape mismatches, truncated data, corrupt header,
trailing bytes, a missing file, labels out of range, an unrunnable ISA. Files are built byte by byte with
the standard library (no NumPy needed). Usage: run_errors.py NNSIMD_BINARY WORKDIR."""
import os
import shutil
import struct
import subprocess
import sys

nnsimd, work = sys.argv[1], os.path.join(sys.argv[2], "run_errors")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)


def npy(name, descr, shape, data, fortran=False, version=1, header=None, extra=b""):
    if header is None:
        shp = "(" + "".join(f"{s}, " for s in shape).rstrip(" ") + ")" if len(shape) != 1 else f"({shape[0]},)"
        header = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shp}, }}"
    h = header.encode("latin1")
    lenfmt = "<H" if version == 1 else "<I"
    pre = 10 if version == 1 else 12
    h += b" " * ((64 - (pre + len(h) + 1) % 64) % 64) + b"\n"
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY" + bytes([version, 0]) + struct.pack(lenfmt, len(h)) + h + data + extra)
    return path


def f32(*v):
    return struct.pack(f"<{len(v)}f", *v)


x23 = npy("x23.npy", "<f4", (2, 3), f32(1, 2, 3, 4, 5, 6))
x23v2 = npy("x23v2.npy", "<f4", (2, 3), f32(1, 2, 3, 4, 5, 6), version=2)
labels2 = npy("labels2.npy", "<i8", (2,), struct.pack("<2q", 0, 2))
out = os.path.join(work, "out.npy")

cases = [
    # (name, args, words the message must contain)
    ("unsupported dtype float16", ["softmax", "-x", npy("h.npy", "<f2", (2, 3), b"\0" * 12)], ["unsupported dtype", "<f2"]),
    ("unsupported dtype int16 x", ["relu", "-x", npy("i2.npy", "<i2", (2, 3), b"\0" * 12)], ["unsupported dtype"]),
    ("integer x", ["relu", "-x", npy("i4.npy", "<i4", (2, 3), b"\0" * 24)], ["float32 or float64", "int32"]),
    ("big-endian", ["relu", "-x", npy("be.npy", ">f4", (2, 3), b"\0" * 24)], ["big-endian"]),
    ("fortran order", ["softmax", "-x", npy("fo.npy", "<f4", (2, 3), f32(1, 2, 3, 4, 5, 6), fortran=True)], ["Fortran"]),
    ("rank 1 x", ["softmax", "-x", npy("r1.npy", "<f4", (6,), f32(1, 2, 3, 4, 5, 6))], ["2-D", "(6,)"]),
    ("rank 3 x", ["softmax", "-x", npy("r3.npy", "<f4", (1, 2, 3), f32(1, 2, 3, 4, 5, 6))], ["2-D"]),
    ("truncated data", ["softmax", "-x", npy("tr.npy", "<f4", (2, 3), f32(1, 2, 3, 4, 5))], ["truncated", "24", "20"]),
    ("truncated header", ["softmax", "-x", os.path.join(work, "th.npy")], ["truncated"]),
    ("trailing bytes", ["softmax", "-x", npy("tb.npy", "<f4", (2, 3), f32(1, 2, 3, 4, 5, 6), extra=b"xx")], ["corrupt", "2 bytes"]),
    ("corrupt header", ["softmax", "-x", npy("ch.npy", "", (), b"", header="{'descr': '<f4', 'shape': (2 3)}")], ["corrupt"]),
    ("missing key", ["softmax", "-x", npy("mk.npy", "", (), f32(1), header="{'descr': '<f4', 'shape': (1,), }")], ["fortran_order"]),
    ("not npy", ["softmax", "-x", os.path.join(work, "text.npy")], ["not a .npy"]),
    ("missing file", ["softmax", "-x", os.path.join(work, "nope.npy")], ["no such file"]),
    ("w rows mismatch", ["dense_forward", "-x", x23, "-w", npy("w22.npy", "<f4", (2, 2), f32(1, 2, 3, 4))], ["rows", "columns"]),
    ("w dtype mismatch", ["dense_forward", "-x", x23, "-w", npy("w64.npy", "<f8", (3, 2), b"\0" * 48)], ["float64", "float32"]),
    ("b shape mismatch", ["dense_forward", "-x", x23, "-w", npy("w32.npy", "<f4", (3, 2), f32(1, 2, 3, 4, 5, 6)),
                          "-b", npy("b3.npy", "<f4", (3,), f32(0, 0, 0))], ["b must have shape"]),
    ("labels count", ["cross_entropy", "-x", x23, "-l", npy("l3.npy", "<i4", (3,), struct.pack("<3i", 0, 1, 2))], ["3 labels for 2 rows"]),
    ("labels rank", ["cross_entropy", "-x", x23, "-l", npy("l3d.npy", "<i4", (2, 1, 1), struct.pack("<2i", 0, 1))], ["1-D"]),
    ("int one-hot shape", ["cross_entropy", "-x", x23, "-l", npy("l2d.npy", "<i4", (2, 1), struct.pack("<2i", 0, 1))],
     ["one-hot", "(2, 1)", "do not match"]),
    ("bool labels 1-D", ["accuracy", "-x", x23, "-l", npy("lb1.npy", "|b1", (2,), bytes([1, 0]))], ["bool", "2-D"]),
    ("int one-hot for fused", ["softmax_cross_entropy", "-x", x23, "-l", npy("ohi.npy", "<i8", (2, 3), struct.pack("<6q", 1, 0, 0, 0, 1, 0))],
     ["sparse"]),
    ("labels range", ["cross_entropy", "-x", x23, "-l", npy("lr.npy", "|u1", (2,), bytes([0, 3]))], ["outside [0, 3)"]),
    ("negative label", ["accuracy", "-x", x23, "-l", npy("ln.npy", "<i8", (2,), struct.pack("<2q", 0, -1))], ["outside"]),
    ("one-hot shape", ["cross_entropy", "-x", x23, "-l", npy("oh.npy", "<f4", (2, 2), f32(1, 0, 0, 1))], ["do not match"]),
    ("one-hot dtype", ["cross_entropy", "-x", x23, "-l", npy("oh64.npy", "<f8", (2, 3), b"\0" * 48)], ["same dtype"]),
    ("one-hot for fused", ["softmax_cross_entropy", "-x", x23, "-l", npy("ohf.npy", "<f4", (2, 3), f32(1, 0, 0, 0, 1, 0))], ["sparse"]),
    ("unknown kernel", ["tanh", "-x", x23], ["unknown kernel"]),
    ("missing labels option", ["accuracy", "-x", x23], ["needs --labels"]),
    ("bad isa", ["relu", "-x", x23, "--isa", "mmx"], ["mmx"]),
]
with open(os.path.join(work, "th.npy"), "wb") as f:
    f.write(b"\x93NUMPY\x01\x00\x76\x00{'descr'")
with open(os.path.join(work, "text.npy"), "w") as f:
    f.write("0.1 0.2 0.3\n")

failures = 0
for name, args, words in cases:
    for stale in (out, os.path.join(work, "out_mean.npy")):
        if os.path.exists(stale):
            os.remove(stale)
    p = subprocess.run([nnsimd, "run", *args, "-o", out], capture_output=True, text=True)
    leftovers = [f for f in os.listdir(work) if f.startswith("out")]
    problems = []
    if p.returncode != 2:
        problems.append(f"exit status {p.returncode}, expected 2")
    missing = [w for w in words if w not in p.stderr]
    if missing:
        problems.append(f"message lacks {missing}")
    if leftovers:
        problems.append(f"files written: {leftovers}")
    if problems:
        failures += 1
        print(f"FAIL {name}: {'; '.join(problems)}\n     stderr: {p.stderr.strip()}")
    else:
        print(f"ok   {name}: {p.stderr.strip().splitlines()[-1]}")

# And the good paths of the same hand-made files work (so the failures above are the checks' doing):
# format version 2.0 and int64 labels with the losses' two outputs.
for args in (["softmax", "-x", x23v2], ["cross_entropy", "-x", x23, "-l", labels2]):
    p = subprocess.run([nnsimd, "run", *args, "-o", out], capture_output=True, text=True)
    if p.returncode != 0 or not os.path.exists(out):
        failures += 1
        print(f"FAIL good path {args[0]}: exit {p.returncode}: {p.stderr}")
    else:
        print(f"ok   good path {args[0]}")
sys.exit(1 if failures else 0)
