"""fastai v1's most used callbacks, with v1's signatures, built on their fastai 2 equivalents.

v1 callbacks took the learner first (``SaveModelCallback(learn, monitor='accuracy')``) and were
passed either built, in ``fit(..., callbacks=[...])``, or as functions of the learner, in
``Learner(callback_fns=[...])`` (``ShowGraph``, ``partial(CSVLogger, filename='log')``), called again
at every ``fit``. Each class here is the fastai 2 callback (``tracker.SaveModelCallback``,
``tracker.EarlyStoppingCallback``, ``progress.ShowGraphCallback``, ``progress.CSVLogger``,
``fp16.MixedPrecision``) with v1's constructor and where v1 behaved differently (file names, patience,
printed lines, CSV format, a missing monitor only warns), v1's behaviour.
"""
import os
from functools import partial
from warnings import warn

import numpy as np
import torch
from fastai.callback.core import Callback, CancelFitException
from fastai.callback.fp16 import MixedPrecision as _MixedPrecision
from fastai.callback.progress import CSVLogger as _CSVLogger
from fastai.callback.progress import ShowGraphCallback as _ShowGraphCallback
from fastai.callback.tracker import EarlyStoppingCallback as _EarlyStoppingCallback
from fastai.callback.tracker import SaveModelCallback as _SaveModelCallback
from fastai.callback.tracker import TrackerCallback as _TrackerCallback
from fastai.learner import Learner as _Learner

from .train_schedule import v1_epoch

__all__ = ["SaveModelCallback", "EarlyStoppingCallback", "ShowGraph", "CSVLogger", "MixedPrecision",
           "CallbackFn", "split_callback_fns", "check_callbacks", "build_callback"]


class _LearnerCallback:
    "Marks a callback class built v1's way, from the learner: `Cls(learn, ...)`."
    def _check_learn(self, learn):
        if not isinstance(learn, _Learner):
            name = type(self).__name__
            raise TypeError(f"{name} takes the Learner first, as in fastai v1: `{name}(learn, ...)`, got {learn!r:.60}; "
                            f"or put `{name}` (or `partial({name}, ...)`) in `callback_fns`")


def _comp(cls, mode):
    "v1's `mode` ('auto', 'min', 'max') as fastai 2's `comp` (None: fastai 2's 'auto', the same rule)."
    if mode not in ("auto", "min", "max"):
        warn(f'{cls} mode {mode} is invalid, falling back to "auto" mode.')
        mode = "auto"
    return {"min": np.less, "max": np.greater}.get(mode)


class _V1Tracker(_LearnerCallback):
    def before_fit(self):
        names = list(self.recorder.metric_names[1:])
        if self.monitor not in names and not hasattr(self, "lr_finder"):
            # fastai 2 asserts; v1 warned and tracked nothing.
            shown = names[:-1] if names and names[-1] == "time" else names
            warn(f"{self.__class__} conditioned on metric `{self.monitor}` which is not available. "
                 f"Available metrics are: {', '.join(map(str, shown))}")
            self.run = False
            return
        super().before_fit()

    def _v1_value(self):
        "The monitored value as v1 held it: numpy float32 for a loss, a 0-d tensor for a metric."
        return np.float32(self.best) if self.monitor in ("valid_loss", "train_loss") else torch.tensor(self.best)


class SaveModelCallback(_V1Tracker, _SaveModelCallback):
    "A `TrackerCallback` that saves the model when monitored quantity is best."
    def __init__(self, learn, monitor="valid_loss", mode="auto", every="improvement", name="bestmodel"):
        self._check_learn(learn)
        if every not in ("improvement", "epoch"):
            warn(f'SaveModel every {every} is invalid, falling back to "improvement".')
            every = "improvement"
        super().__init__(monitor=monitor, comp=_comp(self.__class__, mode), fname=name, every_epoch=every == "epoch")
        self.every, self.mode = every, mode

    def _save(self, name):
        # v1 saved with the optimizer state (`learn.save(name)`, with_opt=True).
        self.last_saved_path = self.learn.save(name)

    def jump_to_epoch(self, epoch):
        try:
            self.learn.load(f"{self.fname}_{epoch-1}")
            print(f"Loaded {self.fname}_{epoch-1}")
        except Exception: print(f"Model {self.fname}_{epoch-1} not found.")

    def after_epoch(self):
        "Compare the value monitored to its best score and maybe save the model."
        epoch = v1_epoch(self.learn)
        if self.every_epoch: self._save(f"{self.fname}_{epoch}")
        else:
            _TrackerCallback.after_epoch(self)
            if self.new_best:
                print(f"Better model found at epoch {epoch} with {self.monitor} value: {self._v1_value()}.")
                self._save(f"{self.fname}")

    def after_fit(self, **kwargs):
        "Load the best model."
        if not self.every_epoch and os.path.isfile(self.path / self.model_dir / f"{self.fname}.pth"):
            self.learn.load(f"{self.fname}")


class EarlyStoppingCallback(_V1Tracker, _EarlyStoppingCallback):
    "A `TrackerCallback` that terminates training when monitored quantity stops improving."
    def __init__(self, learn, monitor="valid_loss", mode="auto", min_delta=0, patience=0):
        self._check_learn(learn)
        # v1 stopped when `wait > patience`; fastai 2 when `wait >= patience` (its default patience is 1).
        super().__init__(monitor=monitor, comp=_comp(self.__class__, mode), min_delta=min_delta, patience=patience)
        self.mode = mode

    def after_epoch(self):
        "Compare the value monitored to its best score and maybe stop training."
        _TrackerCallback.after_epoch(self)
        if self.new_best: self.wait = 0
        else:
            self.wait += 1
            if self.wait > self.patience:
                print(f"Epoch {v1_epoch(self.learn)}: early stopping")
                raise CancelFitException()


class ShowGraph(_LearnerCallback, _ShowGraphCallback):
    "Update a graph of learner stats and metrics after each epoch."
    def __init__(self, learn):
        self._check_learn(learn)
        super().__init__()


class CSVLogger(_LearnerCallback, _CSVLogger):
    "A `LearnerCallback` that saves history of metrics while training `learn` into CSV `filename`."
    def __init__(self, learn, filename="history", append=False):
        self._check_learn(learn)
        # v1 wrote `learn.path/f'{filename}.csv'`; fastai 2 takes the file name with its extension.
        super().__init__(fname=f"{filename}.csv", append=append)
        self.filename, self._last_learn = filename, learn

    def read_logged_file(self):
        "Read the content of saved file"
        import pandas as pd
        return pd.read_csv(self.file_path)

    @property
    def file_path(self):
        "v1's `path`: `learn.path/f'{filename}.csv'` (fastai 2's `self.path` is the learner's)."
        learn = self.learn if self.learn is not None else self._last_learn
        return learn.path / self.fname

    def before_fit(self):
        "Prepare file with metric names."
        if hasattr(self, "gather_preds"): return
        self._last_learn = self.learn       # fastai 2 unbinds a fit's callbacks; v1 read the file after it
        file = self.file_path
        file.parent.mkdir(parents=True, exist_ok=True)
        add_header = not file.exists() or not self.append   # v1: no second header when appending
        self.file = file.open("a" if self.append else "w")
        if add_header: self.file.write(",".join(self.recorder.metric_names) + "\n")
        self.old_logger, self.learn.logger = self.logger, self._write_line

    def _write_line(self, log):
        "Write a line with v1's formatting (6 decimals, `#na#` when missing) and call the old logger."
        stats = [str(s) if isinstance(s, (int, str)) else "#na#" if s is None else f"{s:.6f}" for s in log]
        self.file.write(",".join(stats) + "\n")
        self.file.flush()
        os.fsync(self.file.fileno())
        self.old_logger(log)


class MixedPrecision(_LearnerCallback, _MixedPrecision):
    """v1's mixed precision (`learn.to_fp16()`) as fastai 2's, torch's automatic mixed precision: the
    model keeps fp32 master weights (v1: `model2half` plus fp32 master copies), the loss is computed in
    fp32 (v1's `loss_fp32=True`), the loss scale starts at `loss_scale` (v1: 2**16) and doubles after
    `max_noskip` steps without overflow."""
    def __init__(self, learn, loss_scale=None, max_noskip=1000, dynamic=True, clip=None, flat_master=False,
                 max_scale=2 ** 24, loss_fp32=True):
        self._check_learn(learn)
        if not dynamic:
            raise ValueError("fastai 2's mixed precision (torch AMP) always scales the loss dynamically, so "
                             "`dynamic=False` (a fixed loss scale) has no equivalent: pass `dynamic=True`, or use "
                             "fastai.callback.fp16.NonNativeMixedPrecision(dynamic=False, loss_scale=...)")
        init_scale = float(2 ** 16 if loss_scale is None else loss_scale)
        super().__init__(init_scale=init_scale, growth_interval=max_noskip)
        self.loss_scale, self.max_noskip, self.dynamic, self.clip = init_scale, max_noskip, dynamic, clip
        self.flat_master, self.max_scale, self.loss_fp32 = flat_master, max_scale, loss_fp32

    def before_step(self):
        if self.clip is not None:
            # v1 clipped the unscaled fp32 gradients; torch AMP unscales in place first.
            self.scaler.unscale_(self)
            torch.nn.utils.clip_grad_norm_([p for pg in self.opt.param_lists for p in pg], self.clip)
        super().before_step()


class CallbackFn:
    "A v1 `callback_fns` entry: called with the learner at each `fit`, to build that fit's callback."
    def __init__(self, fn): self.fn = fn
    def __repr__(self): return f"CallbackFn({self.fn!r})"


def _func(f): return f.func if isinstance(f, partial) else f


def _is_class(f, base): return isinstance(_func(f), type) and issubclass(_func(f), base)


def split_callback_fns(callback_fns):
    """v1's `callback_fns` as fastai 2 callbacks (fastai 2 `Callback` classes, added once) and
    `CallbackFn`s (v1 callback classes, partials of them, or functions of the learner: built per fit)."""
    res = []
    for f in list(callback_fns or []):
        if isinstance(f, Callback):
            res.append(f)                                 # already built: fastai 2 keeps it
        elif _is_class(f, Callback) and not _is_class(f, _LearnerCallback):
            res.append(f if isinstance(f, type) else f())  # a fastai 2 callback takes no learner
        elif callable(f):
            res.append(CallbackFn(f))
        else:
            raise TypeError(f"callback_fns takes functions of the learner that build a callback (e.g. `ShowGraph`, "
                            f"`partial(SaveModelCallback, monitor='accuracy')`), got {f!r:.80}")
    return res


def check_callbacks(callbacks, where="callbacks"):
    "v1's `callbacks`: built callbacks (fastai 2 `Callback` classes are built by fastai 2)."
    res = []
    for cb in list(callbacks or []):
        if isinstance(cb, Callback) or (_is_class(cb, Callback) and isinstance(cb, type)
                                        and not issubclass(cb, _LearnerCallback)):
            res.append(cb)
            continue
        if _is_class(cb, _LearnerCallback):
            name = _func(cb).__name__
            raise TypeError(f"{where} takes built callbacks: pass `{name}(learn, ...)`, or put `{name}` "
                            f"(or `partial({name}, ...)`) in the Learner's `callback_fns`")
        raise TypeError(f"{where} takes callbacks (e.g. `SaveModelCallback(learn, monitor='accuracy')` or a fastai 2 "
                        f"Callback), got {cb!r:.80}")
    return res


def build_callback(fn, learn):
    "Call a `callback_fns` entry with the learner, as v1's `fit` did."
    cb = fn(learn)
    if not isinstance(cb, Callback):
        raise TypeError(f"callback_fns entry {fn!r:.80} built {cb!r:.60}, which is not a callback: callback_fns "
                        "takes functions of the learner that return one, e.g. `partial(CSVLogger, filename='log')`")
    return cb
