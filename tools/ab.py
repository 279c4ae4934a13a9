#!/usr/bin/env python3
"""A/B comparison of two builds of nnsimd, decided by paired statistics (not by a threshold).

    tools/ab.py BASE [HEAD] --filter REGEX [--pairs 12] [--min-effect 3] [--alpha 0.05]
                [--json OUT.json] [--fail-on-regression]
    tools/ab.py --bench-a BIN --bench-b BIN [--env-b KEY=VALUE ...] --filter REGEX ...
    tools/ab.py --digest BASE [HEAD]      which output bits changed: the first differing element per function

BASE and HEAD are git revisions; HEAD defaults to the working tree (its build/release, rebuilt). A
revision is checked out into build/ab/<commit>/src (a git worktree) and its nnsimd_bench is built in
build/ab/<commit>/build (Release, OpenMP; only that target), once: a later comparison reuses it.

How it measures. Each benchmark selected by --filter (plus a register-only FMA loop, the clock proxy)
runs in one process of build A and one of build B per pair, the two processes one after the other, in
ABBA order over the pairs (pair 0: A then B, pair 1: B then A, ...), so a drift of the machine or a
neighbour's burst lands on both sides alike and the order within a pair cancels over two pairs. Google
Benchmark's random interleaving cannot do this: it shuffles benchmarks within one binary. Each process
runs every benchmark after a warm-up (--warmup s, Google Benchmark's MinWarmUpTime) for --min-time s.
A pair is disturbed when the hypervisor stole more than --max-steal % of a process's CPU time (the steal
column of /proc/stat) or when the clock proxy's B/A ratio lies further from the median of the first
--pairs pairs than both --max-proxy % and 4 robust standard deviations of those ratios (the proxy's own
spread between processes: 1-2 % on a quiet 2-core KVM guest, 10-15 % in a busy period, measured): it is
shown, and replaced by a new pair while the redo budget lasts (--max-redo, default --pairs). Whether a pair is
disturbed does not depend on which build is which, so the redo leaves the test's null distribution as it
was; it only spares the test pairs in which a neighbour's burst hit one side.
Before the pairs, each build runs once untimed (page cache, CPU clock, its check against the oracle).
Both sides get the same streaming-store threshold (NNSIMD_STREAMING_STORE_BYTES, measured once by
build A), so the two processes cannot pick different store paths from one noisy measurement.

How it decides. Per benchmark and pair, r = ln(time_B / time_A). The estimate of the ratio is
exp(Hodges-Lehmann of r) (the median of the pairwise means: robust to a disturbed pair); its confidence
interval is a bootstrap over the pairs at level 1 - alpha/m (simultaneous for the m benchmarks compared,
Bonferroni). The test is Wilcoxon's signed-rank test on r, exact (no normal approximation), two-sided;
its p-values are corrected for the m benchmarks with Holm's step-down method, which keeps the chance of
any false alarm in a comparison at most alpha (Bonferroni's guarantee, uniformly more powerful). A
benchmark is a REGRESSION when its corrected p < alpha and its estimated ratio exceeds 1 + min-effect;
FASTER symmetrically; "changed" when significant but smaller than the minimum effect. With n pairs the
smallest two-sided p is 2^(1-n): 12 pairs reach 4.9e-4, enough for about 100 benchmarks at alpha 0.05;
the tool says when --pairs is too few for the number of benchmarks.

Output: a table, --json (every time, ratio, interval, p-value and disturbance), exit status 1 with
--fail-on-regression when a regression was found, 2 on bad usage or a failed build or run.
tools/ab_trials.py measures the detection and false-alarm rates of this procedure (README.md).
"""
import argparse
import datetime
import json
import math
import os
import re
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROXY_RE = r"^limit/fma/f32/(sse2|neon64)$"  # register-only FMA loop of the narrowest ISA: the clock proxy
UNITS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


class Failure(Exception):
    """A build or a run failed: exit status 2 with the message."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, cwd=None, env=None, quiet=True):
    r = subprocess.run(cmd, cwd=cwd, env=env, text=True, stdout=subprocess.PIPE if quiet else None,
                       stderr=subprocess.STDOUT if quiet else None)
    if r.returncode != 0:
        tail = "\n".join((r.stdout or "").splitlines()[-25:])
        raise Failure(f"{' '.join(cmd)} failed (exit {r.returncode})" + (f":\n{tail}" if tail else ""))
    return r.stdout or ""


# ---- builds ---------------------------------------------------------------------------------------

def jobs():
    return str(max(1, os.cpu_count() or 1))


BENCH = ("nnsimd_bench", os.path.join("bench", "nnsimd_bench"))
CLI = ("nnsimd_cli", os.path.join("cli", "nnsimd"))


def build_worktree(target=BENCH):
    """The checkout's own working tree: build/release (configured with the release preset if needed)."""
    build = os.path.join(ROOT, "build", "release")
    if not os.path.exists(os.path.join(build, "CMakeCache.txt")):
        run(["cmake", "--preset", "release"], cwd=ROOT)
    log(f"ab: building {target[0]} of the working tree (build/release)")
    run(["cmake", "--build", build, "-j", jobs(), "--target", target[0]])
    return os.path.join(build, target[1]), git(["rev-parse", "--short=12", "HEAD"]) + "+worktree"


def git(args):
    return run(["git", "-C", ROOT] + args).strip()


def revision_folder(sha, variant=""):
    """build/ab/<commit>[-<variant>]: a revision's worktree (src/) and its build (build/)."""
    return os.path.join(ROOT, "build", "ab", sha[:12] + ("-" + variant if variant else ""))


def build_revision(rev, cmake_args=(), variant="", target=BENCH, jobs_=None):
    """A target (nnsimd_bench by default) of a git revision, built once in revision_folder() (a variant of
    its own for extra CMake arguments, or a name: two builds of one commit for a no-change comparison)."""
    try:
        sha = git(["rev-parse", "--verify", "--quiet", rev + "^{commit}"])
    except Failure:
        raise Failure(f"'{rev}' is not a commit of this repository")
    if cmake_args and not variant:
        variant = re.sub(r"[^A-Za-z0-9]+", "_", "_".join(cmake_args)).strip("_")[:40]
    top = revision_folder(sha, variant)
    src, build = os.path.join(top, "src"), os.path.join(top, "build")
    binary = os.path.join(build, target[1])
    if not os.path.isdir(src):
        os.makedirs(top, exist_ok=True)
        run(["git", "-C", ROOT, "worktree", "add", "--detach", "--force", src, sha])
    # Configured on every call (a second or two on an existing cache), with every option that matters set
    # explicitly: a folder configured by another version of this tool keeps its cached options otherwise
    # (one had NNSIMD_BUILD_CLI=OFF and could not build nnsimd_cli).
    run(["cmake", "-S", src, "-B", build, "-DCMAKE_BUILD_TYPE=Release", "-DNNSIMD_OPENMP=ON",
         "-DNNSIMD_BUILD_TESTS=OFF", "-DNNSIMD_BUILD_BENCH=ON", "-DNNSIMD_BUILD_CLI=ON",
         "-DNNSIMD_BUILD_PYTHON=OFF", *cmake_args])
    log(f"ab: building {target[0]} of {rev} ({sha[:12]}) in {os.path.relpath(top, ROOT)}")
    t = time.time()
    run(["cmake", "--build", build, "-j", str(jobs_ or jobs()), "--target", target[0]])
    log(f"ab: built in {time.time() - t:.0f} s")
    if not os.path.exists(binary):
        raise Failure(f"{rev}: no {target[0]} after the build (too old a commit?)")
    return binary, sha[:12]


# ---- one process ----------------------------------------------------------------------------------

def steal_jiffies():
    """Total steal time of all CPUs in jiffies (/proc/stat), or None where there is no such file."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        return int(fields[8]) if fields[0] == "cpu" and len(fields) > 8 else None
    except OSError:
        return None


class Side:
    """One build: its binary, its extra environment, its label."""

    def __init__(self, label, binary, env=None, commit=""):
        if not os.access(binary, os.X_OK):
            raise Failure(f"{label}: {binary} is not an executable")
        self.label, self.binary, self.env, self.commit = label, binary, dict(env or {}), commit

    def list(self, regex):
        out = run([self.binary, "--benchmark_list_tests", f"--benchmark_filter={regex}"], env=self.environ({}))
        return [line.strip() for line in out.splitlines() if line.strip()]

    def environ(self, pinned):
        e = dict(os.environ)
        e.update(pinned)
        e.update(self.env)
        return e

    def measure(self, regex, args, pinned):
        """{benchmark: real time in ns} of one process, with its context and disturbance."""
        cmd = [self.binary, f"--benchmark_filter={regex}", "--benchmark_format=json",
               f"--benchmark_min_time={args.min_time}", f"--benchmark_min_warmup_time={args.warmup}",
               "--benchmark_repetitions=1"]
        hz = os.sysconf("SC_CLK_TCK")
        s0, t0 = steal_jiffies(), time.monotonic()
        r = subprocess.run(cmd, env=self.environ(pinned), text=True, capture_output=True)
        wall = time.monotonic() - t0
        s1 = steal_jiffies()
        if r.returncode != 0:
            raise Failure(f"{self.label}: {' '.join(cmd)} exited {r.returncode}:\n{r.stderr[-2000:]}")
        try:
            data = json.loads(r.stdout)
        except json.JSONDecodeError as e:
            raise Failure(f"{self.label}: unreadable benchmark output ({e})")
        times = {}
        for b in data.get("benchmarks", []):
            if b.get("error_occurred"):
                raise Failure(f"{self.label}: {b['name']}: {b.get('error_message', 'error')}")
            if b.get("run_type", "iteration") != "iteration":
                continue
            times[b["name"]] = float(b["real_time"]) * UNITS[b.get("time_unit", "ns")]
        steal = None
        if s0 is not None and s1 is not None and wall > 0:
            steal = (s1 - s0) / hz / wall / max(1, os.cpu_count() or 1)
        return times, data.get("context", {}), {"wall_s": wall, "steal": steal}


# ---- statistics -----------------------------------------------------------------------------------

def hodges_lehmann(r):
    """Median of the Walsh averages (r_i + r_j) / 2, i <= j, along the last axis."""
    r = np.asarray(r, dtype=float)
    n = r.shape[-1]
    i, j = np.triu_indices(n)
    return np.median((r[..., i] + r[..., j]) / 2, axis=-1)


def wilcoxon_p(r):
    """Exact two-sided p-value of Wilcoxon's signed-rank test that r is symmetric about 0.

    Zeros are dropped (Wilcoxon's convention); tied magnitudes get their mean rank, doubled so that the
    distribution of the statistic is computed exactly over integers."""
    r = np.asarray([x for x in r if x != 0], dtype=float)
    n = len(r)
    if n == 0:
        return 1.0
    order = np.argsort(np.abs(r), kind="stable")
    mags = np.abs(r)[order]
    ranks2 = np.empty(n, dtype=np.int64)  # 2 * rank
    k = 0
    while k < n:
        e = k
        while e + 1 < n and mags[e + 1] == mags[k]:
            e += 1
        ranks2[k:e + 1] = (k + 1) + (e + 1)  # mean rank of positions k..e (1-based), doubled
        k = e + 1
    w = int(sum(ranks2[idx] for idx, pos in enumerate(order) if r[pos] > 0))
    total = int(ranks2.sum())
    dist = np.zeros(total + 1)
    dist[0] = 1.0
    for q in ranks2:  # each rank is in the positive sum with probability 1/2 (q >= 2)
        new = dist.copy()
        new[q:] += dist[:-q]
        dist = new * 0.5
    cdf_low = dist[:w + 1].sum()
    cdf_high = dist[w:].sum()
    return float(min(1.0, 2 * min(cdf_low, cdf_high)))


def holm(pvalues):
    """Holm's step-down adjusted p-values (family-wise error rate), in the input order."""
    p = np.asarray(pvalues, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, idx in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[idx]))
        adjusted[idx] = running
    return adjusted


def bootstrap_ci(r, level, draws=10000, seed=12345):
    """Percentile bootstrap interval of the Hodges-Lehmann estimate, resampling pairs."""
    r = np.asarray(r, dtype=float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(r), size=(draws, len(r)))
    est = hodges_lehmann(r[idx])
    tail = (1 - level) / 2
    return float(np.quantile(est, tail)), float(np.quantile(est, 1 - tail))


def decide(names, times_a, times_b, alpha, min_effect):
    """Per benchmark: estimate, interval, p, Holm-corrected p and verdict."""
    m = len(names)
    rows = []
    for name in names:
        a, b = np.asarray(times_a[name]), np.asarray(times_b[name])
        r = np.log(b / a)
        rows.append({"benchmark": name, "a_ns": a.tolist(), "b_ns": b.tolist(), "log_ratio": r.tolist(),
                     "median_a_ns": float(np.median(a)), "median_b_ns": float(np.median(b)),
                     "ratio": float(math.exp(hodges_lehmann(r))), "p": wilcoxon_p(r)})
    for row, adj in zip(rows, holm([row["p"] for row in rows])):
        lo, hi = bootstrap_ci(row["log_ratio"], 1 - alpha / m)
        row["ci"] = [math.exp(lo), math.exp(hi)]
        row["p_holm"] = float(adj)
        significant = adj < alpha
        if significant and row["ratio"] > 1 + min_effect:
            row["verdict"] = "REGRESSION"
        elif significant and row["ratio"] < 1 / (1 + min_effect):
            row["verdict"] = "FASTER"
        elif significant:
            row["verdict"] = "changed, below min effect"
        else:
            row["verdict"] = "no change"
    return rows


# ---- the comparison -------------------------------------------------------------------------------

def compare(side_a, side_b, args):
    """Runs the pairs and decides; returns the report (a dict)."""
    names_a, names_b = side_a.list(args.filter), side_b.list(args.filter)
    proxy = next((n for n in side_a.list(PROXY_RE) if n in side_b.list(PROXY_RE)), None)
    names = [n for n in names_a if n in set(names_b) and n != proxy]
    only = sorted(set(names_a) ^ set(names_b))
    if only:
        log(f"ab: {len(only)} benchmark(s) exist in one build only, not compared: {', '.join(only[:5])}"
            + (" ..." if len(only) > 5 else ""))
    if not names:
        raise Failure(f"no benchmark of both builds matches --filter '{args.filter}'")
    m = len(names)
    min_p = 2.0 ** (1 - args.pairs)
    if min_p * m >= args.alpha:
        log(f"ab: warning: with {args.pairs} pairs the smallest p-value is {min_p:.2g}; Holm over {m} benchmarks "
            f"cannot reach alpha {args.alpha}: use --pairs {math.ceil(1 + math.log2(m / args.alpha)) + 1} or more")
    regex = "^(" + "|".join(re.escape(n) for n in names + ([proxy] if proxy else [])) + ")$"

    # One untimed process per side first: it warms the page cache and the clock and runs each check. A's
    # measures the streaming-store threshold, which then pins both sides (unless the user set it).
    t_start = time.time()
    _, ctx_a, _ = side_a.measure(regex, args, {})
    pinned = {}
    if "NNSIMD_STREAMING_STORE_BYTES" not in os.environ and not args.no_pin and "nnsimd_streaming_store_bytes" in ctx_a:
        pinned["NNSIMD_STREAMING_STORE_BYTES"] = ctx_a["nnsimd_streaming_store_bytes"]
    side_b.measure(regex, args, pinned)
    log(f"ab: {m} benchmarks x {args.pairs} pairs, ABBA; A = {side_a.label}, B = {side_b.label}"
        + (f"; pinned {pinned}" if pinned else ""))
    pairs = []

    def run_pair():
        i = len(pairs)
        order = ("A", "B") if i % 2 == 0 else ("B", "A")
        pair = {"order": "".join(order), "times": {}}
        for s in order:
            side = side_a if s == "A" else side_b
            t, _, dist = side.measure(regex, args, pinned)
            missing = [n for n in names if n not in t]
            if missing:
                raise Failure(f"{side.label}: no result for {missing[0]}")
            pair["times"][s] = t
            pair[s] = {"proxy_ns": t.get(proxy), **dist}
        pa, pb = pair["A"]["proxy_ns"], pair["B"]["proxy_ns"]
        pair["proxy_ratio"] = pb / pa if pa and pb else None
        steals = [pair[s]["steal"] for s in "AB" if pair[s]["steal"] is not None]
        pair["steal"] = max(steals) if steals else None
        pairs.append(pair)
        return pair

    # The first --pairs pairs give the clock proxy's own spread between processes: on a quiet 2-core
    # KVM guest its B/A ratio stays within 1-2 %, in a busy period it wanders by 10-15 % without a single
    # burst. A pair is disturbed when its proxy ratio lies further from the pairs' median than 4 robust
    # standard deviations (1.4826 MAD of ln ratio) and further than --max-proxy, or when steal exceeded
    # --max-steal; disturbed pairs are replaced by new ones, judged by the same limit, while the redo
    # budget lasts. The limit does not depend on which build is which.
    for _ in range(args.pairs):
        run_pair()
    logs = [math.log(p["proxy_ratio"]) for p in pairs if p["proxy_ratio"]]
    centre = float(np.median(logs)) if logs else 0.0
    spread = 1.4826 * float(np.median([abs(x - centre) for x in logs])) if logs else 0.0
    proxy_limit = max(math.log(1 + args.max_proxy), 4 * spread)

    def disturbed(pair):
        return bool((pair["steal"] or 0) > args.max_steal or
                    (pair["proxy_ratio"] and abs(math.log(pair["proxy_ratio"]) - centre) > proxy_limit))

    redo_budget = args.pairs if args.max_redo is None else args.max_redo
    # Each disturbed pair, in order, is replaced by a new one while the budget lasts; the new pair is
    # appended, so this loop judges it in turn. Past the budget, disturbed pairs are used as they are.
    for pair in pairs:
        pair["disturbed"] = disturbed(pair)
        pair["used"] = not pair["disturbed"] or redo_budget <= 0
        if not pair["used"]:
            redo_budget -= 1
            run_pair()
    times = {s: {n: [p["times"][s][n] for p in pairs if p["used"]] for n in names} for s in "AB"}
    for i, pair in enumerate(pairs):
        del pair["times"]
        if args.verbose:
            log(f"ab: pair {i + 1} {pair['order']}: proxy B/A {pair['proxy_ratio'] or float('nan'):.3f}, steal "
                f"{100 * (pair['steal'] or 0):.1f} %" + ("" if not pair["disturbed"] else
                                                         "  (disturbed: " + ("used" if pair["used"] else "redone") + ")"))
    rows = decide(names, times["A"], times["B"], args.alpha, args.min_effect)
    return {
        "schema": "nnsimd-ab-1",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": ctx_a.get("nnsimd_machine_id", "unknown"),
        "cpu": ctx_a.get("nnsimd_cpu_model"),
        "uarch": ctx_a.get("nnsimd_uarch"),
        "a": {"label": side_a.label, "commit": side_a.commit, "env": side_a.env},
        "b": {"label": side_b.label, "commit": side_b.commit, "env": side_b.env},
        "settings": {"filter": args.filter, "pairs": args.pairs, "min_time_s": args.min_time,
                     "warmup_s": args.warmup, "alpha": args.alpha, "min_effect": args.min_effect,
                     "pinned": pinned, "proxy": proxy, "max_steal": args.max_steal,
                     "max_proxy": args.max_proxy,
                     "proxy_limit": math.exp(proxy_limit) - 1, "proxy_spread": spread, "test": "Wilcoxon signed-rank (exact), Holm",
                     "estimate": "exp(Hodges-Lehmann of ln(B/A))",
                     "interval": f"bootstrap over pairs, level 1 - alpha/{m}"},
        "wall_s": time.time() - t_start,
        "pairs": pairs,
        "benchmarks": rows,
    }


def print_report(rep, out=None):
    out = out or sys.stdout
    rows = rep["benchmarks"]
    width = max(len("benchmark"), *(len(r["benchmark"]) for r in rows))
    s = rep["settings"]
    print(f"A = {rep['a']['label']}   B = {rep['b']['label']}   ({rep['machine']}, {s['pairs']} pairs ABBA, "
          f"alpha {s['alpha']} Holm over {len(rows)}, min effect {100 * s['min_effect']:.1f} %)", file=out)
    print(f"{'benchmark':<{width}}  {'A median':>10}  {'B median':>10}  {'B/A':>6}  {'interval':>15}  "
          f"{'p (Holm)':>9}  verdict", file=out)
    for r in rows:
        print(f"{r['benchmark']:<{width}}  {fmt_ns(r['median_a_ns']):>10}  {fmt_ns(r['median_b_ns']):>10}  "
              f"{r['ratio']:6.3f}  [{r['ci'][0]:.3f}, {r['ci'][1]:.3f}]  {r['p_holm']:9.2g}  {r['verdict']}",
              file=out)
    disturbed = [i for i, p in enumerate(rep["pairs"]) if p["disturbed"]]
    redone = [i for i in disturbed if not rep["pairs"][i]["used"]]
    steals = [p["steal"] for p in rep["pairs"] if p["steal"] is not None]
    ratios = [p["proxy_ratio"] for p in rep["pairs"] if p["proxy_ratio"]]
    print(f"disturbance: {len(disturbed)} of {len(rep['pairs'])} pairs disturbed (steal > {100 * s['max_steal']:g} % "
          f"or clock proxy off its median by > {100 * s['proxy_limit']:.1f} %: the larger of --max-proxy and 4 robust "
          f"SDs of the proxy ratio){': pairs ' + ', '.join(str(i + 1) for i in disturbed) if disturbed else ''}"
          f", {len(redone)} redone; "
          + (f"max steal {100 * max(steals):.1f} %; " if steals else "steal not available; ")
          + (f"proxy B/A {min(ratios):.3f}..{max(ratios):.3f}" if ratios else "no clock proxy"), file=out)
    n_reg = sum(r["verdict"] == "REGRESSION" for r in rows)
    n_fast = sum(r["verdict"] == "FASTER" for r in rows)
    print(f"{n_reg} regression(s), {n_fast} faster, {len(rows) - n_reg - n_fast} unchanged or below the minimum "
          f"effect; {rep['wall_s']:.0f} s of runs", file=out)


def fmt_ns(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def env_pairs(items):
    env = {}
    for item in items or []:
        if "=" not in item:
            raise Failure(f"--env-a/--env-b take KEY=VALUE, got '{item}'")
        k, v = item.split("=", 1)
        env[k] = v
    return env


def digest_diff(base, head):
    """Builds BASE's and HEAD's command line, dumps BASE's outputs on `nnsimd digest`'s fixed inputs and
    compares HEAD's with them: the first differing element of every function that changed a bit."""
    a, sha = build_revision(base, target=CLI)
    b, _ = build_revision(head, target=CLI) if head else build_worktree(CLI)
    dump = os.path.join(ROOT, "build", "ab", sha + "-digest")
    r = subprocess.run([a, "digest", "--dump", dump], text=True, capture_output=True)
    if r.returncode != 0:
        raise Failure(f"{base}: nnsimd digest --dump failed (a commit before digest --dump?):\n{r.stdout}{r.stderr}")
    r = subprocess.run([b, "digest", "--against", dump], text=True, capture_output=True)
    print(r.stdout, end="")
    if r.returncode not in (0, 1):
        raise Failure(f"nnsimd digest --against exited {r.returncode}:\n{r.stderr}")
    print("ab: no output bit changed" if r.returncode == 0 else "ab: output bits changed (above)")
    return r.returncode


def add_measure_options(p):
    p.add_argument("--filter", help="benchmarks to compare (Google Benchmark regex; required but with --digest)")
    p.add_argument("--pairs", type=int, default=12, help="ABBA pairs of processes (default 12, at least 10)")
    p.add_argument("--min-time", type=float, default=0.05, help="seconds timed per benchmark per process")
    p.add_argument("--warmup", type=float, default=0.02, help="warm-up seconds per benchmark per process")
    p.add_argument("--alpha", type=float, default=0.05, help="family-wise false-alarm rate (default 0.05)")
    p.add_argument("--min-effect", type=float, default=3.0, help="smallest change that counts, in %% (default 3)")
    p.add_argument("--max-steal", type=float, default=2.0, help="steal above this %% disturbs a pair (default 2)")
    p.add_argument("--max-proxy", type=float, default=5.0,
                   help="least distance (%%) of a clock proxy B/A ratio from its median that disturbs a pair; the limit is the larger of this and 4 robust SDs of the proxy ratios (default 5)")
    p.add_argument("--max-redo", type=int, help="disturbed pairs redone at most (default: --pairs)")
    p.add_argument("--no-pin", action="store_true", help="let each process measure its streaming-store threshold")
    p.add_argument("-v", "--verbose", action="store_true", help="one line per pair")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    p.add_argument("base", nargs="?", help="revision A (a git commit)")
    p.add_argument("head", nargs="?", help="revision B (default: the working tree)")
    p.add_argument("--bench-a", help="A's nnsimd_bench, already built (instead of BASE)")
    p.add_argument("--bench-b", help="B's nnsimd_bench, already built (instead of HEAD)")
    p.add_argument("--env-a", action="append", help="KEY=VALUE for A's processes (repeatable)")
    p.add_argument("--env-b", action="append", help="KEY=VALUE for B's processes (repeatable)")
    p.add_argument("--cmake-b", action="append", default=[], help="extra -D for building HEAD (a commit)")
    p.add_argument("--digest", action="store_true",
                   help="compare output bits instead of times: build both command lines and name the first "
                        "differing element of each function (nnsimd digest --dump / --against)")
    add_measure_options(p)
    p.add_argument("--json", help="write the report here")
    p.add_argument("--fail-on-regression", action="store_true", help="exit 1 when a regression is found")
    args = p.parse_args(argv)
    if args.digest:
        if not args.base:
            p.error("--digest needs BASE")
        try:
            return digest_diff(args.base, args.head)
        except Failure as e:
            log(f"ab: {e}")
            return 2
    if not args.filter:
        p.error("--filter is required")
    args.min_effect /= 100
    args.max_steal /= 100
    args.max_proxy /= 100
    if args.pairs < 2:
        p.error("--pairs must be at least 2 (10 or more to decide anything)")
    try:
        if args.bench_a:
            a = Side("A", args.bench_a, env_pairs(args.env_a))
        elif args.base:
            binary, commit = build_revision(args.base)
            a = Side(args.base, binary, env_pairs(args.env_a), commit)
        else:
            p.error("give BASE (a revision) or --bench-a")
        if args.bench_b:
            b = Side("B", args.bench_b, env_pairs(args.env_b))
        elif args.head:
            binary, commit = build_revision(args.head, tuple(args.cmake_b))
            b = Side(args.head, binary, env_pairs(args.env_b), commit)
        else:
            binary, commit = build_worktree()
            b = Side("working tree", binary, env_pairs(args.env_b), commit)
        rep = compare(a, b, args)
    except Failure as e:
        log(f"ab: {e}")
        return 2
    print_report(rep)
    if args.json:
        tmp = args.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(rep, f, indent=1)
        os.replace(tmp, args.json)
    if args.fail_on_regression and any(r["verdict"] == "REGRESSION" for r in rep["benchmarks"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
