"""Faults during ``fit`` / ``fit_one_cycle`` / ``lr_find``: what the package refuses before a fit starts, what
stops a fit, and what runs when one ends with an exception.

* A learning rate or weight decay that is not finite (``inf``, ``nan``), a non-positive learning rate and a
  negative weight decay are refused before anything trains, with a ``ValueError`` naming the argument: fastai
  2 (and v1) accepted them and the weights silently became NaN.
* A training loss that is NaN or infinite stops the fit with a ``FloatingPointError`` naming the epoch and the
  batch, raised before that batch's backward pass, so the weights are those after the previous batch and no
  callback after it saves them (``stop_on_nan=False`` trains on, as v1 did).
* When a fit ends with an exception (``KeyboardInterrupt`` included), the exception reaches the caller as
  itself; first every callback of the fit that holds a resource is told (``_on_fit_error``: ``CSVLogger``
  closes its file, as v1's ``on_train_end`` did in a ``finally``), and an error while doing so is a warning,
  never a replacement of the exception.
"""
import math
import numbers
import warnings
from contextlib import contextmanager

import numpy as np
import torch
from fastai.callback.core import Callback

from .callback import v1_epoch

__all__ = ["check_lr", "check_wd", "StopOnNonFiniteLoss", "closing_callbacks"]


def _numbers(v):
    "The numbers a hyper-parameter holds (a number, a slice, a list / array / tensor of them); None if not numeric."
    if v is None: return None
    if isinstance(v, slice): v = [x for x in (v.start, v.stop) if x is not None]
    if isinstance(v, torch.Tensor): v = v.detach().cpu().numpy()
    if isinstance(v, bool): return None
    if isinstance(v, numbers.Real): return [float(v)]
    try: arr = np.array(v, dtype=float).reshape(-1)
    except (TypeError, ValueError): return None
    return [float(x) for x in arr]


def check_lr(name, lr):
    "Refuse a learning rate `lr` (argument `name`) that is not finite or not positive; other forms are left to v1's checks."
    vals = _numbers(lr)
    if vals is None: return
    bad = [x for x in vals if not math.isfinite(x)]
    if bad:
        raise ValueError(f"{name}={lr!r} is not a finite learning rate ({bad[0]}): learning rates must be positive and "
                         f"finite (this one would make the weights NaN). Pass e.g. `{name}=1e-3` or `slice(1e-5, 1e-3)` "
                         "(`learn.lr_find()` shows a good one)")
    if any(not x > 0 for x in vals):
        raise ValueError(f"{name}={lr!r}: learning rates must be positive; pass e.g. `{name}=1e-3` or `slice(1e-5, 1e-3)`")


def check_wd(name, wd):
    "Refuse a weight decay `wd` (argument `name`) that is not finite or negative (None: the learner's)."
    if wd is None: return
    vals = _numbers(wd)
    if vals is None: return
    if any(not math.isfinite(x) or x < 0 for x in vals):
        raise ValueError(f"{name}={wd!r}: weight decay must be a finite number >= 0 (v1's default is 1e-2; 0 for "
                         f"none); a negative or non-finite one makes the weights grow without bound or NaN")


class StopOnNonFiniteLoss(Callback):
    "Stop the fit with a `FloatingPointError` naming the batch when a training loss is NaN or infinite."
    order = -10       # after the loss, before anything reacts to it

    def after_loss(self):
        if not self.training: return
        loss = self.learn.loss
        if not isinstance(loss, torch.Tensor) or bool(torch.isfinite(loss.detach()).all()): return
        value = loss.detach().float().mean().item()
        raise FloatingPointError(
            f"the training loss is {value} at epoch {v1_epoch(self.learn)}, batch {self.iter + 1} of {self.n_iter} "
            f"(iteration {self.train_iter + 1} of this fit): the fit was stopped before this batch's update, so the "
            "weights are those after the previous batch and nothing saved them. Lower the learning rate "
            "(`learn.lr_find()` shows where the loss diverges) or look for NaN/inf in the data; "
            "`fit(..., stop_on_nan=False)` trains on regardless, as fastai v1 did.")


def _close(cb, exc):
    close = getattr(type(cb), "_on_fit_error", None)     # the class's: a callback delegates other names to the learner
    if close is None: return
    try: close(cb, exc)
    except Exception as e:    # never hide the fit's own exception
        warnings.warn(f"{type(cb).__name__} could not clean up after the interrupted fit: {type(e).__name__}: {e}")


@contextmanager
def closing_callbacks(learn, cbs):
    """Run a fit; if it raises (anything, `KeyboardInterrupt` included), let each callback of the fit (`cbs`
    and the learner's own) release what it holds, then re-raise the exception unchanged."""
    try:
        yield
    except BaseException as exc:
        seen = set()
        for cb in list(cbs) + list(getattr(learn, "cbs", [])):
            if id(cb) in seen: continue
            seen.add(id(cb))
            _close(cb, exc)
        raise
