#!/usr/bin/env python3
"""A static HTML report of results/: each machine's history (tools/history.py) and the cross-machine
comparison (tools/cross_report.py), drawn in the browser with Chart.js.

    report.py [--results DIR] [--out DIR] [--chartjs FILE] [--screenshot PNG [--view MACHINE/KERNEL/DTYPE]]

Writes DIR (default build/report, git-ignored) with index.html (the data embedded as JSON), report.js (the
page's script, tools/report.js) and chart.min.js, copied from Debian's libjs-chart.js (3.9.1,
/usr/share/javascript/chart.js/; --chartjs or NNSIMD_CHARTJS for another copy). Nothing is fetched when
the page is viewed: open DIR/index.html from disk.

The page: pick a machine, a kernel and a dtype (also from the address: index.html#machine=ID&kernel=K&dtype=D).
  - history: one chart per shape, a line per implementation, each point a run (commit, date, host on
    hover), the value its fraction of the run's own binding roof; detected steps are marked at their
    commit (a dashed line and a triangle), and listed;
  - across machines: for the kernel and dtype, per ISA, the speed-up over scalar and over autovec, the
    fraction of roof and the best peer's time over ours, one bar per machine (the figures of
    results/CROSS_MACHINE.md, from each machine's latest full run);
  - a summary of what the page holds: every machine, its runs and its benchmarks.
After drawing, the script writes what Chart.js holds (Chart.instances: each chart's labels and dataset
labels) into #chart-state, which tests/tools/test_report.py compares with what these tools read.

--screenshot takes a picture of the page with Debian's headless chromium (the README's, from
`--screenshot results/cross/report.png --view x86_64-amd-epyc-f25m17-2c/softmax/f32`).
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cross_report as C  # noqa: E402
import history as H  # noqa: E402
import nnsimd_results as R  # noqa: E402

CHARTJS = "/usr/share/javascript/chart.js/chart.min.js"
CHARTJS_PACKAGE = "libjs-chart.js"
PAGE_SCRIPT = os.path.join(HERE, "report.js")


def rounded(v, digits=4):
    """v to `digits` significant digits (the page shows 2-3; the JSON stays small); None stays None."""
    if v is None:
        return None
    if v == 0 or not math.isfinite(v):
        return v
    return round(v, digits - 1 - int(math.floor(math.log10(abs(v)))))


def history_data(hists):
    out = []
    for h in hists:
        d = h.as_dict()
        for s in d["series"].values():
            s["values"] = [rounded(v) for v in s["values"]]
            for st in s["steps"]:
                for k in ("ratio", "before", "after"):
                    st[k] = rounded(st[k])
        d["noise"] = rounded(d["noise"], 3)
        out.append(d)
    return out


def cross_data(results_dir):
    """What cross_report.py sets side by side: per kernel x dtype x ISA and machine, the geometric mean over
    the shapes the machines share of each metric, from each machine's latest full run."""
    runs = C.latest_runs(results_dir)
    if not runs:
        return None
    model = R.pick_model([R.Result(r) for r in runs])
    sides = [C.Side(r, model) for r in runs]
    C.label_sides(sides)
    rows = []
    for key in sorted({k for s in sides for k in s.rows}, key=C.row_order):
        shapes = C.common_shapes(sides, key)
        row = {"kernel": key[0], "dtype": key[1], "isa": key[2]}
        for metric, _, _ in C.METRICS:
            row[metric] = [None if key not in s.rows or (metric == "roof" and not s.measured)
                           else rounded(C.gm(s, key, metric, shapes)) for s in sides]
        rows.append(row)
    return {"model": model, "model_doc": R.CEILING_MODELS[model].doc,
            "machines": [{"label": s.label, "id": s.m.id, "run": H.shown_path(s.path), "commit": s.m.commit,
                          "date": s.m.date, "measured": s.measured, "isas": s.m.isas} for s in sides],
            "metrics": [list(m) for m in C.METRICS], "rows": rows}


def report_data(results_dir):
    return {"kernels": R.KERNELS, "isas": R.ISAS, "min_points": H.MIN_POINTS,
            "machines": history_data(H.histories(results_dir)), "cross": cross_data(results_dir)}


def page(data, title):
    # JSON inside <script>: "</" would end the element, so it is written as "<\/" (still the same JSON).
    blob = json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")
    return """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>%(title)s</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 2em; color: #222; }
h1 { font-size: 1.4em; margin-bottom: .2em; } h2 { font-size: 1.15em; margin-top: 1.4em; border-bottom: 1px solid #ccc; }
.controls { position: sticky; top: 0; background: #fff; padding: .5em 0; border-bottom: 1px solid #ddd; z-index: 1; }
.controls label { margin-right: 1.2em; } select { font-size: 1em; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 1em; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: .5em .8em; }
.card h3 { font-size: .95em; margin: .2em 0 .4em; } .card canvas { width: 100%%; }
.note { color: #666; font-size: .9em; } .steps { font-size: .85em; margin: .3em 0 0; padding-left: 1.2em; }
table { border-collapse: collapse; font-size: .9em; } td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: left; }
#chart-state { display: none; } .error { color: #b00; font-weight: bold; }
</style>
</head>
<body>
<h1>%(title)s</h1>
<p class="note">Generated by <code>tools/report.py</code> from the committed runs under <code>results/</code>.
History: each point is a run, its value the benchmark's fraction of that run's own binding roof (its
ceilings measured by the same binary in the same process), so hosts of one machine id compare; steps are
found by penalized L1 segmentation of the log values (<code>tools/history.py</code>). Across machines:
ratios within each machine's latest full run (<code>tools/cross_report.py</code>).</p>
<div class="controls">
<label>machine <select id="pick-machine"></select></label>
<label>kernel <select id="pick-kernel"></select></label>
<label>dtype <select id="pick-dtype"></select></label>
<span id="status" class="note">loading…</span>
</div>
<h2 id="history-title">History</h2>
<div id="history-note" class="note"></div>
<div id="history" class="grid"></div>
<h2>Steps found on this machine</h2>
<div id="steps"></div>
<h2 id="cross-title">Across machines</h2>
<div id="cross-note" class="note"></div>
<div id="cross" class="grid"></div>
<h2>What this report holds</h2>
<div id="summary"></div>
<pre id="chart-state"></pre>
<script type="application/json" id="nnsimd-data">%(blob)s</script>
<script src="chart.min.js"></script>
<script src="report.js"></script>
</body>
</html>
""" % {"title": title, "blob": blob}


def screenshot(index, png, view, size="1400,1700"):
    """index.html (at `view`: machine/kernel/dtype, or the page's first) -> png, by headless chromium."""
    chromium = os.environ.get("NNSIMD_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        print("report: chromium not found for --screenshot: install Debian's package chromium (tools/deps.sh)",
              file=sys.stderr)
        return 2
    url = "file://" + os.path.abspath(index)
    if view:
        machine, kernel, dtype = view.split("/")
        url += "#machine=%s&kernel=%s&dtype=%s" % (machine, kernel, dtype)
    with tempfile.TemporaryDirectory() as profile:
        p = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--no-first-run", "--hide-scrollbars", "--user-data-dir=" + profile, "--window-size=" + size, "--virtual-time-budget=10000",
                            "--screenshot=" + os.path.abspath(png), url], capture_output=True, text=True, timeout=120)
    if p.returncode != 0 or not os.path.isfile(png):
        print("report: chromium failed to take %s: %s" % (png, p.stderr[-1000:]), file=sys.stderr)
        return 1
    print("report: screenshot %s (%d bytes)" % (png, os.path.getsize(png)))
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", default=os.path.join(H.ROOT, "results"), help="folder of machine folders")
    p.add_argument("--out", default=os.path.join(H.ROOT, "build", "report"), help="output folder")
    p.add_argument("--chartjs", default=os.environ.get("NNSIMD_CHARTJS", CHARTJS), help="Chart.js UMD file to copy")
    p.add_argument("--title", default="nnsimd: history per machine and across machines")
    p.add_argument("--screenshot", metavar="PNG", help="also take a picture of the page (headless chromium)")
    p.add_argument("--view", metavar="MACHINE/KERNEL/DTYPE", help="what the screenshot shows (default: the first)")
    args = p.parse_args(argv)
    if not os.path.isfile(args.chartjs):
        print("report: Chart.js not found at %s: install Debian's package %s (tools/deps.sh installs it)" % (
            args.chartjs, CHARTJS_PACKAGE), file=sys.stderr)
        return 2
    data = report_data(args.results)
    if not data["machines"]:
        print("report: no runs under %s" % args.results, file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    shutil.copyfile(args.chartjs, os.path.join(args.out, "chart.min.js"))
    shutil.copyfile(PAGE_SCRIPT, os.path.join(args.out, "report.js"))
    index = os.path.join(args.out, "index.html")
    with open(index, "w") as f:
        f.write(page(data, args.title))
    n_runs = sum(len(m["points"]) for m in data["machines"])
    print("report: wrote %s (%d machines, %d runs, %d steps)" % (
        index, len(data["machines"]), n_runs,
        sum(len(s["steps"]) for m in data["machines"] for s in m["series"].values())))
    if args.screenshot:
        return screenshot(index, args.screenshot, args.view)
    return 0


if __name__ == "__main__":
    sys.exit(main())
