"""The learner of the two-process test (tests/test_distributed.py; tests/distrib_worker.py runs each rank).

Why the distributed run equals one process exactly: the model has no BatchNorm (per-rank batch statistics and
running means would differ from one process's), the loss is a mean over equal shares (each rank's batch has
`BS` items; 24 training and 8 validation images split evenly, so no padding and no dropped batch), DDP averages
the ranks' gradients, so each step's gradient is the global batch's up to float rounding, and the data has no
random transforms. The ranks start from different weights (seed = rank) on purpose: DDP must broadcast rank 0's.
"""
from pathlib import Path

import torch
from torch import nn

from helpers import CLASSES_12, make_image_folder

N_CLASSES, PER_CLASS, SIZE, BS = 4, 8, 16, 4


def make_data_folder(root):
    "32 generated 16x16 images of 4 classes: `root/train/<class>/`."
    return make_image_folder(Path(root), classes=CLASSES_12[:N_CLASSES], per_class=PER_CLASS, size=SIZE, seed=0)


def make_learner(folder, seed):
    "v1's custom Learner with two layer groups (body, head), the model initialised with `seed`."
    import fastai_freeze_compat as fv
    data = fv.ImageDataBunch.from_folder(folder, valid_pct=0.25, seed=1, size=SIZE, bs=BS, num_workers=0)
    torch.manual_seed(seed)
    body = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, stride=2, padding=1),
                         nn.ReLU())
    head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, N_CLASSES))
    return fv.Learner(data, nn.Sequential(body, head), metrics=[fv.accuracy], layer_groups=[body, head],
                      path=Path(folder).parent)


def plain(t):
    "A detached CPU copy of `t` as a plain tensor (fastai 2's tensor subclasses dropped)."
    return t.detach().cpu().as_subclass(torch.Tensor).clone()


def weights(learn): return {k: plain(v) for k, v in learn.model.state_dict().items()}


def stage_state(learn):
    "What one stage left: weights, freeze state, per-group learning rates and weight decays, v1's records."
    return {"weights": weights(learn), "model_type": type(learn.model).__name__,
            "requires_grad": [p.requires_grad for p in learn.model.parameters()],
            "lr": [float(h["lr"]) for h in learn.opt.hypers], "wd": [float(h["wd"]) for h in learn.opt.hypers],
            "losses": [float(l) for l in learn.recorder.losses],
            "val_losses": [float(v) for v in learn.recorder.val_losses]}
