"""fastai v1's hyper-parameter schedules (``callback.Scheduler``, ``callbacks/one_cycle.py``,
``callbacks/lr_finder.py``) as fastai 2 callbacks.

fastai 2 kept v1's annealing curves (``sched_cos`` is v1's ``annealing_cos``, ``sched_exp`` its
``annealing_exp``) but moved from v1's discrete schedule to a continuous one: fastai 2's
``ParamScheduler`` sets each batch's value from the fraction of training done, v1's ``Scheduler``
stepped a counter after each batch over phases of ``int(n * pct_start)`` and ``n - int(...)``
iterations (at least one each). The callbacks here step v1's counter the way v1 did, after each
training batch, so every layer group gets v1's learning rate and momentum at every batch, and the
optimizer is left holding v1's values after training.
"""
import copy

import numpy as np
import torch
from fastai.callback.core import (Callback, CancelFitException, CancelTrainException,
                                  CancelValidException)
from fastai.callback.schedule import sched_cos, sched_exp, sched_lin, sched_no

from .torch_core import listify

__all__ = ["Scheduler", "OneCycleScheduler", "LRFinder", "annealing_cos", "annealing_exp", "annealing_linear",
           "annealing_no", "one_cycle_scheduler", "set_hyper", "stop_epoch", "v1_epoch"]

# fastai 2 kept v1's annealing functions under new names (same arguments: start, end, pct).
annealing_cos, annealing_exp, annealing_linear, annealing_no = sched_cos, sched_exp, sched_lin, sched_no


class Scheduler:
    "Used to \"step\" from start,end (`vals`) over `n_iter` iterations on a schedule defined by `func`"
    def __init__(self, vals, n_iter, func=None):
        self.start, self.end = (vals[0], vals[1]) if isinstance(vals, tuple) else (vals, 0)
        self.n_iter = max(1, n_iter)
        if func is None: self.func = annealing_linear if isinstance(vals, tuple) else annealing_no
        else: self.func = func
        self.n = 0

    def restart(self): self.n = 0

    def step(self):
        "Return next value along annealed schedule."
        self.n += 1
        return self.func(self.start, self.end, self.n / self.n_iter)

    @property
    def is_done(self):
        "Return `True` if schedule completed."
        return self.n >= self.n_iter


def v1_epoch(learn):
    "The epoch number v1 used: fastai 2's count of the epochs run, plus `fit_one_cycle(start_epoch=...)`."
    return learn.epoch + getattr(learn, "_v1_start_epoch", 0)


def set_hyper(opt, key, val):
    """Set hyper-parameter `key` of every layer group of `opt` to `val` (one value, or one per group), as
    Python floats: fastai 2.7's `learn.load` refuses numpy scalars in a saved optimizer state."""
    if key not in opt.hypers[0]: return   # v1 set `mom` only on optimizers that have a momentum
    opt.set_hyper(key, [float(v) for v in np.array(val, dtype=float).reshape(-1)])


def stop_epoch(learn):
    """v1's `{'stop_epoch': True}`: end this epoch's training after the current batch (its results are
    kept and validation still runs); fastai 2 can only cancel, so the v1 Recorder is told it was v1's stop."""
    learn._v1_stop_epoch = True
    raise CancelTrainException()


def _check_positive(name, v):
    a = np.array(v, dtype=float).reshape(-1)
    if a.size == 0 or not np.all(a > 0):
        raise ValueError(f"{name} must be positive, got {v!r}")


class OneCycleScheduler(Callback):
    "Manage 1-Cycle style training as outlined in Leslie Smith's [paper](https://arxiv.org/pdf/1803.09820.pdf)."
    order, run_valid = 60, False   # after fastai 2's Recorder (50), which reads the batch's values first

    def __init__(self, learn, lr_max, moms=(0.95, 0.85), div_factor=25., pct_start=0.3, final_div=None,
                 tot_epochs=None, start_epoch=None):
        _check_positive("lr_max", lr_max)
        _check_positive("div_factor", div_factor)
        if final_div is not None: _check_positive("final_div", final_div)
        if not 0 < pct_start < 1:
            raise ValueError(f"pct_start is the fraction of the iterations spent warming up, strictly between 0 "
                             f"and 1 (fastai v1 used 0.3), got {pct_start!r}")
        moms = listify(moms)
        if len(moms) == 1: moms = moms * 2
        if len(moms) != 2:
            raise AssertionError(f"moms takes two values in fastai v1, (max, min) e.g. (0.95, 0.85), got {len(moms)}: "
                                 "the cycle goes max -> min -> max")
        self.lr_max, self.div_factor, self.pct_start, self.final_div = lr_max, div_factor, pct_start, final_div
        if self.final_div is None: self.final_div = div_factor * 1e4
        self.moms = tuple(moms)
        if isinstance(lr_max, (list, tuple, np.ndarray)): self.lr_max = np.array(lr_max)
        self.start_epoch, self.tot_epochs = start_epoch, tot_epochs

    def steps(self, *steps_cfg):
        "Build anneal schedule for all of the parameters."
        return [Scheduler(step, n_iter, func=func) for (step, (n_iter, func)) in zip(steps_cfg, self.phases)]

    def before_fit(self):
        "Initialize our optimization params based on our annealing schedule."
        self.stopping = False
        start = self.start_epoch or 0
        # v1 counted the epochs of the whole `fit(cyc_len)`; with `start_epoch` only the rest are run here.
        if self.tot_epochs is None: self.tot_epochs = self.n_epoch + start
        n = len(self.dls.train) * self.tot_epochs
        a1 = int(n * self.pct_start)
        a2 = n - a1
        self.phases = ((a1, annealing_cos), (a2, annealing_cos))
        low_lr = self.lr_max / self.div_factor
        self.lr_scheds = self.steps((low_lr, self.lr_max), (self.lr_max, self.lr_max / self.final_div))
        self.mom_scheds = self.steps(self.moms, (self.moms[1], self.moms[0]))
        set_hyper(self.opt, "lr", self.lr_scheds[0].start)
        set_hyper(self.opt, "mom", self.mom_scheds[0].start)
        self.idx_s = 0

    def jump_to_epoch(self, epoch):
        for _ in range(len(self.dls.train) * epoch): self._step()

    def _step(self):
        if self.idx_s >= len(self.lr_scheds): return True
        set_hyper(self.opt, "lr", self.lr_scheds[self.idx_s].step())
        set_hyper(self.opt, "mom", self.mom_scheds[self.idx_s].step())
        # when the current schedule is complete we move onto the next (in 1-cycle there are two)
        if self.lr_scheds[self.idx_s].is_done: self.idx_s += 1
        return False

    def after_batch(self):
        "Take one step forward on the annealing schedule for the optim params."
        if self._step():
            self.stopping = True
            stop_epoch(self.learn)

    def after_epoch(self):
        "Tell Learner to stop if the cycle is finished."
        if self.stopping or v1_epoch(self.learn) > self.tot_epochs: raise CancelFitException()


def one_cycle_scheduler(lr_max, **kwargs):
    "Instantiate a `OneCycleScheduler` with `lr_max`."
    from functools import partial
    return partial(OneCycleScheduler, lr_max=lr_max, **kwargs)


class LRFinder(Callback):
    "Causes `learn` to go on a mock training from `start_lr` to `end_lr` for `num_it` iterations."
    order, run_valid = 60, False

    def __init__(self, learn, start_lr=1e-7, end_lr=10, num_it=100, stop_div=True):
        self.stop_div = stop_div
        self.sched = Scheduler((start_lr, end_lr), num_it, annealing_exp)
        self.restored = True

    def before_fit(self):
        "Initialize optimizer and learner hyperparameters."
        # v1 saved the model and optimizer to `model_dir/tmp.pth` and loaded them back at the end; this
        # keeps the same state in memory instead, so no user file named `tmp.pth` is overwritten.
        self.saved = ({k: v.detach().clone() for k, v in self.model.state_dict().items()},
                      copy.deepcopy(self.opt.state_dict()))
        self.restored = False
        set_hyper(self.opt, "lr", self.sched.start)
        self.stop, self.best_loss = False, 0.
        self.iteration, self.epochs_done, self.num_batch = 0, 0, 0

    def before_epoch(self): self.num_batch = 0
    def before_validate(self): raise CancelValidException()   # v1: {'skip_validate': True}

    def after_batch(self):
        "Determine if loss has runaway and we should stop."
        iteration, smooth_loss = self.iteration, self.learn.smooth_loss
        self.iteration, self.num_batch = iteration + 1, self.num_batch + 1
        if iteration == 0 or smooth_loss < self.best_loss: self.best_loss = smooth_loss
        set_hyper(self.opt, "lr", self.sched.step())
        if self.sched.is_done or (self.stop_div and (smooth_loss > 4 * self.best_loss or torch.isnan(smooth_loss))):
            # We use the smoothed loss to decide on the stopping since it's less shaky.
            if not self.stop: self.stop = iteration
            stop_epoch(self.learn)

    def after_epoch(self):
        self.epochs_done += 1
        if self.stop: raise CancelFitException()

    def restore(self):
        "Put back the weights and optimizer state from before the search."
        if self.restored: return
        model_state, opt_state = self.saved
        self.learn.model.load_state_dict(model_state)
        self.learn.opt.load_state_dict(opt_state)
        if hasattr(self.learn.model, "reset"): self.learn.model.reset()
        self.restored, self.saved = True, None

    def after_fit(self):
        "Cleanup learn model weights disturbed during LRFinder exploration."
        self.restore()
        print("LR Finder is complete, type {learner_name}.recorder.plot() to see the graph.")
        total_batches = self.epochs_done * self.num_batch
        if total_batches - self.stop > 10:
            print(f"Best loss at batch #{self.stop}/{total_batches}, may consider "
                  f".plot(skip_end={total_batches - self.stop + 3})")
