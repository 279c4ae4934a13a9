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
  All of this (loader, names, statistics, the ceiling models) is tools/nnsimd_results.py.

Fraction of roofline: the ceiling that applies, from the label "roof=fma|mem|exp+mem|mem+log" (older files:
exp), under the newest model the run measured: "ws" (bandwidth measured at each case's own working set,
roof_ws) or, for runs before it, "level" (the bandwidth of the cache level the working set fits in,
roof_level). The rules are documented there and in results/README.md. A full run under "ws" with a kernel
above --max-fraction (105%) of its ceiling exits 1, and so does a full run where N threads are slower than one
(one-thread time over N-thread time below --min-scaling, 0.97) at any case.
"""
import argparse
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The loader, names, statistics, ceilings and formatting live in nnsimd_results; the names are re-exported
# here for the callers that import summarize (tests/tools/test_tools.py).
from nnsimd_results import (  # noqa: E402,F401
    BOOK_NUMPY, BOOK_TORCH, ISAS, LIMIT_UNITS, Result, best_ours, canonical, figures, first_of, fusion_figures,
    most_threads, fmt_bytes, fmt_limit, fmt_pct, fmt_time, fmt_x, geomean, impl_order,
    parse_impl, streaming_policy, thread_scaling)
import targets  # noqa: E402


# --- markdown --------------------------------------------------------------------------------------------
# The book's own systems, one thread (issue 14; BOOK_NUMPY, BOOK_TORCH in nnsimd_results): NumPy running the
# book's code as the book runs it (after nnfs.init(), whose np.dot computes float32 products in float64:
# peer_numpy_nnfs where the run has it, else plain NumPy), and PyTorch's ATen.
BOOK_PEERS = (("× NumPy (the book's code)", BOOK_NUMPY), ("× PyTorch", BOOK_TORCH))


def headline(res):
    """Per kernel and dtype, per ISA (xsimd, one thread): geometric mean over shapes of the speed-up over
    scalar and over the same ISA's auto-vectorized loops (its minimum in brackets: where the compiler
    comes closest), and of the fraction of roofline; our best vs the best peer; and NumPy's (the book's
    code) and PyTorch's time over our best, geometric mean over shapes with the book's shape in brackets.
    A column no row has is left out."""
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
        if ours:
            best = min(ours, key=lambda f: f["time"])
            for col, impls in BOOK_PEERS:
                b = first_of(group, impls)
                if b:
                    r = rows.setdefault((kernel, dtype), {}).setdefault(col, {"all": [], "book": None})
                    r["all"].append(b.seconds / best["time"])
                    if shape.startswith("book:"):
                        r["book"] = b.seconds / best["time"]
    isas_seen.sort(key=lambda i: ISAS.index(i))
    book_cols = [col for col, _ in BOOK_PEERS if any(col in r for r in rows.values())]
    hdr = ["kernel", "dtype"] + ["%s ×scalar / ×autovec (min) / roof" % i for i in isas_seen] + \
        ["best ours vs best peer"] + [c + " (book shape)" for c in book_cols]
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
        for col in book_cols:
            c = r.get(col)
            cells.append("-" if not c else fmt_x(geomean(c["all"])) + (" (%s)" % fmt_x(c["book"]) if c["book"] else ""))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def context_lines(res):
    c = res.context
    keys = [("machine id", "nnsimd_machine_id"), ("CPU", "nnsimd_cpu_model"), ("vendor", "nnsimd_cpu_vendor"),
            ("microarchitecture", "nnsimd_uarch"), ("ISA flags", "nnsimd_isa_flags"), ("cores", "nnsimd_cores"),
            ("compiler", "nnsimd_compiler"), ("flags", "nnsimd_cxx_flags"), ("build", "nnsimd_build_type"),
            ("commit", "nnsimd_git_commit"), ("uncommitted changes", "nnsimd_git_dirty"), ("ISA cap", "nnsimd_isa_cap"), ("active ISA", "nnsimd_active_isa"), ("threads", "nnsimd_threads"),
            ("mode", "nnsimd_mode"), ("date", "date"), ("host", "host_name")]
    out = ["- %s: %s" % (label, c[k]) for label, k in keys if k in c]
    # Which code each peer ran (bench/peer.hpp: code()); a peer that fell back below the CPU says FALLBACK.
    for peer, code in res.peer_codes().items():
        out.append("- %s runs: %s" % (peer, code))
    if res.caches:
        out.append("- caches: " + ", ".join("%s %d KiB" % (k, v // 1024) for k, v in sorted(res.caches.items())))
    return out


def limits_table(res):
    lines = ["| limit | rate |", "|---|---|"]
    for k, v in sorted(res.limits.items()):
        lines.append("| %s | %s |" % ("/".join(k), fmt_limit(k, v)))
    return lines


def streaming_lines(res):
    """The streaming-store threshold the kernels used in this run and the curve it was taken from."""
    sp = streaming_policy(res)
    if sp is None:
        return ["Not recorded (a run before the threshold was measured: it was the last-level cache from cpuinfo)."]
    b, source, curve = sp
    out = ["relu and clip stream their stores above a working set of **%s** (%s)." % (
        fmt_bytes(b) if b else "never", source), ""]
    if curve:
        out += ["| working set | ordinary stores | streaming stores | streaming / ordinary |", "|---|---|---|---|"]
        out += ["| %s | %.1f GB/s | %.1f GB/s | %.2f× |" % (fmt_bytes(ws), reg, st, st / reg) for ws, reg, st in curve]
    return out


def scaling_lines(res, minimum, top=12):
    """N threads against one for every case timed both ways: the worst ratios, those of calls that split
    (judged against `minimum`) apart from those that stayed on one thread (the same code twice: noise)."""
    rows = thread_scaling(res)
    if not rows:
        return ["No multi-thread cases in this run."]
    split = [r for r in rows if r.used != 1]
    same = [r for r in rows if r.used == 1]
    out = ["Time at one thread over time at N threads, same ISA, same run (below 1: N threads are slower). %d cases: "
           "%d split over threads%s, %d stayed on one thread (below the parallel threshold: both rows ran the same "
           "code, so their ratio is this run's noise%s)." % (
               len(rows), len(split),
               "; worst %.3f× (%s %s %s, %s), %d below %.2f×" % (
                   split[0].ratio, split[0].key[0], split[0].key[1], split[0].key[2], split[0].isa,
                   sum(1 for r in split if r.ratio < minimum), minimum) if split else "",
               len(same), ": %.3f× to %.3f×, median %.3f×" % (
                   same[0].ratio, same[-1].ratio, same[len(same) // 2].ratio) if same else ""), "",
           "| kernel | dtype | shape | ISA | N | threads used | 1 thread | N/1 speed-up |",
           "|---|---|---|---|---|---|---|---|"]
    for r in (split[:top] + same[:max(3, top - len(split[:top]))]):
        out.append("| %s | %s | %s | %s | %d | %s | %s | %.3f× |" % (
            r.key[0], r.key[1], r.key[2], r.isa, r.threads, "?" if r.used is None else r.used, fmt_time(r.t1), r.ratio))
    return out


def book_systems_lines(res):
    """The book's own systems against nnsimd, per kernel and dtype at the book's shape(s) and at the kernel's
    largest shape (working set): NumPy running the book's code (peer_numpy_nnfs, else peer_numpy) and
    PyTorch's ATen (peer_torch), each time over nnsimd's best one-thread time; then the same at N threads
    where the run has N-thread rows (a library's one-thread row stands for it where it has no N-thread row:
    NumPy's elementwise ops do not thread)."""
    out = []
    groups = res.groups()
    tn = most_threads(res)
    by_kernel = {}
    for (kernel, dtype, shape), group in groups.items():
        by_kernel.setdefault((kernel, dtype), []).append((shape, group))
    for (kernel, dtype), shapes in by_kernel.items():
        if not any(first_of(g, BOOK_NUMPY + BOOK_TORCH) for _, g in shapes):
            continue
        sized = [(max((b.ws_bytes or 0) for b in g.values()), sh, g) for sh, g in shapes]
        chosen = [(sh, g) for _, sh, g in sized if sh.startswith("book:")]
        largest = max(sized, key=lambda t: t[0])
        if largest[1] not in [sh for sh, _ in chosen]:
            chosen.append((largest[1], largest[2]))
        for shape, g in chosen:
            best = best_ours(g)
            if not best:
                continue
            numpy, torch = first_of(g, BOOK_NUMPY), first_of(g, BOOK_TORCH)
            cells = [kernel, dtype, shape, "%s (%s)" % (fmt_time(best.seconds), best.impl),
                     fmt_x(numpy.seconds / best.seconds) if numpy else "-",
                     fmt_x(torch.seconds / best.seconds) if torch else "-"]
            if tn:
                on = best_ours(g, tn)
                if on:
                    numpy_n = g.get("peer_numpy_t%d" % tn) or numpy
                    torch_n = g.get("peer_torch_t%d" % tn) or torch
                    cells += [fmt_time(on.seconds),
                              fmt_x(numpy_n.seconds / on.seconds) if numpy_n else "-",
                              fmt_x(torch_n.seconds / on.seconds) if torch_n else "-"]
                else:
                    cells += ["-", "-", "-"]
            out.append("| " + " | ".join(cells) + " |")
    if not out:
        return ["No NumPy or PyTorch rows in this run."]
    hdr = ["kernel", "dtype", "shape", "nnsimd, 1 thread", "× NumPy (the book's code)", "× PyTorch"]
    if tn:
        hdr += ["nnsimd, %d threads" % tn, "× NumPy, %d threads" % tn, "× PyTorch, %d threads" % tn]
    return ["Their time over nnsimd's (above 1: nnsimd is faster), at the book's shape and at the kernel's largest "
            "working set; NumPy is the book's code as the book runs it (after nnfs.init(): float64 np.dot for "
            "float32 dense).", "", "| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)] + out


def fusion_lines(res):
    """How much fusing the chapter's forward pass buys on this machine (nnsimd_results.fusion_figures): per
    forward-pass op, dtype and shape, nnsimd's fused call against the same ISA's kernels called one per stage,
    against the best peer's composition, against NumPy running the book's script and against PyTorch; at
    one thread and at the run's N threads."""
    one = fusion_figures(res)
    if not one:
        return ["No forward-pass rows in this run."]
    tn = most_threads(res)
    at_n = {(f["kernel"], f["dtype"], f["shape"]): f for f in fusion_figures(res, tn)} if tn else {}

    def over(other, f):
        return fmt_x(other.seconds / f["fused"].seconds) if other else "-"

    def paired(other, f):  # the same binary's rows, interleaved: paired by repetition round
        return targets.fmt_paired(other, f["fused"]) if other else "-"

    out = []
    for f in one:
        fu = f["fused"]
        row = [f["kernel"], f["dtype"], f["shape"], "%s (%s)" % (fmt_time(fu.seconds), fu.impl),
               paired(f["unfused"], f), "%s %s" % (over(f["peer"], f), f["peer"].impl) if f["peer"] else "-",
               fmt_pct(res.roofline(fu)[0]), over(f["numpy"], f), over(f["torch"], f)]
        if tn:
            n = at_n.get((f["kernel"], f["dtype"], f["shape"]))
            row += ["%s (%s)" % (fmt_time(n["fused"].seconds), n["fused"].impl), paired(n["unfused"], n),
                    "%s %s" % (over(n["peer"], n), n["peer"].impl) if n["peer"] else "-"] if n else ["-"] * 3
        out.append("| " + " | ".join(row) + " |")
    hdr = ["op", "dtype", "shape", "fused, 1 thread", "× unfused", "× best peer composition", "FMA peak",
           "× NumPy (the book's script)", "× PyTorch"]
    if tn:
        hdr += ["fused, %d threads" % tn, "× unfused", "× best peer composition"]
    return ["Time of the alternative over nnsimd's fused call (above 1: the fused call is faster). unfused: the "
            "same ISA's kernels called one per stage over the whole batch, paired by repetition round (estimate "
            "[95% interval], tools/targets.py; the medians of a small call's bimodal times can differ by 1.4× "
            "where the paired estimate says 1.0); a peer's composition runs its own "
            "kernels per stage and nnsimd's where it has none (see its filled= label); NumPy runs the book's "
            "chapter-5 script; FMA peak: the two layers' flops per second over the ISA's measured FMA ceiling "
            "(the roofline of this run's ceiling model).",
            "", "| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)] + out


def python_lines(res):
    """From Python (bench/peer_numpy.py): per kernel, dtype and shape, the book's NumPy code (peer_numpy) with
    the share of its time an empty call of the same shape takes (overhead_ns: the interpreter's), the module's
    functions called from Python (py_nnsimd), PyTorch (py_torch), and nnsimd's fastest one-thread C++ row."""
    rows = []
    for (kernel, dtype, shape), group in res.groups().items():
        numpy, py, torch = group.get("peer_numpy"), group.get("py_nnsimd"), group.get("py_torch")
        if not (numpy or py or torch):
            continue
        rows.append((kernel, dtype, shape, numpy, py, torch, best_ours(group)))
    if not rows:
        return ["No rows timed from Python in this run (bench/peer_numpy.py: NumPy or the nnsimd module missing, "
                "or filtered out)."]

    def t(b):
        return fmt_time(b.seconds) if b else "-"

    def ratio(a, b):
        return fmt_x(a.seconds / b.seconds) if a and b and b.seconds else "-"

    def share(b):
        o = b.counters.get("overhead_ns") if b else None
        return fmt_pct(o * 1e-9 / b.seconds) if o is not None and b.seconds else "-"

    out = ["The book's code on NumPy (%s), timed from Python on the driver's own arrays, with the share of its "
           "time an empty call with the same arguments takes (the interpreter's overhead); the module's functions "
           "called from Python (py_nnsimd, allocating as NumPy does) and PyTorch (py_torch), one thread each; "
           "nnsimd's fastest one-thread C++ row. Ratios above 1: the second is faster." %
           res.context.get("nnsimd_peer_numpy_code", "NumPy"), "",
           "| kernel | dtype | shape | NumPy (book) | interpreter share | py_nnsimd | py_torch | nnsimd C++ | "
           "NumPy / py_nnsimd | py_torch / py_nnsimd | py_nnsimd / C++ |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for kernel, dtype, shape, numpy, py, torch, best in rows:
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            kernel, dtype, shape, t(numpy), share(numpy), t(py), t(torch),
            "%s (%s)" % (t(best), best.impl) if best else "-", ratio(numpy, py), ratio(torch, py), ratio(py, best)))
    return out


def summary_md(res, argv_line, plots):
    out = ["# nnsimd benchmark summary: %s" % res.machine_id, "",
           "Generated by `%s` from `%s`. Times are medians over repetitions (real time); every ratio is "
           "taken within this one file. ×scalar, ×autovec: speed-up over the scalar reference and over the same "
           "loops auto-vectorized for the same ISA (×autovec best: over the fastest auto-vectorized ISA); "
           "roof: fraction of the ceiling named next to it (rules in tools/summarize.py); vs peer: the best "
           "peer's time over ours (above 1: we are faster)." % (argv_line, os.path.basename(res.path)), "",
           "## Machine", ""] + context_lines(res) + ["", "## Machine limits (measured by the same binary)", ""]
    out += limits_table(res) + ["", "## Streaming stores", ""] + streaming_lines(res)
    out += ["", "## Two threads against one", ""] + scaling_lines(res, MIN_SCALING)
    out += ["", "## Headline (xsimd, one thread; geometric mean over shapes)", "", headline(res)]
    out += ["", "## Against the targets (issue 15; tools/targets.py)", ""] + targets.markdown(res)
    out += ["", "## Fusion: the chapter's forward pass in one call", ""] + fusion_lines(res)
    out += ["", "## The book's systems: NumPy and PyTorch", ""] + book_systems_lines(res)
    out += ["", "## From Python: NumPy running the book's code, the module, PyTorch", ""] + python_lines(res) + [""]
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
                shown = impl + (" (%s)" % f["bench"].impl_info if f["bench"].impl_info else "")
                out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %d |" % (
                    shown, fmt_time(f["time"]), fmt_x(f["x_scalar"]), fmt_x(f["x_autovec"]),
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
    p.add_argument("--max-fraction", type=float, default=1.05,
                   help="a roofline fraction above this is a ceiling that does not fit the machine: exit 1 for a "
                        "full run under the working-set model (reported, exit 0, otherwise); default 1.05")
    p.add_argument("--min-scaling", type=float, default=MIN_SCALING,
                   help="N threads slower than one by more than this ratio (one-thread time over N-thread time "
                        "below it) exits 1 for a full run; default %.2f" % MIN_SCALING)
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
    return check_fractions(res, args.max_fraction) | check_scaling(res, args.min_scaling)


# Two threads are never slower than one: a full run's median ratio below this at any case fails.
MIN_SCALING = 0.97


def check_scaling(res, minimum):
    """A call that N threads make slower than one (median ratio below `minimum`): fatal for a full run. Only
    calls that split over threads are judged; a call below the parallel threshold runs the same code in both
    rows (runs that did not record the threads used are judged on every row)."""
    low = [r for r in thread_scaling(res) if r.ratio < minimum and r.used != 1]
    if not low:
        return 0
    fatal = res.context.get("nnsimd_mode") == "full"
    print("summarize: %d cases where more threads are slower than one (below %.2f×)%s:" % (
        len(low), minimum, "" if fatal else "; reported only: not a full run"), file=sys.stderr)
    for r in low[:40]:
        print("  %.3f×  %s/%s/%s_t%d/%s  (one thread %s, threads used %s)" % (
            r.ratio, r.key[0], r.key[1], r.isa, r.threads, r.key[2], fmt_time(r.t1), "?" if r.used is None else r.used),
            file=sys.stderr)
    return 1 if fatal else 0


def check_fractions(res, limit):
    """A kernel above its own ceiling means the ceiling is wrong (measured at another working set, with
    another mix, or a slower exp than the kernel's): list them. Fatal for a full run under the working-set
    model (its ceilings are measured at each case's own working set, in the same run); a quick run's
    single short samples, and the cache-level model of older runs, are only reported."""
    over = []
    for group in res.groups().values():
        for impl, b in group.items():
            if b.kind == "other":  # timed from Python (py_*): fresh outputs per call, not the case's working set
                continue
            frac, what = res.roofline(b)
            if frac is not None and frac > limit:
                over.append((frac, b.name, what))
    if not over:
        return 0
    fatal = res.ceiling_model == "ws" and res.context.get("nnsimd_mode") == "full"
    print("summarize: %d benchmarks above %.0f%% of their ceiling (%s):" % (len(over), 100 * limit,
          "a ceiling that does not fit this machine" if fatal else "reported only: not a full run under the ws model"),
          file=sys.stderr)
    for frac, name, what in sorted(over, reverse=True)[:40]:
        print("  %5.0f%%  %s  (%s)" % (100 * frac, name, what), file=sys.stderr)
    return 1 if fatal else 0


if __name__ == "__main__":
    sys.exit(main())
