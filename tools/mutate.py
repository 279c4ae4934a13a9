#!/usr/bin/env python3
"""Mutation testing of nnsimd, run on demand (not in CI).

Applies realistic single changes (mutations) to a COPY of the source, one at a time, rebuilds the test
targets incrementally in one build folder configured once, runs the tests and reports which mutations
no test caught. The user's working tree is never modified: the copy is `git archive <rev>` extracted
under build/mutate/src (synchronized file by file, so that unchanged files keep their timestamps and the
build stays incremental), built in build/mutate/build.

  tools/mutate.py --list                       # the mutations, checked (each snippet occurs exactly once)
  tools/mutate.py                              # every mutation: report + build/mutate/report.json
  tools/mutate.py --only dense_kstep_floor clip_tail_le
  tools/mutate.py --tests-from <rev>           # the tests (tests/, cli/tests/) as of another commit

Each mutation names its file, an exact snippet that must occur exactly once in it (the run stops with
an error if it does not, so the set cannot rot silently), the replacement, a description and the ISA
path it hits. A mutation on an ISA this machine cannot run is reported "not runnable here" and neither
built nor tested. A mutation known to be equivalent (no output can tell it apart: `equivalent` says why)
is listed and reported but runs only when named with --only. Outcomes: caught (a test failed, or the tests ran past the time limit), survived
(every test passed), build failed (the mutation did not compile: not counted), not runnable here.

The library is configured with only the ISAs this machine runs (NNSIMD_ISAS) and without the benchmarks:
what ctest needs, built once, then only what a mutation touches. Tests run as `ctest -j2
--stop-on-failure`: first the tests named by the mutation's `focus` (a ctest -R regex, to stop early),
then, if those pass, every test.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# isa: the path the mutation hits. "scalar" (the reference), "sse2", "avx2", "avx512", "neon64", "x86"
# (code that runs on any x86 ISA, e.g. the MXCSR guard), "simd" (ISA-templated kernels: every SIMD ISA),
# "any" (baseline code: the API, threading, the CLI).
# gap: the part-1 gap of the tests-gaps branch the mutation stands for (1-5), if any.
MUTATIONS = [
    # ---- dense ---------------------------------------------------------------------------------------
    dict(name="dense_kstep_floor", gap=1, isa="simd", focus="Dense",
         file="src/kernels/dense/tile.hpp",
         find="kstep(ceil_div<Arch>(n_in, nkb)),",
         repl="kstep(n_in / nkb),",
         desc="k block size rounded down: n_in that does not split evenly (1025, 2049) drops its last k elements"),
    dict(name="dense_last_panel_dropped", isa="simd", focus="Dense",
         file="src/kernels/dense/blocked.hpp",
         find="np = ceil_div<Arch>(nc, NL);",
         repl="np = nc / NL;",
         desc="n blocking: the partial last panel of an n block is never computed"),
    dict(name="dense_pack_bias_short", isa="simd", focus="Dense",
         file="src/kernels/dense/pack.hpp",
         find="copy_padded<Arch>(b, n_out, packed + bl.bias_at(n_in), bl.npad);",
         repl="copy_padded<Arch>(b, n_out - 1, packed + bl.bias_at(n_in), bl.npad);",
         desc="dense_pack copies one bias too few (the last output's bias is 0)"),
    dict(name="dense_pack_panel_stride", isa="simd", focus="Dense",
         file="src/kernels/dense/pack.hpp",
         find="const T* src = w + k * ldw + c0;",
         repl="const T* src = w + k * (ldw - 1) + c0;",
         desc="packing reads W with a wrong row stride"),
    dict(name="dense_bias_first_block", isa="simd", focus="Dense",
         file="src/kernels/dense/blocked.hpp",
         find="a.bias = kb + 1 == nkb ? b + j0 + c0 : nullptr;",
         repl="a.bias = kb == 0 ? b + j0 + c0 : nullptr;",
         desc="bias (and relu) applied on the first k block instead of the last"),
    dict(name="dense_skinny_tail_rows", isa="simd", focus="Dense",
         file="src/kernels/dense/skinny.hpp",
         find="const std::size_t m = min_of<Arch>(P, r1 - r);",
         repl="const std::size_t m = min_of<Arch>(P, r1 - r - 1);",
         desc="skinny path, strided buffers: the last row of a partial group is never copied back"),
    dict(name="ref_pack_bias_short", isa="scalar", focus="Dense",
         file="src/reference/reference.hpp",
         find="  for (std::size_t j = 0; j < n_out; ++j) packed[n_in * n_out + j] = b[j];",
         repl="  for (std::size_t j = 0; j + 1 < n_out; ++j) packed[n_in * n_out + j] = b[j];",
         desc="the reference's dense_pack drops the last bias"),
    # ---- relu / clip ---------------------------------------------------------------------------------
    dict(name="relu_tail_le", isa="simd", focus="Relu",
         file="src/kernels/relu.hpp",
         find="return x < T(0) ? T(0) : x;",
         repl="return x <= T(0) ? T(0) : x;",
         desc="relu's scalar tail (rows shorter than a vector) turns -0 into +0"),
    dict(name="relu_map_tail_dropped", isa="simd", focus="Relu|Clip",
         file="src/kernels/elementwise.hpp",
         find="    if (map_vectors<Arch>(x, y, 0, n, op, [](T* p, const V& v) { v.store_unaligned(p); }) != n)\n      op(V::load_unaligned(x + n - L)).store_unaligned(y + n - L);",
         repl="    map_vectors<Arch>(x, y, 0, n, op, [](T* p, const V& v) { v.store_unaligned(p); });",
         desc="relu/clip forward span: the last partial vector (tail) is never written"),
    dict(name="clip_tail_le", gap=3, isa="simd", focus="Clip",
         file="src/kernels/clip.hpp",
         find="T scalar(T x) const { return x < lo ? lo : (x > hi ? hi : x); }",
         repl="T scalar(T x) const { return x <= lo ? lo : (x >= hi ? hi : x); }",
         desc="clip's scalar tail returns the bound at a tie: -0 against lo = +0 becomes +0"),
    dict(name="clip_vector_le", gap=3, isa="x86", focus="Clip",
         file="src/kernels/clip.hpp",
         find="    return xsimd::min(hi, xsimd::max(lo, x));",
         repl="    return xsimd::select(x <= lo, lo, xsimd::select(x >= hi, hi, x));",
         desc="clip's x86 vector path compares with <= / >=: a zero equal to a bound takes the bound's sign"),
    dict(name="ref_clip_le", gap=3, isa="scalar", focus="Clip",
         file="src/reference/reference.hpp",
         find="return v < lo ? lo : (v > hi ? hi : v);",
         repl="return v <= lo ? lo : (v >= hi ? hi : v);",
         desc="the reference's clip returns the bound at a tie (signed zeros)"),
    # ---- streaming stores ----------------------------------------------------------------------------
    dict(name="stream_tail_dropped", gap=5, isa="x86", focus="Relu|Clip",
         file="src/kernels/elementwise.hpp",
         find="  stream_fence<Arch>();\n  op(V::load_unaligned(x + n - L)).store_unaligned(y + n - L);",
         repl="  stream_fence<Arch>();",
         desc="streamed span: the ordinary tail vector after the streamed body is never written"),
    dict(name="sse2_stream_pd_lanes", isa="sse2", focus="Relu|Clip",
         file="src/kernels/arch/x86_sse2.hpp",
         find="_mm_stream_pd(p, v);",
         repl="_mm_stream_pd(p, _mm_unpacklo_pd(v, v));",
         desc="SSE2 double streaming store writes the low lane twice (wrong unpack)"),
    # ---- softmax -------------------------------------------------------------------------------------
    dict(name="softmax_rows_no_max", isa="simd", focus="Softmax",
         file="src/kernels/softmax/rows.hpp",
         find="const V e0 = exp_nonpos<Arch>(V::load_unaligned(x + i) - mv);",
         repl="const V e0 = exp_nonpos<Arch>(V::load_unaligned(x + i));",
         desc="softmax long rows: the row max is not subtracted (half of the pipelined main loop)"),
    dict(name="softmax_rows_tail_fill", isa="simd", focus="Softmax",
         file="src/kernels/softmax/rows.hpp",
         find="const V e = exp_nonpos<Arch>(load_first<Arch>(x + i, n - i, -std::numeric_limits<T>::infinity()) - mv);",
         repl="const V e = exp_nonpos<Arch>(load_first<Arch>(x + i, n - i, T(0)) - mv);",
         desc="softmax long rows: unloaded tail lanes filled with 0 instead of -inf (they add exp(-m) to the sum)"),
    dict(name="softmax_short_grain", gap=4, isa="simd", focus="Threading|Softmax",
         file="src/kernels/softmax.hpp",
         find="detail::parallel_rows<Arch>(rows, (560 * cols + 730) * (sizeof(T) / 4), L, [&]",
         repl="detail::parallel_rows<Arch>(rows, (560 * cols + 730) * (sizeof(T) / 4), 1, [&]",
         desc="softmax short rows (across rows): thread ranges not cut at multiples of L",
         equivalent="every lane of the across-rows block is one row's own arithmetic (the transposition and the "
                    "partial block only move data), so a range that starts mid-block gives the same bits; "
                    "survived before and after, kept to show that the row split is not where a bug can hide"),
    dict(name="ref_softmax_no_max", isa="scalar", focus="Softmax",
         file="src/reference/reference.hpp",
         find="      yi[j] = std::exp(xi[j] - m);",
         repl="      yi[j] = std::exp(xi[j]);",
         desc="the reference's softmax does not subtract the row max"),
    # ---- cross-entropy -------------------------------------------------------------------------------
    dict(name="cce_sparse_tail_label", isa="simd", focus="CategoricalCrossEntropy",
         file="src/kernels/categorical_cross_entropy.hpp",
         find="return k < n ? p[(r + k) * ldp + labels[r + k]] : T(1);",
         repl="return k < n ? p[(r + k) * ldp + labels[r]] : T(1);",
         desc="sparse cross-entropy, partial block of rows: every row picks the first row's label"),
    dict(name="cce_onehot_fresh_off_by_one", isa="simd", focus="CategoricalCrossEntropy",
         file="src/kernels/categorical_cross_entropy.hpp",
         find="const auto fresh = lane >= V(static_cast<T>(L - rem));",
         repl="const auto fresh = lane > V(static_cast<T>(L - rem));",
         desc="one-hot cross-entropy, long rows: the overlapping tail vector skips its first new lane"),
    dict(name="cce_onehot_short_no_clip", isa="simd", focus="CategoricalCrossEntropy",
         file="src/kernels/categorical_cross_entropy.hpp",
         find="          s = xsimd::fma(clip_keep_nan<Arch>(pj, lo, hi), tj, s);",
         repl="          s = xsimd::fma(pj, tj, s);",
         desc="one-hot cross-entropy, short rows: probabilities not clipped to [eps, 1 - eps]"),
    # ---- fused softmax cross-entropy -----------------------------------------------------------------
    dict(name="sce_reg_label_row", isa="avx2", focus="SoftmaxCrossEntropy|Threading",
         file="src/kernels/softmax/registers.hpp",
         find="xl[r] = r < nr ? x[(b + r) * ldx + static_cast<std::size_t>(labels[b + r])] : T(0);",
         repl="xl[r] = r < nr ? x[(b + r) * ldx + static_cast<std::size_t>(labels[b - r0 + r])] : T(0);",
         desc="fused loss, short rows in registers (AVX2): labels indexed from the thread's first row"),
    dict(name="sce_rows_sum_first", isa="simd", focus="SoftmaxCrossEntropy",
         file="src/kernels/softmax/rows.hpp",
         find="    losses[r] = (m - xr[labels[r]]) + std::log(s);",
         repl="    losses[r] = (m + std::log(s)) - xr[labels[r]];",
         desc="fused loss, long rows: m + log(s) first, losing |m| u for large logits"),
    # ---- argmax / accuracy ---------------------------------------------------------------------------
    dict(name="argmax_long_last_tie", isa="simd", focus="Argmax|Accuracy",
         file="src/kernels/argmax.hpp",
         find="    if (xsimd::any(m > V(best))) {",
         repl="    if (xsimd::any(m >= V(best))) {",
         desc="argmax long rows: a later chunk holding an equal maximum takes the tie (last instead of first)"),
    dict(name="argmax_short_last_tie", isa="simd", focus="Argmax|Accuracy",
         file="src/kernels/argmax.hpp",
         find="const auto take = (v > best) | (xsimd::isnan(v) & (best == best));",
         repl="const auto take = (v >= best) | (xsimd::isnan(v) & (best == best));",
         desc="argmax short rows: ties go to the last index"),
    dict(name="accuracy_label_offset", isa="simd", focus="Accuracy",
         file="src/kernels/accuracy.hpp",
         find="hits += buf[k] == labels[r + k];",
         repl="hits += buf[k] == labels[r - r0 + k];",
         desc="accuracy: labels indexed from the thread's (block's) first row"),
    dict(name="ref_argmax_ge", isa="scalar", focus="Argmax|Accuracy",
         file="src/reference/reference.hpp",
         find="    if (xi[j] > xi[best]) best = j;",
         repl="    if (xi[j] >= xi[best]) best = j;",
         desc="the reference's argmax keeps the last index of a tie"),
    # ---- ISA files -----------------------------------------------------------------------------------
    dict(name="avx2_load_first_lane", isa="avx2", focus="",
         file="src/kernels/arch/x86_avx2.hpp",
         find="_mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));",
         repl="_mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n) - 1), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));",
         desc="AVX2 float partial load (tails) drops its last lane"),
    dict(name="avx512_clip_mul_nan", isa="avx512", focus="CategoricalCrossEntropy",
         file="src/kernels/arch/x86_avx512.hpp",
         find="  static V clip_mul(V p, V t, V lo, V hi) { return mul(min(hi, max(lo, p)), t); }\n  // Compares to a lane mask",
         repl="  static V clip_mul(V p, V t, V lo, V hi) { return mul(min(hi, max(p, lo)), t); }\n  // Compares to a lane mask",
         desc="AVX-512 float one-hot clip: max(p, lo) returns lo for a NaN p (NaN lost)"),
    # ---- threading and the floating-point environment ------------------------------------------------
    dict(name="workers_no_fp_env", gap=2, isa="x86", focus="Threading",
         file="src/kernels/parallel.hpp",
         find="      const unsigned saved = fp_env_enter();\n      body(r0, r1);\n      fp_env_leave(saved);",
         repl="      body(r0, r1);",
         desc="the worker threads of a parallel call do not clear FTZ/DAZ (only the calling thread does)"),
    dict(name="fp_env_not_restored", isa="x86", focus="Threading",
         file="src/threading.cpp",
         find="  if (saved & kFtzDaz) _mm_setcsr(saved);",
         repl="  (void)saved;",
         desc="the caller's FTZ/DAZ are not restored after a call"),
    dict(name="parallel_rows_units", isa="any", focus="Threading|Dense|Softmax",
         file="src/kernels/parallel.hpp",
         find="const std::size_t g0 = grains * t / n, g1 = grains * (t + 1) / n;",
         repl="const std::size_t g0 = rows * t / n / grain, g1 = rows * (t + 1) / n / grain;",
         desc="row split in rows instead of grains: the last partial grain is never computed"),
    dict(name="threads_for_grains_floor", isa="any", focus="ParallelThreshold|Threading",
         file="src/threading.cpp",
         find="const std::size_t grains = (rows + grain - 1) / grain;",
         repl="const std::size_t grains = rows / grain;",
         desc="threads_for counts whole grains only (a partial last grain is not a grain)"),
    # ---- .npy reader ---------------------------------------------------------------------------------
    dict(name="npy_big_endian_accepted", isa="any", focus="cli",
         file="cli/npy.cpp",
         find='  if (d == "<f4") return dtype::f32;',
         repl='  if (d == "<f4" || d == ">f4") return dtype::f32;',
         desc=".npy reader takes big-endian float32 as little-endian (missed byte-order check)"),
    dict(name="npy_fortran_accepted", isa="any", focus="cli",
         file="cli/npy.cpp",
         find="  if (fortran && h.shape.size() > 1)",
         repl="  if (fortran && h.shape.size() > 2)",
         desc=".npy reader accepts a 2-D Fortran-order array (missed shape/order check)"),
]


# ---- ISA detection ---------------------------------------------------------------------------------
def runnable_isas() -> set[str]:
    import platform
    machine = platform.machine().lower()
    if machine in ("aarch64", "arm64"):
        return {"scalar", "any", "simd", "neon64"}
    flags: set[str] = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    isas = {"scalar", "any", "simd", "x86", "sse2"}
    if {"avx2", "fma"} <= flags:
        isas.add("avx2")
    if {"avx512f", "avx512cd", "avx512dq", "avx512bw", "avx512vl"} <= flags:
        isas.add("avx512")
    return isas


def cmake_isas(runnable: set[str]) -> str:
    return ";".join(i for i in ("sse2", "avx2", "avx512", "neon64") if i in runnable)


# ---- the copy ----------------------------------------------------------------------------------------
def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def sync_tree(rev: str, tests_from: str | None, dest: Path) -> str:
    """dest = the tracked files of rev (tests/ and cli/tests/ from tests_from), rewriting only files that
    changed, so the build folder stays incremental."""
    sha = git("rev-parse", rev).strip()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "tree"
        src.mkdir()
        layers = [(sha, [])]
        if tests_from:
            layers.append((git("rev-parse", tests_from).strip(), ["tests", "cli/tests"]))
        for r, paths in layers:
            for p in paths:
                shutil.rmtree(src / p, ignore_errors=True)
            archive = subprocess.run(["git", "archive", "--format=tar", r, *paths], cwd=ROOT, check=True,
                                     capture_output=True).stdout
            (Path(tmp) / "a.tar").write_bytes(archive)
            with tarfile.open(Path(tmp) / "a.tar") as tf:
                tf.extractall(src)
        want = {p.relative_to(src) for p in src.rglob("*") if p.is_file() or p.is_symlink()}
        dest.mkdir(parents=True, exist_ok=True)
        have = {p.relative_to(dest) for p in dest.rglob("*") if p.is_file() or p.is_symlink()}
        for rel in have - want:
            (dest / rel).unlink()
        for rel in want:
            s, d = src / rel, dest / rel
            if s.is_symlink():
                if d.is_symlink() and os.readlink(d) == os.readlink(s):
                    continue
                if d.exists() or d.is_symlink():
                    d.unlink()
                d.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(os.readlink(s), d)
                continue
            data = s.read_bytes()
            if d.is_file() and not d.is_symlink() and d.read_bytes() == data:
                continue
            d.parent.mkdir(parents=True, exist_ok=True)
            if d.is_symlink():
                d.unlink()
            d.write_bytes(data)
            shutil.copymode(s, d)
    return sha


def check_mutations(tree: Path, mutations: list[dict]) -> list[str]:
    errors = []
    for m in mutations:
        f = tree / m["file"]
        if not f.is_file():
            errors.append(f"{m['name']}: {m['file']} does not exist")
            continue
        n = f.read_text().count(m["find"])
        if n != 1:
            errors.append(f"{m['name']}: the snippet occurs {n} times in {m['file']} (must be exactly once):\n    {m['find']!r}")
    return errors


# ---- build and test ----------------------------------------------------------------------------------
def targets(tree: Path) -> list[str]:
    t = sorted(p.stem for p in (tree / "tests").glob("test_*.cpp"))
    return t + ["dispatch_env_probe", "streaming_env_probe", "nnsimd_audit_planted", "test_cli_data", "test_cli_npy",
                "nnsimd_cli"]


def run(cmd: list[str], cwd: Path, timeout: float | None, log: Path) -> tuple[int | None, float]:
    t0 = time.monotonic()
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            p.wait()
            rc = None
    return rc, time.monotonic() - t0


def configure(tree: Path, build: Path, isas: str, log: Path) -> None:
    if (build / "CMakeCache.txt").exists():
        return
    rc, _ = run(["cmake", "-S", str(tree), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release", "-DNNSIMD_OPENMP=ON",
                 "-DNNSIMD_BUILD_TESTS=ON", "-DNNSIMD_BUILD_BENCH=OFF", "-DNNSIMD_BUILD_PYTHON=OFF", f"-DNNSIMD_ISAS={isas}"], tree, None, log)
    if rc != 0:
        sys.exit(f"mutate: configure failed (see {log})")


def build(tree: Path, bdir: Path, jobs: int, timeout: float | None, log: Path) -> tuple[int | None, float]:
    return run(["cmake", "--build", str(bdir), "-j", str(jobs), "--target", *targets(tree)], tree, timeout, log)


def ctest(bdir: Path, jobs: int, regex: str | None, timeout: float, log: Path) -> tuple[int | None, float, list[str]]:
    cmd = ["ctest", "-j", str(jobs), "--stop-on-failure", "--output-on-failure", "--timeout", "300"]
    if regex:
        cmd += ["-R", regex]
    before = log.stat().st_size if log.exists() else 0
    rc, dt = run(cmd, bdir, timeout, log)
    failed = []
    with open(log) as f:
        f.seek(before)
        for line in f:
            if "***Failed" in line or "***Exception" in line or "***Timeout" in line or "(Failed)" in line:
                failed.append(line.strip())
    return rc, dt, failed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--list", action="store_true", help="list the mutations (checking their snippets) and exit")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="run only these mutations")
    ap.add_argument("--gaps", action="store_true", help="run only the mutations of the part-1 gaps")
    ap.add_argument("--rev", default="HEAD", help="the commit whose source is mutated (default HEAD)")
    ap.add_argument("--tests-from", metavar="REV", help="take tests/ and cli/tests/ from this commit instead")
    ap.add_argument("--work", default=str(ROOT / "build" / "mutate"), help="copy, build folder and logs (default build/mutate)")
    ap.add_argument("--json", metavar="PATH", help="report file (default <work>/report.json)")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--build-timeout", type=float, default=1800, help="seconds per incremental build")
    ap.add_argument("--test-timeout", type=float, default=600, help="seconds per mutation's test run")
    args = ap.parse_args()

    work = Path(args.work).resolve()
    tree, bdir = work / "src", work / "build"
    runnable = runnable_isas()
    muts = MUTATIONS
    names = {m["name"] for m in muts}
    if args.only:
        unknown = [n for n in args.only if n not in names]
        if unknown:
            sys.exit(f"mutate: unknown mutation(s): {', '.join(unknown)}")
        muts = [m for m in muts if m["name"] in args.only]
    if args.gaps:
        muts = [m for m in muts if m.get("gap")]

    sha = sync_tree(args.rev, args.tests_from, tree)
    errors = check_mutations(tree, MUTATIONS)
    if errors:
        print("mutate: the mutation set does not match the source:\n  " + "\n  ".join(errors), file=sys.stderr)
        return 2
    if args.list:
        for m in muts:
            here = "" if m["isa"] in runnable else "  [not runnable here]"
            here += "  [equivalent]" if m.get("equivalent") else ""
            gap = f" (gap {m['gap']})" if m.get("gap") else ""
            print(f"{m['name']:30} {m['isa']:7} {m['file']}{gap}{here}\n    {m['desc']}")
        print(f"{len(muts)} mutations; runnable ISAs here: {', '.join(sorted(runnable))}")
        return 0

    log = work / "log.txt"
    work.mkdir(parents=True, exist_ok=True)
    log.write_text(f"mutate: {sha} tests from {args.tests_from or sha}\n")
    configure(tree, bdir, cmake_isas(runnable), log)
    t_sweep = time.monotonic()
    print(f"mutate: source {sha[:12]}, tests from {args.tests_from or 'the same'}; work {work}", flush=True)
    rc, dt = build(tree, bdir, args.jobs, None, log)
    if rc != 0:
        sys.exit(f"mutate: the unmutated copy does not build (see {log})")
    rc, tdt, failed = ctest(bdir, args.jobs, None, args.test_timeout * 3, log)
    if rc != 0:
        sys.exit(f"mutate: the unmutated copy fails its tests (see {log}): {failed}")
    print(f"baseline: build {dt:.0f} s, tests {tdt:.0f} s, all pass", flush=True)

    out = Path(args.json) if args.json else work / "report.json"

    def write_report(partial: bool) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in results:
            counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
        report = dict(source=sha, tests_from=args.tests_from or sha, runnable_isas=sorted(runnable),
                      seconds=round(time.monotonic() - t_sweep), partial=partial, counts=counts, mutations=results)
        out.write_text(json.dumps(report, indent=2) + "\n")
        return counts

    # The part-1 gaps first, so that a sweep cut short still says the most about them.
    muts = sorted(muts, key=lambda m: 0 if m.get("gap") else 1)
    results: list[dict] = []
    for m in muts:
        r = {k: m.get(k) for k in ("name", "file", "isa", "desc", "gap")}
        if m.get("equivalent") and not args.only:
            r.update(outcome="equivalent", why=m["equivalent"])
            results.append(r)
            print(f"{m['name']:30} equivalent (not run, not counted; --only runs it)", flush=True)
            continue
        if m["isa"] not in runnable:
            r.update(outcome="not runnable here")
            results.append(r)
            print(f"{m['name']:30} not runnable here ({m['isa']})", flush=True)
            continue
        f = tree / m["file"]
        original = f.read_text()
        f.write_text(original.replace(m["find"], m["repl"], 1))
        t0 = time.monotonic()
        try:
            rc, bdt = build(tree, bdir, args.jobs, args.build_timeout, log)
            r["build_s"] = round(bdt, 1)
            if rc != 0:
                r.update(outcome="build failed")
            else:
                failed, tdt = [], 0.0
                rc, dt1, failed = ctest(bdir, args.jobs, m.get("focus") or None, args.test_timeout, log)
                tdt += dt1
                if rc == 0 and m.get("focus"):
                    rc, dt2, failed = ctest(bdir, args.jobs, None, args.test_timeout, log)
                    tdt += dt2
                r["test_s"] = round(tdt, 1)
                if rc is None:
                    r.update(outcome="caught", by=["time limit"])
                elif rc != 0:
                    r.update(outcome="caught", by=failed[:5])
                else:
                    r.update(outcome="survived")
        finally:
            f.write_text(original)
        r["seconds"] = round(time.monotonic() - t0, 1)
        results.append(r)
        write_report(partial=True)
        by = f" by {r['by'][0]}" if r.get("by") else ""
        print(f"{m['name']:30} {r['outcome']}{by} ({r['seconds']:.0f} s)", flush=True)

    # Put the unmutated objects back, so that the next run's baseline build is quick.
    build(tree, bdir, args.jobs, None, log)
    total = time.monotonic() - t_sweep
    counts = write_report(partial=False)
    runnable_n = counts.get("caught", 0) + counts.get("survived", 0)
    print(f"\n{counts.get('caught', 0)} of {runnable_n} runnable mutations caught; " +
          ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) + f"; {total / 60:.1f} min")
    for r in results:
        if r["outcome"] == "survived":
            print(f"  SURVIVED {r['name']}: {r['desc']} ({r['file']})")
    print(f"report: {out}")
    return 0 if counts.get("survived", 0) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
