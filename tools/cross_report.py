#!/usr/bin/env python3
"""Cross-machine report: the latest full run of every machine under results/, side by side.

    cross_report.py [RUN.json ...] [--results DIR] [--out FILE.md] [--plots DIR] [--no-plots]
                    [--ceiling-model auto|level|ws] [--top N]

Without RUN arguments it takes, in every folder of --results (default: results/ next to tools/), the
latest bench-full-*.json (else the latest bench-*.json); a new machine folder slots in by itself. Writes
--out (default results/CROSS_MACHINE.md) and, with matplotlib, the plots into --plots (default
results/cross/).

Every figure is a ratio measured within one run (speed-up over scalar, over the auto-vectorized loops,
fraction of that machine's own roofline, best peer's time over ours), set side by side: times are never
compared across machines. One row per kernel x dtype x ISA, the geometric mean over the shapes every
machine that has the row ran. One ceiling model for all machines (--ceiling-model; auto: the newest model
any run measured, tools/nnsimd_results.py CEILING_MODELS); a run that lacks that model's rows reads "not
measured", never another model's figure. An ISA a machine does not run reads "-".
"""
import argparse
import glob
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import nnsimd_results as R  # noqa: E402
import targets as T  # noqa: E402

METRICS = [("x_scalar", "×scalar", "speed-up over scalar"), ("x_autovec", "×autovec", "speed-up over auto-vectorized (same ISA)"),
           ("roof", "roof", "fraction of own roofline"), ("vs_peer", "vs best peer", "best peer's time over ours")]


# --- which runs ------------------------------------------------------------------------------------------
def stamp_key(path):
    m = re.search(r"(\d{8}-\d{6})", os.path.basename(path))
    return (m.group(1) if m else "", os.path.basename(path))


def latest_runs(results_dir):
    """The latest full run of every machine folder (else its latest run of any mode)."""
    out = []
    for d in sorted(glob.glob(os.path.join(results_dir, "*", ""))):
        runs = glob.glob(os.path.join(d, "bench-full-*.json")) or glob.glob(os.path.join(d, "bench-*.json"))
        if runs:
            out.append(max(runs, key=stamp_key))
    return out


class Side:
    """One machine's run in the report."""

    def __init__(self, path, model):
        self.path = path
        self.res = R.Result(path, ceiling_model=model)
        self.m = self.res.machine
        self.measured = R.model_measured(self.res, model)
        self.label = self.m.uarch or self.m.id
        self.rows, self.scaling = aggregate(self.res)


def label_sides(sides):
    """Short distinct column labels: the microarchitecture; the machine id where two share one; the run's
    stamp where two runs share a machine."""
    for attempt in (lambda s: s.m.id, lambda s: "%s %s" % (s.m.id, stamp_key(s.path)[0] or os.path.basename(s.path))):
        dup = {s.label for s in sides if sum(t.label == s.label for t in sides) > 1}
        for s in sides:
            if s.label in dup:
                s.label = attempt(s)


def aggregate(res):
    """(kernel, dtype, isa) -> shape -> figures of our one-thread code in that ISA (see R.figures);
    (kernel, dtype) -> shape -> (isa, time at one thread / time at N threads, N)."""
    rows, scaling = {}, {}
    for (kernel, dtype, shape), group in res.groups().items():
        figs, _, _ = R.figures(res, group)
        for impl, f in figs.items():
            b = f["bench"]
            if b.kind == "xsimd" and b.threads == 1:
                rows.setdefault((kernel, dtype, b.isa), {})[shape] = f
        for impl, b in group.items():
            if b.kind == "xsimd" and b.threads > 1 and b.isa in group:
                scaling.setdefault((kernel, dtype), {})[shape] = (b.isa, group[b.isa].seconds / b.seconds, b.threads)
    return rows, scaling


def row_order(key):
    k, dt, isa = key
    return (R.KERNELS.index(k) if k in R.KERNELS else 99, k, dt, R.ISAS.index(isa) if isa in R.ISAS else 9)


def common_shapes(sides, key, table="rows"):
    have = [set(getattr(s, table)[key]) for s in sides if key in getattr(s, table)]
    return set.intersection(*have) if have else set()


def gm(side, key, metric, shapes):
    """Geometric mean of one metric over `shapes` (all of the side's if the machines share none)."""
    per = side.rows.get(key)
    if not per:
        return None
    use = [sh for sh in per if sh in shapes] or list(per)
    return R.geomean([per[sh][metric] for sh in use])


def gm_peer(side, key, peer, shapes):
    per = side.rows.get(key)
    if not per:
        return None
    use = [sh for sh in per if sh in shapes] or list(per)
    vals = [per[sh]["vs_peers"].get(peer) for sh in use]
    return R.geomean(vals) if any(vals) else None


def cell(side, key, metric, shapes):
    if key not in side.rows:
        return "-"
    if metric == "roof" and not side.measured:
        return R.NOT_MEASURED
    v = gm(side, key, metric, shapes)
    return R.fmt_pct(v) if metric == "roof" else R.fmt_x(v)


def ceilings_of(side, key, shapes):
    """The distinct ceilings (name, rate) the row's shapes were held to on this side."""
    per = side.rows.get(key) or {}
    seen = {}
    for sh in per:
        if sh in shapes or not shapes:
            f = per[sh]
            if f["roof_what"] not in seen:
                seen[f["roof_what"]] = f["roof_rate"]
    return seen


def fmt_rate(what, rate):
    if rate is None:
        return "%s: -" % what
    kind = what.split()[0]
    return "%s %.3g %s" % (what, rate / 1e9, R.LIMIT_UNITS.get(kind, "G/s"))


def shown_path(path):
    """A run's path relative to the repository when it lies inside it, else as given."""
    root = os.path.abspath(os.path.join(HERE, ".."))
    a = os.path.abspath(path)
    return os.path.relpath(a, root) if a.startswith(root + os.sep) else path


def table(header, rows):
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + \
           ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]


# --- sections --------------------------------------------------------------------------------------------
def streaming_cell(side):
    sp = R.streaming_policy(side.res)
    if sp is None:
        return "not recorded (cpuinfo's L3 then)"
    return (R.fmt_bytes(sp[0]) if sp[0] else "never") + (" (measured knee)" if sp[2] else " (" + sp[1] + ")")


def machines_section(sides, model):
    attrs = [("machine id", lambda s: s.m.id), ("CPU", lambda s: s.m.cpu or "-"), ("vendor", lambda s: s.m.vendor or "-"),
             ("family / model", lambda s: s.m.family_model), ("microarchitecture", lambda s: s.m.uarch or "-"),
             ("ISA extensions", lambda s: " ".join(s.m.isa_flags) or "-"),
             ("SIMD ISAs benchmarked", lambda s: ", ".join(s.m.isas) or "-"),
             ("caches", lambda s: s.m.caches_text()), ("cores", lambda s: s.m.cores or "-"),
             ("MHz (GB's figure)", lambda s: s.m.mhz or "-"), ("compiler", lambda s: s.m.compiler or "-"),
             ("commit", lambda s: s.m.commit), ("run", lambda s: "`%s`" % shown_path(s.path)),
             ("date", lambda s: s.m.date or "-"), ("mode", lambda s: s.m.mode or "-"),
             ("ceilings (%s model)" % model, lambda s: "measured" if s.measured else R.NOT_MEASURED),
             ("streaming stores above", streaming_cell)]
    rows = [[a] + [f(s) for s in sides] for a, f in attrs]
    peers = sorted({p for s in sides for p in s.res.peers()} | {p for s in sides for p in s.m.peer_codes})
    for p in peers:
        rows.append(["%s runs" % p] + [s.m.peer_codes.get(p) or ("not recorded" if p in s.res.peers() else "-")
                                        for s in sides])
    return ["## Machines", ""] + table([""] + [s.label for s in sides], rows) + [""]


def limit_rows(sides):
    """(row label, key or callable, unit) for the limits table, in reading order; keys no row names are
    appended (a new limit shows up by itself)."""
    keys = set()
    for s in sides:
        keys |= set(s.res.limits)
    isas = [i for i in R.ISAS if any((k[0] == "fma" and len(k) == 3 and k[2] == i) for k in keys)]
    out, used = [], set()

    def add(label, key):
        if key in keys:
            out.append((label, key))
            used.add(key)

    for dt in ("f32", "f64"):
        for i in isas:
            add("FMA %s %s" % (dt, i), ("fma", dt, i))
    for k in sorted(k for k in keys if k[0] == "fma" and len(k) == 4):
        add("FMA %s %s %s" % k[1:], k)
        out.append(("%s scaling of FMA %s %s" % (k[3], k[1], k[2]), ("ratio", k, ("fma",) + k[1:3])))
    for kind in ("read", "copy"):
        for lvl in R.LEVELS:
            add("%s %s" % (kind, lvl), (kind, lvl))
        for k in sorted(k for k in keys if k[0] == kind and len(k) == 3 and k[1] in R.LEVELS):
            add("%s %s %s" % k, k)
            out.append(("%s scaling of %s %s" % (k[2], kind, k[1]), ("ratio", k, k[:2])))
    for k in sorted(k for k in keys if k[0] == "omp_region"):
        add("parallel region, %s threads" % k[1][1:], k)
    for fn in ("exp", "log"):
        for dt in ("f32", "f64"):
            for i in isas:
                add("%s %s %s" % (fn, dt, i), (fn, dt, i))
    ws = sorted(k for k in keys if k not in used and k[0] in R.MEM_KINDS and len(k) >= 4 and R.CASE_SHAPE.match(k[3]))
    for kind in sorted({k[0] for k in ws}):
        out.append(("%s at each case's working set (points)" % kind, ("count", kind)))
    for k in sorted(k for k in keys if k not in used and k not in ws):
        add("/".join(k), k)
    return out


def limit_value(side, key):
    lim = side.res.limits
    if key[0] == "ratio":
        a, b = lim.get(key[1]), lim.get(key[2])
        return ("%.2f×" % (a / b)) if a and b else "-"
    if key[0] == "count":
        n = sum(1 for k in lim if k[0] == key[1] and len(k) >= 4 and R.CASE_SHAPE.match(k[3]))
        return str(n) if n else "-"
    v = lim.get(key)
    if v is None and key[0] in ("exp", "log") and len(key) == 3:  # the fastest of the variants a run timed
        v, impl = R.isa_limit(side.res, *key)
        return "%s (%s)" % (R.fmt_limit(key, v), impl) if v else "-"
    return R.fmt_limit(key, v) if v else "-"


def limits_section(sides):
    rows = [[label] + [limit_value(s, key) for s in sides] for label, key in limit_rows(sides)]
    out = ["## Machine limits side by side", "",
           "Measured by each run's own binary (`limit/...` rows): FMA peak per core (GFLOP/s), bandwidth per "
           "cache level (GB/s, bytes read plus written), vector exp/log throughput (G elements/s); "
           "`tN scaling` is the N-thread figure over the one-thread one.", ""]
    out += table(["limit"] + [s.label for s in sides], rows) + [""]
    keys = sorted({k for s in sides for k in s.scaling}, key=lambda k: row_order(k + ("",)))
    if keys:
        rows = []
        for k in keys:
            shapes = common_shapes(sides, k, "scaling")
            cells = []
            for s in sides:
                per = s.scaling.get(k)
                if not per:
                    cells.append("-")
                    continue
                use = [sh for sh in per if sh in shapes] or list(per)
                isa, threads = per[use[0]][0], per[use[0]][2]
                cells.append("%s (%s, t%d)" % (R.fmt_x(R.geomean([per[sh][1] for sh in use])), isa, threads))
            rows.append(list(k) + cells)
        out += ["Multi-thread scaling of our best ISA (time at one thread over time at N threads, geometric "
                "mean over shapes):", ""] + table(["kernel", "dtype"] + [s.label for s in sides], rows) + [""]
    return out


def main_section(sides, keys):
    hdr = ["kernel", "dtype", "ISA"]
    for _, short, _ in METRICS:
        hdr += ["%s %s" % (short, s.label) for s in sides]
    rows = []
    for key in keys:
        shapes = common_shapes(sides, key)
        cells = list(key)
        for metric, _, _ in METRICS:
            cells += [cell(s, key, metric, shapes) for s in sides]
        rows.append(cells)
    return ["## Kernels side by side", "",
            "One thread, our code in each ISA; geometric mean over the shapes the machines share. ×scalar, "
            "×autovec: speed-up over the scalar reference and over the same loops auto-vectorized for that ISA; "
            "roof: fraction of that machine's own ceiling for the kernel; vs best peer: the fastest peer's time "
            "over ours on that machine (above 1: nnsimd is faster). \"-\": the machine does not run that ISA.",
            ""] + table(hdr, rows) + [""]


def peers_section(sides, keys):
    peers = sorted({p for s in sides for p in s.res.peers()})
    if not peers:
        return []
    rows = []
    for key in keys:
        shapes = common_shapes(sides, key)
        cells = list(key)
        for p in peers:
            vals = [gm_peer(s, key, p, shapes) if key in s.rows else None for s in sides]
            cells.append(" / ".join(R.fmt_x(v) for v in vals) if any(vals) else "-")
        rows.append(cells)
    return ["## Standing against each peer", "",
            "Each peer's time over ours (above 1: nnsimd is faster), per machine in the order %s; the code each "
            "peer ran is in the machines table (`peer_<lib>_corrected`: the peer rerun with the setting that "
            "selects its best code)." % " / ".join(s.label for s in sides), ""] + \
        table(["kernel", "dtype", "ISA"] + peers, [r for r in rows if any(c != "-" for c in r[3:])]) + [""]


def differences(sides, keys, top):
    """The largest machine-to-machine ratios of the per-row metrics, with the ceilings each side used."""
    found = []
    for key in keys:
        shapes = common_shapes(sides, key)
        for metric, short, _ in METRICS:
            vals = [(s, gm(s, key, metric, shapes)) for s in sides if key in s.rows
                    and (metric != "roof" or s.measured)]
            vals = [(s, v) for s, v in vals if v]
            if len(vals) < 2:
                continue
            hi, lo = max(vals, key=lambda sv: sv[1]), min(vals, key=lambda sv: sv[1])
            found.append((hi[1] / lo[1], key, metric, short, vals, shapes))
    found.sort(key=lambda f: -f[0])
    return found[:top]


def limit_differences(sides, top):
    found = []
    for label, key in limit_rows(sides):
        if key[0] in ("ratio", "count"):
            continue
        vals = [(s, s.res.limits.get(key)) for s in sides if s.res.limits.get(key)]
        if len(vals) >= 2:
            hi, lo = max(vals, key=lambda sv: sv[1]), min(vals, key=lambda sv: sv[1])
            found.append((hi[1] / lo[1], label, key, vals))
    found.sort(key=lambda f: -f[0])
    return found[:top]


def differences_section(sides, keys, top):
    out = ["## Largest differences", ""]
    if len(sides) < 2:
        return out + ["(one machine: nothing to set side by side)", ""]
    out += ["Generated: the %d largest ratios between machines of the figures above (the same kernel, dtype "
            "and ISA), largest first, each with the ceilings every side was held to. The why is written by "
            "hand below the generated part." % top, ""]
    rows = []
    for ratio, key, metric, short, vals, shapes in differences(sides, keys, top):
        fmt = R.fmt_pct if metric == "roof" else R.fmt_x
        ceil = "; ".join("%s: %s" % (s.label, ", ".join(fmt_rate(w, r) for w, r in list(ceilings_of(s, key, shapes).items())[:4])
                                     if s.measured else R.NOT_MEASURED) for s, _ in vals)
        rows.append([" ".join(key), short, ", ".join("%s %s" % (s.label, fmt(v)) for s, v in vals),
                     "%.2f×" % ratio, ceil])
    out += table(["kernel dtype ISA", "figure", "per machine", "max/min", "ceilings (measured limits)"], rows) + [""]
    rows = [[label, ", ".join("%s %s" % (s.label, limit_value(s, key)) for s, _ in vals), "%.2f×" % ratio]
            for ratio, label, key, vals in limit_differences(sides, top)]
    if rows:
        out += ["Machine limits that differ most:", ""] + table(["limit", "per machine", "max/min"], rows) + [""]
    return out


WHY = os.path.join(HERE, "..", "results", "cross", "why.md")


def why_section():
    """The hand-written reasons (results/cross/why.md), under the generated list they explain."""
    if not os.path.exists(WHY):
        return []
    with open(WHY) as f:
        text = f.read().strip()
    return ["## Why they differ", "", "Written by hand (`results/cross/why.md`), from the runs above.", "", text, ""]


def fusion_run(side):
    """The side's run if it has forward-pass rows, else the latest run of its machine folder that has them
    (a run of the forward pass alone, `nnsimd bench --filter forward_pass`), or None."""
    if R.fusion_figures(side.res):
        return side.res
    runs = glob.glob(os.path.join(os.path.dirname(os.path.abspath(side.path)), "bench-*.json"))
    for path in sorted(runs, key=stamp_key, reverse=True):
        res = R.Result(path)
        if R.fusion_figures(res):
            return res
    return None


def fusion_section(sides):
    """How much fusing the chapter's forward pass buys on each machine (nnsimd_results.fusion_figures)."""
    rows = []
    for s in sides:
        res = fusion_run(s)
        for f in R.fusion_figures(res) if res else []:
            over = lambda b: R.fmt_x(b.seconds / f["fused"].seconds) if b else "-"  # noqa: E731
            rows.append([s.label, f["kernel"], f["dtype"], f["shape"], "%s (%s)" % (R.fmt_time(f["fused"].seconds),
                         f["fused"].impl), T.fmt_paired(f["unfused"], f["fused"]) if f["unfused"] else "-", "%s %s" % (over(f["peer"]), f["peer"].impl)
                         if f["peer"] else "-", over(f["numpy"]), over(f["torch"]), shown_path(res.path)])
    if not rows:
        return []
    return ["## Fusion: the forward pass in one call, per machine", "",
            "One thread. The time of the alternative over nnsimd's fused call (above 1: fusing wins): the same "
            "ISA's kernels one call per stage (unfused; paired by repetition round, estimate [95% interval]), the best peer's composition, NumPy running the book's "
            "script, PyTorch. From each machine's latest run with forward-pass rows.", ""] + \
        table(["machine", "op", "dtype", "shape", "fused", "× unfused", "× best peer composition",
               "× NumPy (the book's script)", "× PyTorch", "run"], rows) + [""]


def targets_section(sides):
    """Issue 15's targets on each machine (tools/targets.py): per target, how many cases each machine's run
    meets, leaves within noise, misses, and its worst case."""
    # each run under its own newest ceiling model (the report's one model may be one a run did not measure)
    judged = [(s, T.per_target(T.checks(s.res, model=R.pick_model([s.res])))) for s in sides]
    judged = [(s, groups) for s, groups in judged if groups]
    if not judged:
        return []
    rows = []
    for target, name in T.TARGETS:
        row = [name]
        for s, groups in judged:
            mine = next((cs for t, _, cs in groups if t == target), None)
            if not mine:
                row.append("-")
                continue
            w = T.worst(mine)
            row.append("%s; worst %s %s %s: %s" % (T.fmt_tally(T.tally(mine)), w.kernel, w.dtype,
                                                  w.shape.split(":")[0], T.fmt_value(w)))
        rows.append(row)
    return ["## Against the targets, per machine", "",
            "Issue 15's targets judged on each machine's run by `tools/targets.py` (its rules: intervals from the "
            "run's paired repetitions, fractions of the ceilings measured in the same run; a compact run without "
            "repetitions is judged on medians). Counts of cases met / within noise / missed, and the case "
            "furthest from its target.", ""] + table(["target"] + [s.label for s, _ in judged], rows) + [""]


def report(sides, model, argv_line, plots, top):
    keys = sorted({k for s in sides for k in s.rows}, key=row_order)
    out = ["# nnsimd across machines", "",
           "Generated by `%s` from the runs named in the machines table. Ceiling model: `%s` (%s)." % (
               argv_line, model, R.CEILING_MODELS[model].doc), ""]
    out += machines_section(sides, model) + limits_section(sides) + main_section(sides, keys)
    out += peers_section(sides, keys) + targets_section(sides) + fusion_section(sides) + differences_section(sides, keys, top) + why_section()
    if plots:
        out += ["## Plots", ""] + ["![%s](%s)" % (os.path.basename(p), p) for p in plots] + [""]
    return "\n".join(out)


# --- plots -----------------------------------------------------------------------------------------------
def best_isa(side):
    return side.m.isas[-1] if side.m.isas else None


def hbar_figure(path, title, sides, metric, xlabel, log, ref, isa_of):
    """Two panels (f32, f64), one bar per machine per kernel, kernels down the y axis; a machine without the
    ISA reads "-", one whose run lacks the ceiling model's rows "not measured"."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = []
    for dt in ("f32", "f64"):
        vals = {}
        for k in R.KERNELS:
            for i, s in enumerate(sides):
                key = (k, dt, isa_of(s))
                if key not in s.rows:
                    vals[(k, i)] = "-"
                elif metric == "roof" and not s.measured:
                    vals[(k, i)] = R.NOT_MEASURED
                else:
                    vals[(k, i)] = gm(s, key, metric, common_shapes(sides, key))
        kernels = [k for k in R.KERNELS if any(isinstance(vals[(k, i)], float) for i in range(len(sides)))
                   or (metric == "roof" and any(vals[(k, i)] == R.NOT_MEASURED for i in range(len(sides))))]
        if kernels:
            panels.append((dt, kernels, vals))
    if not panels:
        return False
    n = max(len(p[1]) for p in panels)
    fig, axes = plt.subplots(1, len(panels), figsize=(11, 1.4 + 0.16 * n * (len(sides) + 1)), squeeze=False)
    h = 0.8 / len(sides)
    for ax, (dt, kernels, vals) in zip(axes[0], panels):
        vmax = max([v for v in vals.values() if isinstance(v, float)] + [0])
        for i, s in enumerate(sides):
            ys, vs = [], []
            for j, k in enumerate(kernels):
                y, v = j + (i - (len(sides) - 1) / 2) * h, vals[(k, i)]
                if isinstance(v, float):
                    ys.append(y)
                    vs.append(v)
                    ax.text(v, y, " " + (R.fmt_pct(v) if metric == "roof" else R.fmt_x(v)), va="center", fontsize=6.5)
                elif v:
                    ax.text(0.01, y, " " + v, va="center", fontsize=8, color="C%d" % i,
                            transform=ax.get_yaxis_transform())
            ax.barh(ys, vs, h, color="C%d" % i)
        ax.set_yticks(range(len(kernels)))
        ax.set_yticklabels(kernels, fontsize=8)
        ax.set_ylim(len(kernels) - 0.5, -0.5)  # top to bottom in KERNELS order, whatever was drawn
        if ref is not None:
            ax.axvline(ref, color="k", lw=0.8, ls="--")
        if log:
            ax.set_xscale("log")
        if vmax:
            ax.set_xlim(right=vmax * (1.7 if log else 1.2))
        if log:
            plain_log_ticks(ax.xaxis, ax.get_xlim())
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_title(dt, fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    from matplotlib.patches import Patch
    axes[0][-1].legend(handles=[Patch(color="C%d" % i, label="%s (%s)" % (s.label, isa_of(s) or "-"))
                                for i, s in enumerate(sides)], fontsize=7, loc="lower right")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def plain_log_ticks(axis, lim):
    """Ticks 1-2-5 per decade, written as plain numbers, on a log axis (matplotlib's default writes 6×10⁻¹)."""
    from matplotlib.ticker import FixedLocator, NullLocator, FuncFormatter
    lo, hi = min(lim), max(lim)
    ticks = [m * 10.0 ** e for e in range(-3, 5) for m in (1, 2, 5) if lo <= m * 10.0 ** e <= hi]
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(lambda x, _: "%g" % x))


def grouped_bars(ax, sides, cats, value, unit_label, title):
    """Bars per category, one per machine, value printed on top; "-" where a machine lacks the limit."""
    h = 0.8 / len(sides)
    for i, s in enumerate(sides):
        xs = [j + (i - (len(sides) - 1) / 2) * h for j in range(len(cats))]
        vs = [value(s, c) for c in cats]
        ax.bar([x for x, v in zip(xs, vs) if v], [v for v in vs if v], h, color="C%d" % i, label=s.label)
        for x, v in zip(xs, vs):
            if v:
                ax.text(x, v, "%.3g" % v, ha="center", va="bottom", fontsize=6)
            else:
                ax.text(x, 0.02, "-", ha="center", fontsize=8, transform=ax.get_xaxis_transform())
    ax.set_xticks(range(len(cats)))
    ax.set_xticklabels([" ".join(c[:-1]) + "\n" + c[-1] for c in cats], fontsize=7)
    ax.set_ylabel(unit_label, fontsize=8)
    ax.set_yscale("log")
    ax.set_ylim(top=ax.get_ylim()[1] * 1.6)
    plain_log_ticks(ax.yaxis, ax.get_ylim())
    ax.set_title(title, fontsize=9)
    ax.tick_params(axis="y", labelsize=7)


def limits_figure(path, sides):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def lim(s, c):
        v = s.res.limits.get(c)
        if v is None and c[0] in ("exp", "log"):  # runs that time several exp/log: the fastest of them
            v = R.isa_limit(s.res, *c)[0]
        return v / 1e9 if v else None

    isas = [i for i in R.ISAS if any(("fma", "f32", i) in s.res.limits for s in sides)]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.8), gridspec_kw={"width_ratios": [8, 6, 6]})
    grouped_bars(axes[0], sides, [(kind, lvl) for kind in ("read", "copy") for lvl in R.LEVELS], lim,
                 "GB/s, one thread", "bandwidth per cache level")
    grouped_bars(axes[1], sides, [("fma", dt, i) for dt in ("f32", "f64") for i in isas], lim,
                 "GFLOP/s, one core", "FMA peak per ISA")
    grouped_bars(axes[2], sides, [(fn, "f32", i) for fn in ("exp", "log") for i in isas], lim,
                 "G elements/s, one core", "fastest vector exp, log (f32)")
    axes[0].legend(fontsize=7)
    fig.suptitle("Machine limits, measured by each run's own binary", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def make_plots(sides, outdir):
    os.makedirs(outdir, exist_ok=True)
    made = []
    common = [i for i in R.ISAS if all(i in s.m.isas for s in sides)]
    specs = [("speedup_scalar.png", "Speed-up over the scalar reference, each machine's widest ISA", "x_scalar",
              "× scalar (log)", True, 1.0, best_isa),
             ("speedup_autovec.png", "Speed-up over the auto-vectorized loops (same ISA), each machine's widest ISA",
              "x_autovec", "× autovec (log)", True, 1.0, best_isa),
             ("roofline.png", "Fraction of each machine's own roofline, widest ISA", "roof", "fraction of roofline",
              False, 1.0, best_isa),
             ("vs_best_peer.png", "Best peer's time over ours (> 1: nnsimd faster), widest ISA", "vs_peer",
              "best peer time / ours (log)", True, 1.0, best_isa)]
    if common and len(sides) > 1 and any(best_isa(s) != common[-1] for s in sides):
        specs.append(("speedup_scalar_%s.png" % common[-1], "Speed-up over scalar in %s, the widest ISA every machine "
                      "runs" % common[-1], "x_scalar", "× scalar (log)", True, 1.0, lambda s, i=common[-1]: i))
    for name, title, metric, xlabel, log, ref, isa_of in specs:
        if hbar_figure(os.path.join(outdir, name), title, sides, metric, xlabel, log, ref, isa_of):
            made.append(os.path.join(outdir, name))
    if limits_figure(os.path.join(outdir, "limits.png"), sides):
        made.append(os.path.join(outdir, "limits.png"))
    return made


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs", nargs="*", help="result files (default: the latest full run of each results/ folder)")
    p.add_argument("--results", default=os.path.join(HERE, "..", "results"), help="folder of machine folders")
    p.add_argument("--out", help="markdown report (default: <results>/CROSS_MACHINE.md)")
    p.add_argument("--plots", help="plot folder (default: <results>/cross)")
    p.add_argument("--no-plots", action="store_true")
    p.add_argument("--ceiling-model", default="auto", choices=["auto"] + list(R.CEILING_MODELS))
    p.add_argument("--top", type=int, default=15, help="rows of the largest-differences table")
    args = p.parse_args(argv)
    runs = args.runs or latest_runs(args.results)
    if not runs:
        p.error("no runs given and none found under %s" % args.results)
    out = args.out or os.path.join(args.results, "CROSS_MACHINE.md")
    plot_dir = args.plots or os.path.join(os.path.dirname(os.path.abspath(out)), "cross")
    results = [R.Result(r) for r in runs]
    model = R.pick_model(results, args.ceiling_model)
    sides = [Side(r, model) for r in runs]
    label_sides(sides)
    made = []
    if not args.no_plots:
        try:
            made = make_plots(sides, plot_dir)
        except ImportError as e:
            print("cross_report: no plots (%s); install python3-matplotlib" % e, file=sys.stderr)
    rel = [os.path.relpath(m, os.path.dirname(os.path.abspath(out))) for m in made]
    argv_line = "tools/cross_report.py" + "".join(" " + a for a in (argv if argv is not None else sys.argv[1:]))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        f.write(report(sides, model, argv_line, rel, args.top))
    print("cross_report: wrote %s (%d machines: %s; ceiling model %s; %d plots)" % (
        out, len(sides), ", ".join(s.label for s in sides), model, len(made)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
