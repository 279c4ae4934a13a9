#!/usr/bin/env python3
"""Tests of tools/history.py on synthetic histories (make_fixture.py runs with a commit, a date and a host).

  - a step planted at one commit (softmax 1.5x slower from the 5th of 8 runs) is found at that commit, for
    softmax only, with the right ratio;
  - a flat history with 3% noise per repetition finds no step anywhere;
  - two hosts of one machine id, one 1.4x slower in everything (its ceilings too): the normalized history is
    flat, while the same detection on raw times finds the host change (so the normalization is what hides it);
  - two runs: too few points to decide, and said so;
  - backfill refuses a commit too old for it, naming what it lacks, before building anything, and builds
    its filter from the binary's list (kernel rows + the limits they are held to).
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
import history as H  # noqa: E402

PY = sys.executable
MACHINE = "x86_64-amd-fixture-2c"


def run(*args):
    p = subprocess.run([PY] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def make_history(root, n, extra_of=lambda i: [], machine=MACHINE):
    """n runs of one machine under root/<machine>/, commit fixt<i>, one day apart; extra_of(i) adds
    make_fixture options to run i. -> the commits in order."""
    d = os.path.join(root, machine)
    os.makedirs(d, exist_ok=True)
    commits = []
    for i in range(n):
        commit = "fixt%03d" % i  # not hexadecimal: no git lookup, ordered by date
        out = os.path.join(d, "bench-full-202612%02d-120000.json" % (i + 1))
        rc, msg = run(os.path.join(HERE, "make_fixture.py"), out, "--machine-id", machine, "--commit", commit,
                      "--date", "2026-12-%02dT12:00:00+00:00" % (i + 1), "--seed", str(100 + i), *extra_of(i))
        assert rc == 0, msg
        commits.append(commit)
    return commits


class History(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def history(self, sub):
        hs = H.histories(os.path.join(self.dir, sub))
        self.assertEqual([h.id for h in hs], [MACHINE])
        return hs[0]

    def test_planted_step_found_at_its_commit(self):
        root = os.path.join(self.dir, "step")
        commits = make_history(root, 8, lambda i: ["--slow", "softmax", "--factor", "1.5"] if i >= 4 else [])
        h = self.history("step")
        self.assertEqual([p.commit for p in h.points], commits)
        steps = h.steps()
        self.assertTrue(steps, H.show([h]))
        self.assertEqual({n.split("/")[0] for n, _ in steps}, {"softmax"}, H.show([h]))
        self.assertEqual({s["commit"] for _, s in steps}, {commits[4]})
        self.assertEqual({s["after_commit"] for _, s in steps}, {commits[3]})
        ours = [n for n in h.series if n.startswith("softmax/") and "/peer_" not in n]
        self.assertEqual(sorted(n for n, _ in steps), sorted(ours))  # every one of ours, no peer
        for _, s in steps:
            self.assertAlmostEqual(s["ratio"], 1 / 1.5, delta=0.05)  # a lower fraction of the roof
        rc, out = run(os.path.join(TOOLS, "history.py"), "--results", root)
        self.assertEqual(rc, 0, out)
        self.assertIn("step at %s (after %s)" % (commits[4], commits[3]), out)

    def test_flat_noisy_history_finds_none(self):
        make_history(os.path.join(self.dir, "flat"), 8, lambda i: ["--noise", "0.03"])
        h = self.history("flat")
        self.assertGreater(h.noise, 0.01)  # the noise was seen, so the penalty follows it
        self.assertEqual(h.steps(), [], H.show([h]))
        self.assertEqual({d["status"] for d in h.detections.values()}, {"flat"})
        self.assertIn("no step found", H.show([h]))

    def test_two_hosts_normalized_to_their_own_ceilings(self):
        commits = make_history(os.path.join(self.dir, "hosts"), 6,
                               lambda i: ["--host", "host-b", "--host-factor", "1.4"] if i >= 3 else ["--host", "host-a"])
        h = self.history("hosts")
        self.assertEqual([p.host for p in h.points], ["host-a"] * 3 + ["host-b"] * 3)
        self.assertEqual(h.steps(), [], H.show([h]))
        for name, vals in h.series.items():  # the same fraction of the roof on both hosts
            a, b = vals[:3], vals[3:]
            self.assertAlmostEqual(sum(b) / sum(a), 1.0, delta=0.05, msg=name)
        # raw times, same detection: the host change is a step (what normalizing to own ceilings removes)
        raw = {n: [1 / p.res.benches[n].seconds for p in h.points] for n in h.series}
        sigma = H.pooled_noise(raw)
        found = {n: H.detect(v, sigma, commits) for n, v in raw.items()}
        stepped = [n for n, d in found.items() if d["steps"]]
        self.assertEqual(len(stepped), len(raw))
        self.assertEqual({d["steps"][0]["commit"] for d in found.values()}, {commits[3]})

    def test_too_few_points_is_said(self):
        make_history(os.path.join(self.dir, "two"), 2, lambda i: ["--slow", "softmax", "--factor", "2"] if i else [])
        h = self.history("two")
        self.assertEqual(h.steps(), [])
        self.assertEqual({d["status"] for d in h.detections.values()}, {"too few points"})
        self.assertIn("too few points to decide: 2 runs", H.show([h]))
        d = H.detect([1.0, 0.5], 0.01)
        self.assertEqual(d["status"], "too few points")

    def test_a_part_run_does_not_choose_the_model(self):
        # three runs of the whole suite with ceilings at each working set, then `nnsimd bench --filter dense`:
        # a part run with the dense rows and the FMA limits only
        root = os.path.join(self.dir, "part")
        make_history(root, 3, lambda i: ["--ws-ceilings"])
        src = os.path.join(root, MACHINE, "bench-full-20261203-120000.json")
        with open(src) as f:
            data = json.load(f)
        data["context"]["date"] = "2026-12-04T12:00:00+00:00"
        data["benchmarks"] = [e for e in data["benchmarks"]
                              if e["name"].startswith(("dense_forward/", "limit/fma/"))]
        with open(os.path.join(root, MACHINE, "bench-part-full-20261204-120000.json"), "w") as f:
            json.dump(data, f)
        h = self.history("part")
        self.assertEqual(h.model, "ws")  # the part run measured no working-set ceiling, and does not decide
        self.assertEqual([p.mode for p in h.points], ["full"] * 3 + ["full-part"])
        dense = [n for n in h.series if n.startswith("dense_forward/") and "/peer_" not in n]
        self.assertTrue(dense)
        for n in dense:  # held to the FMA peak: a point in the part run too
            self.assertIsNotNone(h.series[n][3], n)
        for n in (n for n in h.series if n.startswith("softmax/")):  # not in the part run: no point
            self.assertIsNone(h.series[n][3], n)
        self.assertIn("full-part", H.show([h]))

    def test_one_noisy_run_between_two_is_not_two_steps(self):
        d = H.detect([0.20, 0.09, 0.21], 0.06, ["a", "b", "c"])
        self.assertEqual(d["status"], "flat")
        d = H.detect([0.20, 0.21, 0.40], 0.02, ["a", "b", "c"])  # the newest run stepped: reported
        self.assertEqual([(s["commit"], s["points_after"]) for s in d["steps"]], [("c", 1)])

    def test_backfill_refuses_an_old_commit_and_builds_its_filter(self):
        p = subprocess.run(["git", "-C", os.path.join(HERE, "..", ".."), "rev-list", "--max-parents=0", "HEAD"],
                           capture_output=True, text=True)
        if p.returncode != 0 or not p.stdout.strip():
            self.skipTest("no git history here (a tarball or a shallow clone)")
        first = p.stdout.split()[0]
        missing = H.missing_features(first)
        self.assertTrue(any("CMakePresets.json" in m for m in missing), missing)
        self.assertEqual(H.missing_features("HEAD"), [])
        rc, out = run(os.path.join(TOOLS, "history.py"), "backfill", first, "--results", os.path.join(self.dir, "bf"))
        self.assertEqual(rc, 1, out)
        self.assertIn("too old to backfill", out)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "bf")))
        rc, out = run(os.path.join(TOOLS, "history.py"), "backfill", "no-such-rev")
        self.assertEqual(rc, 1, out)
        self.assertIn("not a commit", out)
        names = ["relu/f32/avx2/elems:4096/real_time", "relu/f32/avx2_t2/elems:4096/real_time",
                 "softmax/f32/avx2/imagenet:256x1000/real_time", "limit/fma/f32/avx2", "limit/fma/f64/avx2",
                 "limit/exp/f32/avx2/own", "limit/read/L1", "limit/copy/DRAM", "limit/omp_region/t2/real_time",
                 "limit/copy/relu/f32/elems:4096", "limit/copy_nt/relu/f32/elems:4096/t2/real_time",
                 "limit/copy/relu/f32/elems:32768", "limit/copy/softmax/f32/imagenet:256x1000"]
        flt, selected = H.backfill_filter(names, "^relu/f32/avx2")
        self.assertEqual(selected, names[:2])
        import re
        chosen = [n for n in names if re.search(flt, n)]
        self.assertEqual(chosen, ["relu/f32/avx2/elems:4096/real_time", "relu/f32/avx2_t2/elems:4096/real_time",
                                  "limit/fma/f32/avx2", "limit/exp/f32/avx2/own", "limit/read/L1", "limit/copy/DRAM",
                                  "limit/copy/relu/f32/elems:4096", "limit/copy_nt/relu/f32/elems:4096/t2/real_time"])
        with self.assertRaises(H.BackfillError):
            H.backfill_filter(names, "^nothing")


if __name__ == "__main__":
    unittest.main()
