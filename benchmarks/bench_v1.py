"""Real fastai v1's timings for the same work, to compare with the package on fastai 2.

    tox -e bench_v1_0_48    # the reference notebook's stack: fastai 1.0.48, torch 1.0.1, Python 3.7
    tox -e bench_v1_0_61

Writes benchmarks/results/bench_v1_<version>.json: freeze_to / freeze / unfreeze (v1 rebuilt its optimizer
each time) and one epoch of fit_one_cycle, frozen and unfrozen, on the same generated data as bench.py.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))


def median_time(fn, reps, setup=None):
    times = []
    for i in range(reps + 1):
        if setup: setup()
        t = time.perf_counter()
        fn()
        if i: times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--bs", type=int, default=16)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    import fastai
    import fastai.vision as v1
    import torch
    from helpers import image_data, make_image_folder
    folder = make_image_folder(Path(tempfile.mkdtemp()), per_class=16, size=args.size + 8)
    data = image_data(folder, size=args.size, bs=args.bs)
    learn = v1.cnn_learner(data, v1.models.resnet18, pretrained=False)
    res = {"versions": {"fastai": fastai.__version__, "torch": torch.__version__, "python": sys.version.split()[0]},
           "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(), "date": time.strftime("%Y-%m-%d"),
           "reps": args.reps, "rows": {}}
    for name, call in [("freeze_to(1) (s)", lambda: learn.freeze_to(1)), ("freeze() (s)", learn.freeze),
                       ("unfreeze() (s)", learn.unfreeze)]:
        res["rows"][name] = median_time(call, args.reps)
    for state in ("frozen", "unfrozen"):
        learn.freeze() if state == "frozen" else learn.unfreeze()
        def epoch():
            learn.fit_one_cycle(1)
        res["rows"][f"fit_one_cycle epoch, {state} (s)"] = median_time(epoch, args.reps, lambda: torch.manual_seed(0))
    for k, v in res["rows"].items(): print(f"{k:<32} {v:.4f}", flush=True)
    out = HERE / "results" / f"bench_v1_{fastai.__version__}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + "\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
