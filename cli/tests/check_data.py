"""ctest: src/data (via `nnsimd data`) against NumPy, bit for bit: np.random.seed(0); np.random.randn(N),
and nnfs's spiral_data + the chapter's two weight matrices for a few sizes.
Usage: check_data.py NNSIMD_BINARY WORKDIR. Exit 77 (skipped) without NumPy."""
import os
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    print("numpy not available: skipped")
    sys.exit(77)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import nnfs_numpy  # noqa: E402  (python/nnfs_numpy.py: nnfs's init and spiral_data with NumPy only)

nnsimd, work = sys.argv[1], sys.argv[2]
failures = 0


def same_bits(name, got, want):
    global failures
    if got.dtype != want.dtype or got.shape != want.shape:
        print(f"FAIL {name}: {got.dtype}{got.shape} vs numpy {want.dtype}{want.shape}")
        failures += 1
        return
    diff = np.flatnonzero(got.reshape(-1).view(f"u{got.itemsize}") != want.reshape(-1).view(f"u{want.itemsize}"))
    if diff.size:
        i = diff[0]
        print(f"FAIL {name}: {diff.size} of {got.size} values differ; first at flat index {i}: "
              f"{got.reshape(-1)[i]!r} vs numpy {want.reshape(-1)[i]!r}")
        failures += 1
    else:
        print(f"ok   {name}: {got.size} values bit-identical")


for samples, classes, hidden in [(100, 3, 3), (7, 5, 4), (1, 2, 3), (1000, 4, 16)]:
    out = os.path.join(work, f"data_{samples}_{classes}_{hidden}")
    subprocess.run([nnsimd, "data", "--samples", str(samples), "--classes", str(classes), "--hidden", str(hidden),
                    "--randn", "2001", "--out", out], check=True, stdout=subprocess.DEVNULL)
    X, y, w1, w2, *_ = nnfs_numpy.chapter5(samples, classes, hidden)
    tag = f"samples={samples} classes={classes} hidden={hidden}"
    same_bits(f"spiral X {tag}", np.load(os.path.join(out, "X.npy")), X)
    same_bits(f"spiral y {tag}", np.load(os.path.join(out, "y.npy")), y)
    same_bits(f"dense1 weights {tag}", np.load(os.path.join(out, "w1.npy")), w1)
    same_bits(f"dense2 weights {tag}", np.load(os.path.join(out, "w2.npy")), w2)
np.random.seed(0)
same_bits("randn(2001) after seed(0)", np.load(os.path.join(out, "randn.npy")), np.random.randn(2001))
sys.exit(1 if failures else 0)
