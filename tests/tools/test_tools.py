#!/usr/bin/env python3
"""Tests of tools/summarize.py and tools/compare_results.py on synthetic results (make_fixture.py).

The regression test is the one the issue asks for: two runs of "the same machine" where one kernel
(softmax) is made 1.5x slower; compare_results.py --fail-on-regression must exit 1 naming softmax and
nothing else, and exit 0 on identical files.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, "..", "..", "tools")
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, TOOLS)
import summarize as S  # noqa: E402

PY = sys.executable


def run(*args):
    p = subprocess.run([PY] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def tool(name, *args):
    return run(os.path.join(TOOLS, name), *args)


class Tools(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.dir = cls.tmp.name
        fx = os.path.join(HERE, "make_fixture.py")
        cls.a, cls.b, cls.c = (os.path.join(d, n) for n in ("a.json", "b.json", "c.json"))
        for out, extra in ((cls.a, []), (cls.b, ["--slow", "softmax", "--factor", "1.5", "--seed", "2"]),
                           (cls.c, ["--machine-id", "aarch64-other-4c", "--slow", "dense_forward", "--seed", "3"])):
            rc, msg = run(fx, out, *extra)
            assert rc == 0, msg

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    # --- compare_results.py -----------------------------------------------------------------------------
    def test_identical_files_exit_0(self):
        rc, out = tool("compare_results.py", self.a, self.a, "--fail-on-regression")
        self.assertEqual(rc, 0, out)
        self.assertIn("no regression", out)
        self.assertNotIn("REGRESSION", out)

    def test_slowed_kernel_exits_1_and_is_named(self):
        rc, out = tool("compare_results.py", self.a, self.b, "--fail-on-regression")
        self.assertEqual(rc, 1, out)
        flagged = [l.split()[1].rstrip(":") for l in out.splitlines() if l.startswith("REGRESSION ")]
        self.assertTrue(flagged, out)
        self.assertEqual({n.split("/")[0] for n in flagged}, {"softmax"}, out)
        # every one of our softmax implementations, none of the peers (which were not slowed)
        self.assertIn("softmax/f32/avx512/imagenet:256x1000", flagged)
        self.assertNotIn("softmax/f32/peer_eigen/imagenet:256x1000", flagged)
        # the fixture has 3 repetitions: Google Benchmark's compare.py and its U test ran
        self.assertIn("Google Benchmark compare.py", out)
        if "needs scipy" not in out and "not found" not in out:
            self.assertIn("U Test", out)

    def test_regression_reported_without_failing_unless_asked(self):
        rc, out = tool("compare_results.py", self.a, self.b, "--no-utest")
        self.assertEqual(rc, 0, out)
        self.assertIn("REGRESSION softmax/", out)

    def test_threshold(self):
        rc, out = tool("compare_results.py", self.a, self.b, "--threshold", "0.6", "--fail-on-regression", "--no-utest")
        self.assertEqual(rc, 0, out)

    def test_different_machines_compare_ratios_not_times(self):
        png = os.path.join(self.dir, "machines.png")
        rc, out = tool("compare_results.py", self.a, self.c, "--fail-on-regression", "--plot", png)
        self.assertEqual(rc, 0, out)  # dense_forward is slower on c, but c is another machine
        self.assertIn("different machines", out)
        self.assertIn("×scalar A", out)
        self.assertNotIn("REGRESSION", out)
        self.assertTrue(is_png(png))

    def test_two_isas_of_one_run(self):
        rc, out = tool("compare_results.py", self.a, "--isa-a", "avx2", "--isa-b", "avx512")
        self.assertEqual(rc, 0, out)
        self.assertIn("softmax/f32/avx2/imagenet:256x1000 vs avx512", out)

    def test_plot_same_machine(self):
        png = os.path.join(self.dir, "ratio.png")
        rc, out = tool("compare_results.py", self.a, self.b, "--no-utest", "--plot", png)
        self.assertEqual(rc, 0, out)
        self.assertTrue(is_png(png))

    # --- compare_results.py on two `nnsimd accuracy` reports (detected by their schema) -------------------
    def test_accuracy_reports_growth(self):
        a, b = os.path.join(self.dir, "acc_a.json"), os.path.join(self.dir, "acc_b.json")
        write_accuracy_fixture(a)
        write_accuracy_fixture(b, grow={("softmax", "f32", "avx2"): 1.1, ("sum", "f64", "avx512"): 0.5})
        rc, out = tool("compare_results.py", a, a, "--fail-on-regression")
        self.assertEqual(rc, 0, out)
        self.assertIn("no error grew", out)
        self.assertNotIn("GREW", out)
        self.assertIn("| softmax | f32 | avx2 | 1.5 | 1.5 |", out)  # side by side, A then B
        rc, out = tool("compare_results.py", a, b)
        self.assertEqual(rc, 0, out)  # reported, not failed, unless asked
        self.assertIn("GREW softmax/f32/avx2", out)
        rc, out = tool("compare_results.py", a, b, "--fail-on-regression")
        self.assertEqual(rc, 1, out)
        grown = [l.split()[1].rstrip(":") for l in out.splitlines() if l.startswith("GREW ")]
        self.assertEqual(grown, ["softmax/f32/avx2"], out)  # sum/f64/avx512 shrank: not flagged
        self.assertIn("max ulp 1.5 -> 1.65", out)
        self.assertIn("| cce_sparse | f32 | avx2 | inf | inf |", out)  # inf on both sides did not grow
        rc, out = tool("compare_results.py", a, self.a)
        self.assertEqual(rc, 2, out)  # an accuracy report against a benchmark result

    # --- summarize.py -----------------------------------------------------------------------------------
    def test_summary_table_and_plots(self):
        out_dir = os.path.join(self.dir, "summary")
        rc, out = tool("summarize.py", self.a, "--out", out_dir, "--headline")
        self.assertEqual(rc, 0, out)
        self.assertTrue(out.startswith("| kernel | dtype |"), out)
        self.assertIn("| softmax | f32 |", out)
        with open(os.path.join(out_dir, "summary.md")) as f:
            md = f.read()
        self.assertIn("## Headline", md)
        self.assertIn("### dense_forward f32 mnist:1024x784x128", md)
        for dt in ("f32", "f64"):
            for p in ("speedup_scalar_%s.png", "speedup_autovec_%s.png", "roofline_%s.png"):
                self.assertTrue(is_png(os.path.join(out_dir, p % dt)), p % dt)
                self.assertIn("](%s)" % (p % dt), md)

    def test_medians_speedups_and_rooflines(self):
        r = S.Result(self.a)
        g = r.groups()[("dense_forward", "f32", "mnist:1024x784x128")]
        b = g["avx512"]
        self.assertEqual(b.reps, 3)  # iteration runs, not the 4 aggregates
        # the fixture runs avx512 at 108 GFLOP/s against a 117 GFLOP/s limit, each with 1% noise
        frac, what = r.roofline(b)
        self.assertAlmostEqual(frac, 108 / 117, delta=0.04)
        self.assertEqual(what, "fma avx512")
        frac2, what2 = r.roofline(g["avx512_t2"])  # measured t2 limit used, not 2 x one thread
        self.assertEqual(what2, "fma avx512 t2")
        figs, best_peer, best_av = S.figures(r, g)
        self.assertEqual(best_peer.impl, "peer_onednn")
        self.assertEqual(best_av.impl, "autovec_avx512")
        self.assertAlmostEqual(figs["avx512"]["x_autovec"], 108 / 18, delta=0.3)
        # memory roofs: 32 KiB of relu traffic is L1 (copy), 128 MiB is DRAM
        self.assertEqual(r.roofline(r.benches["relu/f32/avx512/elems:4096"])[1], "copy L1")
        self.assertEqual(r.roofline(r.benches["relu/f32/avx512/elems:16777216"])[1], "copy DRAM")
        self.assertEqual(r.roofline(r.benches["accuracy_count/f32/avx512/vocab:64x32000"])[1], "read L3")  # 8 MB

    def test_names_and_aggregates_only(self):
        self.assertEqual(S.canonical("relu/f32/avx2/elems:4096/repeats:3/real_time"), "relu/f32/avx2/elems:4096")
        self.assertEqual(S.parse_impl("avx512_t2"), ("avx512", 2, "xsimd"))
        self.assertEqual(S.parse_impl("autovec_neon64"), ("neon64", 1, "autovec"))
        self.assertEqual(S.parse_impl("peer_onednn"), (None, 1, "peer"))
        with open(self.a) as f:
            data = json.load(f)
        data["benchmarks"] = [e for e in data["benchmarks"] if e.get("run_type") == "aggregate"]
        path = os.path.join(self.dir, "aggregates_only.json")
        with open(path, "w") as f:
            json.dump(data, f)
        r, full = S.Result(path), S.Result(self.a)
        name = "softmax/f32/avx512/imagenet:256x1000"
        self.assertAlmostEqual(r.benches[name].seconds, full.benches[name].seconds, delta=1e-12)


def write_accuracy_fixture(path, grow=None):
    """A small report in `nnsimd accuracy`'s schema (results/README.md): 3 kernels x 2 dtypes x 2 ISAs;
    `grow` maps (kernel, dtype, isa) to a factor on that row's max_ulp and max_rel."""
    rows = []
    for kernel, ulp, rel in (("softmax", 1.5, 1.6e-7), ("cce_sparse", "inf", 2e-7), ("sum", 0.25, 1e-16)):
        for dtype in ("f32", "f64"):
            for isa in ("avx2", "avx512"):
                f = (grow or {}).get((kernel, dtype, isa), 1.0)
                rows.append({"kernel": kernel, "dtype": dtype, "isa": isa, "outputs": 100,
                             "max_ulp": ulp if isinstance(ulp, str) else ulp * f, "mean_ulp": 0.1,
                             "max_rel": rel * f, "bound_checked": True, "max_bound_use": 0.5, "pass": True,
                             "grew": False})
    report = {"schema": "nnsimd-accuracy-1", "date": "2026-11-22T15:00:00",
              "machine": {"id": "x86_64-amd-fixture-2c", "vendor": "AMD", "model": "fixture", "uarch": "zen4"},
              "runnable_isas": "scalar sse2 avx2 avx512", "threads": 1, "tolerance_scale": 1, "notes": "",
              "results": rows}
    with open(path, "w") as f:
        json.dump(report, f)


def is_png(path):
    with open(path, "rb") as f:
        return os.path.getsize(path) > 1000 and f.read(8) == b"\x89PNG\r\n\x1a\n"


if __name__ == "__main__":
    unittest.main()
