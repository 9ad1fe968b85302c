"""fastai v1's ``fastai/callbacks/lr_finder.py`` on fastai 2: ``LRFinder``, v1's exponential search that stops
when the smoothed loss diverges, restoring the weights and optimizer from memory (v1 reloaded ``tmp.pth``).
"""
import copy

import torch
from fastai.callback.core import Callback, CancelFitException, CancelValidException

from ..callback import Scheduler, annealing_exp, set_hyper, stop_epoch

__all__ = ["LRFinder"]

class LRFinder(Callback):
    "Causes `learn` to go on a mock training from `start_lr` to `end_lr` for `num_it` iterations."
    order, run_valid = 60, False

    def __init__(self, learn, start_lr=1e-7, end_lr=10, num_it=100, stop_div=True):
        self.stop_div = stop_div
        # fastai 2 unbinds a fit's callbacks (`self.learn = None`) before an exception leaves `fit`; `restore`
        # still needs the learner then.
        self._target = learn
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
        learn = self._target
        learn.model.load_state_dict(model_state)
        learn.opt.load_state_dict(opt_state)
        if hasattr(learn.model, "reset"): learn.model.reset()
        self.restored, self.saved = True, None

    def after_fit(self):
        "Cleanup learn model weights disturbed during LRFinder exploration."
        self.restore()
        print("LR Finder is complete, type {learner_name}.recorder.plot() to see the graph.")
        total_batches = self.epochs_done * self.num_batch
        if total_batches - self.stop > 10:
            print(f"Best loss at batch #{self.stop}/{total_batches}, may consider "
                  f".plot(skip_end={total_batches - self.stop + 3})")
