#!/usr/bin/env python3
"""Opens the HTML report (tools/report.py) in Debian's headless chromium and checks what RENDERED against
what the Python tools read from results/ directly.

chromium --headless --dump-dom gives the page after its script ran (--virtual-time-budget lets it finish).
The script lists every machine, its runs and its benchmarks (#summary), the steps of the picked machine
(#steps-table), and writes what Chart.js holds (Chart.instances: each chart's labels and dataset labels)
into #chart-state. These are compared with tools/history.py's histories (machines, runs as commit / date
/ host, benchmark names, steps) and with tools/cross_report.py's machines and rows, for the view of the
machine with the most runs. Negative cases: a report made from a copy of results/ with one run removed
does not match the full results (and matches its own copy); a page whose script is broken is detected;
a missing Chart.js fails report.py naming the package.

chromium missing is a failure naming the Debian package, never a skip. It runs as root in CI: --no-sandbox;
a minimal root may lack a usable /dev/shm: --disable-dev-shm-usage.
"""
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
TOOLS = os.path.join(ROOT, "tools")
RESULTS = os.path.join(ROOT, "results")
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, TOOLS)
import cross_report as C  # noqa: E402
import history as H  # noqa: E402
import nnsimd_results as R  # noqa: E402

PY = sys.executable


def find_chromium():
    exe = os.environ.get("NNSIMD_CHROMIUM") or shutil.which("chromium")
    if not exe:
        raise AssertionError("chromium not found: install Debian's package chromium (tools/deps.sh installs it), "
                             "or set NNSIMD_CHROMIUM to a Chromium binary")
    return exe


class Dom(html.parser.HTMLParser):
    """What the test reads from the dumped page."""

    def __init__(self, text):
        super().__init__()
        self.machines, self.runs, self.benchmarks, self.steps = [], {}, {}, []
        self.chart_state, self.rendered = None, False
        self._ul, self._li, self._tag_id, self._text = None, None, None, []
        self._row, self._in_steps = None, False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class", "")
        if tag == "body" and a.get("data-rendered") == "yes":
            self.rendered = True
        if tag == "tr" and cls == "machine":
            self.machines.append(a.get("data-machine"))
        if tag == "ul" and cls in ("runs", "benchmarks"):
            self._ul = (cls, a.get("data-machine"))
        if tag == "li" and self._ul:
            if self._ul[0] == "runs":
                self.runs.setdefault(self._ul[1], []).append((a.get("data-commit"), a.get("data-date"), a.get("data-host")))
            else:
                self._li, self._text = True, []
        if tag == "pre" and a.get("id") == "chart-state":
            self._tag_id, self._text = "chart-state", []
        if tag == "table" and a.get("id") == "steps-table":
            self._in_steps = True
        if tag == "tr" and self._in_steps:
            self._row = []
        if tag == "td" and self._row is not None:
            self._text = []

    def handle_endtag(self, tag):
        if tag == "ul":
            self._ul = None
        if tag == "li" and self._li:
            self.benchmarks.setdefault(self._ul[1], []).append("".join(self._text))
            self._li = None
        if tag == "pre" and self._tag_id == "chart-state":
            text = "".join(self._text).strip()
            self.chart_state = json.loads(text) if text else None
            self._tag_id = None
        if tag == "td" and self._row is not None:
            self._row.append("".join(self._text))
        if tag == "tr" and self._row:
            self.steps.append((self._row[0], self._row[2]))  # commit, benchmark
        if tag == "tr":
            self._row = None
        if tag == "table":
            self._in_steps = False

    def handle_data(self, data):
        self._text.append(data)


def dump(chromium, index, view, profile):
    url = "file://%s#machine=%s&kernel=%s&dtype=%s" % (index, *view)
    p = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                        "--user-data-dir=" + profile, "--virtual-time-budget=10000", "--dump-dom", url],
                       capture_output=True, text=True, timeout=90)
    assert p.returncode == 0, "chromium exited %d: %s" % (p.returncode, p.stderr[-2000:])
    return Dom(p.stdout)


def expected(results):
    """What the Python tools read from results/: histories (tools/history.py) and the cross-machine sides
    (tools/cross_report.py)."""
    hists = H.histories(results)
    runs = C.latest_runs(results)
    model = R.pick_model([R.Result(r) for r in runs])
    sides = [C.Side(r, model) for r in runs]
    C.label_sides(sides)
    return hists, sides


def pick_view(hists):
    """The machine with the most runs (steps can be found there), its first kernel and dtype."""
    h = max(hists, key=lambda h: (len(h.points), h.id))
    n = R.parse_name(next(iter(h.series)))
    return h.id, n.kernel, n.dtype


def mismatches(dom, hists, sides, view):
    """Every difference between the rendered page and the tools' reading; [] when they agree."""
    out = []
    if not dom.rendered:
        out.append("the page's script did not finish (no data-rendered on body)")
    if dom.machines != [h.id for h in hists]:
        out.append("machines: page %s, results %s" % (dom.machines, [h.id for h in hists]))
    for h in hists:
        want = [(p.commit, p.date, p.host) for p in h.points]
        if dom.runs.get(h.id) != want:
            out.append("runs of %s: page %s, results %s" % (h.id, dom.runs.get(h.id), want))
        if dom.benchmarks.get(h.id) != list(h.series):
            got = set(dom.benchmarks.get(h.id) or [])
            out.append("benchmarks of %s: %d on the page, %d in results (%d missing, %d extra)" % (
                h.id, len(got), len(h.series), len(set(h.series) - got), len(got - set(h.series))))
    st = dom.chart_state
    if not st or not st.get("charts"):
        out.append("no Chart.js instances written to #chart-state")
        return out
    machine, kernel, dtype = view
    if (st["machine"], st["kernel"], st["dtype"]) != view:
        out.append("view: page %s, asked %s" % ((st["machine"], st["kernel"], st["dtype"]), view))
    h = next((h for h in hists if h.id == machine), None)
    if h is None:
        return out
    shapes = {}
    for name in h.series:
        n = R.parse_name(name)
        if (n.kernel, n.dtype) == (kernel, dtype):
            shapes.setdefault(n.shape, set()).add(n.impl)
    charts = {c["id"]: c for c in st["charts"]}
    hist_charts = [c for c in st["charts"] if c["id"].startswith("history-")]
    got = {c["title"].split(" ", 2)[2]: set(c["datasets"]) for c in hist_charts}
    if got != shapes:
        out.append("history charts (shape -> implementations): page %s, results %s" % (got, shapes))
    for c in hist_charts:
        if c["labels"] != [p.commit for p in h.points]:
            out.append("%s x axis: page %s, runs %s" % (c["id"], c["labels"], [p.commit for p in h.points]))
    want_steps = sorted((s["commit"], n) for n, s in h.steps())
    if sorted(dom.steps) != want_steps:
        out.append("steps of %s: page %d, history.py %d" % (machine, len(dom.steps), len(want_steps)))
    isas = [i for i in R.ISAS if any((kernel, dtype, i) in s.rows for s in sides)]
    for metric, _, _ in C.METRICS:
        c = charts.get("cross-" + metric)
        if not isas:
            continue
        if c is None:
            out.append("no cross-machine chart for %s" % metric)
            continue
        if c["datasets"] != [s.label for s in sides] or c["labels"] != isas:
            out.append("cross-%s: page %s over %s, results %s over %s" % (
                metric, c["datasets"], c["labels"], [s.label for s in sides], isas))
    return out


def make_report(results, out):
    p = subprocess.run([PY, os.path.join(TOOLS, "report.py"), "--results", results, "--out", out],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    return os.path.join(out, "index.html")


class Report(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.chromium = find_chromium()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.profile = os.path.join(cls.tmp.name, "profile")
        cls.hists, cls.sides = expected(RESULTS)
        cls.view = pick_view(cls.hists)
        cls.index = make_report(RESULTS, os.path.join(cls.tmp.name, "full"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_rendered_page_matches_results(self):
        dom = dump(self.chromium, self.index, self.view, self.profile)
        self.assertEqual(mismatches(dom, self.hists, self.sides, self.view), [])
        self.assertTrue(os.path.isfile(os.path.join(os.path.dirname(self.index), "chart.min.js")))

    def test_report_without_one_run_does_not_match(self):
        # a copy of results/ without the latest run of the machine shown: the page must show one run fewer
        copy = os.path.join(self.tmp.name, "results-copy")
        machine = self.view[0]
        dropped = max(glob_runs(RESULTS, machine), key=C.stamp_key)
        for d in sorted(os.listdir(RESULTS)):
            src = os.path.join(RESULTS, d)
            if not os.path.isdir(src):
                continue
            os.makedirs(os.path.join(copy, d))
            for f in os.listdir(src):
                if os.path.join(src, f) != dropped and f.startswith("bench-"):
                    os.symlink(os.path.join(src, f), os.path.join(copy, d, f))
        index = make_report(copy, os.path.join(self.tmp.name, "partial"))
        dom = dump(self.chromium, index, self.view, self.profile)
        found = mismatches(dom, self.hists, self.sides, self.view)
        self.assertTrue(any(m.startswith("runs of %s" % machine) for m in found), found)
        hists, sides = expected(copy)  # it does match the copy it was made from
        self.assertEqual(mismatches(dom, hists, sides, self.view), [])

    def test_broken_script_is_detected(self):
        broken = os.path.join(self.tmp.name, "broken")
        shutil.copytree(os.path.dirname(self.index), broken)
        with open(os.path.join(broken, "report.js")) as f:
            js = f.read()
        with open(os.path.join(broken, "report.js"), "w") as f:
            f.write(js.replace("new Chart(canvas", "new Chart(undefinedCanvas"))
        dom = dump(self.chromium, os.path.join(broken, "index.html"), self.view, self.profile)
        found = mismatches(dom, self.hists, self.sides, self.view)
        self.assertIn("the page's script did not finish (no data-rendered on body)", found)
        self.assertIn("no Chart.js instances written to #chart-state", found)

    def test_missing_chartjs_names_the_package(self):
        p = subprocess.run([PY, os.path.join(TOOLS, "report.py"), "--results", RESULTS, "--out",
                            os.path.join(self.tmp.name, "nochart"), "--chartjs", os.path.join(self.tmp.name, "none.js")],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("libjs-chart.js", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "nochart")))


def glob_runs(results, machine):
    d = os.path.join(results, machine)
    return [os.path.join(d, f) for f in os.listdir(d) if f.startswith("bench-") and f.endswith(".json")]


if __name__ == "__main__":
    unittest.main()
