#!/usr/bin/env python3
"""Tests of tools/nnsimd_results.py, tools/summarize.py, tools/compare_results.py and tools/cross_report.py on
synthetic results (make_fixture.py).

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
import nnsimd_results as NR  # noqa: E402

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
        # Two machines for the cross report, in a results/ tree: a newer run (peer code keys, a corrected peer,
        # ceilings at each working set) and an old run of a machine without AVX-512 that has none of these.
        cls.results = os.path.join(d, "results")
        cls.new = os.path.join(cls.results, "x86_64-amd-epyc-f25m17-2c", "bench-full-20261201-120000.json")
        cls.old = os.path.join(cls.results, "x86_64-amd-epyc-f25m1-2c", "bench-full-20261120-120000.json")
        older = os.path.join(cls.results, "x86_64-amd-epyc-f25m17-2c", "bench-full-20261101-120000.json")
        for out, extra in ((cls.new, ["--machine-id", "x86_64-amd-epyc-f25m17-2c", "--peer-code", "--ws-ceilings"]),
                           (older, ["--machine-id", "x86_64-amd-epyc-f25m17-2c", "--seed", "4"]),
                           (cls.old, ["--machine-id", "x86_64-amd-epyc-f25m1-2c", "--isas", "sse2,avx2", "--uarch", "",
                                      "--flags", "sse2,avx,avx2,fma3", "--seed", "5"])):
            os.makedirs(os.path.dirname(out), exist_ok=True)
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
        self.assertIn("| categorical_cross_entropy | f32 | avx2 | inf | inf |", out)  # inf on both sides did not grow
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
        self.assertEqual(r.roofline(r.benches["accuracy/f32/avx512/vocab:64x32000"])[1], "read L3")  # 8 MB

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

    # --- nnsimd_results.py: names, aliases, machine, ceiling models, compact ------------------------------
    def test_module_names_and_peers(self):
        n = NR.parse_name(NR.canonical("dense_forward/f32/avx512_t2/mnist:1024x784x128/repeats:3/real_time"))
        self.assertEqual((n.kernel, n.dtype, n.impl, n.shape, n.isa, n.threads, n.kind),
                         ("dense_forward", "f32", "avx512_t2", "mnist:1024x784x128", "avx512", 2, "xsimd"))
        self.assertEqual(NR.parse_name("limit/fma/f32/avx512/t2").limit, ("fma", "f32", "avx512", "t2"))
        self.assertEqual(NR.parse_peer("peer_openblas_corrected"), ("openblas", True))
        self.assertEqual(NR.parse_peer("peer_eigen"), ("eigen", False))
        self.assertEqual(NR.parse_impl("peer_openblas_corrected"), (None, 1, "peer"))
        self.assertEqual(NR.split_shape("mnist:1024x784x128"), ("mnist", (1024, 784, 128)))
        self.assertAlmostEqual(NR.geomean([2, 8, None]), 4.0)
        r = NR.Result(self.new)
        self.assertIn("peer_openblas_corrected", r.peers())
        self.assertIn("FALLBACK", r.peer_codes()["peer_openblas"])
        g = r.groups()[("dense_forward", "f32", "mnist:1024x784x128")]
        figs, best_peer, _ = NR.figures(r, g)
        self.assertEqual(best_peer.impl, "peer_onednn")  # 114 GFLOP/s beats the corrected OpenBLAS's 112
        self.assertEqual(set(figs["avx512"]["vs_peers"]), {"peer_onednn", "peer_openblas", "peer_openblas_corrected"})

    def test_fusion_figures_pair_fused_and_unfused(self):
        self.assertEqual(NR.parse_impl("avx2_unfused"), ("avx2", 1, "unfused"))
        self.assertEqual(NR.parse_impl("avx512_unfused_t2"), ("avx512", 2, "unfused"))
        self.assertEqual(NR.split_shape("mlp:4096x784x1024x1000"), ("mlp", (4096, 784, 1024, 1000)))
        run = os.path.join(HERE, "..", "..", "results", "x86_64-amd-epyc-f25m1-2c",
                           "bench-part-full-20261201-111318.json")
        r = NR.Result(run)
        one, two = NR.fusion_figures(r), NR.fusion_figures(r, 2)
        # both ops, both dtypes (threads: f32 only), three shapes each
        self.assertEqual(len(one), 12)
        self.assertEqual(len(two), 6)
        for f in one + two:
            self.assertEqual(f["fused"].kind, "xsimd")
            self.assertEqual(f["unfused"].impl, f["fused"].impl.replace("_t2", "") + "_unfused" +
                             ("_t2" if f["fused"].threads == 2 else ""))
            self.assertTrue(f["peer"] is None or f["peer"].threads <= f["fused"].threads)
        book = [f for f in one if (f["kernel"], f["dtype"], f["shape"]) == ("forward_pass", "f32", "book:300x2x3x3")][0]
        self.assertEqual((book["numpy"].impl, book["torch"].impl), ("peer_numpy_nnfs", "peer_torch"))  # the book after nnfs.init()
        lines = S.fusion_lines(r)
        self.assertEqual(sum(l.startswith("| forward_pass") for l in lines), 12)
        # fused against unfused, paired by repetition round: an estimate and its interval, at 1 and 2 threads
        row = next(l for l in lines if l.startswith("| forward_pass | f32 | book:")).split(" | ")
        self.assertRegex(row[4], r"^[\d.]+× \[[\d.]+×, [\d.]+×\]$")
        self.assertRegex(row[10], r"^[\d.]+× \[[\d.]+×, [\d.]+×\]$")
        self.assertEqual(S.fusion_lines(NR.Result(self.new)), ["No forward-pass rows in this run."])

    def test_peers_on_n_threads_meet_our_n_thread_rows(self):
        self.assertEqual(NR.parse_impl("peer_torch_t2"), (None, 2, "peer"))
        self.assertEqual(NR.parse_peer("peer_openblas_corrected_t2"), ("openblas", True))
        self.assertEqual(NR.parse_peer("peer_torch_t2"), ("torch", False))
        r = NR.Result(self.new)
        self.assertNotIn("peer_onednn_t2", r.peers())
        self.assertEqual(r.peers(2), ["peer_onednn_t2"])
        figs, best_peer, _ = NR.figures(r, r.groups()[("dense_forward", "f32", "mnist:1024x784x128")])
        # one thread against one-thread peers only: oneDNN's two-thread 210 GFLOP/s is not "the best peer"
        self.assertEqual(best_peer.impl, "peer_onednn")
        self.assertAlmostEqual(figs["avx512"]["vs_peer"], 108 / 114, delta=0.04)
        # two threads against every peer of at most two threads: oneDNN's 210 over our 200
        self.assertIn("peer_onednn_t2", figs["avx512_t2"]["vs_peers"])
        self.assertAlmostEqual(figs["avx512_t2"]["vs_peer"], 200 / 210, delta=0.04)

    def test_headline_columns_for_the_books_systems(self):
        head = S.headline(NR.Result(self.new)).splitlines()
        self.assertIn("× NumPy (the book's code) (book shape)", head[0])
        self.assertIn("× PyTorch (book shape)", head[0])
        row = next(line for line in head if line.startswith("| dense_relu | f32 |")).split(" | ")
        # NumPy as the book runs it (nnfs.init's float64 dot, 10 us) over ours (0.5 us), not plain NumPy (8 us)
        numpy, torch = (float(c.split("×")[0]) for c in row[-2:])  # the fixture's times have 1% noise
        self.assertAlmostEqual(numpy, 20.0, delta=1.0)
        self.assertAlmostEqual(torch, 12.0, delta=0.6)
        self.assertRegex(row[-2], r"^[\d.]+× \([\d.]+×\)$")  # geometric mean (the book's shape)
        # a run without those systems has no such columns
        self.assertNotIn("NumPy", S.headline(NR.Result(self.a)).splitlines()[0])

    def test_book_systems_at_the_books_shape_and_the_largest(self):
        lines = S.book_systems_lines(NR.Result(self.new))
        row = next(line for line in lines if line.startswith("| dense_relu | f32 | book:300x2x3 |")).split(" | ")
        self.assertTrue(row[3].endswith("(avx512)"), row)  # our best one-thread row
        self.assertAlmostEqual(float(row[4].rstrip("×")), 20.0, delta=1.0)  # NumPy as the book runs it
        self.assertAlmostEqual(float(row[5].rstrip("×")), 12.0, delta=0.6)  # PyTorch
        # a run with PyTorch at one shape only: that row, no NumPy
        other = [line for line in S.book_systems_lines(NR.Result(self.a)) if line.startswith("| ") and "---" not in line]
        self.assertEqual([line.split(" | ")[:3] for line in other[1:]],
                         [["| categorical_cross_entropy", "f32", "mnist:1024x10"]])
        self.assertEqual(other[1].split(" | ")[4], "-")

    def test_rows_timed_from_python(self):
        """bench/peer_numpy.py's rows (peer_numpy, py_nnsimd, py_torch) load beside the driver's, py_* as
        kind "other" (not peers), and summary.md's "From Python" section sets them against the best C++ row."""
        with open(self.a) as f:
            d = json.load(f)
        base = next(b for b in d["benchmarks"] if b["name"].startswith("softmax/f32/") and "/scalar/" in b["name"])
        shape = base["name"].split("/")[3]
        for impl, ns, over in (("peer_numpy", 20000.0, 5000.0), ("py_nnsimd", 4000.0, 500.0), ("py_torch", 30000.0, 600.0)):
            name = "softmax/f32/%s/%s" % (impl, shape)
            d["benchmarks"].append({"name": name, "run_name": name, "run_type": "iteration", "repetitions": 1,
                                    "repetition_index": 0, "threads": 1, "iterations": 100, "real_time": ns,
                                    "cpu_time": ns, "time_unit": "ns", "elements": 1e9, "overhead_ns": over,
                                    "label": "roof=exp+mem"})
        name = "softmax_cross_entropy/f32/peer_numpy/vocab:64x32000"
        d["benchmarks"].append({"name": name, "run_name": name, "run_type": "iteration", "error_occurred": True,
                                "error_message": "disagrees with the oracle: loss[54,0] = 16.1", "iterations": 0})
        d["context"]["nnsimd_peer_numpy_code"] = "numpy 1.24.2; BLAS openblas 0.3.21, core Zen"
        path = os.path.join(self.dir, "with_python.json")
        with open(path, "w") as f:
            json.dump(d, f)
        r = NR.Result(path)
        g = r.groups()[("softmax", "f32", shape)]
        self.assertEqual((g["py_nnsimd"].kind, g["py_torch"].kind, g["peer_numpy"].kind), ("other", "other", "peer"))
        self.assertIn("peer_numpy", r.peers())
        self.assertNotIn("py_torch", r.peers())
        lines = "\n".join(S.python_lines(r))
        self.assertIn("numpy 1.24.2", lines)
        row = next(l for l in lines.splitlines() if l.startswith("| softmax | f32 | %s |" % shape))
        # NumPy 20 µs with an empty call of 5 µs (25%), py_nnsimd 4 µs: 5×; torch over py_nnsimd 7.5×.
        self.assertIn("| 20 µs | 25% | 4 µs | 30 µs |", row)
        self.assertIn("| 5.00× | 7.50× |", row)
        out_dir = os.path.join(self.dir, "summary_python")
        rc, out = tool("summarize.py", path, "--out", out_dir, "--no-plots")
        self.assertEqual(rc, 0, out)
        with open(os.path.join(out_dir, "summary.md")) as f:
            self.assertIn("## From Python", f.read())
        self.assertTrue(S.python_lines(NR.Result(self.a))[0].startswith("No rows timed from Python"))

    def test_aliases_are_applied_by_every_reader(self):
        saved = dict(NR.NAME_ALIASES)
        try:
            NR.NAME_ALIASES["softmax"] = "softmax_rows"  # a kernel renamed later: old runs read as the new name
            NR.NAME_ALIASES["relu/f32/avx2/elems:4096"] = "relu/f32/avx2/n:4096"
            r = NR.Result(self.a)
            self.assertIn("softmax_rows/f32/avx512/imagenet:256x1000", r.benches)
            self.assertNotIn("softmax/f32/avx512/imagenet:256x1000", r.benches)
            self.assertIn("relu/f32/avx2/n:4096", r.benches)
            self.assertIs(S.canonical, NR.canonical)  # summarize and compare_results read through the module
        finally:
            NR.NAME_ALIASES.clear()
            NR.NAME_ALIASES.update(saved)

    def test_issue12_renames_read_from_renamed_def(self):
        # The one table (include/nnsimd/detail/renamed.def) is what the readers apply: the committed runs made
        # before issue 12 (cce_sparse, softmax_cce_sparse, accuracy_count) read under the API's names.
        self.assertEqual(NR.read_renamed()["softmax_cce_sparse"], "softmax_cross_entropy")
        self.assertEqual(NR.NAME_ALIASES, NR.read_renamed())
        self.assertEqual(NR.canonical("cce_sparse/f32/avx2/mnist:1024x10/real_time"),
                         "categorical_cross_entropy/f32/avx2/mnist:1024x10")
        self.assertEqual(NR.canonical("accuracy_count/f64/peer_eigen/book:300x3"), "accuracy/f64/peer_eigen/book:300x3")
        old = os.path.join(HERE, "..", "..", "results", "x86_64-amd-epyc-f25m1-2c", "bench-full-20261130-145021.json")
        if os.path.exists(old):
            r = NR.Result(old)
            self.assertIn("softmax_cross_entropy/f32/avx2/vocab:64x32000", r.benches)
            self.assertFalse(any(n.split("/")[0] in NR.NAME_ALIASES for n in r.benches))

    def test_machine_description(self):
        m = NR.Result(self.old).machine
        self.assertEqual((m.family, m.model), (25, 1))
        self.assertEqual(m.uarch, "Zen 3")  # no nnsimd_uarch in the run: from the family/model table
        self.assertEqual(m.isas, ["sse2", "avx2"])
        self.assertEqual(m.caches["L2"], 1 << 20)
        self.assertEqual(m.peer_codes, {})
        self.assertIn("family 25 model 1", m.describe())
        self.assertEqual(NR.Result(self.new).machine.uarch, "zen4")  # the run's own word wins

    def test_fraction_above_ceiling_fails_a_full_ws_run(self):
        res = NR.Result(self.new)
        self.assertEqual(res.ceiling_model, "ws")
        self.assertEqual(S.check_fractions(res, 1.05), 0)  # the fixture's kernels stay under their ceilings
        for k in list(res.limits):  # a bandwidth ceiling measured too low: relu now runs "above" it
            if k[0] in NR.MEM_KINDS and len(k) >= 4 and k[1] == "relu":
                res.limits[k] *= 0.5
        res.context["nnsimd_mode"] = "full"
        self.assertEqual(S.check_fractions(res, 1.05), 1)
        res.context["nnsimd_mode"] = "quick"  # a quick run's single short samples are only reported
        self.assertEqual(S.check_fractions(res, 1.05), 0)

    def test_slower_with_two_threads_fails_a_full_run(self):
        res = NR.Result(self.new)
        rows = NR.thread_scaling(res)
        self.assertTrue(rows)
        self.assertEqual(rows, sorted(rows))  # worst first
        self.assertEqual(S.check_scaling(res, 0.97), 0)  # the fixture's t2 rows are 1.1-1.6x faster
        ratio, (kernel, dtype, shape), isa, n, _, used = rows[-1]
        self.assertIsNone(used)  # the fixture predates the threads= label: every row is judged
        t2 = res.benches["%s/%s/%s_t%d/%s" % (kernel, dtype, isa, n, shape)]
        t2.seconds = res.benches["%s/%s/%s/%s" % (kernel, dtype, isa, shape)].seconds / 0.95  # 2 threads 5% slower
        self.assertAlmostEqual(NR.thread_scaling(res)[0].ratio, 0.95)
        res.context["nnsimd_mode"] = "full"
        self.assertEqual(S.check_scaling(res, 0.97), 1)
        self.assertEqual(S.check_scaling(res, 0.94), 0)
        self.assertIn("0.950×", "\n".join(S.scaling_lines(res, 0.97)))
        t2.label += " threads=2"  # the calls split: still judged
        self.assertEqual(NR.thread_scaling(res)[0].used, 2)
        self.assertEqual(S.check_scaling(res, 0.97), 1)
        t2.label = t2.label.replace("threads=2", "threads=1")  # they stayed on one thread: the same code, noise
        self.assertEqual(S.check_scaling(res, 0.97), 0)
        self.assertIn("stayed on one thread", "\n".join(S.scaling_lines(res, 0.97)))
        t2.label = t2.label.replace("threads=1", "threads=2")
        res.context["nnsimd_mode"] = "quick"  # reported only
        self.assertEqual(S.check_scaling(res, 0.97), 0)

    def test_streaming_policy_region_cost_and_peer_choice(self):
        res = NR.Result(self.new)
        self.assertIsNone(NR.streaming_policy(NR.Result(self.old)))  # not recorded before it was measured
        res.context.update({"nnsimd_streaming_store_bytes": str(3 << 20), "nnsimd_streaming_store_source": "measured: x",
                            "nnsimd_streaming_store_curve": "1048576:1e-05:2e-05;2097152:4e-05:3e-05"})
        b, source, curve = NR.streaming_policy(res)
        self.assertEqual((b, source), (3 << 20, "measured: x"))
        self.assertEqual([c[0] for c in curve], [1 << 20, 2 << 20])
        self.assertAlmostEqual(curve[0][1], 1048576 / 1e-05 / 1e9)
        self.assertIn("**3 MiB**", "\n".join(S.streaming_lines(res)))
        res.context["nnsimd_streaming_store_bytes"] = str(2 ** 64 - 1)  # SIZE_MAX: never
        self.assertIsNone(NR.streaming_policy(res)[0])
        self.assertEqual(NR.fmt_limit(("omp_region", "t2"), 5e5), "2.00 us per region")
        self.assertEqual(NR.fmt_limit(("copy", "L1"), 1.5e11), "150 GB/s")
        bench = NR.Bench("relu/f32/peer_onednn/elems:4096", 1e-6, 5, {}, "roof=mem impl=jit:avx2", 1024)
        self.assertEqual(bench.impl_info, "jit:avx2")
        self.assertEqual(bench.roof, "mem")
        self.assertIsNone(NR.Bench("relu/f32/avx2/elems:4096", 1e-6, 5, {}, "roof=mem", 1024).impl_info)

    def test_ceiling_models_never_mix(self):
        new, old = NR.Result(self.new), NR.Result(self.old)
        self.assertEqual(NR.pick_model([old]), "level")
        self.assertEqual(NR.pick_model([new, old]), "ws")  # the newest model a run measured
        relu = new.benches["relu/f32/avx512/elems:4096"]
        frac_ws, what_ws = new.roofline(relu, "ws")
        frac_lv, what_lv = new.roofline(relu, "level")
        self.assertTrue(what_ws.startswith("copy at ws"), what_ws)  # ordinary stores beat the fixture's non-temporal ones
        self.assertEqual(what_lv, "copy L1")
        self.assertAlmostEqual(frac_ws * 0.9, frac_lv, delta=0.03)  # (timing noise of the fixture) the fixture's ws ceilings are 0.9 x level
        # the old run under the ws model: not measured, for every kernel (no level figure slipped in)
        for b in old.kernel_benches():
            self.assertEqual(old.roofline(b, "ws"), (None, NR.NOT_MEASURED), b.name)

    def test_compact_round_trip(self):
        out = os.path.join(self.dir, "compact", os.path.basename(self.a))
        os.makedirs(os.path.dirname(out), exist_ok=True)
        rc, msg = tool("nnsimd_results.py", "compact", self.a, out)
        self.assertEqual(rc, 0, msg)
        self.assertIn("compact:", msg)
        self.assertLess(os.path.getsize(out), os.path.getsize(self.a) / 3)
        full, comp = NR.Result(self.a), NR.Result(out)
        self.assertTrue(comp.compact)
        self.assertEqual(list(full.benches), list(comp.benches))
        for name, b in full.benches.items():
            c = comp.benches[name]
            self.assertEqual((b.seconds, b.reps, b.counters, b.label, b.ws_bytes),
                             (c.seconds, c.reps, c.counters, c.label, c.ws_bytes), name)
        self.assertEqual(full.limits, comp.limits)
        # the tools' outputs are the same from either form
        outs = []
        for src, d in ((self.a, "sum_full"), (out, "sum_compact")):
            rc, msg = tool("summarize.py", src, "--out", os.path.join(self.dir, d), "--no-plots")
            self.assertEqual(rc, 0, msg)
            with open(os.path.join(self.dir, d, "summary.md")) as f:
                outs.append(f.read())
        # ... but for the targets, which the compact form (no repetitions) judges on medians, without intervals
        def without_targets(text):
            head, _, rest = text.partition("## Against the targets")
            return head + rest[rest.index("\n## "):]
        self.assertEqual(without_targets(outs[0]), without_targets(outs[1]))
        self.assertNotIn("(medians)", outs[0])
        self.assertIn("(medians)", outs[1])
        rc, msg = tool("compare_results.py", out, self.a, "--fail-on-regression")
        self.assertEqual(rc, 0, msg)
        self.assertNotIn("Google Benchmark compare.py", msg)  # no repetitions in a compact file: no U test
        reps = os.path.join(self.dir, "compact_reps.json")
        rc, msg = tool("nnsimd_results.py", "compact", "--keep-repetitions", self.a, reps)
        self.assertEqual(rc, 0, msg)
        r = NR.Result(reps)
        self.assertTrue(r.has_repetitions)
        self.assertEqual({n: b.seconds for n, b in r.benches.items()}, {n: b.seconds for n, b in full.benches.items()})

    # --- cross_report.py ----------------------------------------------------------------------------------
    def test_cross_report_two_machines(self):
        out = os.path.join(self.dir, "cross", "CROSS_MACHINE.md")
        rc, msg = tool("cross_report.py", "--results", self.results, "--out", out)
        self.assertEqual(rc, 0, msg)
        with open(out) as f:
            md = f.read()
        # the latest full run of each folder, machines named usefully, both commits, peers' code lines
        self.assertIn("bench-full-20261201-120000.json", md)
        self.assertNotIn("bench-full-20261101-120000.json", md)
        # machines in folder order: x86_64-amd-epyc-f25m1-2c (old, no AVX-512), then x86_64-amd-epyc-f25m17-2c
        self.assertIn("| microarchitecture | Zen 3 | zen4 |", md)
        self.assertIn("| family / model | family 25 model 1 | family 25 model 17 |", md)
        self.assertIn("| commit | 0000000 | 0000000 |", md)
        self.assertIn("| peer_openblas runs | not recorded | core Prescott (own detection: FALLBACK)", md)
        self.assertIn("peer_openblas_corrected", md)
        self.assertIn("Ceiling model: `ws`", md)
        lines = md.splitlines()
        row = [l for l in lines if l.startswith("| softmax | f32 | avx512 |")]
        self.assertEqual(len(row), 2, md)  # the kernels table and the peers table
        cells = [c.strip() for c in row[0].strip("|").split("|")]
        # per metric: Zen 3, zen4; Zen 3 has no AVX-512 -> "-"
        self.assertEqual(cells[3], "-")
        self.assertNotEqual(cells[4], "-")
        row = [l for l in lines if l.startswith("| relu | f32 | avx2 |")][0]
        cells = [c.strip() for c in row.strip("|").split("|")]
        self.assertEqual(cells[7], NR.NOT_MEASURED)  # roof, the old run: not measured, not the level figure
        self.assertRegex(cells[8], r"^\d+%$")  # roof, the new run: measured under the ws model
        self.assertIn("## Machine limits side by side", md)
        self.assertRegex(md, r"\| FMA f32 avx512 \| - \| 1\d\d GFLOP/s \|")
        self.assertIn("read at each case's working set (points)", md)
        self.assertIn("## Largest differences", md)
        self.assertIn("Machine limits that differ most", md)
        plots = os.path.join(self.dir, "cross", "cross")
        for p in ("speedup_scalar.png", "speedup_autovec.png", "roofline.png", "vs_best_peer.png",
                  "speedup_scalar_avx2.png", "limits.png"):
            self.assertTrue(is_png(os.path.join(plots, p)), p)
            self.assertIn("](cross/%s)" % p, md)
        # a third machine folder slots in with the same command; a forced model applies to every machine
        third = os.path.join(self.results, "aarch64-other-4c", "bench-full-20261202-000000.json")
        os.makedirs(os.path.dirname(third))
        try:
            with open(self.c) as f, open(third, "w") as g:
                g.write(f.read())
            rc, msg = tool("cross_report.py", "--results", self.results, "--out", out, "--no-plots",
                           "--ceiling-model", "level")
            self.assertEqual(rc, 0, msg)
            self.assertIn("3 machines", msg)
            with open(out) as f:
                md = f.read()
            self.assertIn("aarch64-other-4c", md)
            self.assertNotIn(NR.NOT_MEASURED + " |", md.split("## Kernels side by side")[1].split("## Standing")[0])
        finally:
            os.remove(third)
            os.rmdir(os.path.dirname(third))


def write_accuracy_fixture(path, grow=None):
    """A small report in `nnsimd accuracy`'s schema (results/README.md): 3 kernels x 2 dtypes x 2 ISAs;
    `grow` maps (kernel, dtype, isa) to a factor on that row's max_ulp and max_rel."""
    rows = []
    for kernel, ulp, rel in (("softmax", 1.5, 1.6e-7), ("categorical_cross_entropy", "inf", 2e-7), ("sum", 0.25, 1e-16)):
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
