#!/usr/bin/env python3
"""nnsimd_results: the one module that reads nnsimd_bench results (tools/summarize.py, tools/compare_results.py
and tools/cross_report.py all use it; none keeps a copy of what is here).

    nnsimd_results.py compact IN.json OUT.json [--keep-repetitions]   # a committed run, shrunk
    nnsimd_results.py describe RESULT.json                             # machine, limits, ceiling models

What it holds, in order below:
  schema      RESULT_SCHEMA_VERSION and COMPACT_SCHEMA: what this module reads. A result is either Google
              Benchmark 1.7.1's JSON as nnsimd_bench writes it (no schema field), or the compact form written
              by `compact` ("nnsimd_schema": COMPACT_SCHEMA). Missing keys are tolerated everywhere.
  names       <kernel>/<dtype>/<impl>/<shapeset>:<dims>, impl = scalar | autovec_<isa> | <isa> | <isa>_t<N> |
              <isa>_unfused[_t<N>] (the forward pass one call per stage) | peer_<lib> | peer_<lib>_corrected (the peer rerun with the setting that selects its best code,
              cli/bench.cpp); machine limits limit/fma/<dtype>/<isa>[/t<N>], limit/read|copy/<L1|L2|L3|DRAM>[/t<N>],
              limit/exp|log/<dtype>/<isa>. Google Benchmark's own suffixes (/real_time, /repeats:N, /threads:N,
              ...) and aggregate suffixes (_mean, _median, ...) are stripped, then NAME_ALIASES applied.
  statistics  real time, the median over repetitions of the iteration runs; if the file holds aggregates
              only (or is compact), the _median aggregate. Counters likewise (medians of the per-repetition
              rates). Geometric means over shapes. Ratios are only ever taken within one file.
  ceilings    the roofline model: one function per model in CEILING_MODELS (roof_level, the model of the
              committed runs, and roof_ws, the placeholder for ceilings measured at each benchmark's own
              working set). A model also says whether a run measured what it needs (model_measured); a run
              that did not gets "not measured", never another model's figure.
  machine     Machine: id, CPU, family/model, microarchitecture, ISA flags, caches, cores, commit, peers' code.
"""
import argparse
import json
import math
import os
import re
from pathlib import Path
import statistics
import sys
from collections import namedtuple

# --- schema ----------------------------------------------------------------------------------------------
RESULT_SCHEMA_VERSION = 1  # of this module's reading of results; bump when a reader's meaning changes
COMPACT_SCHEMA = "nnsimd-bench-compact-%d" % RESULT_SCHEMA_VERSION
COMPACT_PREFIX = "nnsimd-bench-compact-"

KERNELS = ["dense_forward", "dense_relu", "dense_packed_forward", "dense_packed_relu", "relu", "clip", "softmax",
           "categorical_cross_entropy", "categorical_cross_entropy_onehot", "softmax_cross_entropy", "argmax", "accuracy"]
ISAS = ["sse2", "avx2", "avx512", "neon64"]
COPY_LIKE = {"relu", "clip", "softmax"}  # write as many bytes as they read: held to copy bandwidth
LEVELS = ["L1", "L2", "L3", "DRAM"]
UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
GB_SUFFIX = re.compile(r"^(real_time|manual_time|process_time|(repeats|threads|iterations|min_time|"
                       r"min_warmup_time):.*)$")
AGGREGATES = ("mean", "median", "stddev", "cv")

# Old benchmark-name parts -> new ones, applied by canonical() to every name any reader sees, so a run made
# before a rename lines up with one made after. A key is either a whole canonical name
# ("relu/f32/avx2/elems:4096") or one '/'-separated part (a kernel, an impl, a shape), which is then
# renamed wherever it appears, e.g. "categorical_cross_entropy": "cross_entropy_sparse". Whole names are tried first.
RENAMED_DEF = Path(__file__).resolve().parent.parent / "include" / "nnsimd" / "detail" / "renamed.def"


def read_renamed(path=RENAMED_DEF):
    """{old: new} from the NNSIMD_RENAMED("old", "new") lines of renamed.def (the one table of renames,
    shared with the C++ readers)."""
    return dict(re.findall(r'^NNSIMD_RENAMED\("([^"]+)",\s*"([^"]+)"\)', path.read_text(), re.M))


NAME_ALIASES = read_renamed()


# --- names -----------------------------------------------------------------------------------------------
def alias(name, aliases=None):
    a = NAME_ALIASES if aliases is None else aliases
    if not a:
        return name
    if name in a:
        return a[name]
    return "/".join(a.get(p, p) for p in name.split("/"))


def canonical(run_name):
    """Strips Google Benchmark's suffixes and applies NAME_ALIASES:
    'relu/f32/avx2/elems:4096/real_time' -> 'relu/f32/avx2/elems:4096'."""
    parts = run_name.split("/")
    while len(parts) > 1 and GB_SUFFIX.match(parts[-1]):
        parts.pop()
    return alias("/".join(parts))


def parse_impl(impl):
    """-> (isa or None, threads, kind) with kind in scalar, autovec, xsimd, unfused (the forward pass as one
    nnsimd call per stage: <isa>_unfused[_t<N>]), peer, other."""
    if impl == "scalar":
        return None, 1, "scalar"
    if impl.startswith("autovec_"):
        return impl[len("autovec_"):], 1, "autovec"
    if impl.startswith("peer_"):  # peer_<lib>[_corrected][_t<N>]
        m = re.search(r"_t(\d+)$", impl)
        return None, int(m.group(1)) if m else 1, "peer"
    m = re.match(r"^([a-z0-9]+?)(_unfused)?(?:_t(\d+))?$", impl)
    if m and m.group(1) in ISAS:
        return m.group(1), int(m.group(3) or 1), "unfused" if m.group(2) else "xsimd"
    return None, 1, "other"


def parse_peer(impl):
    """'peer_openblas_corrected' -> ('openblas', True); 'peer_eigen' -> ('eigen', False); a _t<N> suffix (the
    peer on N threads) is dropped: 'peer_torch_t2' -> ('torch', False); else (None, False)."""
    if not impl or not impl.startswith("peer_"):
        return None, False
    lib = re.sub(r"_t\d+$", "", impl[len("peer_"):])
    if lib.endswith("_corrected"):
        return lib[:-len("_corrected")], True
    return lib, False


def split_shape(shape):
    """'mnist:1024x784x128' -> ('mnist', (1024, 784, 128)); dims that are not numbers -> ()."""
    s, _, dims = (shape or "").partition(":")
    try:
        return s, tuple(int(d) for d in dims.split("x")) if dims else ()
    except ValueError:
        return s, ()


Name = namedtuple("Name", "kernel dtype impl shape isa threads kind is_limit limit")


def parse_name(name):
    """A canonical name -> Name; limit rows have is_limit and limit = the parts after 'limit/' (a tuple)."""
    p = name.split("/")
    if p[0] == "limit":
        return Name(None, None, None, None, None, 1, None, True, tuple(p[1:]))
    if len(p) >= 4:
        isa, threads, kind = parse_impl(p[2])
        return Name(p[0], p[1], p[2], "/".join(p[3:]), isa, threads, kind, False, None)
    return Name(None, None, None, None, None, 1, None, False, None)


def impl_order(impl):
    isa, threads, kind = parse_impl(impl)
    rank = {"scalar": 0, "autovec": 1, "xsimd": 2, "unfused": 3, "peer": 4, "other": 5}[kind]
    return (rank, ISAS.index(isa) if isa in ISAS else 9, threads, impl)


# --- statistics ------------------------------------------------------------------------------------------
def geomean(xs):
    xs = [x for x in xs if x]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def _seconds(entry):
    return float(entry["real_time"]) * UNIT_SECONDS[entry.get("time_unit", "ns")]


NOT_COUNTERS = {"name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
                "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit", "label",
                "aggregate_name", "aggregate_unit", "error_occurred", "error_message", "ws_bytes"}


class Bench:
    """One benchmark of one file: median time and counters over its repetitions."""

    def __init__(self, name, seconds, reps, counters, label, ws_bytes, samples=None):
        self.name = name
        self.seconds = seconds  # median real time per iteration
        self.reps = reps  # number of repetitions seen
        # repetition index -> real time per iteration of that repetition ({} when the file holds medians
        # only). With random interleaving, repetition k of every benchmark runs in the same round k.
        self.samples = samples or {}
        self.counters = counters  # median rates
        self.label = label or ""
        self.ws_bytes = ws_bytes
        n = parse_name(name)
        self.is_limit = n.is_limit
        self.kernel, self.dtype, self.impl, self.shape = n.kernel, n.dtype, n.impl, n.shape
        self.isa, self.threads, self.kind = n.isa, n.threads, n.kind

    @property
    def roof(self):
        m = re.search(r"roof=([\w+]+)", self.label)
        return m.group(1) if m else None

    @property
    def impl_info(self):
        """What a peer said it chose for this case (label impl=..., e.g. oneDNN's 'jit:avx2'), or None."""
        m = re.search(r"(?:^|\s)impl=(\S+)", self.label)
        return m.group(1) if m else None

    @property
    def threads_used(self):
        """How many threads an N-thread row's calls used (label threads=K; runs before it: None)."""
        m = re.search(r"(?:^|\s)threads=(\d+)", self.label)
        return int(m.group(1)) if m else None

    @property
    def key(self):
        """(kernel, dtype, shape): the benchmarks whose times may be compared."""
        return (self.kernel, self.dtype, self.shape)


def read_json(path):
    with open(path) as f:
        return json.load(f)


class Result:
    """One result file (full or compact): context, benchmarks by canonical name, machine limits."""

    def __init__(self, path, data=None, ceiling_model=None):
        self.path = path
        if data is None:
            data = read_json(path)
        schema = data.get("nnsimd_schema")
        if schema and not str(schema).startswith(COMPACT_PREFIX):
            raise ValueError("%s: unknown nnsimd_schema %r" % (path, schema))
        if schema and schema != COMPACT_SCHEMA:
            raise ValueError("%s: written as %s, this module reads %s" % (path, schema, COMPACT_SCHEMA))
        self.compact = bool(schema)
        self.ceiling_model = ceiling_model
        self.context = data.get("context") or {}
        iters, aggs = {}, {}
        for e in data.get("benchmarks") or []:
            if e.get("error_occurred") or "real_time" not in e:
                continue
            name = canonical(e.get("run_name") or e.get("name", ""))
            if e.get("run_type") == "aggregate":
                aggs.setdefault(name, {})[e.get("aggregate_name")] = e
            else:
                iters.setdefault(name, []).append(e)
        self.has_repetitions = any(len(r) > 1 for r in iters.values())
        self.benches = {}
        for name in list(iters) + [n for n in aggs if n not in iters]:
            runs = iters.get(name)
            reps = len(runs) if runs else 0
            if not runs:  # aggregates only (--benchmark_report_aggregates_only, or compact)
                a = aggs[name]
                runs = [a.get("median") or a.get("mean")]
                if runs[0] is None:
                    continue
                reps = int(runs[0].get("repetitions") or 1)
            counters = {}
            for k in runs[0]:
                if k not in NOT_COUNTERS and isinstance(runs[0][k], (int, float)):
                    counters[k] = statistics.median(float(r[k]) for r in runs if k in r)
            ws = runs[0].get("ws_bytes")
            samples = {int(r.get("repetition_index", i)): _seconds(r) for i, r in enumerate(runs)} \
                if name in iters else {}
            self.benches[name] = Bench(name, statistics.median(_seconds(r) for r in runs), reps, counters,
                                       runs[0].get("label"), float(ws) if ws is not None else None, samples)
        self.limits = {}
        for b in self.benches.values():
            if b.is_limit:
                rate = (b.counters.get("flops") or b.counters.get("bytes") or b.counters.get("elements")
                        or b.counters.get("regions"))
                if rate:
                    self.limits[tuple(b.name.split("/")[1:])] = rate
        self.caches = self._caches()
        if not self.ceiling_model:  # the newest model this run measured
            self.ceiling_model = pick_model([self])

    @property
    def machine_id(self):
        return self.context.get("nnsimd_machine_id") or self.context.get("host_name") or "unknown"

    @property
    def machine(self):
        return Machine(self)

    def _caches(self):
        c = {}
        for lvl, key in (("L1", "nnsimd_l1d"), ("L2", "nnsimd_l2"), ("L3", "nnsimd_l3")):
            for k in (key + "_bytes", key):  # bench/main.cpp writes nnsimd_l1d_bytes
                try:
                    if int(self.context.get(k, 0)) > 0:
                        c[lvl] = int(self.context[k])
                        break
                except (TypeError, ValueError):
                    pass
        for e in self.context.get("caches") or []:
            lvl = "L%d" % e.get("level", 0)
            if lvl not in c and e.get("type") in ("Data", "Unified") and lvl in ("L1", "L2", "L3"):
                c[lvl] = int(e["size"])
        return c

    # --- queries -------------------------------------------------------------------------------------
    def kernel_benches(self):
        return [b for b in self.benches.values() if not b.is_limit and b.kernel]

    def groups(self):
        """(kernel, dtype, shape) -> {impl: Bench}, in KERNELS order then shape order of the file."""
        g = {}
        for b in self.kernel_benches():
            g.setdefault(b.key, {})[b.impl] = b
        order = {k: i for i, k in enumerate(KERNELS)}
        return dict(sorted(g.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])))

    def isas(self):
        """The xsimd ISAs this run benchmarked, in ISAS order."""
        seen = {b.isa for b in self.kernel_benches() if b.kind == "xsimd"}
        return [i for i in ISAS if i in seen]

    def peers(self, threads=1):
        """The peer impls this run timed on `threads` threads (peer_<lib>, peer_<lib>_corrected, with _t<N>
        for N > 1), sorted."""
        return sorted({b.impl for b in self.kernel_benches() if b.kind == "peer" and b.threads == threads})

    def peer_codes(self):
        """peer impl -> which code it ran (context nnsimd_peer_<name>_code; absent in runs before it)."""
        c = self.context
        return {"peer_" + k[len("nnsimd_peer_"):-len("_code")]: str(c[k]) for k in sorted(c)
                if k.startswith("nnsimd_peer_") and k.endswith("_code")}

    def best_isa_limit(self, kind, dtype):
        vals = [v for k, v in self.limits.items() if k[0] == kind and k[1] == dtype and
                (len(k) == 3 or (len(k) == 4 and k[3] in UNARY_IMPLS))]
        return max(vals) if vals else None

    def level_of(self, ws_bytes, threads=1):
        for lvl in ("L1", "L2"):
            if lvl in self.caches and ws_bytes / threads <= self.caches[lvl]:
                return lvl
        if "L3" in self.caches and ws_bytes <= self.caches["L3"]:
            return "L3"
        return "DRAM"

    def roofline(self, b, model=None):
        """-> (fraction or None, which ceiling) under this result's ceiling model (or `model`)."""
        r = roofline(self, b, model or self.ceiling_model)
        return r.fraction, r.what


# --- ceilings --------------------------------------------------------------------------------------------
# A model is a function (Result, Bench) -> Roof. Roof.fraction is the measured rate over the ceiling (None
# when the run lacks what it needs), Roof.what names the ceiling (shown next to the fraction), Roof.rate is
# the ceiling itself in the unit of its counter (flops/s, bytes/s, elements/s; None if not measured).
Roof = namedtuple("Roof", "fraction what rate")


# The vector exp and log variants a run may have timed (bench/limits.hpp): limit/<exp|log>/<dtype>/<isa>/<impl>.
# Runs before them have limit/<exp|log>/<dtype>/<isa> (xsimd's).
UNARY_IMPLS = ("xsimd", "own", "sleef", "libm")


def isa_limit(res, kind, dtype, isa):
    """limit/<kind>/<dtype>/<isa>: for exp and log the fastest of the variants timed, with its name."""
    vals = [(v, k[3] if len(k) == 4 else "") for k, v in res.limits.items()
            if k[0] == kind and k[1] == dtype and k[2] == isa and (len(k) == 3 or (len(k) == 4 and k[3] in UNARY_IMPLS))]
    if not vals:
        return None, ""
    return max(vals)


def compute_limit(res, kind, dtype, b):
    """limit/<kind>/<dtype>/<isa>[/tN] for b's ISA and threads; the machine's best for scalar and peers."""
    if b.kind in ("xsimd", "autovec", "unfused") and b.isa:
        if b.threads > 1 and (kind, dtype, b.isa, "t%d" % b.threads) in res.limits:
            return res.limits[(kind, dtype, b.isa, "t%d" % b.threads)], "%s %s t%d" % (kind, b.isa, b.threads)
        one, impl = isa_limit(res, kind, dtype, b.isa)
        if one:
            return one * b.threads, "%s %s%s%s" % (kind, b.isa, " " + impl if impl else "",
                                                  " x%d" % b.threads if b.threads > 1 else "")
    best = res.best_isa_limit(kind, dtype)  # scalar, peers, or an ISA whose limit was not measured
    if b.threads > 1 and best:  # a peer on N threads: the best ISA's N-thread limit, else N x one thread's
        tn = [v for k, v in res.limits.items() if k[:2] == (kind, dtype) and len(k) == 4 and k[3] == "t%d" % b.threads]
        return (max(tn), "%s best t%d" % (kind, b.threads)) if tn else (best * b.threads, "%s best x%d" % (kind, b.threads))
    return best, "%s best" % kind


def mem_limit_level(res, b):
    """The bandwidth of the cache level b's working set fits in (the committed runs' model)."""
    if b.ws_bytes is None:
        return None, "mem (no ws_bytes)"
    lvl = res.level_of(b.ws_bytes, b.threads)
    kind = "copy" if b.kernel in COPY_LIKE else "read"
    if b.threads > 1 and (kind, lvl, "t%d" % b.threads) in res.limits:
        return res.limits[(kind, lvl, "t%d" % b.threads)], "%s %s t%d" % (kind, lvl, b.threads)
    one = res.limits.get((kind, lvl))
    scale = b.threads if lvl in ("L1", "L2") else 1
    return (one * scale if one else None), "%s %s" % (kind, lvl)


def logs_rate(b):
    """logs per second of a mem+log kernel: the `logs` counter if the benchmark has one; categorical_cross_entropy counts
    one element (the picked probability) per row, so elements; otherwise one log per row of a rows x cols
    shape, i.e. elements / cols (bench/problem.hpp counts rows x cols elements)."""
    c = b.counters
    if "logs" in c:
        return c["logs"]
    if "elements" not in c:
        return None
    if b.kernel == "categorical_cross_entropy":
        return c["elements"]
    m = re.search(r"x(\d+)$", b.shape or "")
    return c["elements"] / int(m.group(1)) if m else None


def _roof_with(res, b, mem_limit):
    """The label's ceiling (roof=fma|exp|mem|mem+log) with the memory ceiling given by mem_limit(res, b)."""
    roof, c = b.roof, b.counters
    if roof == "fma":
        lim, what = compute_limit(res, "fma", b.dtype, b)
        return Roof(c["flops"] / lim if lim and "flops" in c else None, what, lim)
    if roof in ("exp", "exp+mem"):
        lim, what = compute_limit(res, "exp", b.dtype, b)
        efrac = c["elements"] / lim if lim and "elements" in c else None
        if roof == "exp+mem":  # the binding one of exp throughput and the bandwidth at the working set
            mlim, mwhat = mem_limit(res, b)
            mfrac = c["bytes"] / mlim if mlim and "bytes" in c else None
            if mfrac is not None and (efrac is None or mfrac > efrac):
                return Roof(mfrac, mwhat, mlim)
        return Roof(efrac, what, lim)
    if roof in ("mem", "mem+log"):
        lim, what = mem_limit(res, b)
        frac = c["bytes"] / lim if lim and "bytes" in c else None
        if roof == "mem+log":
            llim, lwhat = compute_limit(res, "log", b.dtype, b)
            logs = logs_rate(b)
            lfrac = logs / llim if llim and logs else None
            if lfrac is not None and (frac is None or lfrac > frac):
                return Roof(lfrac, lwhat, llim)
        return Roof(frac, what, lim)
    return Roof(None, roof or "-", None)


def roof_level(res, b):
    """The model of the committed runs (results/README.md, "Fraction of roofline"):
      fma      flops/s over limit/fma of the same dtype and ISA; an <isa>_t<N> run uses limit/fma/.../t<N>
               when measured, else N x the one-thread limit.
      mem      bytes/s over the bandwidth of the cache level the working set (ws_bytes) fits in (L1d, L2, L3
               sizes from the nnsimd_l1d/l2/l3[_bytes] context, else GB's caches; DRAM beyond L3). For N
               threads the private levels (L1, L2) hold ws_bytes / N each. Kernels whose output is as large as
               their input (relu, clip, softmax) are held to the COPY bandwidth, all others (dense, the
               losses, argmax, accuracy: they write a row vector or a scalar) to the READ bandwidth. Both
               the kernel's `bytes` and the copy limit count bytes read plus bytes written. With N threads:
               limit/<read|copy>/<level>/t<N> if measured, else N x the one-thread figure for L1/L2 and the
               one-thread figure for L3/DRAM (shared; so a fraction above 1 there means the shared level
               scales with threads).
      exp      elements/s over limit/exp of the same dtype and ISA (one exp per element).
      mem+log  the binding one of two ceilings: max(bytes/s over the mem ceiling above, logs/s over
               limit/log of the same dtype and ISA), logs/s being the `logs` counter if present, else one
               log per row (categorical_cross_entropy's elements are its rows; categorical_cross_entropy_onehot's are rows x cols).
      The scalar reference, the peers (and any ISA whose own limit is missing from the file) are held to
      the machine's best ISA (the highest limit measured): the question for them is how far they are from
      what this machine can do."""
    return _roof_with(res, b, mem_limit_level)


# limit/<read|copy|copy_nt>/<kernel>/<dtype>/<set>:<dims>[/t<N>]: the bandwidth ceiling of one benchmark
# case, measured by the same binary right before the case, at the case's own working set, with its
# read:write mix (bench/main.cpp register_mem_ceilings).
CASE_SHAPE = re.compile(r"^[a-z0-9_]+:[0-9x]+$")
MEM_KINDS = ("read", "copy", "copy_nt")


def mem_limit_ws(res, b):
    """The bandwidth ceiling measured at b's own working set: for copy-like kernels the better of ordinary
    and non-temporal stores (a wrong streaming choice shows as a low fraction); for N threads the better of
    one thread and N (a small case stays on one thread). Not measured for this case: None, never another
    model's figure."""
    kinds = ("copy", "copy_nt") if b.kernel in COPY_LIKE else ("read",)
    best, what = None, None
    for kind in kinds:
        for t in sorted({1, b.threads}):
            key = (kind, b.kernel, b.dtype, b.shape) + (("t%d" % t,) if t > 1 else ())
            v = res.limits.get(key)
            if v and (best is None or v > best):
                best, what = v, "%s at ws %s%s" % (kind, fmt_bytes(b.ws_bytes) if b.ws_bytes else "?", " t%d" % t if t > 1 else "")
    if best is None:
        return None, "%s at ws not measured" % kinds[0]
    return best, what


def roof_ws(res, b):
    """As roof_level, but memory-bound kernels held to the bandwidth measured at their own working set."""
    return _roof_with(res, b, mem_limit_ws)


def _measures_level(res):
    return bool(res.limits)  # every run since the first measured its limits; a filtered run may lack some


def _measures_ws(res):
    return any(k[0] in MEM_KINDS and len(k) >= 4 and CASE_SHAPE.match(k[3]) for k in res.limits)


CeilingModel = namedtuple("CeilingModel", "name roof measured doc")
# Oldest first: "auto" (cross_report.py) takes the newest model that any of its runs measured.
CEILING_MODELS = {
    "level": CeilingModel("level", roof_level, _measures_level, "bandwidth of the cache level the working set fits in"),
    "ws": CeilingModel("ws", roof_ws, _measures_ws, "bandwidth measured at each benchmark's own working set"),
}
DEFAULT_CEILING_MODEL = "level"
NOT_MEASURED = "not measured"


def model_measured(res, model=None):
    """Whether `res` has the limit rows `model` needs (a run made before a model's rows existed has not)."""
    return CEILING_MODELS[model or res.ceiling_model].measured(res)


def pick_model(results, requested="auto"):
    """The one model for a set of runs: `requested`, or for "auto" the newest model any run measured."""
    if requested != "auto":
        if requested not in CEILING_MODELS:
            raise ValueError("unknown ceiling model %r (have: %s)" % (requested, ", ".join(CEILING_MODELS)))
        return requested
    for name in reversed(list(CEILING_MODELS)):
        if any(CEILING_MODELS[name].measured(r) for r in results):
            return name
    return DEFAULT_CEILING_MODEL


def roofline(res, b, model=None):
    """-> Roof under `model` (default: the result's); Roof(None, NOT_MEASURED, None) where the run lacks the
    model's rows altogether."""
    m = CEILING_MODELS[model or res.ceiling_model]
    if not m.measured(res):
        return Roof(None, NOT_MEASURED, None)
    return m.roof(res, b)


# --- per-group figures ---------------------------------------------------------------------------------
def figures(res, group, model=None):
    """For one (kernel, dtype, shape): impl -> dict(time, x_scalar, x_autovec, x_autovec_best, roof, roof_what,
    roof_rate, vs_peer, vs_peers); plus the best peer's Bench and the best autovec's Bench."""
    scalar = group.get("scalar")
    autovec = {b.isa: b for b in group.values() if b.kind == "autovec"}
    best_av = min(autovec.values(), key=lambda b: b.seconds) if autovec else None
    # A peer is compared with our rows of at least its thread count: a one-thread row of ours with the
    # one-thread peers, an N-thread row with every peer row of at most N threads (a library that does not
    # parallelize a kernel gives a user its one-thread time at any thread count).
    peers = [b for b in group.values() if b.kind == "peer"]
    one = [b for b in peers if b.threads == 1]
    best_peer = min(one, key=lambda b: b.seconds) if one else None

    def peers_for(b):
        return [p for p in peers if p.threads <= b.threads]

    out = {}
    for impl in sorted(group, key=impl_order):
        b = group[impl]
        r = roofline(res, b, model)
        av = autovec.get(b.isa) if b.kind == "xsimd" else None
        out[impl] = {
            "bench": b,
            "time": b.seconds,
            "x_scalar": scalar.seconds / b.seconds if scalar else None,
            "x_autovec": av.seconds / b.seconds if av else None,
            "x_autovec_best": best_av.seconds / b.seconds if best_av and b.kind != "autovec" else None,
            "roof": r.fraction,
            "roof_what": r.what,
            "roof_rate": r.rate,
            "vs_peer": min(p.seconds for p in peers_for(b)) / b.seconds if b.kind == "xsimd" and peers_for(b) else None,
            "vs_peers": {p.impl: p.seconds / b.seconds for p in peers_for(b)} if b.kind == "xsimd" else {},
        }
    return out, best_peer, best_av


# --- formatting ------------------------------------------------------------------------------------------
def fmt_time(s):
    for unit, f in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= f or unit == "ns":
            v = s / f
            return ("%.3g" % v if v < 100 else "%.0f" % v) + " " + unit
    return "-"


def fmt_x(v):
    return "-" if v is None else ("%.2f×" % v if v < 10 else "%.1f×" % v)


def fmt_pct(v):
    return "-" if v is None else "%.0f%%" % (100 * v)


def fmt_bytes(n):
    for unit, f in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= f:
            v = n / f
            return ("%d" % v if v == int(v) else "%.3g" % v) + " " + unit
    return "%d B" % n


LIMIT_UNITS = {"fma": "GFLOP/s", "read": "GB/s", "copy": "GB/s", "exp": "G elements/s", "log": "G elements/s",
               "omp_region": "us per region"}


def fmt_limit(key, rate):
    """A limit row's value with its unit: rates in G/s, the parallel region's cost in microseconds."""
    if key[0] == "omp_region":
        return "%.2f us per region" % (1e6 / rate)
    return "%.3g %s" % (rate / 1e9, LIMIT_UNITS.get(key[0], ""))


def streaming_policy(res):
    """(threshold bytes or None for never, source, [(ws, regular GB/s, streamed GB/s)]) from the context of a
    run that recorded it (nnsimd_streaming_store_*), else None."""
    c = res.context
    if "nnsimd_streaming_store_bytes" not in c:
        return None
    b = int(c["nnsimd_streaming_store_bytes"])
    curve = []
    for part in filter(None, str(c.get("nnsimd_streaming_store_curve", "")).split(";")):
        ws, reg, st = part.split(":")
        curve.append((int(ws), int(ws) / float(reg) / 1e9, int(ws) / float(st) / 1e9))
    return (None if b >= 2 ** 63 else b), str(c.get("nnsimd_streaming_store_source", "")), curve


Scaling = namedtuple("Scaling", "ratio key isa threads t1 used")


def thread_scaling(res):
    """[Scaling(t1 seconds / tN seconds, (kernel, dtype, shape), isa, N, t1 seconds, threads the N-thread
    calls used or None if the run did not record it)] for every xsimd case timed at one thread and at N > 1
    threads in this run, worst first. used == 1: the call stayed on one thread (below the parallel
    threshold), so both rows ran the same code and the ratio is the run's noise."""
    rows = []
    for key, group in res.groups().items():
        by = dict(group)
        for impl, b in by.items():
            if b.kind == "xsimd" and b.threads > 1 and b.isa in by:
                one = by[b.isa]
                rows.append(Scaling(one.seconds / b.seconds, key, b.isa, b.threads, one.seconds, b.threads_used))
    return sorted(rows)


# --- machine ---------------------------------------------------------------------------------------------
# (vendor, family, model) -> microarchitecture, for runs whose context lacks nnsimd_uarch. Family and model
# are decimal, as in the machine id (x86_64-amd-epyc-f25m17-2c: family 25 model 17).
UARCH = {("AMD", 23, 1): "Zen", ("AMD", 23, 49): "Zen 2", ("AMD", 25, 1): "Zen 3", ("AMD", 25, 33): "Zen 3",
         ("AMD", 25, 17): "Zen 4", ("AMD", 25, 97): "Zen 4", ("AMD", 26, 2): "Zen 5",
         ("Intel", 6, 85): "Skylake-SP / Cascade Lake", ("Intel", 6, 106): "Ice Lake-SP",
         ("Intel", 6, 143): "Sapphire Rapids", ("Intel", 6, 207): "Emerald Rapids", ("Intel", 6, 173): "Granite Rapids"}


class Machine:
    """What a result says about the machine that made it."""

    def __init__(self, res):
        c = res.context
        self.id = res.machine_id
        self.vendor = c.get("nnsimd_cpu_vendor") or ""
        self.cpu = c.get("nnsimd_cpu_model") or ""
        fam, mod = c.get("nnsimd_cpu_family"), c.get("nnsimd_cpu_model_number")
        m = re.search(r"-f(\d+)m(\d+)-", self.id)
        self.family = int(fam) if fam not in (None, "") else (int(m.group(1)) if m else None)
        self.model = int(mod) if mod not in (None, "") else (int(m.group(2)) if m else None)
        self.uarch = c.get("nnsimd_uarch") or UARCH.get((self.vendor, self.family, self.model), "")
        self.isa_flags = [f for f in re.split(r"[,\s]+", c.get("nnsimd_isa_flags") or "") if f]
        self.isas = res.isas()
        self.caches = dict(res.caches)
        self.cores = c.get("nnsimd_cores") or c.get("num_cpus") or ""
        self.commit = c.get("nnsimd_git_commit") or "unknown"
        self.compiler = c.get("nnsimd_compiler") or ""
        self.date = c.get("date") or ""
        self.mode = c.get("nnsimd_mode") or ""
        self.peer_codes = res.peer_codes()
        self.mhz = c.get("mhz_per_cpu")

    @property
    def family_model(self):
        return "family %s model %s" % (self.family, self.model) if self.family is not None else "-"

    def caches_text(self):
        return ", ".join("%s %s" % (k, fmt_bytes(v)) for k, v in sorted(self.caches.items())) or "-"

    def describe(self):
        """One line: CPU, family/model, microarchitecture, ISAs, caches, cores, commit."""
        parts = [self.cpu or self.vendor or self.id]
        if self.family is not None:
            parts.append(self.family_model)
        if self.uarch:
            parts.append(self.uarch)
        parts.append("SIMD " + ("/".join(self.isas) or "-"))
        parts.append(self.caches_text())
        if self.cores:
            parts.append("%s cores" % self.cores)
        parts.append("commit " + self.commit)
        return "%s: %s" % (self.id, ", ".join(parts))


# --- compact ---------------------------------------------------------------------------------------------
def compact_data(res, keep_repetitions=False, data=None):
    """The compact form of a loaded Result: the context, and per benchmark one median record (an aggregate
    "median" entry: real time in seconds, the counters the tools read as medians, repetitions, label,
    ws_bytes). With keep_repetitions, the iteration runs themselves (trimmed to those fields), so that
    Google Benchmark's compare.py can still run its U test; the loader gives the same numbers either way."""
    out = []
    if keep_repetitions and data is not None:
        keep = {"name", "run_name", "run_type", "repetitions", "repetition_index", "threads", "iterations",
                "real_time", "cpu_time", "time_unit", "label", "ws_bytes"}
        for e in data.get("benchmarks") or []:
            if e.get("run_type") == "aggregate" or e.get("error_occurred") or "real_time" not in e:
                continue
            out.append({k: v for k, v in e.items()
                        if k in keep or (k not in NOT_COUNTERS and isinstance(v, (int, float)))})
    else:
        for b in res.benches.values():
            e = {"name": b.name, "run_type": "aggregate", "aggregate_name": "median",
                 "repetitions": b.reps, "real_time": b.seconds, "time_unit": "s"}
            if b.label:
                e["label"] = b.label
            if b.ws_bytes is not None:
                e["ws_bytes"] = b.ws_bytes
            e.update(b.counters)
            out.append(e)
    return {"nnsimd_schema": COMPACT_SCHEMA, "context": res.context, "benchmarks": out}


def write_compact(src, dst, keep_repetitions=False):
    """Writes the compact form of src to dst (may be src itself) -> (bytes before, bytes after)."""
    before = os.path.getsize(src)
    data = read_json(src)
    res = Result(src, data)
    c = compact_data(res, keep_repetitions and not res.compact, data)
    tmp = dst + ".tmp"
    with open(tmp, "w") as f:  # one benchmark per line: small, and diffable
        f.write('{"nnsimd_schema": %s,\n "context": %s,\n "benchmarks": [\n' % (
            json.dumps(c["nnsimd_schema"]), json.dumps(c["context"], sort_keys=True)))
        f.write(",\n".join("  " + json.dumps(e, ensure_ascii=False) for e in c["benchmarks"]))
        f.write("\n]}\n")
    os.replace(tmp, dst)
    return before, os.path.getsize(dst)


# --- command line ----------------------------------------------------------------------------------------
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("compact", help="write the compact form of a result (the loader reads both)")
    c.add_argument("input")
    c.add_argument("output")
    c.add_argument("--keep-repetitions", action="store_true",
                   help="keep the iteration runs (for Google Benchmark's U test), not only the medians")
    d = sub.add_parser("describe", help="print the machine, its limits and the ceiling models the run measured")
    d.add_argument("result")
    args = p.parse_args(argv)
    if args.cmd == "compact":
        before, after = write_compact(args.input, args.output, args.keep_repetitions)
        print("compact: %s -> %s: %d -> %d bytes (%.1f%%)" % (args.input, args.output, before, after,
                                                              100.0 * after / before if before else 0))
        return 0
    res = Result(args.result)
    print(res.machine.describe())
    for k, v in sorted(res.machine.peer_codes.items()):
        print("  %s runs: %s" % (k, v))
    for k, v in sorted(res.limits.items()):
        print("  limit/%s: %.1f %s" % ("/".join(k), v / 1e9, LIMIT_UNITS.get(k[0], "")))
    print("  ceiling models measured: %s" % (", ".join(n for n, m in CEILING_MODELS.items() if m.measured(res))
                                             or "none"))
    print("  %d benchmarks%s" % (len(res.kernel_benches()), " (compact)" if res.compact else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())


# --- the fused forward pass ------------------------------------------------------------------------------
FORWARD_OPS = ("forward_pass", "forward_pass_packed")
# The book's own systems, in order of preference: NumPy running the book's code (after nnfs.init(), else
# plain), PyTorch's ATen.
BOOK_NUMPY, BOOK_TORCH = ("peer_numpy_nnfs", "peer_numpy"), ("peer_torch",)


def first_of(group, impls):
    """The first of impls (names in order of preference) that the group has, or None."""
    return next((group[i] for i in impls if i in group), None)


def best_ours(group, threads=1):
    """nnsimd's fastest xsimd row of the group at `threads` threads, or None."""
    ours = [b for b in group.values() if b.kind == "xsimd" and b.threads == threads]
    return min(ours, key=lambda b: b.seconds) if ours else None


def most_threads(res):
    """The largest thread count of any row above one thread, or None (a run with one-thread rows only)."""
    return max((b.threads for g in res.groups().values() for b in g.values() if b.threads > 1), default=None)


def fusion_figures(res, threads=1):
    """How much fusing the forward pass buys, per (op, dtype, shape) of FORWARD_OPS at `threads` threads:
    dicts with the fused row (our fastest xsimd row), the same ISA's unfused row (<isa>_unfused[_t<N>]), the
    fastest peer composition of at most `threads` threads, and (one thread) NumPy's and PyTorch's rows."""
    out = []
    for (kernel, dtype, shape), g in res.groups().items():
        if kernel not in FORWARD_OPS:
            continue
        fused = best_ours(g, threads)
        if not fused:
            continue
        peers = [b for b in g.values() if b.kind == "peer" and b.threads <= threads]
        out.append({"kernel": kernel, "dtype": dtype, "shape": shape, "fused": fused,
                    "unfused": g.get("%s_unfused%s" % (fused.isa, "_t%d" % threads if threads > 1 else "")),
                    "peer": min(peers, key=lambda b: b.seconds) if peers else None,
                    "numpy": first_of(g, BOOK_NUMPY) if threads == 1 else None,
                    "torch": first_of(g, BOOK_TORCH) if threads == 1 else None})
    return out
