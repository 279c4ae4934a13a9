#!/usr/bin/env python3
"""Measures how well tools/ab.py decides: detection rate of planted regressions, false alarms without one.

    tools/ab_trials.py [--trials 20] [--rev HEAD] [--move 751d903] [--out results/<machine-id>/ab_trials.json]

Four conditions, each compared --trials times with tools/ab.py's procedure (its defaults: 12 ABBA pairs,
Wilcoxon + Holm at alpha 0.05, minimum effect 3 %) on one fixed filter of FILTER's benchmarks at this
machine's widest ISA:

  same     two builds of one commit (REV), in two folders: nothing changed;
  move     a commit that only moves code (MOVE, 751d903: the kernels' entries moved into files of their own
           op's name, objdump of every ISA object identical) against its parent;
  plant5   REV built with the test-only NNSIMD_PLANT option (src/isa/plant.hpp), the switch off (A) and
           on (B, NNSIMD_PLANT=softmax:5: softmax computes 5 % of its rows twice): one binary, so the
           only change is the planted one;
  plant20  the same at 20 %.

(A first measurement compared the plant build against REV's own build: at 24 pairs it also flagged the
dense benchmark, 3 trials of 3, whose code is the same in both builds but whose binary layout is not; a
real difference between those two binaries, not the planted one. Hence one binary for the plants.)

The conditions take turns (trial k of each, then trial k + 1), so a change of the machine's load over
the run falls on all of them. A trial's outcome: the benchmarks flagged REGRESSION or FASTER. For the
plants, detection = the planted softmax flagged REGRESSION; any other benchmark flagged is a false alarm.
For same/move, any flag is a false alarm; the stated family-wise rate is alpha = 5 % per comparison.
The plants' real size is measured separately, by one long comparison (--size-pairs, default 40) of
softmax alone, so the detection rate is read against the effect actually planted.

Writes the trials and the summary as JSON and prints the summary as a Markdown table (README.md).
Takes about (4 x trials + 2) comparisons of 20-30 s each, plus five builds the first time; do not run
anything else on the machine meanwhile.
"""
import argparse
import datetime
import json
import os
import sys
import time
import types

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ab  # noqa: E402

# One benchmark of each kernel family whose call takes 10-500 us single-threaded on a 2-core Zen 3
# (long enough to time in 30 ms, short enough for 8 of them per process); {isa} is the widest runnable.
FILTER = ("^(softmax/f32/{isa}/hidden:4096x128|softmax/f64/{isa}/imagenet:256x1000|relu/f32/{isa}/elems:262144"
          "|clip/f32/{isa}/elems:262144|dense_forward/f32/{isa}/mnist:1024x128x10"
          "|categorical_cross_entropy/f32/{isa}/imagenet:256x1000|softmax_cross_entropy/f32/{isa}/imagenet:256x1000"
          "|accuracy/f32/{isa}/imagenet:256x1000)$")
TARGET = "softmax/"  # the planted kernel: every selected benchmark whose name starts with it
ISAS = ("avx512", "avx2", "sse2", "neon64")


def widest_isa(binary):
    names = ab.Side("probe", binary).list("^limit/fma/f32/")
    for isa in ISAS:
        if any(n == f"limit/fma/f32/{isa}" for n in names):
            return isa
    raise ab.Failure("no limit/fma/f32/<isa> benchmark: cannot tell the widest ISA")


def measure_args(filter_, pairs, min_time, warmup):
    return types.SimpleNamespace(filter=filter_, pairs=pairs, min_time=min_time, warmup=warmup, alpha=0.05,
                                 min_effect=0.03, no_pin=False, verbose=False, max_steal=0.02, max_proxy=0.05,
                                 max_redo=None)


def outcome(rep, planted):
    flagged = {r["benchmark"]: r["verdict"] for r in rep["benchmarks"] if r["verdict"] in ("REGRESSION", "FASTER")}
    target = [r for r in rep["benchmarks"] if r["benchmark"].startswith(TARGET)]
    return {
        "flagged": flagged,
        "detected": bool(planted) and all(flagged.get(r["benchmark"]) == "REGRESSION" for r in target),
        "false_alarms": sorted(n for n in flagged if not (planted and n.startswith(TARGET))),
        "target_ratio": [r["ratio"] for r in target],
        "pairs_run": len(rep["pairs"]),
        "pairs_disturbed": sum(p["disturbed"] for p in rep["pairs"]),
        "wall_s": rep["wall_s"],
    }


def summarize(trials, sizes, conditions):
    rows = []
    for name, planted in conditions:
        t = [x for x in trials if x["condition"] == name]
        if not t:
            continue
        row = {"condition": name, "trials": len(t),
               "comparisons_with_a_false_alarm": sum(bool(x["false_alarms"]) for x in t),
               "median_wall_s": sorted(x["wall_s"] for x in t)[len(t) // 2]}
        if planted:
            row["detected"] = sum(x["detected"] for x in t)
            row["planted_size"] = sizes.get(name)
        rows.append(row)
    return rows


def markdown(summary):
    lines = ["| condition | trials | planted softmax flagged | comparisons with a false alarm | real size of the plant | wall time per comparison |",
             "|---|---|---|---|---|---|"]
    for r in summary:
        size = r.get("planted_size")
        size_txt = f"{100 * (size['ratio'] - 1):+.1f} % [{100 * (size['ci'][0] - 1):+.1f}, {100 * (size['ci'][1] - 1):+.1f}]" if size else "-"
        det = f"{r['detected']}/{r['trials']}" if "detected" in r else "-"
        lines.append(f"| {r['condition']} | {r['trials']} | {det} | {r['comparisons_with_a_false_alarm']}/{r['trials']} "
                     f"| {size_txt} | {r['median_wall_s']:.0f} s |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--trials", type=int, default=20)
    p.add_argument("--rev", default="HEAD", help="the commit of same/plant5/plant20 (default HEAD)")
    p.add_argument("--move", default="751d903", help="a commit that only moves code (compared with its parent)")
    p.add_argument("--pairs", type=int, default=12)
    p.add_argument("--min-time", type=float, default=0.03)
    p.add_argument("--warmup", type=float, default=0.02)
    p.add_argument("--size-pairs", type=int, default=40, help="pairs of the plants' size measurement")
    p.add_argument("--only", action="append", help="conditions to run (default all)")
    p.add_argument("--out", help="JSON (default results/<machine-id>/ab_trials.json)")
    p.add_argument("--build-only", action="store_true", help="build the five builds and stop (no timing)")
    args = p.parse_args(argv)
    try:
        base, base_sha = ab.build_revision(args.rev)
        copy, _ = ab.build_revision(args.rev, variant="copy")
        plant, _ = ab.build_revision(args.rev, cmake_args=("-DNNSIMD_PLANT=ON",))
        move_b, move_sha = ab.build_revision(args.move)
        move_a, _ = ab.build_revision(args.move + "^")
        if args.build_only:
            return 0
        isa = widest_isa(base)
        filter_ = FILTER.format(isa=isa)
        sides = {
            "same": (ab.Side("REV", base, commit=base_sha), ab.Side("REV (second build)", copy, commit=base_sha)),
            "move": (ab.Side("MOVE^", move_a), ab.Side("MOVE", move_b, commit=move_sha)),
            "plant5": (ab.Side("REV+plant, off", plant), ab.Side("REV+plant, 5 %", plant, {"NNSIMD_PLANT": "softmax:5"})),
            "plant20": (ab.Side("REV+plant, off", plant), ab.Side("REV+plant, 20 %", plant, {"NNSIMD_PLANT": "softmax:20"})),
        }
        conditions = [(c, c.startswith("plant")) for c in sides if not args.only or c in args.only]
        settings = measure_args(filter_, args.pairs, args.min_time, args.warmup)
        t0 = time.time()

        # The plants' real size: softmax alone, many pairs, no other benchmark in the family.
        sizes = {}
        machine = {}  # from the first comparison's report
        for name, planted in conditions:
            if planted:
                a, b = sides[name]
                size_args = measure_args("^softmax/f32/" + isa + "/hidden:4096x128$", args.size_pairs,
                                         args.min_time, args.warmup)
                rep = ab.compare(a, b, size_args)
                machine = machine or rep
                r = rep["benchmarks"][0]
                sizes[name] = {"benchmark": r["benchmark"], "ratio": r["ratio"], "ci": r["ci"], "pairs": args.size_pairs}
                ab.log(f"ab_trials: {name}: real size {100 * (r['ratio'] - 1):+.1f} % [{100 * (r['ci'][0] - 1):+.1f}, "
                       f"{100 * (r['ci'][1] - 1):+.1f}]")

        trials = []
        for k in range(args.trials):
            for name, planted in conditions:
                a, b = sides[name]
                rep = ab.compare(a, b, settings)
                machine = machine or rep
                o = outcome(rep, planted)
                o.update({"condition": name, "trial": k})
                trials.append(o)
                ab.log(f"ab_trials: {name} #{k + 1}: flagged {o['flagged'] or 'nothing'}"
                       + (f", softmax x{', '.join(f'{x:.3f}' for x in o['target_ratio'])}" if planted else "")
                       + f" ({o['wall_s']:.0f} s)")
    except ab.Failure as e:
        ab.log(f"ab_trials: {e}")
        return 2
    summary = summarize(trials, sizes, conditions)
    machine_id = machine.get("machine", "unknown")
    out = args.out or os.path.join(ab.ROOT, "results", machine_id, "ab_trials.json")
    report = {"schema": "nnsimd-ab-trials-1",
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "machine": machine_id, "cpu": machine.get("cpu"), "uarch": machine.get("uarch"),
              "rev": base_sha, "move": args.move, "filter": filter_, "pairs": args.pairs,
              "min_time_s": args.min_time, "warmup_s": args.warmup, "alpha": 0.05, "min_effect": 0.03,
              "wall_s": time.time() - t0, "plant_sizes": sizes, "summary": summary, "trials": trials}
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out + ".tmp", "w") as f:
        json.dump(report, f, indent=1)
    os.replace(out + ".tmp", out)
    print(markdown(summary))
    print(f"\n{len(trials)} comparisons in {report['wall_s'] / 60:.0f} min on {report['machine']}; {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
