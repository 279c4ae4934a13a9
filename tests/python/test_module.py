"""pytest suite of `import nnsimd` (python/module.cpp): the book's values, agreement with NumPy within the
bounds the C++ specs derive (README, "Numerical tolerances"), no copies, strides, errors, the GIL, the
ISA cap, threads and the packed layer. Run by ctest (python.module) with the build's module on PYTHONPATH.
"""
import math
import os
import pathlib
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import nnsimd

ROOT = pathlib.Path(os.environ.get("NNSIMD_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
ISAS = nnsimd.runnable_isas()
DTYPES = (np.float32, np.float64)


@pytest.fixture(params=ISAS)
def isa(request):
    nnsimd.set_isa_cap(request.param)
    yield request.param
    nnsimd.reset_isa_cap()


def unit_roundoff(dtype):
    return float(np.finfo(dtype).eps) / 2


def gamma(m, dtype):
    u = unit_roundoff(dtype)
    return m * u / (1 - m * u)


def ulp(x, dtype):
    """The spacing of dtype at |x| (at least the smallest subnormal's)."""
    return np.spacing(np.abs(np.asarray(x, dtype=dtype))).astype(np.float64)


# ---- the book's values, on every ISA --------------------------------------------------------------

def book_bound(losses):
    """The mean's error bound (README): each loss within 1 ULP, summed in double (gamma(n+1)), rounded once."""
    losses = np.asarray(losses, dtype=np.float64)
    mean = float(np.mean(losses))
    return float(np.mean(ulp(losses, np.float64))) + gamma(len(losses) + 1, np.float64) * mean + float(ulp(mean, np.float64))


def test_book_values(isa):
    probs = np.array([[0.7, 0.1, 0.2], [0.1, 0.5, 0.4], [0.02, 0.9, 0.08]])
    onehot = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 0]], dtype=np.float64)
    b = book_bound(-np.log([0.7, 0.5, 0.9]))
    assert nnsimd.categorical_cross_entropy(probs, np.array([0, 1, 1])) == pytest.approx(0.38506088005216804, rel=0, abs=b)
    assert nnsimd.categorical_cross_entropy(probs, onehot) == pytest.approx(0.38506088005216804, rel=0, abs=b)
    first = nnsimd.categorical_cross_entropy(probs, np.array([0, 1, 1]), reduction="none")[0]
    assert first == pytest.approx(0.35667494393873245, rel=0, abs=float(ulp(0.35667494393873245, np.float64)))
    scores = np.array([[0.7, 0.2, 0.1], [0.5, 0.1, 0.4], [0.02, 0.9, 0.08]])
    assert nnsimd.accuracy(scores, np.array([0, 1, 1])) == 0.6666666666666666
    # Notebook 001: four classes, a probability exactly 0, epsilon 1e-15.
    p4 = np.array([[0.5, 0.45, 0.025, 0.025], [0.1, 0.2, 0.7, 0], [0.01, 0.96, 0.005, 0.025]])
    b4 = book_bound(-np.log([0.5, 0.7, 0.96]))
    onehot4 = np.zeros((3, 4))
    onehot4[[0, 1, 2], [0, 2, 1]] = 1
    assert nnsimd.categorical_cross_entropy(p4, np.array([0, 2, 1]), 1e-15) == pytest.approx(0.3635480396729777, rel=0, abs=b4)
    assert nnsimd.categorical_cross_entropy(p4, onehot4, 1e-15) == pytest.approx(0.3635480396729777, rel=0, abs=b4)


def test_chapter_script_prints_the_books_values(isa):
    env = dict(os.environ, NNSIMD_ISA=isa)
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "chapter5.py")], env=env, text=True,
                         capture_output=True, check=True).stdout
    assert "loss: 1.0986104\n" in out, out
    assert "acc: 0.34\n" in out, out
    assert out.startswith("[[0.33333334 0.33333334 0.33333334]"), out


# ---- against NumPy, within the derived bounds -------------------------------------------------------

SHAPES = [(1, 1), (3, 3), (7, 17), (64, 100), (33, 1031)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rows,n_in,n_out", [(300, 2, 3), (5, 1, 7), (37, 129, 33), (8, 1025, 19)])
def test_dense_within_its_bound(isa, dtype, rows, n_in, n_out):
    rng = np.random.default_rng(rows * 1000 + n_in)
    x = rng.standard_normal((rows, n_in)).astype(dtype)
    w = rng.standard_normal((n_in, n_out)).astype(dtype)
    b = rng.standard_normal(n_out).astype(dtype)
    exact = x.astype(np.longdouble) @ w.astype(np.longdouble) + b.astype(np.longdouble)
    bound = gamma(n_in + 1, dtype) * (np.abs(x).astype(np.longdouble) @ np.abs(w).astype(np.longdouble) + np.abs(b))
    for y in (nnsimd.dense_forward(x, w, b), nnsimd.PackedDense(w, b).forward(x)):
        assert y.dtype == dtype and y.shape == (rows, n_out)
        assert np.all(np.abs(y.astype(np.longdouble) - exact) <= bound)
    yr = nnsimd.dense_relu(x, w, b)
    assert np.array_equal(yr, np.maximum(nnsimd.dense_forward(x, w, b), 0))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_elementwise_exact(isa, dtype, shape):
    rng = np.random.default_rng(shape[0] * 7 + shape[1])
    x = rng.standard_normal(shape).astype(dtype)
    x.flat[::5] = 0
    x.flat[1::7] = -0.0
    assert np.array_equal(nnsimd.relu(x), np.maximum(0, x))
    lo, hi = dtype(1e-7), dtype(1) - dtype(1e-7)
    assert np.array_equal(nnsimd.clip(x), np.clip(x, lo, hi))
    assert np.array_equal(nnsimd.clip(x, -0.5, 0.5), np.clip(x, dtype(-0.5), dtype(0.5)))
    assert np.array_equal(nnsimd.argmax(x), np.argmax(x, axis=1).astype(np.int32))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_softmax_and_losses_within_their_bounds(isa, dtype, shape):
    rng = np.random.default_rng(shape[0] * 13 + shape[1])
    rows, n = shape
    x = (4 * rng.standard_normal(shape)).astype(dtype)
    labels = rng.integers(0, n, rows)
    u = unit_roundoff(dtype)
    exp_ulps = 1.5 if dtype == np.float32 else 1.25

    # softmax: relative bound (README), against a long-double oracle.
    xl = x.astype(np.longdouble)
    z = xl - xl.max(axis=1, keepdims=True)
    e = np.exp(z)
    exact = e / e.sum(axis=1, keepdims=True)
    p = nnsimd.softmax(x)
    rel = np.abs(z) * u + exp_ulps * 2 * u + gamma(max(n - 1, 1), dtype) + 2 * u
    floor = np.finfo(dtype).tiny
    assert np.all(np.abs(p.astype(np.longdouble) - exact) <= rel * exact + floor)

    # sparse cross-entropy: 1 ULP of each per-sample loss; the mean: gamma(n+1) in double + u of it.
    probs = p.astype(dtype)
    clipped = np.clip(probs.astype(np.longdouble), np.longdouble(dtype(1e-7)), np.longdouble(dtype(1) - dtype(1e-7)))
    exact_l = -np.log(clipped[np.arange(rows), labels])
    losses = nnsimd.categorical_cross_entropy(probs, labels, reduction="none")
    assert losses.dtype == dtype
    assert np.all(np.abs(losses.astype(np.longdouble) - exact_l) <= ulp(exact_l, dtype))
    mean = nnsimd.categorical_cross_entropy(probs, labels)
    assert abs(mean - float(np.mean(losses.astype(np.float64)))) <= (gamma(rows + 1, np.float64) * float(np.mean(np.abs(losses)))
                                                                   + float(ulp(mean, dtype)))

    # one-hot labels: one 1 per row, so the row sum is exact and the same 1-ULP bound holds.
    onehot = np.zeros(shape, dtype=dtype)
    onehot[np.arange(rows), labels] = 1
    losses_1h = nnsimd.categorical_cross_entropy(probs, onehot, reduction="none")
    assert np.all(np.abs(losses_1h.astype(np.longdouble) - exact_l) <= ulp(exact_l, dtype))

    # fused softmax cross-entropy on the logits: first rounding + the sum's -log(1 - sigma) + 0.85 ULP.
    exact_f = np.log(e.sum(axis=1)) - z[np.arange(rows), labels]
    fused = nnsimd.softmax_cross_entropy(x, labels, reduction="none")
    sigma = gamma(n, dtype) + exp_ulps * 2 * u
    bound = u * np.abs(z[np.arange(rows), labels]) - np.log1p(-sigma) + 0.85 * ulp(exact_f, dtype) + 2 * u * np.abs(exact_f)
    assert np.all(np.abs(fused.astype(np.longdouble) - exact_f) <= bound)

    # accuracy: exact, first index of the maximum.
    assert nnsimd.accuracy(x, labels) == float(np.mean(np.argmax(x, axis=1) == labels))


# ---- layouts: no copies, row strides, in place --------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_row_strided_views_are_used_in_place(dtype):
    rng = np.random.default_rng(3)
    big = rng.standard_normal((40, 300)).astype(dtype)
    x = big[::2, 5:105]               # row stride 600 elements, last axis contiguous: no copy
    assert not x.flags.c_contiguous
    xc = np.ascontiguousarray(x)
    for fn in (nnsimd.relu, nnsimd.softmax, nnsimd.clip, nnsimd.argmax):
        assert np.array_equal(fn(x), fn(xc))
    w = rng.standard_normal((100, 30)).astype(dtype)
    b = np.zeros(30, dtype=dtype)
    out_big = np.full((20, 64), 7, dtype=dtype)
    out = out_big[:, 2:32]            # a strided output: written where it lies
    r = nnsimd.dense_forward(x, w, b, out=out)
    assert r is out
    assert np.array_equal(out, nnsimd.dense_forward(xc, w, b))
    assert np.all(out_big[:, :2] == 7) and np.all(out_big[:, 32:] == 7)
    # in place: out is x itself
    y = xc.copy()
    assert nnsimd.softmax(y, out=y) is y
    assert np.array_equal(y, nnsimd.softmax(xc))
    losses = np.empty(20, dtype=dtype)
    assert nnsimd.softmax_cross_entropy(xc, np.arange(20) % 100, reduction="none", out=losses) is losses


def test_labels_of_any_integer_type():
    p = nnsimd.softmax(np.random.default_rng(1).standard_normal((6, 4)).astype(np.float32))
    ref = nnsimd.categorical_cross_entropy(p, np.array([0, 1, 2, 3, 0, 1], dtype=np.int32))
    for t in (np.uint8, np.int16, np.int64, np.uint64, np.dtype(">i4")):
        assert nnsimd.categorical_cross_entropy(p, np.array([0, 1, 2, 3, 0, 1], dtype=t)) == ref
    strided = np.array([0, 9, 1, 9, 2, 9, 3, 9, 0, 9, 1, 9], dtype=np.int32)[::2]
    assert nnsimd.categorical_cross_entropy(p, strided) == ref


# ---- errors: ValueError with the argument named, nothing written ------------------------------------

def test_errors_name_the_problem():
    x = np.ones((4, 6), dtype=np.float32)
    w = np.ones((6, 3), dtype=np.float32)
    b = np.zeros(3, dtype=np.float32)
    cases = [
        (lambda: nnsimd.relu(x[:, ::2]), "last axis"),
        (lambda: nnsimd.relu(np.broadcast_to(x[0], (4, 6))), "row stride"),
        (lambda: nnsimd.relu(x[::-1]), "row stride"),
        (lambda: nnsimd.relu(x.astype(np.float16)), "float16"),
        (lambda: nnsimd.relu(x.astype(">f4")), "x: dtype"),
        (lambda: nnsimd.relu(x[0]), "2-D"),
        (lambda: nnsimd.dense_forward(x, w.astype(np.float64), b), "weights: dtype"),
        (lambda: nnsimd.dense_forward(x, np.ones((5, 3), np.float32), b), "5"),
        (lambda: nnsimd.dense_forward(x, w, np.zeros(4, np.float32)), "4"),
        (lambda: nnsimd.relu(x, out=np.ones((4, 6), np.float32)[:, :5]), "shape"),
        (lambda: nnsimd.categorical_cross_entropy(nnsimd.softmax(x), np.array([0, 1, 2, 6])), "6"),
        (lambda: nnsimd.categorical_cross_entropy(nnsimd.softmax(x), np.array([0, 1, 2, -1])), "-1"),
        (lambda: nnsimd.categorical_cross_entropy(nnsimd.softmax(x), np.array([0., 1., 2., 3.])), "integer"),
        (lambda: nnsimd.categorical_cross_entropy(nnsimd.softmax(x), np.array([0, 1, 2], dtype=np.int32)), "3"),
        (lambda: nnsimd.categorical_cross_entropy(x, np.zeros(4, np.int64), reduction="sum"), "reduction"),
        (lambda: nnsimd.set_isa_cap("avx1024"), "avx1024"),
    ]
    for call, words in cases:
        with pytest.raises(ValueError, match=None) as e:
            call()
        assert words in str(e.value), (words, str(e.value))


def test_outputs_are_checked_before_anything_is_written():
    x = np.arange(24, dtype=np.float32).reshape(4, 6)
    ro = np.zeros((4, 6), dtype=np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        nnsimd.relu(x, out=ro)
    big = np.arange(30, dtype=np.float32).reshape(5, 6)
    before = big.copy()
    with pytest.raises(ValueError, match="overlaps"):
        nnsimd.relu(big[:4], out=big[1:])   # shifted by one row: not in place, overlapping
    w = np.ones((6, 6), dtype=np.float32)
    with pytest.raises(ValueError, match="overlaps"):
        nnsimd.dense_forward(big[:4], w, np.zeros(6, np.float32), out=big[:4])  # dense cannot work in place
    assert np.array_equal(big, before)


# ---- the GIL, the ISA cap, threads, the packed layer -------------------------------------------------

def test_the_gil_is_released_during_a_kernel():
    nnsimd.set_num_threads(1)
    try:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((2048, 1024)).astype(np.float32)
        w = rng.standard_normal((1024, 1024)).astype(np.float32)
        b = np.zeros(1024, np.float32)
        t0 = time.perf_counter()
        nnsimd.dense_forward(x, w, b)
        kernel_s = time.perf_counter() - t0
        worker = threading.Thread(target=nnsimd.dense_forward, args=(x, w, b))
        # This thread needs the GIL to go on: if the kernel held it, start() (which waits for the worker to
        # begin, then for the GIL) or the loop would stall for the whole call.
        last, gap = time.perf_counter(), 0.0
        worker.start()
        while True:
            now = time.perf_counter()
            gap, last = max(gap, now - last), now
            if not worker.is_alive():
                break
        worker.join()
        assert kernel_s > 0.02, "the kernel is too short to tell"
        assert gap < kernel_s / 2, f"the main thread stalled {gap:.3f} s during a {kernel_s:.3f} s kernel"
    finally:
        nnsimd.set_num_threads(0)


def test_isa_cap_and_packed_layer():
    w = np.random.default_rng(5).standard_normal((50, 20))
    b = np.zeros(20)
    x = np.random.default_rng(6).standard_normal((30, 50))
    for name in ISAS:
        nnsimd.set_isa_cap(name)
        assert nnsimd.isa() == name and nnsimd.isa_cap() == name
        layer = nnsimd.PackedDense(w, b)
        assert (layer.n_inputs, layer.n_neurons, layer.isa, layer.dtype) == (50, 20, name, np.dtype(np.float64))
        assert np.array_equal(layer.forward(x), nnsimd.dense_forward(x, w, b))
        assert np.array_equal(layer.forward(x, relu=True), nnsimd.dense_relu(x, w, b))
        if name != ISAS[0]:
            nnsimd.set_isa_cap(ISAS[0])
            with pytest.raises(ValueError):
                layer.forward(x)   # packed for another ISA: pack again
    nnsimd.reset_isa_cap()
    assert nnsimd.isa_cap() is None and nnsimd.isa() == ISAS[-1]


def test_results_do_not_depend_on_the_thread_count():
    x = np.random.default_rng(9).standard_normal((513, 257)).astype(np.float32)
    labels = np.arange(513) % 257
    threshold = nnsimd.parallel_threshold()
    try:
        nnsimd.set_parallel_threshold(0)
        got = []
        for threads in (1, 2):
            nnsimd.set_num_threads(threads)
            assert nnsimd.num_threads() == threads
            got.append((nnsimd.softmax(x), nnsimd.softmax_cross_entropy(x, labels, reduction="none"),
                        nnsimd.argmax(x)))
        for a, b in zip(*got):
            assert np.array_equal(a, b)
    finally:
        nnsimd.set_num_threads(0)
        nnsimd.set_parallel_threshold(threshold)


def test_empty_batch():
    x = np.zeros((0, 5), dtype=np.float32)
    assert nnsimd.relu(x).shape == (0, 5)
    assert math.isnan(nnsimd.categorical_cross_entropy(x, np.zeros(0, np.int32)))
    assert math.isnan(nnsimd.accuracy(x, np.zeros(0, np.int32)))


# ---- the forward pass in one call ----------------------------------------------------------------------

# rows, n_in, n_hidden, classes: the book's; one row; odd widths; one class; MNIST's widths; a wide hidden
# layer over several of the fused pass's row blocks.
NETS = [(300, 2, 3, 3), (1, 5, 7, 3), (49, 13, 19, 10), (17, 1, 33, 1), (97, 784, 128, 10), (150, 40, 1000, 100)]


def network(dtype, rows, n_in, n_hid, n_out, seed=0):
    rng = np.random.default_rng(seed + rows * 31 + n_hid)
    x = rng.uniform(-1, 1, (rows, n_in)).astype(dtype)
    w1 = rng.uniform(-1, 1, (n_in, n_hid)).astype(dtype) * dtype(np.sqrt(6 / n_in))
    b1 = rng.uniform(-0.5, 0.5, (1, n_hid)).astype(dtype)
    w2 = rng.uniform(-2, 2, (n_hid, n_out)).astype(dtype) * dtype(np.sqrt(6 / n_hid))
    b2 = rng.uniform(-0.5, 0.5, n_out).astype(dtype)
    labels = rng.integers(0, n_out, rows)
    if rows > 2:
        x[1] = 0  # h = relu(b1)
    return x, w1, b1, w2, b2, labels


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    return np.array_equal(a.view(f"u{a.itemsize}"), b.view(f"u{b.itemsize}"))  # NaNs and signed zeros too


def unfused(x, w1, b1, w2, b2, labels):
    """The book's script with the module's separate calls."""
    p = nnsimd.softmax(nnsimd.dense_forward(nnsimd.dense_relu(x, w1, b1), w2, b2))
    return (nnsimd.categorical_cross_entropy(p, labels), nnsimd.accuracy(p, labels),
            nnsimd.categorical_cross_entropy(p, labels, reduction="none"), p)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("net", NETS)
def test_forward_pass_is_the_unfused_calls_bit_for_bit(isa, dtype, net):
    x, w1, b1, w2, b2, labels = network(dtype, *net)
    if net[0] > 5:
        x[5, net[1] // 2] = np.nan  # a NaN row: NaN loss (so a NaN mean), argmax 0
    mean, acc, losses, probs = unfused(x, w1, b1, w2, b2, labels)
    layer1, layer2 = nnsimd.PackedDense(w1, b1), nnsimd.PackedDense(w2, b2)
    for args in ((x, w1, b1, w2, b2, labels), (x, layer1, layer2, labels)):
        got = nnsimd.forward_pass(*args)
        assert isinstance(got, tuple) and same_bits(got[0], mean) and got[1] == acc
        L, P = np.full_like(losses, 7), np.full_like(probs, 7)
        assert same_bits(nnsimd.forward_pass(*args, losses=L, probs=P)[0], mean)
        assert same_bits(L, losses) and same_bits(P, probs)
        only = np.full_like(losses, 7)
        nnsimd.forward_pass(*args, losses=only)  # one output without the other
        assert same_bits(only, losses)


def test_forward_pass_on_strided_views_and_two_threads():
    x, w1, b1, w2, b2, labels = network(np.float32, 150, 40, 1000, 100)
    big = np.zeros((300, 50), np.float32)
    big[::2, 3:43] = x
    xs = big[::2, 3:43]  # row stride 100 elements: read where it lies
    pbig = np.full((150, 120), 7, np.float32)
    P = pbig[:, 10:110]
    want = nnsimd.forward_pass(x, w1, b1, w2, b2, labels, probs=np.empty((150, 100), np.float32))
    threshold = nnsimd.parallel_threshold()
    try:
        nnsimd.set_parallel_threshold(0)
        for threads in (1, 2):
            nnsimd.set_num_threads(threads)
            assert nnsimd.forward_pass(xs, w1, b1, w2, b2, labels, probs=P) == want
            assert same_bits(P, unfused(x, w1, b1, w2, b2, labels)[3])
            assert np.all(pbig[:, :10] == 7) and np.all(pbig[:, 110:] == 7)
    finally:
        nnsimd.set_num_threads(0)
        nnsimd.set_parallel_threshold(threshold)


def book_forward(x, w1, b1, w2, b2, labels, dot=np.dot):
    """The chapter's script as the book writes it, in NumPy."""
    h = np.maximum(0, dot(x, w1) + b1)
    z = dot(h, w2) + b2
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    losses = -np.log(np.clip(p, 1e-7, 1 - 1e-7)[range(len(p)), labels])
    return np.mean(losses), np.mean(np.argmax(p, axis=1) == labels), losses, p


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("net", NETS)
def test_forward_pass_close_to_the_books_numpy(dtype, net):
    x, w1, b1, w2, b2, labels = network(dtype, *net)
    mean_np, acc_np, losses_np, p_np = book_forward(x, w1, b1, w2, b2, labels)
    L = np.empty(net[0], dtype)
    mean, acc = nnsimd.forward_pass(x, w1, b1, w2, b2, labels, losses=L)
    tol = 1e-4 if dtype == np.float32 else 1e-12  # the sums' rounding over n_in + n_hidden terms, loosely
    assert np.allclose(L, losses_np, rtol=tol, atol=tol) and mean == pytest.approx(float(mean_np), rel=tol, abs=tol)
    # The argmax may differ on rows whose two largest probabilities are that close.
    top2 = np.sort(p_np, axis=1)[:, -2:] if net[3] > 1 else np.zeros((net[0], 2))
    close = int(np.sum(top2[:, 1] - top2[:, 0] <= tol))
    assert abs(acc - acc_np) * net[0] <= close + 1e-9


def test_forward_pass_prints_the_books_values():
    sys.path.insert(0, str(ROOT / "python"))
    try:
        import nnfs_numpy
    finally:
        sys.path.pop(0)
    X, y, w1, w2, p, losses, loss, acc = nnfs_numpy.chapter5()
    b1, b2 = np.zeros((1, 3), np.float32), np.zeros((1, 3), np.float32)
    L, P = np.empty(300, np.float32), np.empty((300, 3), np.float32)
    got_loss, got_acc = nnsimd.forward_pass(X, w1, b1, w2, b2, y, losses=L, probs=P)  # y: uint8, as spiral_data's
    assert got_acc == 0.34 and acc == 0.34
    assert got_loss == pytest.approx(1.0986104, rel=0, abs=4e-7)  # the book prints 1.0986104; a few float32 ULPs
    assert np.allclose(L, losses, rtol=1e-6) and np.allclose(P, p, rtol=1e-6)


def test_forward_pass_errors_name_the_problem():
    x, w1, b1, w2, b2, labels = network(np.float32, 8, 4, 5, 3)
    l1, l2 = nnsimd.PackedDense(w1, b1), nnsimd.PackedDense(w2, b2)
    L = np.full(8, 7, np.float32)
    ro = np.zeros(8, np.float32)
    ro.flags.writeable = False
    lab32 = labels.astype(np.int32)
    cases = [
        (lambda: nnsimd.forward_pass(x[:, :3], w1, b1, w2, b2, labels), "4"),          # x vs w1's rows
        (lambda: nnsimd.forward_pass(x, w1, b1, w2[:4], b2, labels), "w2"),            # w2's rows vs w1's columns
        (lambda: nnsimd.forward_pass(x, w1, b1[:, :4], w2, b2, labels), "b1"),
        (lambda: nnsimd.forward_pass(x, w1, b1, w2, np.zeros(4, np.float32), labels), "b2"),
        (lambda: nnsimd.forward_pass(x, w1, b1, w2, np.zeros((2, 3), np.float32), labels), "b2: shape"),
        (lambda: nnsimd.forward_pass(x, w1, b1, w2.astype(np.float64), b2, labels), "w2: dtype"),
        (lambda: nnsimd.forward_pass(x.astype(np.float16), w1, b1, w2, b2, labels), "float16"),
        (lambda: nnsimd.forward_pass(x, w1, b1, w2, b2, labels[:7]), "labels"),
        (lambda: nnsimd.forward_pass(x, w1, b1, w2, b2, np.full(8, 3)), "3"),
        (lambda: nnsimd.forward_pass(x, w1, b1, w2, b2, np.eye(3, dtype=np.float32)[labels]), "one-hot"),
        (lambda: nnsimd.forward_pass(x, w1, b1, w2, b2, labels, 0.0), "eps"),
        (lambda: nnsimd.forward_pass(x, w1, b1, w2, b2, labels, losses=np.zeros(7, np.float32)), "losses: shape"),
        (lambda: nnsimd.forward_pass(x, w1, b1, w2, b2, labels, losses=np.zeros(8)), "losses: dtype"),
        (lambda: nnsimd.forward_pass(x, w1, b1, w2, b2, labels, losses=ro), "read-only"),
        (lambda: nnsimd.forward_pass(x, w1, b1, w2, b2, labels, probs=np.zeros((8, 4), np.float32)), "probs: shape"),
        (lambda: nnsimd.forward_pass(x, w1, b1, w2, b2, labels, probs=x[:, :3]), "overlap"),
        (lambda: nnsimd.forward_pass(x, w1, b1, w2, b2, lab32, losses=lab32.view(np.float32)),
         "losses overlaps labels"),
        (lambda: nnsimd.forward_pass(x, l1, l1, labels), "second layer"),               # layers that do not chain
        (lambda: nnsimd.forward_pass(x, l1, nnsimd.PackedDense(w2.astype(np.float64), b2.astype(np.float64)), labels),
         "layer2: dtype"),
        (lambda: nnsimd.forward_pass(x.astype(np.float64), l1, l2, labels), "inputs: dtype"),
    ]
    for call, words in cases:
        with pytest.raises(ValueError) as e:
            call()
        assert words in str(e.value), (words, str(e.value))
    assert np.all(L == 7)
    if len(ISAS) > 1:
        nnsimd.set_isa_cap(ISAS[0])
        try:
            with pytest.raises(ValueError, match="packed for"):
                nnsimd.forward_pass(x, l1, l2, labels)  # packed for another ISA: pack again
        finally:
            nnsimd.reset_isa_cap()


def test_forward_pass_writes_nothing_on_error():
    x, w1, b1, w2, b2, labels = network(np.float64, 6, 3, 4, 2)
    L, P = np.full(6, 7.0), np.full((6, 2), 7.0)
    with pytest.raises(ValueError):
        nnsimd.forward_pass(x, w1, b1, w2, b2, np.array([0, 1, 2, 0, 1, 0]), losses=L, probs=P)  # label 2 of 2 classes
    assert np.all(L == 7) and np.all(P == 7)


def test_forward_pass_empty_batch():
    x, w1, b1, w2, b2, _ = network(np.float32, 0, 3, 4, 2)
    loss, acc = nnsimd.forward_pass(x, w1, b1, w2, b2, np.zeros(0, np.int32), losses=np.empty(0, np.float32))
    assert math.isnan(loss) and math.isnan(acc)
