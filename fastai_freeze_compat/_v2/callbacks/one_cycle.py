"""fastai v1's ``fastai/callbacks/one_cycle.py`` on fastai 2: ``OneCycleScheduler``, stepping v1's counter after
each training batch over phases of ``int(n * pct_start)`` and ``n - int(...)`` iterations (at least one each),
so every layer group gets v1's learning rate and momentum at every batch, and the optimizer is left holding
v1's values after training (fastai 2's ``ParamScheduler`` sets each batch's value from the fraction done).
"""
import numpy as np
from fastai.callback.core import Callback, CancelFitException

from ..callback import Scheduler, annealing_cos, set_hyper, stop_epoch, v1_epoch
from ..core import listify

__all__ = ["OneCycleScheduler"]

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
