"""ctest: `nnsimd run` on files written by NumPy, results read back by NumPy and held against NumPy's own
computation in np.longdouble (x87 80-bit here), for float32 and float64, every runnable ISA, sparse
labels as int32 / int64 / uint8 and one-hot labels. Exit 77 (skipped) without NumPy.
Usage: npy_roundtrip.py NNSIMD_BINARY WORKDIR.

Tolerances (u = unit roundoff of the dtype, 2^-24 or 2^-53), derived, not tuned:
  relu, clip, argmax, accuracy: exact (compare and select only).
  dense: |y - exact| <= gamma_(n+1) * (sum_k |x_k w_k| + |b|)                     (Higham eq. 3.5)
  softmax, relative per output: the shift x - m rounds (relative u, so the exponent is off by |x - m| u
    absolute and exp by that relative), the exps err by <= 2 ulps each (xsimd 1.5, glibc < 1), the sum of
    n terms by gamma_n, the division by u:  (2 |x - m|max + 2 + 2 + n + 1) u, counted twice for
    numerator and denominator where they share terms: tol = 2 * that.
  cross_entropy per sample: the log's 1 ulp of the result (spec/categorical_cross_entropy.hpp, log_ulps) + 1 ulp of slack for
    the one-hot sum (gamma_n relative, n <= 10 columns here: < 10 u, so the bound is 10 u + 1 ulp).
  softmax_cross_entropy per sample: |log s^ - log s| <= (2 + n) u (the exps and their sum) + ulp of the
    result, plus the roundings of m - x[label] and + log(s): (|m| + |log s| + |x_l|) u.
  means: the exact mean of nnsimd's own per-sample losses, to 2 u relative (sum in float64, one rounding).
"""
import os
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    print("numpy not available: skipped")
    sys.exit(77)

nnsimd, work = sys.argv[1], os.path.join(sys.argv[2], "roundtrip")
os.makedirs(work, exist_ok=True)
L = np.longdouble
info = subprocess.run([nnsimd, "info"], capture_output=True, text=True, check=True).stdout
isas = next(l for l in info.splitlines() if l.startswith("runnable ISAs:")).split(":")[1].split()
failures = 0


def check(name, ok, detail=""):
    global failures
    if not ok:
        failures += 1
        print(f"FAIL {name} {detail}")


def run(kernel, isa, out, **inputs):
    args = [nnsimd, "run", kernel, "--isa", isa, "-o", out]
    for k, v in inputs.items():
        path = os.path.join(work, f"{k}.npy")
        np.save(path, v)
        args += [f"--{k}" if len(k) > 1 else f"-{k}", path]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} -> {p.returncode}: {p.stderr}")
    return np.load(out)


rng = np.random.default_rng(7)
out = os.path.join(work, "out.npy")
for dt in (np.float32, np.float64):
    u = L(np.finfo(dt).eps) / 2
    x = (rng.standard_normal((37, 10)) * 3).astype(dt)
    x[0] = 0.25  # all-equal row
    w = rng.standard_normal((10, 7)).astype(dt)
    b = rng.standard_normal((1, 7)).astype(dt)
    y_sparse = rng.integers(0, 10, 37)
    probs_ld = np.exp(x.astype(L) - x.astype(L).max(axis=1, keepdims=True))
    probs_ld /= probs_ld.sum(axis=1, keepdims=True)
    probs = probs_ld.astype(dt)
    probs[1, :3] = [0, 1, 1e-7]
    for isa in isas:
        tag = f"{np.dtype(dt).name}/{isa}"
        for kernel in ("dense_forward", "dense_relu"):
            got = run(kernel, isa, out, x=x, w=w, b=b)
            exact = x.astype(L) @ w.astype(L) + b.astype(L)
            if kernel == "dense_relu":
                exact = np.maximum(exact, 0)
            scale = np.abs(x.astype(L)) @ np.abs(w.astype(L)) + np.abs(b.astype(L))
            n = L(x.shape[1] + 1)
            bound = n * u / (1 - n * u) * scale
            err = np.abs(got.astype(L) - exact)
            check(f"{kernel} {tag}", got.dtype == dt and got.shape == (37, 7) and (err <= bound).all(),
                  f"max err/bound {np.max(err / np.maximum(bound, 1e-300))}")
        got = run("relu", isa, out, x=x)
        check(f"relu {tag}", got.dtype == dt and np.array_equal(got, np.maximum(0, x)))
        got = run("clip", isa, out, x=x)
        check(f"clip {tag}", np.array_equal(got, np.clip(x, dt(1e-7), dt(1) - dt(1e-7))))
        got = run("argmax", isa, out, x=x)
        check(f"argmax {tag}", got.dtype == np.int64 and np.array_equal(got, np.argmax(x, axis=1)))
        got = run("softmax", isa, out, x=x)
        shift = (x.astype(L).max(axis=1, keepdims=True) - x.astype(L)).max(axis=1, keepdims=True)
        tol = 2 * (2 * shift + 5 + x.shape[1]) * u
        rel = np.abs(got.astype(L) - probs_ld) / probs_ld
        check(f"softmax {tag}", got.dtype == dt and (rel <= tol).all(), f"max rel/tol {np.max(rel / tol)}")
        for lab_dt in (np.int32, np.int64, np.uint8):
            labels = y_sparse.astype(lab_dt)
            mean_path = os.path.join(work, "out_mean.npy")
            got = run("categorical_cross_entropy", isa, out, x=probs, labels=labels)
            mean = np.load(mean_path)
            exact = -np.log(np.clip(probs.astype(L), L(dt(1e-7)), L(dt(1) - dt(1e-7)))[np.arange(37), y_sparse])
            err = np.abs(got.astype(L) - exact)
            check(f"categorical_cross_entropy sparse {np.dtype(lab_dt).name} {tag}",
                  got.dtype == dt and got.shape == (37,) and (err <= np.spacing(exact.astype(dt)).astype(L)).all(),
                  f"max err {np.max(err)}")
            exact_mean = got.astype(L).mean()
            check(f"categorical_cross_entropy mean {tag}", mean.shape == () and mean.dtype == dt and
                  abs(L(mean) - exact_mean) <= 2 * u * abs(exact_mean), f"{mean} vs {exact_mean}")
            acc = run("accuracy", isa, out, x=probs, labels=labels)
            check(f"accuracy {tag}", acc.shape == () and acc == np.mean(np.argmax(probs, axis=1) == y_sparse))
        onehot = np.eye(10, dtype=dt)[y_sparse]
        got = run("categorical_cross_entropy", isa, out, x=probs, labels=onehot)
        exact = -np.log(np.sum(np.clip(probs.astype(L), L(dt(1e-7)), L(dt(1) - dt(1e-7))) * onehot.astype(L), axis=1))
        err = np.abs(got.astype(L) - exact)
        check(f"categorical_cross_entropy one-hot {tag}", (err <= 10 * u * exact + np.spacing(exact.astype(dt)).astype(L)).all(),
              f"max err {np.max(err)}")
        acc = run("accuracy", isa, out, x=probs, labels=onehot)
        check(f"accuracy one-hot {tag}", acc == np.mean(np.argmax(probs, axis=1) == np.argmax(onehot, axis=1)))
        got = run("softmax_cross_entropy", isa, out, x=x, labels=y_sparse.astype(np.int64))
        xl = x.astype(L)
        m = xl.max(axis=1)
        s = np.exp(xl - m[:, None]).sum(axis=1)
        exact = m + np.log(s) - xl[np.arange(37), y_sparse]
        tol = (2 + x.shape[1]) * u + (np.abs(m) + np.abs(np.log(s)) + np.abs(xl[np.arange(37), y_sparse])) * u \
            + np.spacing(np.abs(exact).astype(dt)).astype(L)
        err = np.abs(got.astype(L) - exact)
        check(f"softmax_cross_entropy {tag}", (err <= tol).all(), f"max err/tol {np.max(err / tol)}")
    print(f"ok   {np.dtype(dt).name}: {len(isas)} ISAs x 9 kernels" if failures == 0 else f"{failures} failures so far")
sys.exit(1 if failures else 0)
