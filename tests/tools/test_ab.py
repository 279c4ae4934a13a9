#!/usr/bin/env python3
"""Tests of tools/ab.py: its statistics against brute force, and whole comparisons of a fake benchmark
binary (fake_bench.py) with a planted slowdown and without one."""
import contextlib
import io
import itertools
import json
import math
import os
import sys
import tempfile
import unittest

import numpy as np

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
import ab  # noqa: E402

FAKE = os.path.join(HERE, "fake_bench.py")


def brute_wilcoxon(r):
    """Two-sided exact p by enumerating all 2^n sign patterns of the ranks (mid-ranks for ties)."""
    r = [x for x in r if x != 0]
    mags = sorted(abs(x) for x in r)
    rank = {m: (mags.index(m) + 1 + len(mags) - mags[::-1].index(m)) / 2 for m in mags}
    ranks = [rank[abs(x)] for x in r]
    w = sum(q for q, x in zip(ranks, r) if x > 0)
    sums = [sum(q for q, s in zip(ranks, signs) if s) for signs in itertools.product((0, 1), repeat=len(r))]
    low = sum(s <= w + 1e-9 for s in sums) / len(sums)
    high = sum(s >= w - 1e-9 for s in sums) / len(sums)
    return min(1.0, 2 * min(low, high))


class Statistics(unittest.TestCase):
    def test_wilcoxon_exact(self):
        rng = np.random.default_rng(7)
        cases = [rng.normal(0.01, 0.02, n) for n in (3, 6, 9, 12)]
        cases += [np.array([0.1, -0.1, 0.2, 0.2, 0.3, -0.05, 0.1, 0.4]),  # ties
                  np.array([0.0, 0.1, 0.2, -0.3])]                           # a zero, dropped
        for r in cases:
            self.assertAlmostEqual(ab.wilcoxon_p(r), brute_wilcoxon(r), places=12, msg=str(r))
        # All n of one sign: the smallest p, 2^(1-n), the figure the --pairs warning uses.
        self.assertAlmostEqual(ab.wilcoxon_p(np.arange(1, 13) * 0.01), 2.0 ** -11, places=15)

    def test_holm(self):
        p = [0.01, 0.04, 0.03, 0.005]
        # sorted 0.005 0.01 0.03 0.04 -> x4 x3 x2 x1, monotone: 0.02 0.03 0.06 0.06
        np.testing.assert_allclose(ab.holm(p), [0.03, 0.06, 0.06, 0.02])
        self.assertEqual(list(ab.holm([0.5, 0.9])), [1.0, 1.0])

    def test_hodges_lehmann_resists_one_outlier(self):
        r = np.array([0.05] * 11 + [2.0])
        self.assertAlmostEqual(float(ab.hodges_lehmann(r)), 0.05, places=12)
        self.assertGreater(float(np.mean(r)), 0.2)


class Compare(unittest.TestCase):
    """Whole comparisons of fake binaries: noise and bursts as on a shared machine, reproducible."""

    def run_ab(self, env_b, seed, extra=()):
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["FAKE_STATE"] = os.path.join(tmp, "count")
            os.environ["FAKE_SEED"] = str(seed)
            out = os.path.join(tmp, "ab.json")
            # --max-steal 100: the real machine's steal must not change which fake pairs are redone.
            argv = ["--bench-a", FAKE, "--bench-b", FAKE, "--filter", "^k", "--pairs", "12", "--max-steal", "100",
                    "--json", out, "--fail-on-regression", *extra] + sum((["--env-b", e] for e in env_b), [])
            with contextlib.redirect_stdout(io.StringIO()) as text, contextlib.redirect_stderr(io.StringIO()):
                status = ab.main(argv)
            with open(out) as f:
                return status, json.load(f), text.getvalue()

    def test_planted_slowdown_is_flagged_alone(self):
        status, rep, text = self.run_ab(["FAKE_SLOW=k2:1.10"], seed=3)
        verdicts = {r["benchmark"]: r["verdict"] for r in rep["benchmarks"]}
        self.assertEqual(verdicts.pop("k2"), "REGRESSION", text)
        self.assertTrue(all(v != "REGRESSION" for v in verdicts.values()), text)
        self.assertEqual(status, 1)
        k2 = next(r for r in rep["benchmarks"] if r["benchmark"] == "k2")
        self.assertLess(k2["ci"][0], 1.10)
        self.assertGreater(k2["ci"][1], 1.10)
        self.assertIn("REGRESSION", text)
        self.assertEqual(sum(p["used"] for p in rep["pairs"]), 12)
        self.assertEqual([p["order"] for p in rep["pairs"][:4]], ["AB", "BA", "AB", "BA"])

    def test_no_change_is_not_flagged(self):
        for seed in (1, 2):
            status, rep, text = self.run_ab([], seed=seed)
            self.assertEqual(status, 0, text)
            self.assertFalse(any(r["verdict"] in ("REGRESSION", "FASTER") for r in rep["benchmarks"]), text)
            self.assertNotIn("limit/fma/f32/sse2", [r["benchmark"] for r in rep["benchmarks"]])

    def test_below_min_effect_is_not_a_regression(self):
        status, rep, text = self.run_ab(["FAKE_SLOW=k2:1.10"], seed=3, extra=["--min-effect", "15"])
        k2 = next(r for r in rep["benchmarks"] if r["benchmark"] == "k2")
        self.assertEqual(k2["verdict"], "changed, below min effect", text)
        self.assertEqual(status, 0)

    def test_bursts_are_shown_and_redone(self):
        _, rep, text = self.run_ab([], seed=2)
        disturbed = [p for p in rep["pairs"] if p["disturbed"]]
        self.assertGreater(len(disturbed), 0)  # 1 in 5 processes has a burst that moves the proxy by 30 %
        self.assertTrue(all(abs(math.log(p["proxy_ratio"])) > math.log(1.05) for p in disturbed))
        self.assertEqual(len(rep["pairs"]), 12 + sum(not p["used"] for p in rep["pairs"]))
        self.assertIn(f"{len(disturbed)} of {len(rep['pairs'])} pairs disturbed", text)
        # With no redo budget the disturbed pairs are used as they are.
        _, rep, _ = self.run_ab([], seed=2, extra=["--max-redo", "0"])
        self.assertEqual(len(rep["pairs"]), 12)
        self.assertTrue(all(p["used"] for p in rep["pairs"]))

    def test_a_busy_period_is_not_a_burst(self):
        # Every process's clock wanders by 8 % (one SD) and none has a burst: the limit follows the
        # proxy's measured spread, so the pairs are not all called disturbed (a fixed 5 % would flag most).
        os.environ.update(FAKE_COMMON_SIGMA="0.08", FAKE_BURST="0")
        try:
            for seed in (1, 2, 3):
                _, rep, text = self.run_ab([], seed=seed)
                first = rep["pairs"][:12]
                self.assertLessEqual(sum(p["disturbed"] for p in first), 2, text)
                self.assertGreater(rep["settings"]["proxy_limit"], 0.1, text)
                self.assertGreater(sum(abs(math.log(p["proxy_ratio"])) > math.log(1.05) for p in first), 3, text)
        finally:
            del os.environ["FAKE_COMMON_SIGMA"], os.environ["FAKE_BURST"]

    def test_bad_input(self):
        with contextlib.redirect_stderr(io.StringIO()) as err:
            self.assertEqual(ab.main(["--bench-a", "/nonexistent", "--bench-b", FAKE, "--filter", "k"]), 2)
        self.assertIn("not an executable", err.getvalue())
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["FAKE_STATE"] = os.path.join(tmp, "count")
            with contextlib.redirect_stderr(io.StringIO()) as err:
                self.assertEqual(ab.main(["--bench-a", FAKE, "--bench-b", FAKE, "--filter", "^nothing$"]), 2)
            self.assertIn("no benchmark of both builds matches", err.getvalue())


if __name__ == "__main__":
    unittest.main()
