#!/usr/bin/env python3
"""Writes a synthetic nnsimd_bench result in Google Benchmark 1.7.1's JSON format, for testing the tools.

The numbers are made up but shaped like this project's real ones (a 2-core Zen 4 guest):
FMA peak 117 GFLOP/s per core in f32, read bandwidth 208/111/96/26 GB/s at L1/L2/L3/DRAM. Everything
the tools read is there: limits, repetitions (some families named with GB's "/repeats:N" suffix, some
not), the mean/median/stddev/cv aggregates, a family run once without repetitions, mixed time units,
rate counters, ws_bytes, roof labels and the nnsimd_* context.

    make_fixture.py OUT.json [--slow KERNEL --factor 1.5] [--machine-id ID] [--seed N] [--isas sse2,avx2]
                    [--peer-code] [--ws-ceilings] [--uarch NAME] [--flags FLAGS]
                    [--commit SHA] [--date ISO] [--host NAME] [--host-factor F] [--noise SIGMA]

--slow multiplies the times of every benchmark of KERNEL but the peers' by --factor (and divides its rates), which is
how the regression test makes "the same run with one kernel slowed". --isas keeps only those ISAs (rows and
limits; a machine without AVX-512). --peer-code adds what newer runs carry: nnsimd_peer_<name>_code context
keys and peer_openblas_corrected rows. --ws-ceilings adds limit/<read|copy|copy_nt>/<kernel>/<dtype>/<shape> rows, one per case
of the kernels (the placeholder model "ws" of tools/nnsimd_results.py). --commit, --date and --host set the
run's place in a history (tools/history.py); --host-factor multiplies every time, the limits' included, by F
(another host of the same machine id, slower or faster by a constant); --noise is the relative noise of
each repetition (default 0.01).
"""
import argparse
import json
import random
import re
import statistics

UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3}
REPS = 3

F32_FMA = 117e9  # FLOP/s per core, any vector width that has FMA
LIMITS_FMA = {("f32", "sse2"): 29e9, ("f32", "avx2"): F32_FMA, ("f32", "avx512"): F32_FMA,
              ("f64", "sse2"): 14.5e9, ("f64", "avx2"): F32_FMA / 2, ("f64", "avx512"): F32_FMA / 2}
READ = {"L1": 208e9, "L2": 111e9, "L3": 96e9, "DRAM": 26e9}
COPY = {"L1": 228e9, "L2": 113e9, "L3": 94e9, "DRAM": 27e9}


def context(machine_id):
    return {
        "date": "2026-11-22T15:00:00+00:00",
        "host_name": "fixture-host",
        "executable": "./bench/nnsimd_bench",
        "num_cpus": 2,
        "mhz_per_cpu": 2600,
        "cpu_scaling_enabled": False,
        "caches": [
            {"type": "Data", "level": 1, "size": 32768, "num_sharing": 1},
            {"type": "Instruction", "level": 1, "size": 32768, "num_sharing": 1},
            {"type": "Unified", "level": 2, "size": 1048576, "num_sharing": 1},
            {"type": "Unified", "level": 3, "size": 33554432, "num_sharing": 2},
        ],
        "load_avg": [0.5, 0.4, 0.3],
        "library_build_type": "release",
        "nnsimd_machine_id": machine_id,
        "nnsimd_cpu_vendor": "AMD",
        "nnsimd_cpu_model": "AMD EPYC (fixture)",
        "nnsimd_uarch": "zen4",
        "nnsimd_isa_flags": "sse2 avx avx2 fma avx512f avx512cd avx512dq avx512bw avx512vl",
        "nnsimd_cores": "2",
        "nnsimd_l1d_bytes": "32768",
        "nnsimd_l2_bytes": "1048576",
        "nnsimd_l3_bytes": "33554432",
        "nnsimd_compiler": "GNU 12.2.0",
        "nnsimd_cxx_flags": "-O3 -DNDEBUG",
        "nnsimd_build_type": "Release",
        "nnsimd_git_commit": "0000000",
        "nnsimd_isa_cap": "avx512",
        "nnsimd_threads": "2",
        "nnsimd_mode": "full",
    }


class Writer:
    def __init__(self, rng, slow, factor, isas=None, host_factor=1.0, noise=0.01):
        self.rng, self.slow, self.factor = rng, slow, factor
        self.host_factor, self.noise = host_factor, noise
        self.dropped = [i for i in ("sse2", "avx2", "avx512") if isas and i not in isas]
        self.out = []
        self.family = 0

    def add(self, name, seconds, counters, label=None, unit="us", reps=REPS, repeats_suffix=False,
            real_time=True, non_rate=None):
        """counters: name -> amount per iteration (turned into a rate); non_rate: copied as is."""
        if any(i in name for i in self.dropped):
            return
        if self.slow and name.split("/")[0] == self.slow and "/peer_" not in name:
            seconds *= self.factor
        seconds *= self.host_factor
        run_name = name + ("/repeats:%d" % reps if repeats_suffix else "") + ("/real_time" if real_time else "")
        runs = []
        for i in range(max(reps, 1)):
            t = seconds * (1 + self.rng.gauss(0, self.noise))
            iters = max(1, int(0.5 / t))
            e = {"name": run_name, "family_index": self.family, "per_family_instance_index": 0,
                 "run_name": run_name, "run_type": "iteration", "repetitions": reps,
                 "repetition_index": i, "threads": 1, "iterations": iters,
                 "real_time": t / UNIT[unit], "cpu_time": t * 1.002 / UNIT[unit], "time_unit": unit}
            if reps == 0:
                del e["repetition_index"]
            for k, v in counters.items():
                e[k] = v / t
            for k, v in (non_rate or {}).items():
                e[k] = v
            if label:
                e["label"] = label
            runs.append(e)
        self.out += runs
        if reps > 1:
            for agg in ("mean", "median", "stddev", "cv"):
                f = {"mean": statistics.mean, "median": statistics.median, "stddev": statistics.stdev,
                     "cv": lambda xs: statistics.stdev(xs) / statistics.mean(xs)}[agg]
                e = {"name": run_name + "_" + agg, "family_index": self.family, "per_family_instance_index": 0,
                     "run_name": run_name, "run_type": "aggregate", "repetitions": reps, "threads": 1,
                     "aggregate_name": agg, "aggregate_unit": "percentage" if agg == "cv" else "time",
                     "iterations": reps, "real_time": f([r["real_time"] for r in runs]),
                     "cpu_time": f([r["cpu_time"] for r in runs]), "time_unit": unit}
                for k in counters:
                    e[k] = f([r[k] for r in runs])
                for k, v in (non_rate or {}).items():
                    e[k] = v if agg in ("mean", "median") else 0
                if label:
                    e["label"] = label
                self.out.append(e)
        self.family += 1


def build(args):
    rng = random.Random(args.seed)
    w = Writer(rng, args.slow, args.factor, args.isas.split(",") if args.isas else None, args.host_factor, args.noise)
    # Machine limits: run once each (no repetitions), as a quick run would.
    for (dt, isa), fl in LIMITS_FMA.items():
        w.add("limit/fma/%s/%s" % (dt, isa), 1e-3, {"flops": fl * 1e-3}, unit="ms", reps=0)
    w.add("limit/fma/f32/avx512/t2", 1e-3, {"flops": 2 * F32_FMA * 0.995e-3}, unit="ms", reps=0)
    for lvl in READ:
        w.add("limit/read/" + lvl, 1e-4, {"bytes": READ[lvl] * 1e-4}, reps=0)
        w.add("limit/copy/" + lvl, 1e-4, {"bytes": COPY[lvl] * 1e-4}, reps=0)
    w.add("limit/read/L1/t2", 1e-4, {"bytes": 2 * READ["L1"] * 1e-4}, reps=0)
    for dt, rate in (("f32", 4.2e9), ("f64", 2.0e9)):
        w.add("limit/exp/%s/avx512" % dt, 1e-4, {"elements": rate * 1e-4}, reps=0)
        w.add("limit/exp/%s/avx2" % dt, 1e-4, {"elements": rate * 0.55e-4}, reps=0)
    w.add("limit/log/f32/avx512", 1e-4, {"elements": 1.9e9 * 1e-4}, reps=0)

    # dense_forward mnist layer 1: 1024 x 784 -> 128, 2*rows*in*out flops.
    rows, n_in, n_out = 1024, 784, 128
    flops = 2.0 * rows * n_in * n_out
    ws = 4 * (rows * n_in + n_in * n_out + n_out + rows * n_out)
    for dt, scale in (("f32", 1.0), ("f64", 2.0)):
        impls = {"scalar": 0.9e9, "autovec_avx2": 14e9, "autovec_avx512": 18e9, "sse2": 25e9,
                 "avx2": 95e9, "avx512": 108e9, "avx512_t2": 200e9, "peer_onednn": 114e9, "peer_openblas": 100e9}
        if args.peer_code:
            impls["peer_openblas_corrected"] = 112e9
            impls["peer_onednn_t2"] = 210e9  # a peer on two threads: faster than avx512_t2, slower than nothing else
        for impl, rate in impls.items():
            w.add("dense_forward/%s/%s/mnist:%dx%dx%d" % (dt, impl, rows, n_in, n_out), flops / (rate / scale),
                  {"flops": flops, "bytes": ws * scale, "elements": rows * n_out}, label="roof=fma",
                  repeats_suffix=(dt == "f32"), non_rate={"ws_bytes": ws * scale})
    # dense_relu book: tiny, once without repetitions.
    flops_b = 2.0 * 300 * 2 * 3
    book = [("scalar", 1.45e-6), ("autovec_avx512", 1.1e-6), ("avx512", 0.5e-6), ("peer_xnnpack", 0.63e-6)]
    if args.peer_code:  # the book's own systems: NumPy as the book runs it (nnfs.init), plain NumPy, PyTorch
        book += [("peer_numpy_nnfs", 10e-6), ("peer_numpy", 8e-6), ("peer_torch", 6e-6)]
    for impl, t in book:
        w.add("dense_relu/f32/%s/book:300x2x3" % impl, t, {"flops": flops_b}, label="roof=fma", unit="ns",
              reps=0, non_rate={"ws_bytes": 4 * (600 + 6 + 3 + 900)})
    # relu at an L1-resident and a DRAM-resident size: 8 bytes of traffic per f32 element.
    for n, lvl in ((4096, "L1"), (16777216, "DRAM")):  # 32 KiB (fits L1d) and 128 MiB
        bw = COPY[lvl]
        for impl, frac in (("scalar", 0.08 if lvl == "L1" else 0.6), ("autovec_avx512", 0.7 if lvl == "L1" else 0.95),
                           ("avx2", 0.75 if lvl == "L1" else 0.96), ("avx512", 0.85 if lvl == "L1" else 0.97),
                           ("avx512_t2", 1.6 if lvl == "L1" else 1.1), ("peer_eigen", 0.8 if lvl == "L1" else 0.96)):
            b = 8.0 * n
            w.add("relu/f32/%s/elems:%d" % (impl, n), b / (bw * frac), {"bytes": b, "elements": n},
                  label="roof=mem", non_rate={"ws_bytes": b})
    # softmax imagenet 256 x 1000: exp-bound.
    n = 256 * 1000
    for impl, t in (("scalar", 900e-6), ("autovec_avx512", 850e-6), ("avx2", 110e-6), ("avx512", 75e-6),
                    ("peer_eigen", 103e-6)):
        w.add("softmax/f32/%s/imagenet:256x1000" % impl, t, {"bytes": 8.0 * n, "elements": n}, label="roof=exp",
              non_rate={"ws_bytes": 8.0 * n})
    # categorical_cross_entropy mnist 1024 x 10: reads one probability and one label per row, one log per row.
    for impl, t in (("scalar", 9e-6), ("autovec_avx512", 8.5e-6), ("avx512", 1.4e-6), ("peer_torch", 12e-6)):
        w.add("categorical_cross_entropy/f32/%s/mnist:1024x10" % impl, t, {"bytes": 1024 * 12.0, "elements": 1024},
              label="roof=mem+log", non_rate={"ws_bytes": 4.0 * 1024 * 11})
    # accuracy vocab 64 x 32000: read-only.
    n = 64 * 32000
    for impl, t in (("scalar", 1900e-6), ("autovec_avx512", 1200e-6), ("avx512", 180e-6), ("peer_eigen", 1100e-6)):
        w.add("accuracy/f32/%s/vocab:64x32000" % impl, t, {"bytes": 4.0 * n, "elements": n},
              label="roof=mem", non_rate={"ws_bytes": 4.0 * n})
    ctx = context(args.machine_id)
    if args.uarch is not None:
        ctx["nnsimd_uarch"] = args.uarch
    if args.flags is not None:
        ctx["nnsimd_isa_flags"] = args.flags
    for key, value in (("nnsimd_git_commit", args.commit), ("date", args.date), ("host_name", args.host)):
        if value is not None:
            ctx[key] = value
    if args.peer_code:
        ctx["nnsimd_peer_openblas_code"] = "core Prescott (own detection: FALLBACK); kernels SSE3, CPU AVX-512"
        ctx["nnsimd_peer_openblas_corrected_code"] = "core SkylakeX (OPENBLAS_CORETYPE); kernels AVX-512, CPU AVX-512"
        ctx["nnsimd_peer_eigen_code"] = "Eigen 3.4, AVX-512"
    if args.ws_ceilings:  # bench/main.cpp register_mem_ceilings: one per case, at the case's working set
        cases, threads = {}, {}
        for e in w.out:
            parts = e["name"].split("/")
            if "ws_bytes" in e and not e["name"].startswith("limit") and len(parts) >= 4:
                cases[(parts[0], parts[1], parts[3])] = int(e["ws_bytes"])
                m = re.search(r"_t(\d+)$", parts[2])
                if m:
                    threads[(parts[0], parts[1], parts[3])] = int(m.group(1))
        for (kernel, dt, shape), ws in sorted(cases.items()):
            if kernel.startswith("dense"):
                continue
            lvl = "L1" if ws <= 32768 else "L2" if ws <= 1 << 20 else "L3" if ws <= 32 << 20 else "DRAM"
            kinds = ("copy", "copy_nt") if kernel in ("relu", "clip", "softmax") else ("read",)
            for kind in kinds:
                rate = (COPY if kind != "read" else READ)[lvl] * (0.9 if kind != "copy_nt" else 0.5)
                w.add("limit/%s/%s/%s/%s" % (kind, kernel, dt, shape), 1e-4, {"bytes": rate * 1e-4}, reps=0)
                t = threads.get((kernel, dt, shape))
                if t:
                    w.add("limit/%s/%s/%s/%s/t%d" % (kind, kernel, dt, shape, t), 1e-4, {"bytes": t * rate * 1e-4}, reps=0)
    return {"context": ctx, "benchmarks": w.out}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--slow", help="kernel whose times are multiplied by --factor")
    p.add_argument("--factor", type=float, default=1.5)
    p.add_argument("--machine-id", default="x86_64-amd-fixture-2c")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--isas", help="comma-separated ISAs to keep (default: sse2,avx2,avx512)")
    p.add_argument("--peer-code", action="store_true", help="newer runs' peer code keys and corrected peer rows")
    p.add_argument("--ws-ceilings", action="store_true", help="limit rows at each kernel's own working set")
    p.add_argument("--uarch", help="context nnsimd_uarch (\"\": unknown, so the tools look up family/model)")
    p.add_argument("--flags", help="context nnsimd_isa_flags")
    p.add_argument("--commit", help="context nnsimd_git_commit (default 0000000)")
    p.add_argument("--date", help="context date, ISO 8601")
    p.add_argument("--host", help="context host_name")
    p.add_argument("--host-factor", type=float, default=1.0, help="every time (limits too) multiplied by this")
    p.add_argument("--noise", type=float, default=0.01, help="relative noise of each repetition")
    args = p.parse_args()
    with open(args.out, "w") as f:
        json.dump(build(args), f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
