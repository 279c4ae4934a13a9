#!/usr/bin/env python3
"""NumPy as a peer, timed from Python: the book's chapter-5 code (Neural Networks from Scratch) on the
benchmark driver's own cases, written as Google Benchmark JSON rows that `nnsimd bench` merges into its
result file (cli/bench.cpp).

The cases come from their one home, bench/problem.hpp, through the module's private nnsimd._bench: the
same names as nnsimd_bench's rows (<op>/<dtype>/<impl>/<set>:<dims>), the same seeded inputs, the same
work counters and roof label, and the same check against the long-double oracle. Nothing about a shape
or an input is described here.

Implementations (row impl names):
  peer_numpy        the book's classes below, in the case's dtype, BLAS at one thread (threadpoolctl)
  peer_numpy_nnfs   the same after nnfs.init(): np.dot in float64, cast to float32 (python/nnfs_numpy.py);
                    differs only for the ops that call np.dot (BLAS_OPS: dense and the forward pass) in f32,
                    so only those rows
  peer_numpy_t<N>   BLAS_OPS, f32, BLAS at N = this process's cores (real time, "/real_time" as the
                    driver's multi-threaded rows); NumPy's elementwise ops run on one thread whatever the
                    setting, so only the ops whose time is BLAS calls get these rows
  py_nnsimd         the module's functions called from Python, allocating their outputs as NumPy does,
                    nnsimd.set_num_threads(1)
  peer_numpy_corrected  the BLAS_OPS peer_numpy rows again, in a process of their own, when OpenBLAS's own
                    detection fell below the CPU's ISA level: OPENBLAS_CORETYPE set to the core that level
                    calls for (bench/peer_openblas.cpp's rule; FALLBACK in nnsimd_peer_numpy_code)
  py_torch          PyTorch ops on torch.from_numpy views of the same arrays, torch.set_num_threads(1),
                    under torch.inference_mode(), when `import torch` works
The py_ rows are what a notebook user would time; they are not peers of the C++ rows (the results tools
take impl names starting with peer_ as peers).

Each case: one untimed call, its outputs copied into the case's output buffers and checked against the
oracle (a disagreement is written as Google Benchmark writes SkipWithError: error_occurred and
error_message "disagrees with the oracle: ..."); then timed as the driver times: quick mode one
repetition of at least 0.01 s, full mode 9 repetitions of at least 0.05 s (the iteration count found in
the first, as Google Benchmark does) with its mean/median/stddev/cv aggregates. Iterations grow as Google
Benchmark grows them. One-thread rows use the thread's CPU time, N-thread rows real time; counters are
rates per second of that time. Each row also carries overhead_ns: the median time of an empty call of the
same shape (the same classes and arguments, bodies that only return): the interpreter's share of a call.

Usage: peer_numpy.py --mode quick|full [--filter REGEX] --out PART.json [--min-time S] [--list]
Exit status: 0 written; 2 bad arguments; 3 skipped (NumPy or the nnsimd module missing: one line on stderr
says which); 1 anything else. The output file is written atomically.

NNSIMD_PEER_NUMPY_PLANT=<op>: perturbs peer_numpy's output of that op before its check (a test that the
check can fail).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

EXIT_BAD_INPUT, EXIT_SKIPPED = 2, 3
HERE = os.path.dirname(os.path.abspath(__file__))


def skip(why):
    print("peer_numpy.py: NumPy rows skipped: %s" % why, file=sys.stderr)
    sys.exit(EXIT_SKIPPED)


try:
    import numpy as np
except ImportError as e:
    skip("cannot import numpy (%s; apt-get install python3-numpy)" % e)
try:
    import nnsimd
    from nnsimd import _bench
except ImportError as e:
    skip("cannot import the nnsimd module (%s; put the build's python/ folder on PYTHONPATH)" % e)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))
import nnfs_numpy  # noqa: E402  (the book's nnfs.init() conventions: its float64 np.dot)

# The ops whose NumPy time is np.dot (BLAS): dense, and the forward pass, whose two layers are all but
# O(rows x classes) of its work. Only these get the nnfs, N-thread and corrected rows.
BLAS_OPS = ("dense_forward", "dense_relu", "forward_pass")


# ---- the book's classes (chapter 5), as the book writes them -----------------------------------------
# Layer_Dense takes its weights and biases (the case's) instead of drawing them: the forward pass is the
# book's line.
class Layer_Dense:
    def __init__(self, weights, biases):
        self.weights = weights
        self.biases = biases

    def forward(self, inputs):
        self.output = np.dot(inputs, self.weights) + self.biases


class Layer_Dense_nnfs(Layer_Dense):
    """After nnfs.init(): np.dot computes in float64 and casts to float32."""

    def forward(self, inputs):
        self.output = nnfs_numpy.dot(inputs, self.weights) + self.biases


class Activation_ReLU:
    def forward(self, inputs):
        self.output = np.maximum(0, inputs)


class Activation_Softmax:
    def forward(self, inputs):
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        probabilities = exp_values / np.sum(exp_values, axis=1, keepdims=True)
        self.output = probabilities


class Loss:
    def calculate(self, output, y):
        sample_losses = self.forward(output, y)
        data_loss = np.mean(sample_losses)
        return data_loss


class Loss_CategoricalCrossentropy(Loss):
    def forward(self, y_pred, y_true):
        samples = len(y_pred)
        y_pred_clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if len(y_true.shape) == 1:
            correct_confidences = y_pred_clipped[range(samples), y_true]
        elif len(y_true.shape) == 2:
            correct_confidences = np.sum(y_pred_clipped * y_true, axis=1)
        negative_log_likelihoods = -np.log(correct_confidences)
        return negative_log_likelihoods


def book_accuracy(output, y):
    predictions = np.argmax(output, axis=1)
    if len(y.shape) == 2:
        y = np.argmax(y, axis=1)
    accuracy = np.mean(predictions == y)
    return accuracy


# The empty calls: the same classes and arguments, bodies that only return.
class Empty:
    def forward(self, *args):
        return


def empty_function(*args):
    return


# ---- each op as the book runs it -------------------------------------------------------------------
# An op -> (run, empty, store, label): run() is the timed call (allocating, as the book's code does);
# empty() the same calls with empty bodies; store(result) copies run()'s result into the case's outputs
# for the check. The ops' outputs follow kernels.def: per-sample losses (the book's Loss.forward; its
# calculate() adds the mean, which the library's kernel does not compute), accuracy's count of correct
# rows (the book's mean of matches, times the rows).
def store_y(out):
    return lambda r: np.copyto(out["y"], r)


def store_losses(out):
    return lambda r: np.copyto(out["losses"], r)


def store_idx(out):
    return lambda r: np.copyto(out["idx"], r, casting="unsafe")


def store_count(out, rows):
    def store(r):
        out["count"][0] = int(round(float(r) * rows))
    return store


def store_forward(out, rows):
    """The forward pass's (per-sample losses, mean loss, accuracy): the losses and the count are checked."""
    def store(r):
        np.copyto(out["losses"], np.asarray(r[0]))
        store_count(out, rows)(r[2])
    return store


def book_op(case, dense_class=Layer_Dense):
    op, i, out = case.op, case.inputs, case.outputs
    e = Empty()
    if op in ("dense_forward", "dense_relu"):
        x = i["x"]
        dense = dense_class(i["w"], i["b"])
        if op == "dense_forward":
            def run():
                dense.forward(x)
                return dense.output
            return run, lambda: e.forward(x), store_y(out), None
        relu = Activation_ReLU()

        def run():
            dense.forward(x)
            relu.forward(dense.output)
            return relu.output

        def empty():
            e.forward(x)
            e.forward(x)
        return run, empty, store_y(out), None
    if op == "relu":
        x, relu = i["x"], Activation_ReLU()

        def run():
            relu.forward(x)
            return relu.output
        return run, lambda: e.forward(x), store_y(out), None
    if op == "clip":  # the book's np.clip(y_pred, 1e-7, 1 - 1e-7), the bounds the case uses too
        x = i["x"]
        return (lambda: np.clip(x, 1e-7, 1 - 1e-7)), (lambda: empty_function(x, 1e-7, 1 - 1e-7)), store_y(out), None
    if op == "softmax":
        x, softmax = i["x"], Activation_Softmax()

        def run():
            softmax.forward(x)
            return softmax.output
        return run, lambda: e.forward(x), store_y(out), None
    if op in ("categorical_cross_entropy", "categorical_cross_entropy_onehot"):
        p, y = i["p"], i["labels"] if op == "categorical_cross_entropy" else i["t"]
        loss = Loss_CategoricalCrossentropy()
        return (lambda: loss.forward(p, y)), (lambda: e.forward(p, y)), store_losses(out), None
    if op == "softmax_cross_entropy":  # the book's composition: softmax, then the clipped loss
        x, y = i["x"], i["labels"]
        softmax, loss = Activation_Softmax(), Loss_CategoricalCrossentropy()

        def run():
            softmax.forward(x)
            return loss.forward(softmax.output, y)

        def empty():
            e.forward(x)
            return e.forward(x, y)
        return run, empty, store_losses(out), "book_softmax_then_cce"
    if op == "argmax":
        x = i["x"]
        return (lambda: np.argmax(x, axis=1)), (lambda: empty_function(x, 1)), store_idx(out), None
    if op == "accuracy":
        x, y = i["x"], i["labels"]
        return (lambda: book_accuracy(x, y)), (lambda: empty_function(x, y)), store_count(out, len(x)), None
    if op == "forward_pass":  # the chapter's script: its objects and calls, from dense1 to the accuracy
        x, y = i["x"], i["labels"]
        dense1, activation1 = dense_class(i["w"], i["b"]), Activation_ReLU()
        dense2, activation2 = dense_class(i["w2"], i["b2"]), Activation_Softmax()
        loss_function = Loss_CategoricalCrossentropy()

        # loss_function.calculate(), spelled out: its per-sample losses are the case's output.
        def run():
            dense1.forward(x)
            activation1.forward(dense1.output)
            dense2.forward(activation1.output)
            activation2.forward(dense2.output)
            sample_losses = loss_function.forward(activation2.output, y)
            loss = np.mean(sample_losses)
            accuracy = book_accuracy(activation2.output, y)
            return sample_losses, loss, accuracy

        def empty():
            for _ in range(4):
                e.forward(x)
            empty_function(e.forward(x, y))
            return empty_function(x, y)
        return run, empty, store_forward(out, len(x)), "book_script"
    return None


def nnsimd_op(case):
    """The module's functions from Python, allocating their outputs (no out=)."""
    op, i, out = case.op, case.inputs, case.outputs
    lo, hi, eps = case.bounds
    table = {
        "dense_forward": (lambda: nnsimd.dense_forward(i["x"], i["w"], i["b"]), store_y),
        "dense_relu": (lambda: nnsimd.dense_relu(i["x"], i["w"], i["b"]), store_y),
        "relu": (lambda: nnsimd.relu(i["x"]), store_y),
        "clip": (lambda: nnsimd.clip(i["x"], 1e-7, 1 - 1e-7), store_y),
        "softmax": (lambda: nnsimd.softmax(i["x"]), store_y),
        "categorical_cross_entropy": (
            lambda: nnsimd.categorical_cross_entropy(i["p"], i["labels"], reduction="none"), store_losses),
        "categorical_cross_entropy_onehot": (
            lambda: nnsimd.categorical_cross_entropy(i["p"], i["t"], reduction="none"), store_losses),
        "softmax_cross_entropy": (lambda: nnsimd.softmax_cross_entropy(i["x"], i["labels"], reduction="none"),
                                  store_losses),
        "argmax": (lambda: nnsimd.argmax(i["x"]), store_idx),
    }
    if op == "accuracy":
        return (lambda: nnsimd.accuracy(i["x"], i["labels"])), None, store_count(out, len(i["x"])), None
    if op == "forward_pass":  # the per-sample losses come back through losses=, allocated per call as the others'
        x, rows = i["x"], len(i["x"])

        def run():
            losses = np.empty(rows, x.dtype)
            loss, accuracy = nnsimd.forward_pass(x, i["w"], i["b"], i["w2"], i["b2"], i["labels"], losses=losses)
            return losses, loss, accuracy
        return run, None, store_forward(out, rows), None
    if op not in table:
        return None
    run, store = table[op]
    return run, None, store(out), None


def torch_op(torch, case):
    """PyTorch on torch.from_numpy views; labels as int64 once, outside the timing (torch indexes with int64)."""
    op, i, out = case.op, case.inputs, case.outputs
    F = torch.nn.functional
    with warnings.catch_warnings():  # the inputs are read-only views: torch warns, and only reads them
        warnings.simplefilter("ignore", UserWarning)
        t = {k: torch.from_numpy(v) for k, v in i.items() if k != "labels"}
    L = torch.from_numpy(i["labels"].astype(np.int64)) if "labels" in i else None
    as_np = lambda r: r.numpy()  # noqa: E731
    eps = 1e-7
    table = {
        "dense_forward": (lambda: torch.addmm(t["b"], t["x"], t["w"]), store_y, "addmm"),
        "dense_relu": (lambda: torch.relu(torch.addmm(t["b"], t["x"], t["w"])), store_y, "addmm_relu"),
        "relu": (lambda: torch.relu(t["x"]), store_y, None),
        "clip": (lambda: torch.clamp(t["x"], 1e-7, 1 - 1e-7), store_y, "clamp"),
        "softmax": (lambda: torch.softmax(t["x"], dim=1), store_y, None),
        # The book's clipped loss written with torch ops.
        "categorical_cross_entropy": (
            lambda: -torch.log(torch.clamp(t["p"], eps, 1 - eps).gather(1, L[:, None])[:, 0]), store_losses,
            "book_clamp_gather_log"),
        "categorical_cross_entropy_onehot": (
            lambda: -torch.log(torch.sum(torch.clamp(t["p"], eps, 1 - eps) * t["t"], dim=1)), store_losses,
            "book_clamp_sum_log"),
        "softmax_cross_entropy": (lambda: F.cross_entropy(t["x"], L, reduction="none"), store_losses,
                                  "cross_entropy_on_logits"),
        "argmax": (lambda: torch.argmax(t["x"], dim=1), store_idx, None),
        "accuracy": (lambda: (torch.argmax(t["x"], dim=1) == L).float().mean(), None, None),
    }
    if op == "forward_pass":  # the book's composition in torch ops, its loss as the categorical_cross_entropy row's
        def run():
            h = torch.relu(torch.addmm(t["b"], t["x"], t["w"]))
            p = torch.softmax(torch.addmm(t["b2"], h, t["w2"]), dim=1)
            losses = -torch.log(torch.clamp(p, eps, 1 - eps).gather(1, L[:, None])[:, 0])
            return losses, losses.mean(), (torch.argmax(p, dim=1) == L).float().mean()
        return run, None, (lambda r: store_forward(out, len(i["x"]))((as_np(r[0]), None, r[2].item()))), \
            "book_composition"
    if op not in table:
        return None
    run, store, label = table[op]
    if op == "accuracy":
        return (lambda: run().item()), None, store_count(out, len(i["x"])), label
    return run, None, (lambda r: store(out)(as_np(r))), label


def plant(case, out):
    """Perturbs one output of the case (NNSIMD_PEER_NUMPY_PLANT), as a wrong implementation would."""
    if "y" in out:
        out["y"].flat[0] += 1
    elif "losses" in out:
        out["losses"][0] += 1
    elif "count" in out:
        out["count"][0] += 1
    elif "idx" in out:
        out["idx"][0] = (out["idx"][0] + 1) % case.inputs["x"].shape[1]


# ---- timing, as Google Benchmark times ---------------------------------------------------------------
MAX_ITERATIONS = 1000000000


def time_loop(fn, iters, real):
    """(real seconds, cpu seconds) of iters calls of fn."""
    r0, c0 = time.perf_counter(), time.thread_time()
    for _ in range(iters):
        fn()
    return time.perf_counter() - r0, time.thread_time() - c0


def run_repetitions(fn, min_time, repetitions, real):
    """[(iterations, real s, cpu s)] per repetition. Google Benchmark 1.7.1's rule: grow the iteration count
    until the measured time (real or CPU) reaches min_time; later repetitions reuse the first's count."""
    out, iters = [], 1
    while True:
        r, c = time_loop(fn, iters, real)
        t = r if real else c
        if t >= min_time or r >= 5 * min_time or iters >= MAX_ITERATIONS:
            break
        mult = min_time * 1.4 / max(t, 1e-9)
        if t / min_time <= 0.1:
            mult = 10.0
        iters = int(min(max(mult * iters, iters + 1), MAX_ITERATIONS))
    out.append((iters, r, c))
    for _ in range(repetitions - 1):
        r, c = time_loop(fn, iters, real)
        out.append((iters, r, c))
    return out


def overhead_ns(empty, min_time):
    """Median ns of an empty call of the same shape over 5 short runs."""
    reps = run_repetitions(empty, min_time, 5, False)
    return statistics.median(r / n for n, r, _ in reps) * 1e9


def rows_for(name, case, reps, real, label, extra):
    """The iteration rows and, with repetitions, the aggregates Google Benchmark writes."""
    c = case.counters
    rows = []
    for k, (n, r, cpu) in enumerate(reps):
        per = (r if real else cpu) / n
        row = {"name": name, "run_name": name, "run_type": "iteration", "repetitions": len(reps),
               "repetition_index": k, "threads": 1, "iterations": n, "real_time": r / n * 1e9,
               "cpu_time": cpu / n * 1e9, "time_unit": "ns"}
        for key in ("flops", "bytes", "elements"):
            if key != "flops" or c["flops"] > 0:
                row[key] = c[key] / per if per > 0 else 0.0
        row["ws_bytes"] = c["ws_bytes"]
        row.update(extra)
        row["label"] = label
        rows.append(row)
    if len(reps) > 1:
        stats = {"mean": statistics.mean, "median": statistics.median, "stddev": statistics.stdev,
                 "cv": lambda v: statistics.stdev(v) / statistics.mean(v) if statistics.mean(v) else 0.0}
        keys = [k for k in rows[0] if isinstance(rows[0][k], float) or k in ("real_time", "cpu_time")]
        for agg, f in stats.items():
            a = {"name": name + "_" + agg, "run_name": name, "run_type": "aggregate", "repetitions": len(reps),
                 "threads": 1, "aggregate_name": agg, "aggregate_unit": "percentage" if agg == "cv" else "time",
                 "iterations": len(reps), "time_unit": "ns"}
            for k in keys:
                a[k] = f([row[k] for row in rows])
            a["label"] = label
            rows.append(a)
    return rows


def error_row(name, message):
    return {"name": name, "run_name": name, "run_type": "iteration", "repetitions": 1, "repetition_index": 0,
            "threads": 1, "iterations": 0, "real_time": 0.0, "cpu_time": 0.0, "time_unit": "ns",
            "error_occurred": True, "error_message": message}


# ---- context ------------------------------------------------------------------------------------------
# OpenBLAS cores as bench/peer_openblas.cpp ranks them: 4 AVX-512, 3 AVX2 + FMA, 2 AVX, 1 SSE-class.
CORE_LEVEL = {**{c: 4 for c in ("SkylakeX", "Cooperlake", "SapphireRapids")},
              **{c: 3 for c in ("Haswell", "Zen", "Excavator", "Steamroller")},
              **{c: 2 for c in ("Sandybridge", "Bulldozer", "Piledriver")},
              **{c: 1 for c in ("Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Nano", "Barcelona",
                                "Opteron", "Opteron_SSE3", "Bobcat", "Katmai", "Coppermine", "Northwood", "Banias")}}
LEVEL_NAME = ["unknown", "SSE-class", "AVX", "AVX2+FMA", "AVX-512"]


def cpu_level():
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((l.split(":", 1)[1].split() for l in f if l.startswith("flags")), [])
    except OSError:
        return 0
    if all(x in flags for x in ("avx512f", "avx512bw", "avx512vl", "avx512dq")):
        return 4
    if "avx2" in flags and "fma" in flags:
        return 3
    return 2 if "avx" in flags else 1


def loaded_blas():
    """The real path of the libblas.so.3 this process loaded (Debian's alternatives choose it), or ""."""
    try:
        with open("/proc/self/maps") as f:
            paths = {l.split()[-1] for l in f if "libblas.so" in l}
    except OSError:
        return ""
    return ", ".join(sorted(os.path.realpath(p) for p in paths))


# The core that runs the best kernels 0.3.21 has for a CPU of this level (bench/peer_openblas.cpp's best_core).
BEST_CORE = {4: "SkylakeX", 3: "Haswell", 2: "Sandybridge"}


def blas_fix(tpc):
    """OPENBLAS_CORETYPE=<core> when OpenBLAS's own detection fell below the CPU's level, else None."""
    for info in (tpc.threadpool_info() if tpc else []):
        if info.get("user_api") == "blas" and info.get("internal_api") == "openblas":
            have, can = CORE_LEVEL.get(info.get("architecture") or "", 0), cpu_level()
            if have and have < can and can in BEST_CORE:
                return "OPENBLAS_CORETYPE=" + BEST_CORE[can]
    return None


def blas_code(tpc):
    """NumPy's version and its BLAS as threadpoolctl sees it, with FALLBACK when OpenBLAS's core is below
    what the CPU runs (the rule of bench/peer_openblas.cpp)."""
    s = "numpy %s" % np.__version__
    if tpc is None:
        return s + "; BLAS unknown (no threadpoolctl: apt-get install python3-threadpoolctl)"
    for info in tpc.threadpool_info():
        if info.get("user_api") != "blas":
            continue
        core = info.get("architecture") or "?"
        s += "; BLAS %s %s, core %s%s, %s threads by default (peer_numpy: 1), %s" % (
            info.get("internal_api"), info.get("version"), core,
            " (OPENBLAS_CORETYPE=%s)" % os.environ["OPENBLAS_CORETYPE"] if "OPENBLAS_CORETYPE" in os.environ else "",
            info.get("num_threads"), os.path.realpath(info.get("filepath", "")))
        if loaded_blas():
            s += " (libblas.so.3 -> %s)" % loaded_blas()
        if info.get("internal_api") == "openblas":
            have, can = CORE_LEVEL.get(core, 0), cpu_level()
            s += "; kernels %s, CPU %s" % (LEVEL_NAME[have], LEVEL_NAME[can])
            if have and have < can:
                s += "; FALLBACK below what the CPU runs"
        return s
    return s + "; no BLAS found by threadpoolctl"


# ---- main ---------------------------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=("quick", "full"), default="quick")
    ap.add_argument("--filter", default="", help="regex on the row name, as --benchmark_filter (a leading - negates)")
    ap.add_argument("--out", help="the JSON file to write (atomically)")
    ap.add_argument("--min-time", type=float, help="seconds per repetition (default: quick 0.01, full 0.05)")
    ap.add_argument("--list", action="store_true", help="print the row names selected and exit")
    ap.add_argument("--corrected", action="store_true",
                    help="(run by this script) the BLAS ops' peer_numpy rows only, named peer_numpy_corrected: "
                         "OpenBLAS's core set by OPENBLAS_CORETYPE after its own detection fell back")
    a = ap.parse_args(argv)
    if not a.out and not a.list:
        ap.error("--out is required (or --list)")
    if a.min_time is not None and not (a.min_time >= 0):
        ap.error("--min-time: %r, expected seconds >= 0" % a.min_time)
    negate, pattern = a.filter.startswith("-"), a.filter[1:] if a.filter.startswith("-") else a.filter
    try:
        rx = re.compile(pattern)
    except re.error as e:
        ap.error("--filter: %r is not a regular expression (%s)" % (a.filter, e))
    if a.filter in ("all", ""):
        rx, negate = re.compile(""), False

    def selected(name):
        return bool(rx.search(name)) != negate

    min_time = a.min_time if a.min_time is not None else (0.01 if a.mode == "quick" else 0.05)
    repetitions = 1 if a.mode == "quick" else 9
    plant_op = os.environ.get("NNSIMD_PEER_NUMPY_PLANT", "")

    try:
        import threadpoolctl as tpc
    except ImportError:
        tpc = None
    cores = len(os.sched_getaffinity(0))
    torch = None
    torch_why = ""

    # The plan: (case id, impl, row name, real-time?, BLAS threads).
    plan = []
    for op, dtype, shape in _bench.cases():
        blas = op in BLAS_OPS
        base = "%s/%s/%%s/%s" % (op, dtype, shape)
        impls = [("peer_numpy", False, 1)]
        if a.corrected:  # the filter selects the rows this one corrects, as the driver's corrected peers
            if blas and selected(base % "peer_numpy"):
                plan.append(((op, dtype, shape), "peer_numpy_corrected", base % "peer_numpy_corrected", False, 1))
            continue
        if blas and dtype == "f32":
            impls.append(("peer_numpy_nnfs", False, 1))
            if cores > 1:
                impls.append(("peer_numpy_t%d" % cores, True, cores))
        impls += [("py_nnsimd", False, 1), ("py_torch", False, 1)]
        for impl, real, threads in impls:
            name = base % impl + ("/real_time" if real else "")
            if selected(name):
                plan.append(((op, dtype, shape), impl, name, real, threads))
    if a.list:
        print("\n".join(p[2] for p in plan))
        return 0
    if any(p[4] > 1 for p in plan) and tpc is None:
        print("peer_numpy.py: peer_numpy_t%d rows skipped: no threadpoolctl to set BLAS threads "
              "(apt-get install python3-threadpoolctl)" % cores, file=sys.stderr)
        plan = [p for p in plan if p[4] == 1]
    if any(p[1] == "py_torch" for p in plan):
        try:
            import torch as torch_module
            torch = torch_module
            torch.set_num_threads(1)
        except Exception as e:  # ImportError, or a broken install
            torch_why = str(e)
            print("peer_numpy.py: py_torch rows skipped: cannot import torch (%s; apt-get install python3-torch)"
                  % torch_why, file=sys.stderr)
            plan = [p for p in plan if p[1] != "py_torch"]
    nnsimd.set_num_threads(1)

    def blas_limit(n):
        return tpc.threadpool_limits(limits=n, user_api="blas") if tpc else _null()

    rows, case, case_key = [], None, None
    for key, impl, name, real, threads in plan:
        if key != case_key:
            case, case_key = None, None
            case = _bench.Case(*key)
            case_key = key
        if impl.startswith("peer_numpy"):
            made = book_op(case, Layer_Dense_nnfs if impl == "peer_numpy_nnfs" else Layer_Dense)
        elif impl == "py_nnsimd":
            made = nnsimd_op(case)
        else:
            made = torch_op(torch, case)
        if made is None:
            continue
        run, empty, store, what = made
        label = case.roof + (" impl=%s" % what if what else "")
        with blas_limit(threads), (torch.inference_mode() if impl == "py_torch" else _null()):
            case.clear_outputs()
            store(run())
            if impl == "peer_numpy" and plant_op == case.op:
                plant(case, case.outputs)
            err = case.check()
            if err:
                rows.append(error_row(name, "disagrees with the oracle: " + err))
                print("peer_numpy.py: %s: disagrees with the oracle: %s" % (name, err), file=sys.stderr)
                continue
            reps = run_repetitions(run, min_time, repetitions, real)
            if empty is None:  # the module's and torch's calls: the book's empty call, the same arrays
                empty = book_op(case)[1]
            extra = {"overhead_ns": overhead_ns(empty, min(min_time, 0.01))}
        rows += rows_for(name, case, reps, real, label, extra)
        print("peer_numpy.py: %-60s %12.0f ns" % (name, statistics.median((r if real else c) / n for n, r, c in reps) * 1e9),
              file=sys.stderr)

    if a.corrected:
        context = {"nnsimd_peer_numpy_corrected_code": blas_code(tpc)}
    else:
        context = {"nnsimd_peer_numpy_code": blas_code(tpc),
                   "nnsimd_peer_numpy_nnfs_code": "numpy %s; as peer_numpy, np.dot in float64 then cast to float32 "
                                                  "(nnfs.init())" % np.__version__}
    # OpenBLAS's detection fell below the CPU (0.3.21 on CPUs it does not know): the BLAS ops' rows once more in a
    # process of its own with the core the CPU's ISA level calls for (OPENBLAS_CORETYPE is read when the
    # library loads), as peer_numpy_corrected; both kept, as nnsimd bench does for the C++ OpenBLAS peer.
    fix = None if a.corrected else blas_fix(tpc)
    if fix and any(p[1] == "peer_numpy" and p[0][0] in BLAS_OPS for p in plan):
        part = a.out + ".corrected.json"
        argv = [sys.executable, os.path.abspath(__file__), "--mode", a.mode, "--filter=" + a.filter, "--corrected",
                "--out", part] + (["--min-time", repr(a.min_time)] if a.min_time is not None else [])
        print("peer_numpy.py: OpenBLAS fell back below this CPU's ISA; the BLAS ops' rows again with %s as "
              "peer_numpy_corrected" % fix, file=sys.stderr)
        k, v = fix.split("=", 1)
        rc = subprocess.run(argv, env=dict(os.environ, **{k: v})).returncode
        if rc != 0 or not os.path.exists(part):
            print("peer_numpy.py: the corrected run exited with status %d" % rc, file=sys.stderr)
            return 1
        with open(part) as f:
            c = json.load(f)
        os.unlink(part)
        rows += c["benchmarks"]
        context.update(c["context"])
        context["nnsimd_peer_numpy_code"] += "; rerun as peer_numpy_corrected with " + fix
    if tpc and cores > 1 and not a.corrected:
        context["nnsimd_peer_numpy_t%d_code" % cores] = "as peer_numpy, BLAS at %d threads (threadpoolctl)" % cores
    if torch is not None and not a.corrected:
        context["nnsimd_py_torch_code"] = "torch %s, 1 thread, inference_mode" % torch.__version__
    if not a.corrected:
        context["nnsimd_py_nnsimd_code"] = "nnsimd module, isa %s, 1 thread" % nnsimd.isa()
    doc = {"context": context, "benchmarks": rows}
    d = os.path.dirname(os.path.abspath(a.out))
    fd, tmp = tempfile.mkstemp(prefix=".peer_numpy.", suffix=".json", dir=d)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        os.replace(tmp, a.out)
    except BaseException:
        os.unlink(tmp)
        raise
    return 0


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    sys.exit(main())
