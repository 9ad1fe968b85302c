"""``python -m fastai_freeze_compat.launch [--gpus=01] script.py [args]``: fastai v1's ``python -m fastai.launch``.

As v1's, it starts `script.py` once per GPU of ``--gpus`` (``all``: every visible GPU; ``01`` or ``0,1``: those
ids) with ``--gpu=<id>`` before `args`, ``RANK`` / ``WORLD_SIZE`` / ``MASTER_ADDR`` / ``MASTER_PORT`` set, so a v1
script's ``setup_distrib(gpu)`` then ``learn.to_distributed(gpu)`` work unchanged. On fastai 2 the processes are
torchrun's (``torch.distributed.run --standalone``: a free port, ``LOCAL_RANK``, the job fails when one process
fails); without a GPU, ``--gpus=01`` starts two CPU processes that train over gloo. On fastai 1.x it runs real
v1's ``fastai.launch``.
"""
import os
import runpy
import sys

__all__ = ["main", "parse_gpus"]

_USAGE = "usage: python -m fastai_freeze_compat.launch [--gpus=all|01|0,1] script.py [args ...]"


def parse_gpus(spec, device_count=None):
    "The GPU ids of v1's `--gpus`: `all`, digits (`01`, v1's `list(gpus)`) or a comma-separated list."
    if spec == "all":
        if device_count is None:
            import torch
            device_count = torch.cuda.device_count()
        if device_count == 0:
            raise SystemExit("launch: --gpus=all found no GPU; without one, name the processes, e.g. --gpus=01 "
                             "(two processes on CPU, gloo)")
        return [str(i) for i in range(device_count)]
    ids = spec.split(",") if "," in spec else list(spec)
    if not ids or not all(i.strip().isdigit() for i in ids):
        raise SystemExit(f"launch: --gpus takes `all`, digits (`01`) or ids separated by commas (`0,1`), got {spec!r}")
    return [i.strip() for i in ids]


def _parse(argv):
    gpus, rest = "all", list(argv)
    while rest and rest[0].startswith("--gpus"):
        opt = rest.pop(0)
        if opt == "--gpus":
            if not rest: raise SystemExit(_USAGE)
            gpus = rest.pop(0)
        elif opt.startswith("--gpus="): gpus = opt[len("--gpus="):]
        else: raise SystemExit(_USAGE)
    if not rest: raise SystemExit(_USAGE)
    return gpus, rest[0], rest[1:]


def _worker(gpus, script, args):
    "One torchrun process: run `script` as v1's launcher did, `--gpu=<this rank's id>` first."
    gpu = gpus.split(",")[int(os.environ.get("LOCAL_RANK", 0))]
    sys.argv = [script, f"--gpu={gpu}"] + list(args)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--worker"]:
        if len(argv) < 3: raise SystemExit(_USAGE)
        return _worker(argv[1], argv[2], argv[3:])
    from ._fastai import is_v1
    if is_v1():
        sys.argv = ["fastai.launch"] + argv
        return runpy.run_module("fastai.launch", run_name="__main__")
    gpus, script, args = _parse(argv)
    ids = parse_gpus(gpus)
    from torch.distributed.run import main as torchrun
    torchrun(["--standalone", f"--nproc_per_node={len(ids)}", "-m", "fastai_freeze_compat.launch",
              "--worker", ",".join(ids), script] + list(args))


if __name__ == "__main__":
    main()
