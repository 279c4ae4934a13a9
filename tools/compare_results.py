#!/usr/bin/env python3
"""Compares nnsimd_bench results: two commits, two machines, or two ISAs.

    compare_results.py A.json B.json [C.json ...] [--threshold 0.10] [--fail-on-regression] [--plot OUT.png]
    compare_results.py A.json [B.json] --isa-a avx2 --isa-b avx512

Every later file is compared with the first (the baseline), benchmark by benchmark (names, aliases,
medians and ceilings as in tools/nnsimd_results.py; Google Benchmark's suffixes stripped), over the
benchmarks present in both:

- Same machine (same nnsimd_machine_id in the context): the time ratio B/A of the medians and each side's
  fraction of roofline. A ratio above 1 + threshold on one of our implementations (scalar, autovec_*,
  xsimd) is a regression; peers and machine limits are listed as drift of the machine, never flagged.
  Where the files hold repetitions, Google Benchmark's own compare.py (libbenchmark-tools) is run on them
  and its output, Mann-Whitney U test included, is printed as is. The regression flag stays on the
  threshold: with the 3 repetitions of a full run the U test cannot reach p < 0.1, so it informs, it
  does not decide.
- Different machines: times do not compare across clocks and memory systems, so only the ratios measured
  within each file are set side by side: speed-up over scalar, over auto-vectorized, fraction of roofline.
- --isa-a X --isa-b Y: the X implementations of A (X, X_t<N>, autovec_X) against the Y ones of B (B
  defaults to A: two ISAs of one run), side by side as for different machines, plus the time ratio when
  both sides come from one machine.

Two accuracy reports of `nnsimd accuracy` (schema "nnsimd-accuracy-1", results/README.md) are recognised
by their schema and compared instead: per kernel x dtype x ISA, the max ULP and max relative error of each
side and the bound use of the later one; a max ULP or max relative error above the baseline's is flagged
GREW (a regression). The values are compared as written (the same double for an identical rerun), "inf"
counts as larger than any number, "nan" never compares as grown; rows in only one file are listed.

Exit status: 1 when --fail-on-regression is given and a regression was flagged, 2 on bad usage, else 0.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import tempfile
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnsimd_results as S  # noqa: E402  (loader, names, ceilings, figures, formatting)

OURS = ("scalar", "autovec", "xsimd")
GBENCH_COMPARE = os.environ.get("GBENCH_COMPARE", "/usr/share/benchmark/compare.py")  # Debian libbenchmark-tools


def figures_by_name(res):
    """canonical name -> figures dict of tools/nnsimd_results.py (time, x_scalar, x_autovec, roof, ...)."""
    out = {}
    for group in res.groups().values():
        figs, _, _ = S.figures(res, group)
        for f in figs.values():
            out[f["bench"].name] = f
    return out


def swap_isa(impl, isa_a, isa_b):
    isa, threads, kind = S.parse_impl(impl)
    if isa != isa_a or kind not in ("xsimd", "autovec"):
        return None
    return impl.replace(isa_a, isa_b, 1)


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def fmt_ratio(r):
    return "-" if r is None else "%.3f" % r


def compare_same_machine(a, b, threshold):
    fa, fb = figures_by_name(a), figures_by_name(b)
    rows, regressions, drift = [], [], []
    for name in sorted(set(a.benches) & set(b.benches)):
        ba, bb = a.benches[name], b.benches[name]
        ratio = bb.seconds / ba.seconds
        if ba.is_limit or ba.kind == "peer":
            drift.append((name, ratio))
            continue
        ra, rb = (fa.get(name) or {}).get("roof"), (fb.get(name) or {}).get("roof")
        flag = ""
        if ba.kind in OURS and ratio > 1 + threshold:
            flag = "REGRESSION"
            regressions.append((name, ratio, ba.seconds, bb.seconds))
        elif ratio < 1 - threshold:
            flag = "faster"
        rows.append((name, S.fmt_time(ba.seconds), S.fmt_time(bb.seconds), fmt_ratio(ratio),
                     S.fmt_pct(ra), S.fmt_pct(rb), flag))
    rows.sort(key=lambda r: (r[-1] != "REGRESSION", r[0]))
    out = [table(["benchmark", "time A", "time B", "B/A", "roof A", "roof B", ""], rows)]
    if drift:
        moved = [(n, r) for n, r in drift if abs(r - 1) > threshold]
        out += ["", "Machine drift (limits and peers, never flagged): %d compared, %d moved beyond the threshold%s"
                % (len(drift), len(moved), ": " + ", ".join("%s %.3f" % m for m in moved) if moved else "")]
    return "\n".join(out), regressions, rows


def side_by_side(a, b, pairs, same_machine):
    fa, fb = figures_by_name(a), figures_by_name(b)
    rows = []
    for na, nb in pairs:
        x, y = fa.get(na), fb.get(nb)
        if not x or not y:
            continue
        rows.append((na if na == nb else "%s vs %s" % (na, nb.split("/")[2]),
                     S.fmt_x(x["x_scalar"]), S.fmt_x(y["x_scalar"]), S.fmt_x(x["x_autovec"]), S.fmt_x(y["x_autovec"]),
                     S.fmt_pct(x["roof"]), S.fmt_pct(y["roof"]),
                     fmt_ratio(y["time"] / x["time"]) if same_machine else "-",
                     x, y))
    text = table(["benchmark", "×scalar A", "×scalar B", "×autovec A", "×autovec B", "roof A", "roof B", "time B/A"],
                 [r[:8] for r in rows])
    return text, rows


def python_with_scipy():
    """compare.py's U test needs scipy; the interpreter running this script may not have it (a pyenv or
    venv python), while Debian's python3-scipy belongs to Debian's python3."""
    for cand in (sys.executable, shutil.which("python3"), "/usr/bin/python3"):
        if cand and os.path.exists(cand) and subprocess.run([cand, "-c", "import scipy, numpy"],
                                                            capture_output=True).returncode == 0:
            return cand
    return None


def run_gbench_compare(path_a, path_b):
    if not os.path.exists(GBENCH_COMPARE):
        return "(Google Benchmark's compare.py not found at %s: apt-get install libbenchmark-tools)" % GBENCH_COMPARE
    py = python_with_scipy()
    if not py:
        return "(compare.py needs scipy: apt-get install python3-scipy)"
    # compare.py pairs benchmarks by name: give it copies with the renames of renamed.def applied, so a run
    # stored before a rename still pairs with one made after it.
    with tempfile.TemporaryDirectory() as tmp:
        copies = []
        for i, path in enumerate((path_a, path_b)):
            data = S.read_json(path)
            for b in data.get("benchmarks", []):
                for key in ("name", "run_name"):
                    if key in b:
                        b[key] = S.alias(b[key])
            copies.append(os.path.join(tmp, "%d-%s" % (i, os.path.basename(path))))
            with open(copies[-1], "w") as f:
                json.dump(data, f)
        p = subprocess.run([py, GBENCH_COMPARE, "--no-color", "-a", "benchmarks", *copies],
                           capture_output=True, text=True)
    return (p.stdout + p.stderr).rstrip()


def plot(path, panels):
    """panels: list of (title, kind, rows): kind 'ratio' rows = (name, ratio, flagged); kind 'side' rows =
    (name, figures A, figures B)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(panels)
    heights = [max(3, 0.22 * len(p[2]) + 1.2) for p in panels]
    fig, axes = plt.subplots(n, 1 if panels[0][1] == "ratio" else 2, figsize=(11, sum(heights)), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for row, (title, kind, rows) in zip(axes, panels):
        names = [r[0] for r in rows]
        ys = range(len(rows))
        if kind == "ratio":
            ax = row[0]
            ax.barh(ys, [r[1] for r in rows], color=["C3" if r[2] else "C0" for r in rows])
            ax.axvline(1.0, color="k", lw=0.8)
            ax.set_xlabel("time B / A (red: regression)")
            ax.set_title(title, fontsize=9)
            ax.set_yticks(list(ys))
            ax.set_yticklabels(names, fontsize=6)
            ax.invert_yaxis()
            continue
        for ax, key, label, log in ((row[0], "x_scalar", "speed-up over scalar", True),
                                    (row[1], "roof", "fraction of roofline", False)):
            h = 0.4
            ax.barh([y - h / 2 for y in ys], [r[1][key] or 0 for r in rows], h, label="A", color="C0")
            ax.barh([y + h / 2 for y in ys], [r[2][key] or 0 for r in rows], h, label="B", color="C1")
            if log:
                ax.set_xscale("log")
            ax.set_xlabel(label)
            ax.set_yticks(list(ys))
            ax.set_yticklabels(names if ax is row[0] else [], fontsize=6)
            ax.invert_yaxis()
            ax.legend(fontsize=7)
            ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


ACCURACY_SCHEMA = "nnsimd-accuracy-"


def accuracy_report(path):
    """The parsed report if `path` is an `nnsimd accuracy` JSON report, else None."""
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and str(data.get("schema", "")).startswith(ACCURACY_SCHEMA):
        return data
    return None


def acc_value(v):
    """A report number: a JSON number, or the strings "inf" / "-inf" / "nan" (JSON has no infinities)."""
    if isinstance(v, (int, float)):
        return float(v)
    return float(v) if v in ("inf", "-inf", "nan") else math.nan


def fmt_acc(v, f="%.3g"):
    return str(v) if math.isinf(v) or math.isnan(v) else f % v


def compare_accuracy(a, b):
    """Rows (kernel, dtype, isa, ulp A, ulp B, rel A, rel B, bound use B, flag) and the grown keys."""
    ra = {(r["kernel"], r["dtype"], r["isa"]): r for r in a["results"]}
    rb = {(r["kernel"], r["dtype"], r["isa"]): r for r in b["results"]}
    rows, grown = [], []
    for key in sorted(set(ra) | set(rb)):
        x, y = ra.get(key), rb.get(key)
        if x is None or y is None:
            rows.append(key + ("-",) * 5 + ("only in " + ("B" if x is None else "A"),))
            continue
        ua, ub = acc_value(x["max_ulp"]), acc_value(y["max_ulp"])
        qa, qb = acc_value(x["max_rel"]), acc_value(y["max_rel"])
        what = [n for n, (va, vb) in (("ulp", (ua, ub)), ("rel", (qa, qb))) if vb > va]  # nan: never
        flag = "GREW (" + ", ".join(what) + ")" if what else ""
        if not y.get("pass", True):
            flag = (flag + ", " if flag else "") + "FAILS its bound"
        if what:
            grown.append((key, ua, ub, qa, qb))
        use = acc_value(y["max_bound_use"]) if y.get("bound_checked") else None
        rows.append(key + (fmt_acc(ua), fmt_acc(ub), fmt_acc(qa), fmt_acc(qb),
                           "-" if use is None else fmt_acc(use, "%.2f"), flag))
    rows.sort(key=lambda r: (not r[-1].startswith("GREW"), r[:3]))
    return rows, grown


def main_accuracy(paths, reports, fail_on_regression):
    base = reports[0]
    any_grown = []
    for path, other in zip(paths[1:], reports[1:]):
        ma, mb = base.get("machine", {}).get("id"), other.get("machine", {}).get("id")
        print("## accuracy: %s (%s) vs %s (%s)\n" % (os.path.basename(paths[0]), ma, os.path.basename(path), mb))
        rows, grown = compare_accuracy(base, other)
        print(table(["kernel", "dtype", "isa", "max ulp A", "max ulp B", "max rel A", "max rel B", "bound use B", ""],
                    rows) + "\n")
        for key, ua, ub, qa, qb in grown:
            print("GREW %s: max ulp %s -> %s, max rel %s -> %s" % ("/".join(key), fmt_acc(ua, "%.6g"),
                                                                  fmt_acc(ub, "%.6g"), fmt_acc(qa, "%.6g"),
                                                                  fmt_acc(qb, "%.6g")))
        any_grown += grown
    if any_grown:
        print("\n%d error(s) grew: %s" % (len(any_grown), ", ".join("/".join(g[0]) for g in any_grown)))
    else:
        print("\nno error grew")
    return 1 if any_grown and fail_on_regression else 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("results", nargs="+",
                   help="Google Benchmark JSON files, or nnsimd accuracy reports; the first is the baseline")
    p.add_argument("--threshold", type=float, default=0.10, help="flag B/A time ratios above 1 + this")
    p.add_argument("--fail-on-regression", action="store_true", help="exit 1 if a regression is flagged")
    p.add_argument("--plot", help="write a PNG: time ratios (same machine) or ratios side by side")
    p.add_argument("--isa-a", help="compare this ISA's implementations of A ...")
    p.add_argument("--isa-b", help="... with this ISA's of B (B defaults to A)")
    p.add_argument("--no-utest", action="store_true", help="do not run Google Benchmark's compare.py")
    args = p.parse_args(argv)
    if bool(args.isa_a) != bool(args.isa_b):
        p.error("--isa-a and --isa-b go together")
    if len(args.results) < 2 and not args.isa_a:
        p.error("need two result files (or one with --isa-a/--isa-b)")
    reports = [accuracy_report(r) for r in args.results]
    if any(reports):
        if not all(reports):
            p.error("cannot compare an accuracy report with a benchmark result")
        if len(reports) < 2 or args.isa_a or args.plot:
            p.error("accuracy reports: give two or more, without --isa-a/--isa-b/--plot")
        return main_accuracy(args.results, reports, args.fail_on_regression)
    paths = args.results if len(args.results) >= 2 else args.results * 2
    base = S.Result(paths[0])
    all_regressions, panels = [], []
    for path in paths[1:]:
        other = S.Result(path)
        same = base.machine_id == other.machine_id
        print("## %s (%s) vs %s (%s)%s\n" % (os.path.basename(paths[0]), base.machine_id, os.path.basename(path),
                                             other.machine_id, ": same machine" if same else ": different machines"))
        if args.isa_a:
            pairs = []
            for name, b in base.benches.items():
                if not b.is_limit and b.kernel:
                    imp = swap_isa(b.impl, args.isa_a, args.isa_b)
                    nb = "/".join([b.kernel, b.dtype, imp, b.shape]) if imp else None
                    if nb in other.benches:
                        pairs.append((name, nb))
            text, rows = side_by_side(base, other, sorted(pairs), same)
            print("%s (A) vs %s (B)\n\n%s\n" % (args.isa_a, args.isa_b, text))
            panels.append(("%s in %s vs %s in %s" % (args.isa_a, os.path.basename(paths[0]), args.isa_b,
                                                    os.path.basename(path)), "side", [(r[0], r[8], r[9]) for r in rows]))
        elif same:
            text, regs, rows = compare_same_machine(base, other, args.threshold)
            print(text + "\n")
            for name, ratio, ta, tb in regs:
                print("REGRESSION %s: %.2f× the time (%s -> %s), threshold %.0f%%" % (
                    name, ratio, S.fmt_time(ta), S.fmt_time(tb), 100 * args.threshold))
            all_regressions += regs
            if base.has_repetitions and other.has_repetitions and not args.no_utest:
                print("\n### Google Benchmark compare.py (U test over repetitions)\n\n```\n%s\n```\n"
                      % run_gbench_compare(paths[0], path))
            panels.append(("%s / %s" % (os.path.basename(path), os.path.basename(paths[0])), "ratio",
                           [(r[0], float(r[3]), r[-1] == "REGRESSION") for r in rows]))
        else:
            pairs = [(n, n) for n in sorted(set(base.benches) & set(other.benches))
                     if not base.benches[n].is_limit and base.benches[n].kernel]
            text, rows = side_by_side(base, other, pairs, False)
            print(text + "\n")
            panels.append(("%s (A) vs %s (B)" % (base.machine_id, other.machine_id), "side",
                           [(r[0], r[8], r[9]) for r in rows]))
    if args.plot and panels:
        kinds = {k for _, k, _ in panels}
        if len(kinds) > 1:  # one figure per kind of panel
            root, ext = os.path.splitext(args.plot)
            for k in kinds:
                plot("%s_%s%s" % (root, k, ext), [pn for pn in panels if pn[1] == k])
        else:
            plot(args.plot, panels)
    if all_regressions:
        print("\n%d regression(s) beyond %.0f%%: %s" % (len(all_regressions), 100 * args.threshold,
                                                         ", ".join(r[0] for r in all_regressions)))
    else:
        print("\nno regression beyond %.0f%%" % (100 * args.threshold))
    return 1 if all_regressions and args.fail_on_regression else 0


if __name__ == "__main__":
    sys.exit(main())
