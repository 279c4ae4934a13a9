#!/usr/bin/env python3
"""History per machine: every committed run of a machine id as a point, each benchmark normalized to that
run's own ceilings, and the commits where a benchmark stepped.

    history.py [show] [--results DIR] [--machine ID ...] [--benchmark REGEX] [--json FILE]
    history.py backfill REV [REV ...] [--filter REGEX] [--results DIR] [--jobs N] [--clean]

show (the default): for each machine folder of --results (default: results/ next to tools/; --machine
picks some), reads every bench-*.json through tools/nnsimd_results.py and prints the points (commit, date,
host, mode), the noise level, and every step found; --benchmark prints those series whole, --json writes
the history (what tools/report.py draws).

backfill: builds each REV in a folder of its own (tools/ab.py's build_revision: a git worktree and a
Release build under build/ab/<commit>, only the targets nnsimd_bench and nnsimd_cli: the benchmark and the
command line, shared with A/B comparisons of that commit), runs
`nnsimd bench --quick` on --filter plus the machine limits those benchmarks are held to, and writes the
run, compacted, into
results/<machine-id>/bench-quick-<stamp>.json: a point of that machine's history, placed by its commit.
A commit older than what backfill needs (the release preset, `nnsimd bench --filter/--out/--no-summary/
--bench-path`, the machine id in the benchmark's context) is refused with the missing feature named.

The normalization. A point's value is the benchmark's fraction of its binding roof in that run: its
measured rate (FLOP/s, bytes/s, exps/s, logs/s) over the ceiling of the same kind measured by the same
binary in the same process (tools/nnsimd_results.py roofline(): FMA peak, bandwidth, exp or log
throughput, whichever binds). Equivalently the inverse of the time relative to the run's own ceiling
time. Runs under one machine id may come from different hosts (another VM of the same CPU model, another
neighbour, another clock): what such a host changes by a constant factor moves the kernel and its
ceilings alike and cancels in the fraction, while raw times across runs would show it as a step. It also
keeps the ratio within one file, the rule every tool here follows. One ceiling model per machine: the
newest model that every run of that machine measured (an older run that lacks the "ws" rows reads the
whole history under "level"), so a change of model is never a step. A benchmark whose run lacks its
ceiling has no point there.

The step detection (as airspeed velocity's step detection does, written here from its description): the
series in commit order, y = log of the normalized values, is cut into segments minimizing
    sum over segments of sum |y_i - median(segment)|  +  beta x (number of segments)
by exact dynamic programming (optimal partitioning, O(n^3) for n points: n is small). The absolute
deviation (not squares) keeps one outlying run from being taken for two steps. The penalty
beta = PENALTY x sigma x (1 + ln n), sigma the machine's run-to-run noise: 1.4826 x the median absolute
difference of log values between consecutive runs, pooled over every benchmark of that machine, / sqrt 2
(most benchmarks do not change between two runs, so the pool measures the noise even with 2-3 runs); a
series of 8 points or more uses its own noise if higher; never below NOISE_FLOOR. A step is reported at
the first commit of the new segment, with the ratio of the segments' medians (> 1: a higher fraction of
the roof, faster). Fewer than MIN_POINTS points: "too few points to decide" (with two runs a step and a
noisy run look alike).
"""
import argparse
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
import numpy as np  # noqa: E402

import ab  # noqa: E402  (build_revision: a commit's worktree and build, shared with the A/B comparison)
import nnsimd_results as R  # noqa: E402

MIN_POINTS = 3
PENALTY = 2.0
NOISE_FLOOR = 0.005  # 0.5%: below what two runs of this project's benchmarks ever agree to
OWN_NOISE_POINTS = 8


# --- points ----------------------------------------------------------------------------------------------
class Point:
    """One run of a machine: where it sits in history (commit, date) and who made it (host)."""

    def __init__(self, path, res, order):
        c = res.context
        self.path = path
        self.res = res
        self.commit = str(c.get("nnsimd_git_commit") or "unknown")
        self.date = str(c.get("date") or "")
        self.host = str(c.get("host_name") or "")
        self.machine_id = res.machine_id
        self.mode = str(c.get("nnsimd_mode") or "") + ("-part" if is_part_run(path) else "")
        self.order = order  # sort key: (commit time from git, or the run's date; the run's date)

    def as_dict(self):
        return {"commit": self.commit, "date": self.date, "host": self.host, "mode": self.mode,
                "run": shown_path(self.path), "cpu": self.res.machine.cpu, "uarch": self.res.machine.uarch}


def shown_path(path):
    """A run's path relative to the repository when it lies inside it, else its file name."""
    a = os.path.abspath(path)
    return os.path.relpath(a, ROOT) if a.startswith(ROOT + os.sep) else os.path.basename(path)


def commit_time(commit):
    """Committer time (seconds) of a commit of this repository, or None (not a commit here, or no git)."""
    if not re.match(r"^[0-9a-f]{4,40}$", commit):
        return None
    try:
        p = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%ct", commit + "^{commit}", "--"],
                           capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return int(p.stdout.strip()) if p.returncode == 0 and p.stdout.strip().isdigit() else None


def date_seconds(date):
    """Google Benchmark's context date ('2026-11-22T16:45:38+00:00') -> seconds since the epoch, or 0."""
    from datetime import datetime, timezone
    try:
        d = datetime.fromisoformat(date)
    except (TypeError, ValueError):
        return 0
    return (d if d.tzinfo else d.replace(tzinfo=timezone.utc)).timestamp()


def machine_folders(results_dir, machines=None):
    """{machine id: [run paths]} from the folders of results_dir holding bench-*.json."""
    out = {}
    for d in sorted(glob.glob(os.path.join(results_dir, "*", ""))):
        runs = sorted(glob.glob(os.path.join(d, "bench-*.json")))
        if runs:
            out[os.path.basename(os.path.dirname(d))] = runs
    if machines:
        missing = [m for m in machines if m not in out]
        if missing:
            raise SystemExit("history: no runs for machine %s under %s (have: %s)" % (
                ", ".join(missing), results_dir, ", ".join(out) or "none"))
        out = {m: out[m] for m in machines}
    return out


def load_points(paths):
    """The runs as Points in history order: by their commit's time in this repository (a backfilled old
    commit goes where its commit is), else by the run's date; then by the run's date."""
    pts = []
    for p in paths:
        res = R.Result(p)
        date = str(res.context.get("date") or "")
        ct = commit_time(str(res.context.get("nnsimd_git_commit") or ""))
        run_t = date_seconds(date)
        pts.append(Point(p, res, (ct if ct is not None else run_t, run_t, os.path.basename(p))))
    return sorted(pts, key=lambda q: q.order)


# --- normalization ---------------------------------------------------------------------------------------
def is_part_run(path):
    """A run of part of the suite (`nnsimd bench --filter`: bench-part-<mode>-<stamp>.json). Its filter
    decides which ceilings it measured, so it does not choose a history's ceiling model."""
    return os.path.basename(path).startswith("bench-part-")


def common_model(results):
    """The newest ceiling model every run of the whole suite measured (so one history never mixes two
    models); part runs are judged under it where they measured what a benchmark needs (normalized)."""
    whole = [r for r in results if not is_part_run(r.path)] or results
    for name in reversed(list(R.CEILING_MODELS)):
        if all(R.CEILING_MODELS[name].measured(r) for r in whole):
            return name
    return R.DEFAULT_CEILING_MODEL


def normalized(res, model):
    """{benchmark name: fraction of its binding roof in this run (own ceilings)}; benchmarks without one left
    out. Benchmark by benchmark (the model's roof itself, never another model's figure): a part run's forward
    pass held to the FMA peak has its point even if the run's filter left out the bandwidth ceilings, a kernel
    held to those has none."""
    out = {}
    for b in res.kernel_benches():
        r = R.CEILING_MODELS[model].roof(res, b)
        if r.fraction and r.fraction > 0:
            out[b.name] = r.fraction
    return out


# --- step detection --------------------------------------------------------------------------------------
def segment_cost(y):
    return float(np.abs(y - np.median(y)).sum())


def partition(y, beta):
    """Optimal partition of y into segments minimizing sum of L1 costs + beta per segment -> the indices
    where a new segment starts (excluding 0). A segment inside the series has at least two points; the
    first and the last may have one (a step at the newest commit shows before a second run confirms it)."""
    n = len(y)
    best = np.full(n + 1, np.inf)
    best[0] = -beta
    prev = np.zeros(n + 1, dtype=int)
    for j in range(1, n + 1):
        for i in range(j):
            if j - i < 2 and 0 < i and j < n:
                continue  # one point between two others is a noisy run, not two steps
            c = best[i] + segment_cost(y[i:j]) + beta
            if c < best[j] - 1e-12:
                best[j], prev[j] = c, i
    cuts, j = [], n
    while j > 0:
        cuts.append(prev[j])
        j = prev[j]
    return sorted(c for c in cuts if c > 0)


def diffs_noise(y):
    """Robust run-to-run noise (log units) from consecutive differences: 1.4826 MAD / sqrt 2."""
    d = np.abs(np.diff(np.asarray(y, dtype=float)))
    return float(1.4826 * np.median(d) / math.sqrt(2)) if len(d) else None


def pooled_noise(series):
    """The machine's noise level: consecutive log differences pooled over every series, as diffs_noise;
    None when no benchmark has two runs (nothing to measure it from)."""
    d = []
    for vals in series.values():
        y = [math.log(v) for v in vals if v]
        d.extend(np.abs(np.diff(y)).tolist())
    if not d:
        return None
    return max(NOISE_FLOOR, float(1.4826 * np.median(d) / math.sqrt(2)))


def detect(values, sigma, labels=None):
    """Steps in one series (None = no point in that run). -> dict(status, steps, sigma, beta, n), status
    "too few points" / "flat" / "step"; a step: {index, commit, before, after, ratio, points_after}."""
    idx = [i for i, v in enumerate(values) if v]
    n = len(idx)
    out = {"n": n, "steps": [], "sigma": sigma}
    if n < MIN_POINTS:
        out["status"] = "too few points"
        out["why"] = "%d point%s, %d needed to tell a step from a noisy run" % (n, "" if n == 1 else "s", MIN_POINTS)
        return out
    y = np.log(np.array([values[i] for i in idx], dtype=float))
    s = sigma
    if n >= OWN_NOISE_POINTS:
        s = max(s, diffs_noise(y) or 0)
    beta = PENALTY * s * (1 + math.log(n))
    out["sigma"], out["beta"] = s, beta
    cuts = partition(y, beta)
    bounds = [0] + cuts + [n]
    for k, c in enumerate(cuts):
        before, after = y[bounds[k]:c], y[c:bounds[k + 2]]
        mb, ma = float(np.median(before)), float(np.median(after))
        out["steps"].append({"index": idx[c], "commit": labels[idx[c]] if labels else None,
                             "after_commit": labels[idx[c - 1]] if labels else None,
                             "before": math.exp(mb), "after": math.exp(ma), "ratio": math.exp(ma - mb),
                             "points_before": len(before), "points_after": len(after)})
    out["status"] = "step" if cuts else "flat"
    return out


# --- a machine's history ---------------------------------------------------------------------------------
class History:
    """One machine's runs, each benchmark's normalized series over them, and the steps found."""

    def __init__(self, machine_id, paths):
        self.id = machine_id
        self.points = load_points(paths)
        self.model = common_model([p.res for p in self.points])
        per_run = [normalized(p.res, self.model) for p in self.points]
        names = sorted({n for d in per_run for n in d}, key=bench_order)
        self.series = {n: [d.get(n) for d in per_run] for n in names}
        self.noise = pooled_noise(self.series)
        labels = [p.commit for p in self.points]
        self.detections = {n: detect(v, self.noise or NOISE_FLOOR, labels) for n, v in self.series.items()}

    def steps(self):
        """[(benchmark, step)] for every step found, in history order then name."""
        out = [(n, s) for n, d in self.detections.items() for s in d["steps"]]
        return sorted(out, key=lambda ns: (ns[1]["index"], bench_order(ns[0])))

    def too_few(self):
        return [n for n, d in self.detections.items() if d["status"] == "too few points"]

    def as_dict(self):
        return {"machine": self.id, "model": self.model, "noise": self.noise, "min_points": MIN_POINTS,
                "points": [p.as_dict() for p in self.points],
                "series": {n: {"values": v, "status": self.detections[n]["status"],
                               "steps": [{k: s[k] for k in ("index", "commit", "after_commit", "ratio", "before", "after")}
                                         for s in self.detections[n]["steps"]]}
                           for n, v in self.series.items()}}


def bench_order(name):
    n = R.parse_name(name)
    return (R.KERNELS.index(n.kernel) if n.kernel in R.KERNELS else 99, n.kernel or "", n.dtype or "", n.shape or "",
            R.impl_order(n.impl or ""))


def histories(results_dir, machines=None):
    return [History(m, paths) for m, paths in machine_folders(results_dir, machines).items()]


def show(hists, pattern=None):
    lines = []
    for h in hists:
        lines.append("== %s: %d run%s, ceiling model %s, noise %s (run to run, pooled over %d benchmarks)" % (
            h.id, len(h.points), "" if len(h.points) == 1 else "s", h.model,
            "%.1f%%" % (100 * h.noise) if h.noise else "not measured", len(h.series)))
        for i, p in enumerate(h.points):
            lines.append("  %d  %-8s %-25s host %-12s %-6s %s" % (i, p.commit, p.date, p.host or "-", p.mode or "-",
                                                                   shown_path(p.path)))
        if len(h.points) < MIN_POINTS:
            lines.append("  too few points to decide: %d run%s, %d needed to tell a step from a noisy run" % (
                len(h.points), "" if len(h.points) == 1 else "s", MIN_POINTS))
        steps = h.steps()
        few = h.too_few()
        if few and len(h.points) >= MIN_POINTS:
            lines.append("  %d benchmarks have too few points to decide (missing from some runs)" % len(few))
        by_commit = {}
        for n, s in steps:
            by_commit.setdefault((s["index"], s["commit"], s["after_commit"]), []).append((n, s))
        for (i, c, a), found in sorted(by_commit.items()):
            ratios = [s["ratio"] for _, s in found]
            lines.append("  step at %s (after %s): %d benchmarks, fraction of roof x%.2f..x%.2f (median x%.2f)" % (
                c, a, len(found), min(ratios), max(ratios), float(np.median(ratios))))
            for n, s in sorted(found, key=lambda ns: abs(math.log(ns[1]["ratio"])), reverse=True)[:10]:
                lines.append("    %-60s %s -> %s (x%.2f)" % (n, R.fmt_pct(s["before"]), R.fmt_pct(s["after"]), s["ratio"]))
            if len(found) > 10:
                lines.append("    ... and %d more" % (len(found) - 10))
        if not steps and len(h.points) >= MIN_POINTS:
            lines.append("  no step found")
        if pattern:
            for n, v in h.series.items():
                if re.search(pattern, n):
                    d = h.detections[n]
                    lines.append("  %-60s %s  [%s]" % (n, " ".join(R.fmt_pct(x) if x else "-" for x in v), d["status"] + (
                        "".join(" at %s x%.2f" % (s["commit"], s["ratio"]) for s in d["steps"]))))
        lines.append("")
    return "\n".join(lines)


# --- backfill --------------------------------------------------------------------------------------------
class BackfillError(Exception):
    pass


# What backfill needs from a commit: (path, text it must hold or None for the file alone, what it is).
NEEDED = [("CMakePresets.json", '"release"', "the release CMake preset (CMakePresets.json)"),
          ("cli/bench.cpp", '"--filter"', "`nnsimd bench --filter` (cli/bench.cpp)"),
          ("cli/bench.cpp", '"--out"', "`nnsimd bench --out` (cli/bench.cpp)"),
          ("cli/bench.cpp", '"--no-summary"', "`nnsimd bench --no-summary` (cli/bench.cpp)"),
          ("cli/bench.cpp", '"--bench-path"', "`nnsimd bench --bench-path` (cli/bench.cpp)"),
          ("bench/main.cpp", "nnsimd_machine_id", "the machine id in the benchmark's context (bench/main.cpp)"),
          ("bench/main.cpp", "--quick", "the benchmark's --quick mode (bench/main.cpp)")]


def git(*args, cwd=ROOT, check=True):
    p = subprocess.run(["git", "-C", cwd] + list(args), capture_output=True, text=True)
    if check and p.returncode != 0:
        raise BackfillError("git %s: %s" % (" ".join(args), (p.stderr or p.stdout).strip()))
    return p.stdout.strip()


def missing_features(sha):
    """What of NEEDED the commit lacks (descriptions), read with git show, before anything is built."""
    missing, texts = [], {}
    for path, needle, what in NEEDED:
        if path not in texts:
            p = subprocess.run(["git", "-C", ROOT, "show", "%s:%s" % (sha, path)], capture_output=True, text=True)
            texts[path] = p.stdout if p.returncode == 0 else None
        if texts[path] is None or (needle and needle not in texts[path]):
            missing.append(what)
    return missing


REGEX_SPECIAL = set(".^$*+?()[]{}|\\")


def regex_literal(s):
    return "".join("\\" + ch if ch in REGEX_SPECIAL else ch for ch in s)


def needed_limits(names, selected):
    """The limit rows (names as the binary lists them) that the selected kernel rows are held to: FMA, exp
    and log of their dtypes, the cache-level bandwidths, and the bandwidth at each selected case's working set."""
    cases = set()
    for n in selected:
        p = R.parse_name(R.canonical(n))
        cases.add((p.kernel, p.dtype, p.shape))
    dtypes = {c[1] for c in cases}
    out = []
    for n in names:
        c = R.canonical(n).split("/")
        if c[0] != "limit" or len(c) < 3:
            continue
        kind = c[1]
        if kind in ("fma", "exp", "log") and c[2] in dtypes:
            out.append(n)
        elif kind in ("read", "copy") and c[2] in R.LEVELS:
            out.append(n)
        elif kind in R.MEM_KINDS and len(c) >= 5 and (R.alias(c[2]), c[3], c[4]) in cases:
            out.append(n)
    return out


def backfill_filter(names, user_filter):
    """The exact benchmark filter: the kernel rows matching user_filter and the limits they need."""
    rx = re.compile(user_filter)
    selected = [n for n in names if not n.startswith("limit/") and rx.search(n)]
    if not selected:
        raise BackfillError("--filter %r matches no benchmark of this commit's quick run" % user_filter)
    chosen = selected + needed_limits(names, selected)
    return "^(" + "|".join(regex_literal(n) for n in chosen) + ")$", selected


def run(cmd, cwd=None):
    print("history backfill: $ %s" % " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=cwd, text=True).returncode


def backfill_one(rev, user_filter, results_dir, jobs, clean):
    sha = git("rev-parse", "--verify", "--quiet", rev + "^{commit}", check=False)
    if not sha:
        raise BackfillError("%s is not a commit of this repository" % rev)
    short = git("rev-parse", "--short", sha)
    missing = missing_features(sha)
    if missing:
        raise BackfillError("commit %s (%s) is too old to backfill: it lacks %s" % (
            short, git("log", "-1", "--format=%cs %s", sha)[:80], "; ".join(missing)))
    try:
        bench, _ = ab.build_revision(sha, target=ab.BENCH, jobs_=jobs)
        cli, _ = ab.build_revision(sha, target=ab.CLI, jobs_=jobs)
    except ab.Failure as e:
        raise BackfillError("%s: %s (is everything installed? tools/deps.sh)" % (short, e))
    base = ab.revision_folder(sha)
    src = os.path.join(base, "src")
    p = subprocess.run([bench, "--quick", "--benchmark_list_tests"], capture_output=True, text=True)
    if p.returncode != 0:
        raise BackfillError("%s: nnsimd_bench --benchmark_list_tests failed: %s" % (short, p.stderr.strip()[-300:]))
    flt, selected = backfill_filter(p.stdout.split(), user_filter)
    print("history backfill: %s: %d benchmarks match %r (+ the limits they are held to)" % (short, len(selected), user_filter))
    out = os.path.join(base, "out")
    shutil.rmtree(out, ignore_errors=True)
    if run([cli, "bench", "--quick", "--filter", flt, "--out", out, "--no-summary", "--bench-path", bench], cwd=src) != 0:
        raise BackfillError("%s: nnsimd bench failed" % short)
    made = sorted(glob.glob(os.path.join(out, "bench-*.json")))
    if not made:
        raise BackfillError("%s: nnsimd bench wrote no result into %s" % (short, out))
    with open(made[-1]) as f:
        data = json.load(f)
    ctx = data.setdefault("context", {})
    ctx["nnsimd_backfill_filter"] = user_filter
    mid = ctx.get("nnsimd_machine_id")
    if not mid:
        raise BackfillError("%s: the run has no nnsimd_machine_id in its context" % short)
    if ctx.get("nnsimd_git_commit") != short:
        print("history backfill: note: the run records commit %r for %s" % (ctx.get("nnsimd_git_commit"), short))
    with open(made[-1], "w") as f:
        json.dump(data, f)
    dest_dir = os.path.join(results_dir, mid)
    os.makedirs(dest_dir, exist_ok=True)
    dest = os.path.join(dest_dir, os.path.basename(made[-1]))
    R.write_compact(made[-1], dest)
    if clean:
        git("worktree", "remove", "--force", src)
        shutil.rmtree(base, ignore_errors=True)
    return dest


def backfill(revs, user_filter, results_dir, jobs, clean):
    failed = 0
    for rev in revs:
        t0 = time.time()
        try:
            dest = backfill_one(rev, user_filter, results_dir, jobs, clean)
            print("history backfill: %s -> %s (%.0f s)" % (rev, shown_path(dest), time.time() - t0))
        except BackfillError as e:
            print("history backfill: error: %s" % e, file=sys.stderr)
            failed += 1
    return 1 if failed else 0


# --- command line ----------------------------------------------------------------------------------------
def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("show", "backfill", "-h", "--help"):
        argv = ["show"] + argv
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("show", help="print each machine's runs and the steps found (the default)")
    s.add_argument("--results", default=os.path.join(ROOT, "results"), help="folder of machine folders")
    s.add_argument("--machine", action="append", help="machine id (default: every folder)")
    s.add_argument("--benchmark", help="print the whole series of the benchmarks matching this regex")
    s.add_argument("--json", help="write the history as JSON to this file")
    b = sub.add_parser("backfill", help="build older commits, run a filtered quick benchmark, add the runs to results/")
    b.add_argument("revs", nargs="+", metavar="REV")
    b.add_argument("--filter", default=r"^relu/f32/(scalar|avx2)/elems:4096", help="benchmarks to run (regex)")
    b.add_argument("--results", default=os.path.join(ROOT, "results"))
    b.add_argument("--jobs", type=int, default=2, help="build jobs (default 2)")
    b.add_argument("--clean", action="store_true", help="remove the worktree and its build afterwards")
    args = p.parse_args(argv)
    if args.cmd == "backfill":
        return backfill(args.revs, args.filter, args.results, args.jobs, args.clean)
    hists = histories(args.results, args.machine)
    if not hists:
        print("history: no runs under %s" % args.results, file=sys.stderr)
        return 1
    print(show(hists, args.benchmark))
    if args.json:
        with open(args.json, "w") as f:
            json.dump([h.as_dict() for h in hists], f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
