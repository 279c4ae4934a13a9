"""pytest of nnsimd._bench (python/bench_cases.cpp): the benchmark driver's cases seen from Python. The case
list is the driver's (names, shapes, no packed-layer op), a case's arrays are views of the right shapes and
dtypes that keep the case alive (the forward pass's two layers too), and check() passes nnsimd's own outputs
and fails perturbed ones."""
import gc

import numpy as np
import pytest

import nnsimd
from nnsimd import _bench

BOOK = [c for c in _bench.cases() if c[2].startswith("book:")]


def test_cases_are_the_drivers():
    cases = _bench.cases()
    ops = {c[0] for c in cases}
    assert ops == {"dense_forward", "dense_relu", "relu", "clip", "softmax", "categorical_cross_entropy",
                   "categorical_cross_entropy_onehot", "softmax_cross_entropy", "argmax", "accuracy", "forward_pass"}
    assert {c[1] for c in cases} == {"f32", "f64"}
    assert ("dense_forward", "f32", "book:300x2x3") in cases and ("relu", "f64", "elems:16777216") in cases
    assert ("forward_pass", "f32", "book:300x2x3x3") in cases  # rows x n_in x n_hidden x n_out
    assert len(set(cases)) == len(cases)
    assert _bench.Case("softmax", "f32", "vocab:64x32000").name("peer_numpy") == "softmax/f32/peer_numpy/vocab:64x32000"


@pytest.mark.parametrize("op,dtype,shape", BOOK)
def test_arrays(op, dtype, shape):
    c = _bench.Case(op, dtype, shape)
    i, o = c.inputs, c.outputs
    ft = np.float32 if dtype == "f32" else np.float64
    dims = [int(d) for d in shape.split(":")[1].split("x")]
    rows = dims[0]
    # Only the forward pass has a second layer.
    assert ("w2" in i and "b2" in i) == (op == "forward_pass")
    if op.startswith("dense"):
        assert i["x"].shape == (rows, dims[1]) and i["w"].shape == (dims[1], dims[2]) and i["b"].shape == (1, dims[2])
        assert o["y"].shape == (rows, dims[2])
        flops = 2 * rows * dims[1] * dims[2]
    elif op == "forward_pass":
        n_in, n_hid, n_out = dims[1:]
        assert i["x"].shape == (rows, n_in) and i["w"].shape == (n_in, n_hid) and i["b"].shape == (1, n_hid)
        assert i["w2"].shape == (n_hid, n_out) and i["b2"].shape == (1, n_out) and i["labels"].shape == (rows,)
        assert set(o) == {"losses", "count"} and o["losses"].shape == (rows,) and o["count"].shape == (1,)
        assert np.all((i["labels"] >= 0) & (i["labels"] < n_out))
        flops = 2 * rows * (n_in * n_hid + n_hid * n_out)
    elif op in ("relu", "clip", "softmax"):
        assert i["x"].shape == (rows, dims[1]) and o["y"].shape == (rows, dims[1])
    elif op.startswith("categorical"):
        assert i["p"].shape == (rows, dims[1]) and o["losses"].shape == (rows,)
        assert ("t" in i) == op.endswith("onehot") and i["labels"].dtype == np.int32
    elif op == "softmax_cross_entropy":
        assert i["x"].shape == (rows, dims[1]) and i["labels"].shape == (rows,) and o["losses"].shape == (rows,)
    elif op == "argmax":
        assert o["idx"].shape == (rows,) and o["idx"].dtype == np.int32
    elif op == "accuracy":
        assert o["count"].shape == (1,)
    for k, a in i.items():
        assert a.dtype == (np.int32 if k == "labels" else ft)
        assert not a.flags.writeable and a.flags.c_contiguous
    counters = c.counters
    assert counters["bytes"] > 0 and counters["elements"] > 0 and counters["ws_bytes"] > 0
    if op.startswith("dense") or op == "forward_pass":  # the layers' multiply-adds, as the driver counts them
        assert counters["flops"] == flops and c.roof == "roof=fma"
    else:
        assert counters["flops"] == 0 and c.roof.startswith("roof=")


@pytest.mark.parametrize("op,dtype,shape", BOOK)
def test_check_passes_nnsimd_and_fails_perturbed(op, dtype, shape):
    c = _bench.Case(op, dtype, shape)
    c.clear_outputs()
    assert c.check() != ""  # the cleared pattern is no implementation's output
    c.run_nnsimd()
    assert c.check() == ""
    o = c.outputs
    if "y" in o:
        o["y"][0, 0] += 1  # row 0: the checks of large outputs sample rows, first and last always
    elif "losses" in o:
        o["losses"][0] *= 1.01
    elif "count" in o:
        o["count"][0] += 1
    else:
        o["idx"][0] = (o["idx"][0] + 1) % c.inputs["x"].shape[1]
    msg = c.check()
    assert msg and "bound" in msg


def test_views_keep_the_case_alive():
    c = _bench.Case("relu", "f32", "elems:4096")
    x = c.inputs["x"]
    want = x.copy()
    del c
    gc.collect()
    _bench.Case("relu", "f32", "elems:4096")  # another allocation that could reuse freed memory
    np.testing.assert_array_equal(x, want)


def test_bad_cases():
    with pytest.raises(ValueError, match="not an op"):
        _bench.Case("nope", "f32", "book:300x3")
    with pytest.raises(ValueError, match="dtype"):
        _bench.Case("softmax", "f16", "book:300x3")
    with pytest.raises(ValueError, match="not a bench shape"):
        _bench.Case("softmax", "f32", "book:300x4")
    with pytest.raises(ValueError):
        _bench.Case("dense_packed_forward", "f32", "book:300x2x3")


@pytest.mark.parametrize("dtype", ["f32", "f64"])
def test_forward_pass_case_is_the_modules_call(dtype):
    # The count output is the kernel's own (the oracle check skips the count above 256 rows, as the book's
    # 300 are): nnsimd's row writes what nnsimd.forward_pass returns, on the case's own arrays.
    c = _bench.Case("forward_pass", dtype, "book:300x2x3x3")
    c.clear_outputs()
    c.run_nnsimd()
    i, o = c.inputs, c.outputs
    losses = np.empty_like(o["losses"])
    loss, acc = nnsimd.forward_pass(i["x"], i["w"], i["b"], i["w2"], i["b2"], i["labels"], losses=losses)
    assert np.array_equal(losses, o["losses"]) and int(o["count"][0]) == round(acc * 300)
    assert loss == pytest.approx(float(np.mean(losses.astype(np.float64))), rel=1e-6)
