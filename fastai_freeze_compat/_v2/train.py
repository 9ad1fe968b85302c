"""fastai v1's training API on fastai 2: ``fit``, ``fit_one_cycle``, ``lr_find``, ``to_fp16`` with
v1's signatures, defaults and schedules, v1's ``callback_fns`` / ``callbacks``, and v1's Recorder.

The loop is fastai 2's (``Learner.fit``); v1's differences are: the learning rate goes through
``lr_range`` over the layer groups (default ``slice(3e-3)``), weight decay defaults to ``learn.wd``
(1e-2), an existing optimizer keeps its state and only gets the new lr / wd, the one-cycle and
lr-finder schedules are v1's (``train_schedule``), ``callback_fns`` are built from the learner at
each fit, and the learner's ``recorder`` is v1's (``recorder``).
"""
from contextlib import contextmanager
from numbers import Integral

import numpy as np
from fastai.callback.core import Callback
from fastai.learner import defaults as _fastai_defaults
from fastai.learner import Recorder as _FastaiRecorder
from fastcore.basics import camel2snake

from .callbacks import (CallbackFn, CSVLogger, EarlyStoppingCallback, MixedPrecision, SaveModelCallback, ShowGraph,
                        _LearnerCallback, build_callback, check_callbacks, split_callback_fns)
from .._warn import warn_bridged
from .optim import defaults

# the table entries a one-cycle fit's warning names (the method and v1's module-level function alike)
_ONE_CYCLE_CHANGES = ("default.pct_start", "default.final_div", "default.lr")
from .recorder import Recorder
from .train_schedule import (LRFinder, OneCycleScheduler, Scheduler, annealing_cos, annealing_exp, annealing_linear,
                             annealing_no, one_cycle_scheduler)

__all__ = ["TrainMixin", "fit_one_cycle", "lr_find", "to_fp16", "to_fp32", "one_cycle_scheduler",
           # v1's recorder, schedules and callbacks (v1: fastai.basic_train, fastai.callback, fastai.callbacks)
           "Recorder", "OneCycleScheduler", "LRFinder", "Scheduler", "annealing_cos", "annealing_exp",
           "annealing_linear", "annealing_no", "SaveModelCallback", "EarlyStoppingCallback", "ShowGraph",
           "CSVLogger", "MixedPrecision"]


def _check_epochs(name, n):
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 0:
        raise TypeError(f"{name} is a number of epochs, a non-negative integer, got {n!r}")


class _StartEpoch(Callback):
    """v1's `start_epoch`: the printed epochs (and v1's callbacks, see `v1_epoch`) count from it, and
    callbacks jump to it before the first batch. fastai 2's own `epoch` still counts the epochs run."""
    order = -20

    def __init__(self, start): self.start = start

    def before_fit(self):
        self.learn._v1_start_epoch, self.jumped = self.start, False

    def before_epoch(self):
        if self.jumped: return
        self.jumped = True
        for cb in self.learn.cbs:
            if cb is not self and hasattr(type(cb), "jump_to_epoch"): cb.jump_to_epoch(self.start)


class _CallbackList(list):
    "v1's `learn.callbacks`: the learner's own callbacks; `append` / `remove` add them to / remove them from it."
    def __init__(self, learn, cbs):
        super().__init__(cbs)
        self.learn = learn

    def append(self, cb):
        self.learn.add_cbs(check_callbacks([cb], "learn.callbacks.append"))
        super().append(cb)

    def extend(self, cbs):
        for cb in cbs: self.append(cb)

    def remove(self, cb):
        super().remove(cb)
        self.learn.remove_cb(cb)


class TrainMixin:
    "v1's `fit` / `fit_one_cycle` / `lr_find` / `to_fp16` / recorder; mixed into `Learner`."

    def __init__(self, *args, cbs=None, default_cbs=True, **kwargs):
        cbs = list(cbs or [])
        # `_as_cbs` (learner.py) hands over v1's `callback_fns` as `CallbackFn`s: built at each fit.
        self.callback_fns = [c.fn for c in cbs if isinstance(c, CallbackFn)]
        cbs = [c for c in cbs if not isinstance(c, CallbackFn)] + check_callbacks(defaults.extra_callbacks)
        if default_cbs:
            # fastai 2's default callbacks, with v1's Recorder in place of fastai 2's.
            builtin = [Recorder if c is _FastaiRecorder else c for c in _fastai_defaults.callbacks]
            cbs = builtin + cbs
        super().__init__(*args, cbs=cbs, default_cbs=False, **kwargs)

    # -- callbacks --------------------------------------------------------------------------------
    @property
    def callbacks(self):
        "The learner's callbacks, without fastai 2's built-in ones (v1 kept those out of `learn.callbacks`)."
        builtin = tuple(_fastai_defaults.callbacks)
        return _CallbackList(self, [cb for cb in self.cbs if not isinstance(cb, builtin)])

    @callbacks.setter
    def callbacks(self, cbs):
        cbs = check_callbacks(cbs, "learn.callbacks")
        self.remove_cbs(list(self.callbacks))
        self.add_cbs(cbs)

    def _fit_callbacks(self, callbacks, cbs):
        fns = list(self.callback_fns) + list(defaults.extra_callback_fns or [])
        extra = split_callback_fns(fns)
        built = [build_callback(f.fn, self) if isinstance(f, CallbackFn) else f for f in extra]
        res = built + check_callbacks(callbacks) + check_callbacks(cbs, "cbs")
        # built here, so that removing them after the fit leaves the learner's own callbacks alone
        return [cb() if isinstance(cb, type) else cb for cb in res]

    # -- fit ----------------------------------------------------------------------------------------
    @contextmanager
    def _quiet(self):
        if defaults.silent if self.silent is None else self.silent:
            with self.no_logging(): yield
        else: yield

    def fit(self, epochs, lr=defaults.lr, wd=None, callbacks=None, *, cbs=None, reset_opt=False, start_epoch=0):
        "Fit the model on this learner with `lr` learning rate, `wd` weight decay for `epochs` with `callbacks`."
        from .learner import listify_wd
        warn_bridged("kw.epochs", "default.lr", "default.adam_eps", "default.wd_bn_bias")
        _check_epochs("epochs", epochs)
        lrs = self._lr_list(self.lr if lr is None else lr)     # None: fastai 2's "the learner's lr"
        if wd is None: wd = self.wd
        wds = listify_wd(wd, len(lrs))
        if len(self.dls.train) == 0:
            dl = self.dls.train
            bs = getattr(dl, "bs", getattr(dl, "batch_size", None))
            raise AssertionError(f"Your training dataloader is empty, can't train a model. Use a smaller batch size "
                                 f"(batch size={bs} for {len(dl.dataset)} elements).")
        cbs = self._fit_callbacks(callbacks, cbs)
        # v1 built the optimizer once; later fits (and fastai 2's `fit`) only set its lr and wd.
        if reset_opt or not self.opt: self.create_opt(lrs, wds)
        self._v1_start_epoch = 0
        try:
            with self._quiet():
                super().fit(epochs, lr=lrs, wd=wds, cbs=cbs, reset_opt=False, start_epoch=start_epoch)
        finally:
            # v1 callbacks stayed reachable as `learn.<snake_case name>` (`learn.csv_logger.read_logged_file()`);
            # fastai 2 removes a fit's callbacks, and their names, when the fit ends.
            for cb in cbs:
                if isinstance(cb, _LearnerCallback): self.__dict__[camel2snake(type(cb).__name__)] = cb

    def fit_one_cycle(self, cyc_len, max_lr=defaults.lr, moms=(0.95, 0.85), div_factor=25., pct_start=0.3,
                      final_div=None, wd=None, callbacks=None, tot_epochs=None, start_epoch=None, **kwargs):
        "Fit a model following the 1cycle policy."
        warn_bridged(*_ONE_CYCLE_CHANGES)
        # fastai 2.0 renamed the keywords (lr_max, div, div_final, cbs) and its own `fine_tune` passes
        # them: accept them as names of v1's, with v1's schedule.
        v2_names = {"lr_max": "max_lr", "div": "div_factor", "div_final": "final_div"}
        unknown = set(kwargs) - set(v2_names) - {"cbs", "reset_opt"}
        if unknown:
            raise TypeError(f"fit_one_cycle() got unexpected keyword arguments {sorted(unknown)}; fastai v1's are "
                            "cyc_len, max_lr, moms, div_factor, pct_start, final_div, wd, callbacks, tot_epochs, start_epoch")
        if "lr_max" in kwargs: max_lr = kwargs.pop("lr_max")
        if "div" in kwargs: div_factor = kwargs.pop("div")
        if "div_final" in kwargs: final_div = kwargs.pop("div_final")
        _check_epochs("cyc_len", cyc_len)
        start = start_epoch or 0
        _check_epochs("start_epoch", start)
        if tot_epochs is not None: _check_epochs("tot_epochs", tot_epochs)
        max_lr = self.lr_range(max_lr)
        self._lr_list(max_lr)
        sched = OneCycleScheduler(self, max_lr, moms=moms, div_factor=div_factor, pct_start=pct_start,
                                  final_div=final_div, tot_epochs=tot_epochs, start_epoch=start_epoch)
        callbacks = check_callbacks(callbacks) + [sched] + ([_StartEpoch(start)] if start else [])
        # v1 ran `cyc_len - start_epoch` epochs, numbered from `start_epoch`.
        self.fit(max(cyc_len - start, 0), max_lr, wd=wd, callbacks=callbacks, **kwargs)

    def lr_find(self, start_lr=1e-7, end_lr=10, num_it=100, stop_div=True, wd=None):
        "Explore lr from `start_lr` to `end_lr` over `num_it` iterations in `learn`. If `stop_div`, stops when loss diverges."
        warn_bridged("behaviour.lr_find")
        if isinstance(num_it, bool) or not isinstance(num_it, Integral) or num_it < 1:
            raise TypeError(f"num_it is a number of iterations, a positive integer, got {num_it!r}")
        start_lr, end_lr = self.lr_range(start_lr), self.lr_range(end_lr)
        start_lr = np.array(start_lr) if isinstance(start_lr, (list, tuple, np.ndarray)) else start_lr
        end_lr = np.array(end_lr) if isinstance(end_lr, (list, tuple, np.ndarray)) else end_lr
        self._lr_list(start_lr)
        self._lr_list(end_lr)
        if len(self.dls.train) == 0: return self.fit(1, start_lr)    # v1's "training dataloader is empty"
        cb = LRFinder(self, start_lr, end_lr, num_it, stop_div)
        epochs = int(np.ceil(num_it / len(self.dls.train)))
        try: self.fit(epochs, start_lr, callbacks=[cb], wd=wd)
        finally: cb.restore()   # v1 reloaded its checkpoint in `on_train_end`, also after an exception

    # -- mixed precision ----------------------------------------------------------------------------
    def to_fp16(self, loss_scale=None, max_noskip=1000, dynamic=True, clip=None, flat_master=False,
                max_scale=2 ** 24, loss_fp32=True):
        "Put `learn` in FP16 precision mode."
        mp_cb = MixedPrecision(self, loss_scale=loss_scale, max_noskip=max_noskip, dynamic=dynamic, clip=clip,
                               flat_master=flat_master, max_scale=max_scale, loss_fp32=loss_fp32)
        self.to_fp32()
        self.mp_cb = mp_cb
        self.add_cb(mp_cb)
        return self

    def to_fp32(self):
        "Put `learn` back to FP32 precision mode."
        from fastai.callback.fp16 import MixedPrecision as _MixedPrecision
        self.remove_cbs([cb for cb in self.cbs if isinstance(cb, _MixedPrecision)])
        self.model = self.model.float()
        return self


def fit_one_cycle(learn, cyc_len, max_lr=defaults.lr, moms=(0.95, 0.85), div_factor=25., pct_start=0.3,
                  final_div=None, wd=None, callbacks=None, tot_epochs=None, start_epoch=None):
    "Fit a model following the 1cycle policy."
    warn_bridged(*_ONE_CYCLE_CHANGES)
    learn.fit_one_cycle(cyc_len, max_lr, moms=moms, div_factor=div_factor, pct_start=pct_start, final_div=final_div,
                        wd=wd, callbacks=callbacks, tot_epochs=tot_epochs, start_epoch=start_epoch)


def lr_find(learn, start_lr=1e-7, end_lr=10, num_it=100, stop_div=True, wd=None):
    "Explore lr from `start_lr` to `end_lr` over `num_it` iterations in `learn`. If `stop_div`, stops when loss diverges."
    warn_bridged("behaviour.lr_find")
    learn.lr_find(start_lr, end_lr, num_it, stop_div, wd)


def to_fp16(learn, loss_scale=None, max_noskip=1000, dynamic=True, clip=None, flat_master=False, max_scale=2 ** 24,
            loss_fp32=True):
    "Put `learn` in FP16 precision mode."
    return learn.to_fp16(loss_scale, max_noskip, dynamic, clip, flat_master, max_scale, loss_fp32)


def to_fp32(learn):
    "Put `learn` back to FP32 precision mode."
    return learn.to_fp32()
