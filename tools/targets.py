#!/usr/bin/env python3
"""targets: the performance targets of issue 15, judged on one benchmark run of one machine.

    targets.py RESULT.json [--all] [--isa ISA]     a table per target: what was measured, what is needed, verdict

summarize.py writes the same tables into summary.md ("Against the targets") and cross_report.py one line
per target and machine; the README's "Against the targets" is this tool's output on the committed full
runs, with what binds where a target is missed.

Whose rows. nnsimd's row is the machine's widest ISA benchmarked (what the dispatcher picks; a run capped
with --isa judges that ISA), one thread unless the target is about threads. A peer is every peer_* row of
the same case on one thread (a library rerun with its best setting, peer_<lib>_corrected, included).

Ratios and their intervals. A ratio is the other row's time over ours (above 1: nnsimd is faster). A full
run times each benchmark in repetitions that Google Benchmark interleaves at random: repetition k of every
benchmark runs in round k. So the two rows are paired by repetition (the round's state of the machine,
a neighbour's burst, cancels within a pair, as in tools/ab.py), r_k = ln(other_k / ours_k), the estimate is
exp(Hodges-Lehmann of r) and its interval a 95% percentile bootstrap over the rounds (tools/ab.py's own
functions). As the issue asks, a target "no slower" is met when the interval's lower end is at least 0.97,
"ahead by X" when it is at least X ("ahead" alone: X = 1); it is missed when the upper end is below the
threshold, and "within noise" when the interval holds the threshold. A run that holds medians only (a
compact file) is judged on the ratio of medians, said so.

Fractions of a ceiling: the row's rate over the ceiling that binds, under the run's ceiling model
(nnsimd_results.roofline; for the working-set model the bandwidth measured at the case's own working set,
the exp or log throughput, the FMA peak, all measured by the same binary in the same run); met when at or
above the floor. "Missed by" is the floor over the fraction (or the threshold over the ratio): how much
faster the kernel would have to be.
"""
import argparse
import math
import os
import sys
from collections import namedtuple

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402

from ab import bootstrap_ci, hodges_lehmann  # noqa: E402
from nnsimd_results import ISAS, Result, fmt_pct, fmt_x  # noqa: E402

LEVEL = 0.95  # of every interval
NO_SLOWER = 0.97  # the "no slower": the interval's lower end at least this
LONG_CALL = 100e-6  # the 2-thread target applies to calls whose one-thread time exceeds this

DENSE = ("dense_forward", "dense_relu", "dense_packed_forward", "dense_packed_relu")
DENSE_LARGE = ("mnist:1024x784x128", "imagenet:256x2048x1000", "square:2048x2048x2048")
SOFTMAX_SHAPES = ("imagenet:256x1000", "vocab:64x32000", "hidden:4096x128")
CROSS_ENTROPY = ("categorical_cross_entropy", "categorical_cross_entropy_onehot")
ARGMAX = ("argmax", "accuracy")
NUMPY = ("peer_numpy", "peer_numpy_nnfs")
EIGEN_TORCH = ("peer_eigen", "peer_torch")  # the peers the argmax target names

# One target as the issue states it, and the name the tables give it.
TARGETS = [
    ("dense", "dense: no slower than the fastest peer at every shape, packed and unpacked"),
    ("dense_peak", "dense: >= 90% of FMA peak at 1024x784->128, 256x2048->1000, 2048^3"),
    ("dense_unpacked", "dense: the unpacked kernel within 3% of the packed one at those shapes"),
    ("elementwise", "relu, clip: no slower than any peer, 4 Ki to 16 Mi"),
    ("elementwise_copy", "relu, clip: >= 90% of the copy ceiling at the working set"),
    ("softmax", "softmax, fused softmax CE: >= 1.3x every peer at 256x1000, 64x32000, 4096x128"),
    ("softmax_limit", "softmax, fused softmax CE: within 1.2x of the limit that binds"),
    ("cross_entropy", "cross-entropy on probabilities: ahead of every peer"),
    ("cross_entropy_limit", "cross-entropy on probabilities: within 1.5x of the limit that binds"),
    ("argmax_read", "accuracy / argmax: >= 60% of the read ceiling"),
    ("argmax_eigen_torch", "accuracy / argmax: >= 5x Eigen and PyTorch"),
    ("argmax_numpy", "accuracy / argmax: ahead of NumPy, >= 1.5x where the rows fit in L2"),
    ("threads", "N threads: >= 1.8x one thread above 100 us (memory-bound: >= 90% of the N-thread ceiling)"),
    ("threads_never_slower", "N threads: never slower than one"),
]

# One judged case. kind "ratio": value is the estimate, lo/hi its interval (None: medians only);
# kind "fraction": value is the fraction of the ceiling `what`. verdict: met, missed, noise, n/a.
Check = namedtuple("Check", "target kernel dtype shape versus kind value lo hi need what verdict")


def paired_ratio(other, ours):
    """other's time over ours, paired by repetition -> (estimate, lo, hi); lo = hi = None when the two rows
    share fewer than 3 repetitions (the ratio of medians then)."""
    common = sorted(set(other.samples) & set(ours.samples))
    if len(common) < 3:
        return other.seconds / ours.seconds, None, None
    r = np.log(np.array([other.samples[k] / ours.samples[k] for k in common]))
    lo, hi = bootstrap_ci(r, LEVEL)
    return float(math.exp(hodges_lehmann(r))), math.exp(lo), math.exp(hi)


def fmt_paired(other, ours):
    """other's time over ours as 'estimate× [lo×, hi×]' (paired_ratio), or the ratio of medians alone."""
    value, lo, hi = paired_ratio(other, ours)
    return fmt_x(value) + (" [%s, %s]" % (fmt_x(lo), fmt_x(hi)) if lo is not None else "")


def ratio_verdict(value, lo, hi, need):
    if lo is None:
        return "met" if value >= need else "missed"
    if lo >= need:
        return "met"
    if hi < need:
        return "missed"
    return "noise"


def ratio_check(target, key, other, ours, need, versus):
    value, lo, hi = paired_ratio(other, ours)
    return Check(target, key[0], key[1], key[2], versus, "ratio", value, lo, hi, need, "",
                 ratio_verdict(value, lo, hi, need))


def fraction_check(target, key, res, b, floor, model=None):
    frac, what = res.roofline(b, model)
    verdict = "n/a" if frac is None else ("met" if frac >= floor else "missed")
    return Check(target, key[0], key[1], key[2], b.impl, "fraction", frac, None, None, floor, what, verdict)


def top_isa(res, isa=None):
    isas = res.isas()
    if isa:
        if isa not in isas:
            raise ValueError("%s: no %s rows (the run has %s)" % (res.path, isa, ", ".join(isas) or "none"))
        return isa
    return isas[-1] if isas else None


def peer_checks(target, key, group, ours, need, peers=None):
    """ours against each one-thread peer (or the named ones the group has): one check per peer."""
    rows = [b for b in group.values() if b.kind == "peer" and b.threads == 1 and
            (peers is None or b.impl in peers)]
    return [ratio_check(target, key, p, ours, need, p.impl) for p in sorted(rows, key=lambda b: b.impl)]


def checks(res, isa=None, model=None):
    """Every check the run allows, in TARGETS order then the run's case order; fractions under `model`
    (default: the run's own ceiling model)."""
    isa = top_isa(res, isa)
    if not isa:
        return []
    out = []

    def fraction(target, key, b, floor):
        return fraction_check(target, key, res, b, floor, model)

    groups = res.groups()
    for key, g in groups.items():
        kernel, dtype, shape = key
        ours = g.get(isa)
        if not ours:
            continue
        if kernel in DENSE:
            out += peer_checks("dense", key, g, ours, NO_SLOWER)
            if shape in DENSE_LARGE and kernel in ("dense_forward", "dense_packed_forward"):
                out.append(fraction("dense_peak", key, ours, 0.90))
            if shape in DENSE_LARGE and kernel in ("dense_forward", "dense_relu"):
                packed = groups.get((kernel.replace("dense_", "dense_packed_"), dtype, shape), {}).get(isa)
                if packed:  # the packed kernel's time over the unpacked one's: no more than 3% slower
                    out.append(ratio_check("dense_unpacked", key, packed, ours, NO_SLOWER, "packed " + isa))
        elif kernel in ("relu", "clip"):
            out += peer_checks("elementwise", key, g, ours, NO_SLOWER)
            out.append(fraction("elementwise_copy", key, ours, 0.90))
        elif kernel in ("softmax", "softmax_cross_entropy"):
            if shape in SOFTMAX_SHAPES:
                out += peer_checks("softmax", key, g, ours, 1.3)
                out.append(fraction("softmax_limit", key, ours, 1 / 1.2))
        elif kernel in CROSS_ENTROPY:
            out += peer_checks("cross_entropy", key, g, ours, 1.0)
            out.append(fraction("cross_entropy_limit", key, ours, 1 / 1.5))
        elif kernel in ARGMAX:
            out.append(fraction("argmax_read", key, ours, 0.60))
            out += peer_checks("argmax_eigen_torch", key, g, ours, 5.0, peers=EIGEN_TORCH)
            in_l2 = ours.ws_bytes is not None and res.level_of(ours.ws_bytes) in ("L1", "L2")
            out += peer_checks("argmax_numpy", key, g, ours, 1.5 if in_l2 else 1.0, peers=NUMPY)
    out += thread_checks(res, isa, model)
    order = {t: i for i, (t, _) in enumerate(TARGETS)}
    return sorted(out, key=lambda c: order[c.target])  # stable: the run's case order within a target


def thread_checks(res, isa, model=None):
    """Each case timed on one thread and on N: above LONG_CALL one-thread time, >= 1.8x (or, where the
    N-thread row's binding ceiling is a bandwidth, >= 90% of it); at every case, never slower than one
    thread. A call that stayed on one thread (label threads=1: below the parallel threshold) ran the same
    code in both rows, so their ratio is the run's noise: it is not judged (summarize.py's check_scaling
    leaves it out too)."""
    out = []
    for key, g in res.groups().items():
        one = g.get(isa)
        for b in g.values():
            if b.kind != "xsimd" or b.isa != isa or b.threads < 2 or not one:
                continue
            if one.seconds > LONG_CALL and b.threads_used != 1:  # (threads_used None: a run before the label)
                frac, what = res.roofline(b, model)
                if frac is not None and what.startswith(("read", "copy")):
                    out.append(fraction_check("threads", key, res, b, 0.90, model))
                else:
                    out.append(ratio_check("threads", key, one, b, 0.9 * b.threads, "%s, 1 thread" % isa))
            if b.threads_used != 1:
                out.append(ratio_check("threads_never_slower", key, one, b, NO_SLOWER, "%s, 1 thread" % isa))
    return out


def worst(cs):
    """The check furthest from its target (the lowest measured over needed; unjudged ones last)."""
    return min(cs, key=lambda c: (c.value / c.need) if c.value else math.inf)


def per_target(cs):
    """[(target, its name, its checks)] in TARGETS order, for the targets the checks cover."""
    out = []
    for target, name in TARGETS:
        mine = [c for c in cs if c.target == target]
        if mine:
            out.append((target, name, mine))
    return out


def missed_by(c):
    """How much faster the kernel would have to be to meet the target (None unless missed or noise)."""
    if c.verdict not in ("missed", "noise") or not c.value or c.value >= c.need:
        return None
    return c.need / c.value


def fmt_value(c):
    if c.value is None:
        return "-"
    if c.kind == "fraction":
        return "%s of %s" % (fmt_pct(c.value), c.what)
    if c.lo is None:
        return "%s (medians)" % fmt_x(c.value)
    return "%s [%s, %s]" % (fmt_x(c.value), fmt_x(c.lo), fmt_x(c.hi))


def fmt_need(c):
    return (">= " + fmt_pct(c.need)) if c.kind == "fraction" else (">= %.2f×" % c.need)


def tally(cs):
    """{verdict: count} of a list of checks."""
    t = {}
    for c in cs:
        t[c.verdict] = t.get(c.verdict, 0) + 1
    return t


def fmt_tally(t):
    return ", ".join("%d %s" % (t[v], v) for v in ("met", "noise", "missed", "n/a") if t.get(v))


def markdown(res, isa=None, all_rows=False):
    """Per target: one line of counts, then the checks that are not met (all of them with all_rows)."""
    cs = checks(res, isa)
    if not cs:
        return ["No xsimd rows in this run: no target to judge."]
    isa = top_isa(res, isa)
    out = ["nnsimd's row: %s, one thread unless said. Ratio: the other row's time over ours, paired by repetition, "
           "Hodges-Lehmann estimate [%d%% bootstrap interval]; met when the interval's lower end reaches the "
           "threshold, missed when its upper end is below it, noise otherwise (tools/targets.py). Fraction: of the "
           "ceiling that binds, measured in this run. \"by\": how much faster nnsimd would have to be."
           % (isa, round(100 * LEVEL)), "",
           "| target | cases | verdicts | worst case | measured | needed | by |", "|---|---|---|---|---|---|---|"]
    detail = []
    for _, name, mine in per_target(cs):
        w = worst(mine)
        by = missed_by(w)
        out.append("| %s | %d | %s | %s %s %s vs %s | %s | %s | %s |" % (
            name, len(mine), fmt_tally(tally(mine)), w.kernel, w.dtype, w.shape, w.versus,
            fmt_value(w), fmt_need(w), fmt_x(by) if by else "-"))
        detail += [c for c in mine if all_rows or c.verdict != "met"]
    if detail:
        out += ["", "Cases %s:" % ("judged" if all_rows else "not met"), "",
                "| target | kernel | dtype | shape | versus | measured | needed | verdict | by |",
                "|---|---|---|---|---|---|---|---|---|"]
        for c in detail:
            by = missed_by(c)
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                c.target, c.kernel, c.dtype, c.shape, c.versus, fmt_value(c), fmt_need(c), c.verdict,
                fmt_x(by) if by else "-"))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("result", help="a result JSON written by nnsimd_bench (a full run: repetitions give intervals)")
    p.add_argument("--isa", choices=ISAS, help="judge this ISA's rows (default: the widest the run has)")
    p.add_argument("--all", action="store_true", help="list every case, not only those not met")
    args = p.parse_args(argv)
    try:
        res = Result(args.result)
        lines = markdown(res, args.isa, args.all)
    except (OSError, ValueError) as e:
        print("targets: %s" % e, file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
