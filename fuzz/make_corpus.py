#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets: fuzz/corpus/npy/ (for fuzz_npy) and fuzz/corpus/run/
(for fuzz_run). Standard library only, deterministic: run it again and the same files come out.

    /usr/bin/python3 fuzz/make_corpus.py            # rewrite the generated seeds
    /usr/bin/python3 fuzz/make_corpus.py --check    # exit 1 if a committed seed differs or is missing

Seeds are named gen-*; other files in the corpus folders (regression seeds of bugs found by fuzzing,
named crash-* or regress-*) are left alone.

fuzz/corpus/npy/: .npy images of every supported dtype (<f4 <f8 <i4 <i8 |u1 |b1, and the byte-order
spellings <u1 >u1 <b1 >b1), unsupported ones (<f2 >f4 >f8 <u4 <c8 |O, a structured dtype), ranks 0 to 3,
format versions 1.0, 2.0 and 3.0, fortran_order True (rank 1 and 2), empty arrays, truncated and
oversized data, and the shapes of issue 11: (9223372036854775809, 0) and (2147483648, 0) float32 with
no data.

fuzz/corpus/run/: inputs for fuzz_run in the layout fuzz/fuzz_run.cpp reads (see there): the images
come first, then the bytes FuzzedDataProvider takes from the end, written in reverse order of use.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# run_kernels() is a std::map: fuzz_run indexes its kernels in sorted order. Keep in sync with
# cli/run.cpp (a kernel added there shifts the indices; --check then still passes, but re-run this).
KERNELS = sorted(["dense_forward", "dense_relu", "relu", "softmax", "clip", "categorical_cross_entropy",
                  "softmax_cross_entropy", "accuracy", "argmax"])
# What each kernel takes: (w, b, labels).
TAKES = {"dense_forward": (1, 1, 0), "dense_relu": (1, 1, 0), "relu": (0, 0, 0), "softmax": (0, 0, 0),
         "clip": (0, 0, 0), "categorical_cross_entropy": (0, 0, 1), "softmax_cross_entropy": (0, 0, 1),
         "accuracy": (0, 0, 1), "argmax": (0, 0, 0)}

PACK = {"<f4": "<f", "<f8": "<d", "<i4": "<i", "<i8": "<q", "|u1": "<B", "|b1": "<?"}


def shape_repr(shape):
    if len(shape) == 1:
        return "(%d,)" % shape[0]
    return "(" + ", ".join(str(s) for s in shape) + ")"


def npy(descr, shape, data=b"", version=(1, 0), fortran=False, pad=True, header=None):
    """A .npy image: NumPy's layout (header padded with spaces to a multiple of 64, ending in '\\n')."""
    if header is None:
        header = "{'descr': %s, 'fortran_order': %s, 'shape': %s, }" % (
            descr if descr.startswith("[") else repr(descr), "True" if fortran else "False", shape_repr(shape))
    lenbytes = 2 if version == (1, 0) else 4
    h = header.encode("utf-8" if version == (3, 0) else "latin-1")
    if pad:
        total = 6 + 2 + lenbytes + len(h) + 1
        h += b" " * ((64 - total % 64) % 64)
    h += b"\n"
    fmt = "<H" if lenbytes == 2 else "<I"
    return b"\x93NUMPY" + bytes(version) + struct.pack(fmt, len(h)) + h + data


def values(descr, n, start=0):
    """n deterministic values of the dtype: small mixed-sign numbers (0/1 for bool and uint8)."""
    out = b""
    for i in range(n):
        k = start + i
        if descr in ("<f4", "<f8"):
            v = ((k * 37) % 23 - 11) / 4.0
        elif descr in ("<i4", "<i8"):
            v = (k * 7) % 5
        else:
            v = k % 2
        out += struct.pack(PACK[descr], v)
    return out


def arr(descr, shape, vals=None, **kw):
    n = 1
    for s in shape:
        n *= s
    data = vals if vals is not None else values(descr, n)
    return npy(descr, shape, data, **kw)


def npy_seeds():
    s = {}
    for d in PACK:
        name = d.strip("<|")
        for shape in [(), (5,), (2, 3), (2, 3, 2)]:
            s["gen-%s-rank%d.npy" % (name, len(shape))] = arr(d, shape)
        s["gen-%s-empty-0x3.npy" % name] = arr(d, (0, 3))
        s["gen-%s-empty-3x0.npy" % name] = arr(d, (3, 0))
    for d in ("<u1", ">u1", "<b1", ">b1"):
        s["gen-spelling-%s.npy" % d.replace("<", "le").replace(">", "be")] = npy(d, (3,), b"\x00\x01\x02")
    for d in ("<f2", ">f4", ">f8", "<u4", "<c8", "|O", ">i4"):
        s["gen-unsupported-%s.npy" % d.replace("<", "le").replace(">", "be").replace("|", "")] = npy(d, (2,), b"\x00" * 8)
    s["gen-unsupported-structured.npy"] = npy("[('a', '<f4'), ('b', '<i4')]", (2,), b"\x00" * 16)
    for v in [(1, 0), (2, 0), (3, 0)]:
        s["gen-version-%d.%d.npy" % v] = arr("<f4", (2, 2), version=v)
    s["gen-version-3.0-utf8-key.npy"] = npy("<f4", (1,), b"\x00" * 4, version=(3, 0),
                                            header="{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'n\u00e9': 1}")
    s["gen-version-4.0-unsupported.npy"] = arr("<f4", (1,), version=(4, 0))
    s["gen-fortran-rank1.npy"] = arr("<f8", (4,), fortran=True)
    s["gen-fortran-rank2.npy"] = arr("<f8", (2, 3), fortran=True)
    s["gen-fortran-rank0.npy"] = arr("<f4", (), fortran=True)
    s["gen-unpadded.npy"] = arr("<i4", (3,), pad=False)
    s["gen-double-quotes.npy"] = npy("<f4", (1,), b"\x00" * 4,
                                     header='{"descr": "<f4", "fortran_order": False, "shape": (1,)}')
    s["gen-key-order.npy"] = npy("<f4", (1, 1), b"\x00" * 4,
                                 header="{'shape': (1, 1), 'fortran_order': False, 'descr': '<f4'}")
    s["gen-truncated-data.npy"] = arr("<f4", (2, 3))[:-5]
    s["gen-extra-data.npy"] = arr("<f4", (2, 3)) + b"\x00" * 4
    s["gen-truncated-header.npy"] = arr("<f4", (2, 3))[:40]
    s["gen-magic-only.npy"] = b"\x93NUMPY"
    s["gen-header-too-long.npy"] = b"\x93NUMPY\x02\x00" + struct.pack("<I", 0x7FFFFFFF) + b"{"
    s["gen-missing-key.npy"] = npy("<f4", (1,), header="{'descr': '<f4', 'shape': (0,), }")
    s["gen-unknown-key.npy"] = npy("<f4", (0,), header="{'descr': '<f4', 'fortran_order': False, 'shape': (0,), 'x': 1}")
    s["gen-negative-dim.npy"] = npy("<f4", (0,), header="{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }")
    s["gen-dim-overflows.npy"] = npy("<f4", (0,), header="{'descr': '<f4', 'fortran_order': False, 'shape': (18446744073709551616,), }")
    # Issue 11: shapes whose row count times the other input's columns wraps around.
    s["gen-issue11-x-2p63plus1-by-0.npy"] = npy("<f4", (9223372036854775809, 0))
    s["gen-issue11-x-2p31-by-0.npy"] = npy("<f4", (2147483648, 0))
    s["gen-issue11-w-0-by-2.npy"] = npy("<f4", (0, 2))
    s["gen-too-big-2p61-f4.npy"] = npy("<f4", (2305843009213693952,))
    s["gen-too-big-product.npy"] = npy("<f8", (4294967296, 4294967296, 0, 2))
    s["gen-announces-more.npy"] = npy("<f4", (536870912,), b"\x00" * 16)
    return s


def run_seed(kernel, images, isa=0, lo=None, hi=None, eps=None, with_b=False, all_inputs=False):
    """An input for fuzz_run: images (in the order x, w, b, labels of those passed) and the choices."""
    flags = (1 if lo is not None else 0) | (2 if hi is not None else 0) | (4 if eps is not None else 0) | \
            (8 if with_b else 0) | (16 if all_inputs else 0)
    tail = [KERNELS.index(kernel), isa, flags]  # in the order FuzzedDataProvider takes them from the end
    for v in (lo, hi, eps):
        if v is not None:
            tail += list(struct.pack(">d", v))  # an integer's most significant byte is taken first
    front = b""
    for img in images[:-1]:
        tail += list(struct.pack(">H", len(img)))
        front += img
    front += images[-1]
    w, b, labels = TAKES[kernel]
    want = 1 + (1 if (w or all_inputs) else 0) + (1 if ((b and with_b) or all_inputs) else 0) + \
        (1 if (labels or all_inputs) else 0)
    assert want == len(images), (kernel, want, len(images))
    return front + bytes(reversed(tail))


def run_seeds():
    f4, f8 = "<f4", "<f8"
    x23 = arr(f4, (2, 3))
    x23d = arr(f8, (2, 3))
    s = {}
    # ISA 0 (no cap), 1.. (the runnable ISAs in increasing order: scalar, sse2, avx2, avx512 on x86-64).
    for isa in range(5):
        s["gen-dense_forward-isa%d.bin" % isa] = run_seed("dense_forward", [arr(f4, (4, 3)), arr(f4, (3, 5))], isa=isa)
    s["gen-dense_forward-b1d.bin"] = run_seed("dense_forward", [x23, arr(f4, (3, 2)), arr(f4, (2,))], with_b=True)
    s["gen-dense_relu-b2d-f8.bin"] = run_seed("dense_relu", [x23d, arr(f8, (3, 4)), arr(f8, (1, 4))], with_b=True)
    s["gen-dense_forward-w-mismatch.bin"] = run_seed("dense_forward", [x23, arr(f4, (2, 2))])
    s["gen-dense_forward-w-dtype.bin"] = run_seed("dense_forward", [x23, arr(f8, (3, 2))])
    s["gen-dense_forward-empty.bin"] = run_seed("dense_forward", [arr(f4, (0, 3)), arr(f4, (3, 2))])
    # Issue 11: x (2^63 + 1, 0) times w (0, 2) has 2^64 + 2 output elements, which wraps to 2 in a size.
    big = npy(f4, (9223372036854775809, 0))
    for k in ("dense_forward", "dense_relu"):
        s["gen-issue11-%s-2p63plus1.bin" % k] = run_seed(k, [big, npy(f4, (0, 2))])
        s["gen-issue11-%s-2p31.bin" % k] = run_seed(k, [npy(f4, (2147483648, 0)), npy(f4, (0, 1))])
    for k in ("relu", "softmax", "argmax"):
        s["gen-%s.bin" % k] = run_seed(k, [x23])
        s["gen-%s-f8.bin" % k] = run_seed(k, [x23d])
        s["gen-%s-2p63plus1-by-0.bin" % k] = run_seed(k, [big])
    # Empty outputs with 2^60 rows on the scalar reference (ISA 1), which walked every row before the fix
    # in cli/run.cpp (a fuzz_run timeout; the found input is regress-clip-scalar-empty-rows-timeout.bin).
    rows60 = npy(f4, (2 ** 60, 0))
    s["gen-relu-scalar-2p60-by-0.bin"] = run_seed("relu", [rows60], isa=1)
    s["gen-clip-scalar-2p60-by-0.bin"] = run_seed("clip", [rows60], isa=1)
    s["gen-dense_relu-scalar-2p60-by-0-w-0x0.bin"] = run_seed("dense_relu", [rows60, npy(f4, (0, 0))], isa=1)
    s["gen-clip-bounds.bin"] = run_seed("clip", [x23], lo=-1.0, hi=0.5)
    s["gen-clip-lo-above-hi.bin"] = run_seed("clip", [x23], lo=1.0, hi=0.0)
    s["gen-clip-nan.bin"] = run_seed("clip", [x23d], lo=float("nan"))
    s["gen-relu-rank1.bin"] = run_seed("relu", [arr(f4, (6,))])
    s["gen-relu-int.bin"] = run_seed("relu", [arr("<i4", (2, 3))])
    s["gen-relu-takes-no-lo.bin"] = run_seed("relu", [x23], lo=0.0)
    probs = arr(f4, (3, 4), struct.pack("<12f", *([0.25] * 12)))
    for lt, lab in [("i4", arr("<i4", (3,), struct.pack("<3i", 0, 3, 1))),
                    ("i8", arr("<i8", (3,), struct.pack("<3q", 2, 1, 0))),
                    ("u1", arr("|u1", (3,), bytes([1, 1, 3]))),
                    ("onehot-f4", arr(f4, (3, 4), struct.pack("<12f", *[1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]))),
                    ("onehot-b1", arr("|b1", (3, 4), bytes([1, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0]))),
                    ("onehot-i8", arr("<i8", (3, 4), struct.pack("<12q", *[0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]))),
                    ("out-of-range", arr("<i4", (3,), struct.pack("<3i", 0, 4, -1)))]:
        s["gen-categorical_cross_entropy-%s.bin" % lt] = run_seed("categorical_cross_entropy", [probs, lab])
        s["gen-accuracy-%s.bin" % lt] = run_seed("accuracy", [probs, lab])
        s["gen-softmax_cross_entropy-%s.bin" % lt] = run_seed("softmax_cross_entropy", [probs, lab])
    s["gen-categorical_cross_entropy-eps.bin"] = run_seed("categorical_cross_entropy", [probs, arr("<i4", (3,), struct.pack("<3i", 0, 1, 2))],
                                              eps=1e-3)
    s["gen-categorical_cross_entropy-bad-eps.bin"] = run_seed("categorical_cross_entropy", [probs, arr("<i4", (3,), struct.pack("<3i", 0, 1, 2))],
                                                  eps=0.75)
    s["gen-categorical_cross_entropy-empty.bin"] = run_seed("categorical_cross_entropy", [arr(f4, (0, 4)), arr("<i4", (0,))])
    s["gen-accuracy-all-inputs.bin"] = run_seed("accuracy", [probs, arr(f4, (4, 2)), arr(f4, (2,)),
                                                             arr("<i4", (3,), struct.pack("<3i", 0, 1, 2))],
                                                all_inputs=True)
    s["gen-accuracy-f8-labels-f4.bin"] = run_seed("accuracy", [arr(f8, (3, 4)), arr(f4, (3, 4))])
    return s


def main():
    check = "--check" in sys.argv[1:]
    bad = 0
    for sub, seeds in (("npy", npy_seeds()), ("run", run_seeds())):
        d = os.path.join(HERE, "corpus", sub)
        os.makedirs(d, exist_ok=True)
        for name, data in sorted(seeds.items()):
            path = os.path.join(d, name)
            if check:
                try:
                    with open(path, "rb") as f:
                        same = f.read() == data
                except FileNotFoundError:
                    same = False
                if not same:
                    print("make_corpus.py: %s is missing or differs" % path)
                    bad += 1
            else:
                with open(path, "wb") as f:
                    f.write(data)
        if check:
            stale = [n for n in os.listdir(d) if n.startswith("gen-") and n not in seeds]
            for n in stale:
                print("make_corpus.py: %s is no longer generated" % os.path.join(d, n))
                bad += 1
        else:
            for n in os.listdir(d):
                if n.startswith("gen-") and n not in seeds:
                    os.remove(os.path.join(d, n))
        print("make_corpus.py: %s: %d seeds" % (d, len(seeds)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
