"""Overhead of fastai_freeze_compat against native fastai 2 doing the same work, in one run.

    tox -e bench            # fastai 2.8.12 stack; writes benchmarks/results/bench_fastai2.json
    python benchmarks/bench.py --out results.json [--reps 5]

Each figure is the median of `--reps` rounds after one warm-up round, each round timing both sides in
alternating order (so load that changes during the run weighs on both); ratios are package / native.
Measured: import, learner construction, freeze_to / freeze / unfreeze, summary(), one epoch of
fit_one_cycle (frozen and unfrozen) on the same generated data and batches, and peak RSS of the
same workflow run in a fresh process by each side.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))


def children_cpu():
    "CPU seconds (user + system) used so far by this process's finished subprocesses."
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def paired_times(ours, native, reps, setup=None, clock=time.perf_counter):
    """Median seconds of `ours()` and of `native()` over `reps` rounds after one warm-up round; each round runs
    both, alternating which goes first, so a change of machine load during the run weighs on both sides alike.
    `setup()` runs untimed before each call; `clock` reads the time (wall time by default)."""
    times = ([], [])
    for i in range(reps + 1):
        order = (0, 1) if i % 2 == 0 else (1, 0)
        for side in order:
            if setup: setup()
            t = clock()
            (ours, native)[side]()
            dt = clock() - t
            if i: times[side].append(dt)
    return statistics.median(times[0]), statistics.median(times[1])


def in_subprocess(code):
    return lambda: subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


WORKFLOW = """
import resource, sys, warnings, pathlib
warnings.simplefilter('ignore')
sys.path.insert(0, {tests!r})
from helpers import image_data
data = image_data(pathlib.Path({folder!r}), size={size}, bs={bs})
import torch; torch.manual_seed(0)
if {ours}:
    import fastai_freeze_compat as fv
    learn = fv.cnn_learner(data, fv.models.resnet18, pretrained=False)
else:
    from fastai.vision.all import vision_learner, resnet18
    learn = vision_learner(data, resnet18, pretrained=False)
learn.freeze()
with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(HERE / "results" / "bench_fastai2.json"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--bs", type=int, default=16)
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    import fastai
    import torch
    from helpers import image_data, make_image_folder
    root = Path(tempfile.mkdtemp())
    folder = make_image_folder(root, per_class=16, size=args.size + 8)
    res = {"machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                       "processor": platform.processor() or platform.machine(), "torch_threads": torch.get_num_threads()},
           "versions": {"fastai": fastai.__version__, "torch": torch.__version__, "python": sys.version.split()[0]},
           "date": time.strftime("%Y-%m-%d"), "reps": args.reps, "size": args.size, "bs": args.bs, "rows": {}}

    def row(name, times, target=None):
        ours, native = times
        res["rows"][name] = {"ours": ours, "native": native, "ratio": ours / native, "target": target}
        print(f"{name:<28} ours {ours:10.4f}  native {native:10.4f}  ratio {ours / native:6.3f}"
              + (f"  (target <= {target})" if target else ""), flush=True)

    # `import fastai_freeze_compat` alone imports nothing (names are built when asked for): compare what a
    # notebook runs, the star import of v1's whole namespace, with fastai 2's own star import. Wall time of
    # a fresh interpreter swings by +-15% on a loaded machine; the CPU time it uses does not, so both are shown.
    star_ours = in_subprocess("from fastai_freeze_compat import *")
    star_native = in_subprocess("from fastai.vision.all import *")
    row("import, wall (s)", paired_times(star_ours, star_native, args.reps), 1.05)
    row("import, CPU (s)", paired_times(star_ours, star_native, args.reps, clock=children_cpu), 1.05)

    import fastai_freeze_compat as fv
    from fastai.vision.all import resnet18, vision_learner
    fv.silence_warnings()
    data = image_data(folder, size=args.size, bs=args.bs)
    row("construction (s)", paired_times(lambda: fv.cnn_learner(data, fv.models.resnet18, pretrained=False),
                                         lambda: vision_learner(data, resnet18, pretrained=False), args.reps), 1.05)

    ours = fv.cnn_learner(data, fv.models.resnet18, pretrained=False)
    native = vision_learner(data, resnet18, pretrained=False)
    for name, call in [("freeze_to(1) (s)", lambda l: l.freeze_to(1)), ("freeze() (s)", lambda l: l.freeze()),
                       ("unfreeze() (s)", lambda l: l.unfreeze())]:
        row(name, paired_times(lambda: call(ours), lambda: call(native), args.reps))
    row("summary() (s)", paired_times(lambda: str(ours.summary()), lambda: str(native.summary()), args.reps))

    def epoch(learn):
        def go():
            with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(1)
        return go
    for state in ("frozen", "unfrozen"):
        for l in (ours, native): l.freeze() if state == "frozen" else l.unfreeze()
        seed = lambda: torch.manual_seed(0)
        row(f"fit_one_cycle epoch, {state} (s)", paired_times(epoch(ours), epoch(native), args.reps, seed), 1.01)

    def rss(ours_flag):
        code = WORKFLOW.format(tests=str(HERE.parent / "tests"), folder=str(folder), size=args.size, bs=args.bs,
                               ours=ours_flag)
        vals = [int(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
                    .stdout.split()[-1]) for _ in range(max(3, args.reps // 2))]
        return statistics.median(vals) / 1024.
    row("peak RSS (MiB)", (rss(True), rss(False)), 1.02)

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=1) + "\n")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
