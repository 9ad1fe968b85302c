"""One rank of tests/test_distributed.py (forked by the test, or started by `python -m fastai_freeze_compat.launch
--gpus=01 tests/distrib_worker.py --data=<folder>/train --out=<folder>`, as a user would): a v1 script's
calls (`setup_distrib(args.gpu)`, `learn.to_distributed(gpu)`), then freeze -> fit_one_cycle(1) -> unfreeze ->
fit_one_cycle(1, slice(1e-5, 1e-3)); it saves what each stage left, and the batches it trained on, to `--out`."""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from fastai.callback.core import Callback  # noqa: E402

from distrib_setup import make_learner, plain, stage_state, weights  # noqa: E402


class TrainBatches(Callback):
    "The training batches of the last fit, as this rank loaded them."
    def before_fit(self): self.xs, self.ys = [], []

    def before_batch(self):
        if self.training: self.xs.append(plain(self.xb[0])); self.ys.append(plain(self.yb[0]))


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--gpu")
    p.add_argument("--data")
    p.add_argument("--out")
    args = p.parse_args(argv)
    from fastai_freeze_compat.distributed import setup_distrib
    gpu = setup_distrib(args.gpu)
    rank = torch.distributed.get_rank()
    learn = make_learner(args.data, seed=rank).to_distributed(gpu)
    res = {"init": weights(learn), "world_size": torch.distributed.get_world_size(),
           "callbacks": [type(cb).__name__ for cb in learn.callbacks]}
    batches = TrainBatches()
    learn.add_cb(batches)
    learn.freeze()
    learn.fit_one_cycle(1)
    res["stage1"] = dict(stage_state(learn), xs=batches.xs, ys=batches.ys)
    learn.unfreeze()
    learn.fit_one_cycle(1, slice(1e-5, 1e-3))
    res["stage2"] = dict(stage_state(learn), xs=batches.xs, ys=batches.ys)
    preds, targs = learn.get_preds()
    res["preds"], res["targs"] = plain(preds), plain(targs)
    res["validate"] = [float(v) for v in learn.validate()]
    torch.save(res, Path(args.out) / f"rank{rank}.pt")


if __name__ == "__main__":
    main()
