#!/usr/bin/env python3
"""Summarizes one nnsimd_bench result (Google Benchmark JSON): a markdown table and plots.

    summarize.py RESULT.json [--out DIR] [--headline] [--no-plots]

Writes DIR/summary.md (DIR defaults to the JSON's folder) and, with matplotlib, DIR/speedup_scalar_<dtype>.png,
DIR/speedup_autovec_<dtype>.png and DIR/roofline_<dtype>.png. --headline prints the README's headline table.

Conventions read from the file (bench/ writes them):
  names  <kernel>/<dtype>/<impl>/<shapeset>:<dims>, impl = scalar | autovec_<isa> | <isa> | <isa>_t<N> |
         peer_<lib>; machine limits limit/fma/<dtype>/<isa>[/t<N>], limit/read|copy/<L1|L2|L3|DRAM>[/t<N>],
         limit/exp|log/<dtype>/<isa>. Google Benchmark's own suffixes (/real_time, /repeats:N, /threads:N,
         ...) and aggregate suffixes (_mean, _median, ...) are stripped.
  time   real time (the OpenMP variants are timed in real time; single-threaded cpu and real agree), the
         median over repetitions of the iteration runs; if the file holds aggregates only, GB's _median.
         Counters likewise (medians of the per-repetition rates).
  ratios are only ever taken between benchmarks of the same file (same process, same machine state).

Fraction of roofline (the ceiling that applies, from the label "roof=..."):
  fma      flops/s over limit/fma of the same dtype and ISA; an <isa>_t<N> run uses limit/fma/.../t<N>
           when measured, else N x the one-thread limit.
  mem      bytes/s over the bandwidth of the cache level the working set (ws_bytes) fits in (L1d, L2, L3
           sizes from the nnsimd_l1d/l2/l3[_bytes] context, else GB's caches; DRAM beyond L3). For N threads
           the private levels (L1, L2) hold ws_bytes / N each. Rule: kernels whose output is as large as
           their input (relu, clip, softmax) are held to the COPY bandwidth, all others (dense, the
           losses, argmax, accuracy: they write a row vector or a scalar) to the READ bandwidth. Both
           the kernel's `bytes` and the copy limit count bytes read plus bytes written. With N threads:
           limit/<read|copy>/<level>/t<N> if measured, else N x the one-thread figure for L1/L2 and the
           one-thread figure for L3/DRAM (shared; so a fraction above 1 there means the shared level
           scales with threads).
  exp      elements/s over limit/exp of the same dtype and ISA (one exp per element).
  mem+log  the binding one of two ceilings: max(bytes/s over the mem ceiling above, logs/s over
           limit/log of the same dtype and ISA), logs/s being the `logs` counter if present, else one
           log per row (cce_sparse's elements are its rows; cce_onehot's are rows x cols).
  The scalar reference, the peers (and any ISA whose own limit is missing from the file) are held to the
  machine's best ISA (the highest limit measured):
  the question for them is how far they are from what this machine can do.
"""
import argparse
import json
import math
import os
import re
import statistics
import sys

KERNELS = ["dense_forward", "dense_relu", "dense_packed_forward", "dense_packed_relu", "relu", "clip", "softmax",
           "cce_sparse", "cce_onehot", "softmax_cce_sparse", "argmax", "accuracy_count"]
ISAS = ["sse2", "avx2", "avx512", "neon64"]
COPY_LIKE = {"relu", "clip", "softmax"}  # write as many bytes as they read: held to copy bandwidth
LEVELS = ["L1", "L2", "L3", "DRAM"]
UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
GB_SUFFIX = re.compile(r"^(real_time|manual_time|process_time|(repeats|threads|iterations|min_time|"
                       r"min_warmup_time):.*)$")
AGGREGATES = ("mean", "median", "stddev", "cv")


def canonical(run_name):
    """Strips Google Benchmark's suffixes: 'relu/f32/avx2/elems:4096/real_time' -> 'relu/f32/avx2/elems:4096'."""
    parts = run_name.split("/")
    while len(parts) > 1 and GB_SUFFIX.match(parts[-1]):
        parts.pop()
    return "/".join(parts)


class Bench:
    """One benchmark of one file: median time and counters over its repetitions."""

    def __init__(self, name, seconds, reps, counters, label, ws_bytes):
        self.name = name
        self.seconds = seconds  # median real time per iteration
        self.reps = reps  # number of repetitions seen
        self.counters = counters  # median rates
        self.label = label or ""
        self.ws_bytes = ws_bytes
        p = name.split("/")
        self.is_limit = p[0] == "limit"
        self.kernel = self.dtype = self.impl = self.shape = None
        self.isa, self.threads, self.kind = None, 1, None
        if not self.is_limit and len(p) >= 4:
            self.kernel, self.dtype, self.impl, self.shape = p[0], p[1], p[2], "/".join(p[3:])
            self.isa, self.threads, self.kind = parse_impl(self.impl)

    @property
    def roof(self):
        m = re.search(r"roof=([\w+]+)", self.label)
        return m.group(1) if m else None

    @property
    def key(self):
        """(kernel, dtype, shape): the benchmarks whose times may be compared."""
        return (self.kernel, self.dtype, self.shape)


def parse_impl(impl):
    """-> (isa or None, threads, kind) with kind in scalar, autovec, xsimd, peer, other."""
    if impl == "scalar":
        return None, 1, "scalar"
    if impl.startswith("autovec_"):
        return impl[len("autovec_"):], 1, "autovec"
    if impl.startswith("peer_"):
        return None, 1, "peer"
    m = re.match(r"^([a-z0-9]+?)(?:_t(\d+))?$", impl)
    if m and m.group(1) in ISAS:
        return m.group(1), int(m.group(2) or 1), "xsimd"
    return None, 1, "other"


def _seconds(entry):
    return float(entry["real_time"]) * UNIT_SECONDS[entry.get("time_unit", "ns")]


NOT_COUNTERS = {"name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
                "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit", "label",
                "aggregate_name", "aggregate_unit", "error_occurred", "error_message", "ws_bytes"}


class Result:
    """One result file: context, benchmarks by canonical name, machine limits."""

    def __init__(self, path):
        self.path = path
        with open(path) as f:
            data = json.load(f)
        self.context = data.get("context", {})
        iters, aggs = {}, {}
        for e in data.get("benchmarks", []):
            if e.get("error_occurred"):
                continue
            name = canonical(e.get("run_name") or e["name"])
            if e.get("run_type") == "aggregate":
                aggs.setdefault(name, {})[e.get("aggregate_name")] = e
            else:
                iters.setdefault(name, []).append(e)
        self.benches = {}
        for name in list(iters) + [n for n in aggs if n not in iters]:
            runs = iters.get(name)
            if not runs:  # aggregates only (--benchmark_report_aggregates_only)
                a = aggs[name]
                runs = [a.get("median") or a.get("mean")]
                if runs[0] is None:
                    continue
            counters = {}
            for k in runs[0]:
                if k not in NOT_COUNTERS and isinstance(runs[0][k], (int, float)):
                    counters[k] = statistics.median(float(r[k]) for r in runs if k in r)
            ws = runs[0].get("ws_bytes")
            self.benches[name] = Bench(name, statistics.median(_seconds(r) for r in runs), len(runs), counters,
                                       runs[0].get("label"), float(ws) if ws is not None else None)
        self.limits = {}
        for b in self.benches.values():
            if b.is_limit:
                rate = b.counters.get("flops") or b.counters.get("bytes") or b.counters.get("elements")
                if rate:
                    self.limits[tuple(b.name.split("/")[1:])] = rate
        self.caches = self._caches()

    @property
    def machine_id(self):
        return self.context.get("nnsimd_machine_id") or self.context.get("host_name") or "unknown"

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
        for e in self.context.get("caches", []):
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

    def best_isa_limit(self, kind, dtype):
        vals = [v for k, v in self.limits.items() if k[0] == kind and k[1] == dtype and len(k) == 3]
        return max(vals) if vals else None

    def _compute_limit(self, kind, dtype, b):
        """limit/<kind>/<dtype>/<isa>[/tN] for b's ISA and threads; the machine's best for scalar and peers."""
        if b.kind in ("xsimd", "autovec") and b.isa:
            if b.threads > 1 and (kind, dtype, b.isa, "t%d" % b.threads) in self.limits:
                return self.limits[(kind, dtype, b.isa, "t%d" % b.threads)], "%s %s t%d" % (kind, b.isa, b.threads)
            one = self.limits.get((kind, dtype, b.isa))
            if one:
                return one * b.threads, "%s %s%s" % (kind, b.isa, " x%d" % b.threads if b.threads > 1 else "")
        best = self.best_isa_limit(kind, dtype)  # scalar, peers, or an ISA whose limit was not measured
        return best, "%s best" % kind

    def level_of(self, ws_bytes, threads=1):
        for lvl in ("L1", "L2"):
            if lvl in self.caches and ws_bytes / threads <= self.caches[lvl]:
                return lvl
        if "L3" in self.caches and ws_bytes <= self.caches["L3"]:
            return "L3"
        return "DRAM"

    def _mem_limit(self, b):
        if b.ws_bytes is None:
            return None, "mem (no ws_bytes)"
        lvl = self.level_of(b.ws_bytes, b.threads)
        kind = "copy" if b.kernel in COPY_LIKE else "read"
        if b.threads > 1 and (kind, lvl, "t%d" % b.threads) in self.limits:
            return self.limits[(kind, lvl, "t%d" % b.threads)], "%s %s t%d" % (kind, lvl, b.threads)
        one = self.limits.get((kind, lvl))
        scale = b.threads if lvl in ("L1", "L2") else 1
        return (one * scale if one else None), "%s %s" % (kind, lvl)

    def roofline(self, b):
        """-> (fraction or None, which ceiling)."""
        roof, c = b.roof, b.counters
        if roof == "fma":
            lim, what = self._compute_limit("fma", b.dtype, b)
            return (c["flops"] / lim if lim and "flops" in c else None), what
        if roof == "exp":
            lim, what = self._compute_limit("exp", b.dtype, b)
            return (c["elements"] / lim if lim and "elements" in c else None), what
        if roof in ("mem", "mem+log"):
            lim, what = self._mem_limit(b)
            frac = c["bytes"] / lim if lim and "bytes" in c else None
            if roof == "mem+log":
                llim, lwhat = self._compute_limit("log", b.dtype, b)
                logs = logs_rate(b)
                lfrac = logs / llim if llim and logs else None
                if lfrac is not None and (frac is None or lfrac > frac):
                    return lfrac, lwhat
            return frac, what
        return None, roof or "-"


def logs_rate(b):
    """logs per second of a mem+log kernel: the `logs` counter if the benchmark has one; cce_sparse counts
    one element (the picked probability) per row, so elements; otherwise one log per row of a rows x cols
    shape, i.e. elements / cols (bench/problem.hpp counts rows x cols elements)."""
    c = b.counters
    if "logs" in c:
        return c["logs"]
    if "elements" not in c:
        return None
    if b.kernel == "cce_sparse":
        return c["elements"]
    m = re.search(r"x(\d+)$", b.shape or "")
    return c["elements"] / int(m.group(1)) if m else None


# --- per-group figures ---------------------------------------------------------------------------------
def impl_order(impl):
    isa, threads, kind = parse_impl(impl)
    rank = {"scalar": 0, "autovec": 1, "xsimd": 2, "peer": 3, "other": 4}[kind]
    return (rank, ISAS.index(isa) if isa in ISAS else 9, threads, impl)


def figures(res, group):
    """For one (kernel, dtype, shape): impl -> dict(time, x_scalar, x_autovec, x_autovec_best, roof, roof_what,
    vs_peer); plus the best peer's impl and the best autovec's impl."""
    scalar = group.get("scalar")
    autovec = {b.isa: b for b in group.values() if b.kind == "autovec"}
    best_av = min(autovec.values(), key=lambda b: b.seconds) if autovec else None
    peers = [b for b in group.values() if b.kind == "peer"]
    best_peer = min(peers, key=lambda b: b.seconds) if peers else None
    out = {}
    for impl in sorted(group, key=impl_order):
        b = group[impl]
        frac, what = res.roofline(b)
        av = autovec.get(b.isa) if b.kind == "xsimd" else None
        out[impl] = {
            "bench": b,
            "time": b.seconds,
            "x_scalar": scalar.seconds / b.seconds if scalar else None,
            "x_autovec": av.seconds / b.seconds if av else None,
            "x_autovec_best": best_av.seconds / b.seconds if best_av and b.kind != "autovec" else None,
            "roof": frac,
            "roof_what": what,
            "vs_peer": best_peer.seconds / b.seconds if best_peer and b.kind == "xsimd" else None,
        }
    return out, best_peer, best_av


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


def geomean(xs):
    xs = [x for x in xs if x]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


# --- markdown --------------------------------------------------------------------------------------------
def headline(res):
    """Per kernel and dtype, per ISA (xsimd, one thread): geometric mean over shapes of the speed-up over
    scalar and over the same ISA's auto-vectorized loops (its minimum in brackets: where the compiler
    comes closest), and of the fraction of roofline; plus our best vs the best peer."""
    rows = {}
    isas_seen = []
    for (kernel, dtype, shape), group in res.groups().items():
        figs, best_peer, _ = figures(res, group)
        for impl, f in figs.items():
            b = f["bench"]
            if b.kind == "xsimd" and b.threads == 1:
                if b.isa not in isas_seen:
                    isas_seen.append(b.isa)
                r = rows.setdefault((kernel, dtype), {}).setdefault(b.isa, {"xs": [], "xa": [], "roof": []})
                r["xs"].append(f["x_scalar"])
                r["xa"].append(f["x_autovec"])
                r["roof"].append(f["roof"])
        ours = [f for f in figs.values() if f["bench"].kind == "xsimd" and f["bench"].threads == 1]
        if best_peer and ours:
            best = min(ours, key=lambda f: f["time"])
            rows.setdefault((kernel, dtype), {}).setdefault("_peer", []).append(best_peer.seconds / best["time"])
    isas_seen.sort(key=lambda i: ISAS.index(i))
    hdr = ["kernel", "dtype"] + ["%s ×scalar / ×autovec (min) / roof" % i for i in isas_seen] + ["best ours vs best peer"]
    lines = ["| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)]
    for (kernel, dtype), r in rows.items():
        cells = [kernel, dtype]
        for isa in isas_seen:
            if isa not in r:
                cells.append("-")
                continue
            xa = [x for x in r[isa]["xa"] if x]
            cells.append("%s / %s%s / %s" % (fmt_x(geomean(r[isa]["xs"])), fmt_x(geomean(xa)),
                                             " (%s)" % fmt_x(min(xa)) if len(xa) > 1 else "",
                                             fmt_pct(geomean(r[isa]["roof"]))))
        cells.append(fmt_x(geomean(r.get("_peer", []))) if r.get("_peer") else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def context_lines(res):
    c = res.context
    keys = [("machine id", "nnsimd_machine_id"), ("CPU", "nnsimd_cpu_model"), ("vendor", "nnsimd_cpu_vendor"),
            ("microarchitecture", "nnsimd_uarch"), ("ISA flags", "nnsimd_isa_flags"), ("cores", "nnsimd_cores"),
            ("compiler", "nnsimd_compiler"), ("flags", "nnsimd_cxx_flags"), ("build", "nnsimd_build_type"),
            ("commit", "nnsimd_git_commit"), ("ISA cap", "nnsimd_isa_cap"), ("active ISA", "nnsimd_active_isa"), ("threads", "nnsimd_threads"),
            ("mode", "nnsimd_mode"), ("date", "date"), ("host", "host_name")]
    out = ["- %s: %s" % (label, c[k]) for label, k in keys if k in c]
    if res.caches:
        out.append("- caches: " + ", ".join("%s %d KiB" % (k, v // 1024) for k, v in sorted(res.caches.items())))
    return out


def limits_table(res):
    lines = ["| limit | rate |", "|---|---|"]
    for k, v in sorted(res.limits.items()):
        unit = {"fma": "GFLOP/s", "read": "GB/s", "copy": "GB/s", "exp": "G elements/s", "log": "G elements/s"}.get(k[0], "")
        lines.append("| %s | %.1f %s |" % ("/".join(k), v / 1e9, unit))
    return lines


def summary_md(res, argv_line, plots):
    out = ["# nnsimd benchmark summary: %s" % res.machine_id, "",
           "Generated by `%s` from `%s`. Times are medians over repetitions (real time); every ratio is "
           "taken within this one file. ×scalar, ×autovec: speed-up over the scalar reference and over the same "
           "loops auto-vectorized for the same ISA (×autovec best: over the fastest auto-vectorized ISA); "
           "roof: fraction of the ceiling named next to it (rules in tools/summarize.py); vs peer: the best "
           "peer's time over ours (above 1: we are faster)." % (argv_line, os.path.basename(res.path)), "",
           "## Machine", ""] + context_lines(res) + ["", "## Machine limits (measured by the same binary)", ""]
    out += limits_table(res) + ["", "## Headline (xsimd, one thread; geometric mean over shapes)", "", headline(res)]
    for dtype in ("f32", "f64"):
        groups = {k: g for k, g in res.groups().items() if k[1] == dtype}
        if not groups:
            continue
        out += ["## %s" % dtype, ""]
        for (kernel, _, shape), group in groups.items():
            figs, best_peer, best_av = figures(res, group)
            out += ["### %s %s %s" % (kernel, dtype, shape), "",
                    "| impl | time | ×scalar | ×autovec | ×autovec best | roof | ceiling | vs peer | reps |",
                    "|---|---|---|---|---|---|---|---|---|"]
            for impl, f in figs.items():
                out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %d |" % (
                    impl, fmt_time(f["time"]), fmt_x(f["x_scalar"]), fmt_x(f["x_autovec"]),
                    fmt_x(f["x_autovec_best"]), fmt_pct(f["roof"]), f["roof_what"], fmt_x(f["vs_peer"]),
                    f["bench"].reps))
            notes = []
            if best_peer:
                notes.append("best peer: %s (%s)" % (best_peer.impl, fmt_time(best_peer.seconds)))
            if best_av:
                notes.append("best auto-vectorized: %s" % best_av.impl)
            out += ["", "; ".join(notes) + ".", ""] if notes else [""]
    if plots:
        out += ["## Plots", ""] + ["![%s](%s)" % (p, p) for p in plots] + [""]
    return "\n".join(out)


# --- plots -----------------------------------------------------------------------------------------------
def bar_grid(path, title, panels, ylabel, log=False, ref=None):
    """panels: kernel -> {shape: {series: value}}; one subplot per kernel, bars grouped by shape."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kernels = [k for k in panels if any(v for s in panels[k].values() for v in s.values())]
    if not kernels:
        return False
    ncol = min(3, len(kernels))
    nrow = (len(kernels) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(5.2 * ncol, 3.6 * nrow), squeeze=False)
    all_series = []
    for k in kernels:
        for s in panels[k].values():
            for name in s:
                if name not in all_series:
                    all_series.append(name)
    all_series.sort(key=impl_order)
    colors = {s: "C%d" % (i % 10) for i, s in enumerate(all_series)}
    for ax, k in zip(axes.flat, kernels):
        shapes = list(panels[k])
        series = [s for s in all_series if any(s in panels[k][sh] for sh in shapes)]
        width = 0.8 / max(1, len(series))
        for i, s in enumerate(series):
            xs = [j + (i - (len(series) - 1) / 2) * width for j in range(len(shapes))]
            ys = [panels[k][sh].get(s) or 0 for sh in shapes]
            ax.bar(xs, ys, width, label=s, color=colors[s])
        ax.set_xticks(range(len(shapes)))
        ax.set_xticklabels([sh.replace(":", "\n") for sh in shapes], fontsize=7)
        ax.set_title(k, fontsize=9)
        if log:
            ax.set_yscale("log")
        if ref is not None:
            ax.axhline(ref, color="k", lw=0.8, ls="--")
        ax.set_ylabel(ylabel, fontsize=8)
        ax.legend(fontsize=6)
    for ax in list(axes.flat)[len(kernels):]:
        ax.axis("off")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def plots(res, outdir):
    made = []
    for dtype in ("f32", "f64"):
        xs, xa, rf = {}, {}, {}
        for (kernel, dt, shape), group in res.groups().items():
            if dt != dtype:
                continue
            figs, _, _ = figures(res, group)
            for impl, f in figs.items():
                b = f["bench"]
                if b.kind == "xsimd":
                    xs.setdefault(kernel, {}).setdefault(shape, {})[impl] = f["x_scalar"]
                    xa.setdefault(kernel, {}).setdefault(shape, {})[impl] = f["x_autovec"]
                if b.kind != "scalar" or f["roof"]:
                    rf.setdefault(kernel, {}).setdefault(shape, {})[impl] = f["roof"]
        mid = res.machine_id
        for name, panels, ylabel, log, ref in (
                ("speedup_scalar_%s.png" % dtype, xs, "speed-up over scalar", True, 1.0),
                ("speedup_autovec_%s.png" % dtype, xa, "speed-up over autovec (same ISA)", True, 1.0),
                ("roofline_%s.png" % dtype, rf, "fraction of roofline", False, 1.0)):
            if bar_grid(os.path.join(outdir, name), "%s, %s: %s" % (mid, dtype, ylabel), panels, ylabel, log, ref):
                made.append(name)
    return made


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("result", help="Google Benchmark JSON written by nnsimd_bench")
    p.add_argument("--out", help="output folder (default: the JSON's folder)")
    p.add_argument("--headline", action="store_true", help="print the headline markdown table to stdout")
    p.add_argument("--no-plots", action="store_true")
    args = p.parse_args(argv)
    res = Result(args.result)
    outdir = args.out or os.path.dirname(os.path.abspath(args.result))
    os.makedirs(outdir, exist_ok=True)
    made = []
    if not args.no_plots:
        try:
            made = plots(res, outdir)
        except ImportError as e:
            print("summarize: no plots (%s); install python3-matplotlib" % e, file=sys.stderr)
    argv_line = "tools/summarize.py " + os.path.basename(args.result)
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write(summary_md(res, argv_line, made))
    if args.headline:
        sys.stdout.write(headline(res))
    else:
        print("summarize: wrote %s (%d benchmarks, %d plots)" % (os.path.join(outdir, "summary.md"),
                                                                len(res.kernel_benches()), len(made)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
