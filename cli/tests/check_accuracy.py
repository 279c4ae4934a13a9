"""ctest: `nnsimd accuracy` exit codes and report. 0 and a JSON report with every kernel x dtype x
runnable ISA, every one checked against a documented bound; 1 when a bound is exceeded (--tolerance-scale
0 makes every inexact kernel exceed its bound); --baseline flags growth of the max or mean ULP
error (exit 1 only with --fail-on-growth), never on a rerun against its own report; --baseline DIR picks
per ISA this machine's report, else another machine's, and fails on an ISA no report covers; 2 for an
unreadable baseline or a folder without reports.
Usage: check_accuracy.py NNSIMD_BINARY WORKDIR."""
import json
import os
import subprocess
import sys

nnsimd, work = sys.argv[1], os.path.join(sys.argv[2], "accuracy")
os.makedirs(work, exist_ok=True)
failures = 0


def run(*args):
    return subprocess.run([nnsimd, "accuracy", *args], capture_output=True, text=True)


def expect(name, cond, p=None):
    global failures
    print(("ok   " if cond else "FAIL ") + name)
    if not cond:
        failures += 1
        if p is not None:
            print(p.stdout[-3000:], p.stderr)


report = os.path.join(work, "report.json")
p = run("--out", report)
expect("a clean run exits 0", p.returncode == 0, p)
data = json.load(open(report))
info = subprocess.run([nnsimd, "info"], capture_output=True, text=True, check=True).stdout
isas = next(l for l in info.splitlines() if l.startswith("runnable ISAs:")).split(":")[1].split()
rows = {(r["kernel"], r["dtype"], r["isa"]) for r in data["results"]}
expect("the report covers every kernel x dtype x runnable ISA",
       all((k, d, i) in rows for k in ("dense_forward", "relu", "softmax", "categorical_cross_entropy", "argmax")
           for d in ("f32", "f64") for i in isas))

unchecked = sorted({r["kernel"] for r in data["results"] if not r["bound_checked"]})
expect("every kernel is checked against a documented bound (unchecked: %s)" % (unchecked or "none"),
       not unchecked and "0 without a documented bound" in p.stdout, p)
expect("the report's schema is nnsimd-accuracy-1", data.get("schema") == "nnsimd-accuracy-1")

p = run("--out", os.path.join(work, "scaled.json"), "--tolerance-scale", "0")
expect("--tolerance-scale 0 exits 1 and names the failing kernels",
       p.returncode == 1 and "FAIL" in p.stdout and "worst:" in p.stdout, p)
scaled = json.load(open(os.path.join(work, "scaled.json")))
failing = {r["kernel"] for r in scaled["results"] if not r["pass"]}
expect("with no slack the inexact kernels fail, softmax and the fused loss among them (%s)" % sorted(failing),
       {"dense_forward", "softmax", "softmax_cross_entropy", "categorical_cross_entropy"} <= failing
       and not failing & {"relu", "clip", "argmax", "accuracy"})

base = dict(data)
base["results"] = [dict(r, max_ulp=0.0) if r["kernel"] == "dense_forward" else r for r in data["results"]]
basefile = os.path.join(work, "baseline.json")
json.dump(base, open(basefile, "w"))
p = run("--out", os.path.join(work, "cmp.json"), "--baseline", basefile)
expect("growth against a baseline is flagged, exit 0 without --fail-on-growth",
       p.returncode == 0 and "GREW" in p.stdout and "dense_forward" in p.stdout, p)
p = run("--out", os.path.join(work, "cmp.json"), "--baseline", basefile, "--fail-on-growth")
expect("--fail-on-growth exits 1", p.returncode == 1, p)
p = run("--out", os.path.join(work, "cmp.json"), "--baseline", report, "--fail-on-growth")
expect("the same build against its own report does not grow", p.returncode == 0 and "GREW" not in p.stdout, p)
expect("... and its rerun reports the same maxima",
       [(r["max_ulp"], r["max_rel"]) for r in json.load(open(os.path.join(work, "cmp.json")))["results"]]
       == [(r["max_ulp"], r["max_rel"]) for r in data["results"]])

# A mean ULP that grew (the max unchanged) is growth too: a kernel that got worse on many outputs.
meanbase = dict(data)
victim = next(r for r in data["results"] if r["kernel"] == "softmax" and r["mean_ulp"] > 0)
meanbase["results"] = [dict(r, mean_ulp=r["mean_ulp"] * 0.99) if r is victim else r for r in data["results"]]
json.dump(meanbase, open(basefile, "w"))
p = run("--out", os.path.join(work, "cmp.json"), "--baseline", basefile, "--fail-on-growth")
expect("a grown mean ULP fails and is named", p.returncode == 1 and "mean ulp GREW" in p.stdout, p)

# --baseline DIR: per ISA, this machine's report, else another machine's; an ISA without one fails.
machine = data["machine"]["id"]
results = os.path.join(work, "results")


def results_dir(reports):
    import shutil
    shutil.rmtree(results, ignore_errors=True)
    os.makedirs(results)
    for mid, rep in reports.items():
        os.makedirs(os.path.join(results, mid))
        json.dump(rep, open(os.path.join(results, mid, "accuracy.json"), "w"))


grown = dict(data, results=[dict(r, max_ulp=0.0) if r["kernel"] == "dense_forward" else r for r in data["results"]])
results_dir({machine: data, "zz-another-machine": grown})
p = run("--out", os.path.join(work, "cmp.json"), "--baseline", results, "--fail-on-growth")
expect("a results folder: this machine's own report is the baseline",
       p.returncode == 0 and f"{machine}/accuracy.json" in p.stdout and "0 without a baseline" in p.stdout, p)
results_dir({"aa-another-machine": data})
p = run("--out", os.path.join(work, "cmp.json"), "--baseline", results, "--fail-on-growth")
expect("no report of this machine: another machine's, for the same ISAs",
       p.returncode == 0 and "aa-another-machine/accuracy.json" in p.stdout, p)
results_dir({"aa-another-machine": grown})
p = run("--out", os.path.join(work, "cmp.json"), "--baseline", results, "--fail-on-growth")
expect("... and growth against it fails", p.returncode == 1 and "max ulp GREW" in p.stdout, p)
widest = isas[-1]
partial = dict(data, results=[r for r in data["results"] if r["isa"] != widest])
results_dir({machine: partial})
p = run("--out", os.path.join(work, "cmp.json"), "--baseline", results, "--fail-on-growth")
expect(f"an ISA no committed report covers ({widest}) fails, not skipped",
       p.returncode == 1 and f"baseline for {widest}: none" in p.stdout and "NO BASELINE" in p.stdout, p)
older = dict(data, results=[r for r in data["results"] if r["kernel"] != "softmax"])
results_dir({machine: older})
p = run("--out", os.path.join(work, "cmp.json"), "--baseline", results, "--fail-on-growth")
expect("a kernel the ISA's report has no row of (newer than the report) is listed, and does not fail",
       p.returncode == 0 and "new kernel: its ISA's report predates it" in p.stdout and "0 without a baseline" in p.stdout, p)
results_dir({machine: older, "zz-another-machine": data})
p = run("--out", os.path.join(work, "cmp.json"), "--baseline", results, "--fail-on-growth")
expect("... and takes its rows from another machine's report that has them",
       p.returncode == 0 and "new kernel" not in p.stdout and "0 without a baseline" in p.stdout, p)
dropped = dict(data, results=[r for r in data["results"] if not (r["kernel"] == "softmax" and r["isa"] == widest)])
results_dir({machine: dropped})
p = run("--out", os.path.join(work, "cmp.json"), "--baseline", results, "--fail-on-growth")
expect("a report without one row of a kernel it has fails",
       p.returncode == 1 and "NO BASELINE" in p.stdout and "new kernel" not in p.stdout, p)
results_dir({machine: dropped, "zz-another-machine": data})
p = run("--out", os.path.join(work, "cmp.json"), "--baseline", results, "--fail-on-growth")
expect("... unless another machine's report has that row",
       p.returncode == 0 and "0 without a baseline" in p.stdout, p)
results_dir({})
p = run("--out", os.path.join(work, "cmp.json"), "--baseline", results, "--fail-on-growth")
expect("a results folder without any report exits 2", p.returncode == 2 and "no accuracy report" in p.stderr, p)

open(os.path.join(work, "junk.json"), "w").write("{not json")
p = run("--out", os.path.join(work, "cmp.json"), "--baseline", os.path.join(work, "junk.json"))
expect("an unreadable baseline exits 2", p.returncode == 2, p)
sys.exit(1 if failures else 0)
