"""fastai v1's ``Recorder`` (``fastai/basic_train.py``) as a subclass of fastai 2's ``Recorder``.

fastai 2's Recorder already records v1's ``lrs`` (the last layer group's learning rate of each
training batch) and ``losses`` (the smoothed training loss, beta 0.98, debiased), and prints the
same table; this adds what v1 also kept (``moms``, ``val_losses``, ``metrics``, ``nb_batches``,
``names``, ``metrics_names``) and v1's plots (``plot``, ``plot_lr``, ``plot_losses``,
``plot_metrics``, ``min_grad_lr``). v1's ``recorder.metrics`` (the values per epoch) shadows fastai
2's ``recorder.metrics`` (the learner's metric objects), so this class reads those from the learner.
"""
import numpy as np
import torch
from fastai.learner import Recorder as _Recorder
from fastai.learner import _maybe_item
from fastcore.foundation import L

from .._warn import warn_bridged
from .optim import defaults
from .train_schedule import v1_epoch

__all__ = ["Recorder"]

_V1_STATE = ("moms", "val_losses", "metrics", "nb_batches")


def _tensor(v):
    "v1's metrics were 0-d tensors (`learn.recorder.metrics[-1][0].item()`)."
    return v.detach().cpu() if isinstance(v, torch.Tensor) else torch.tensor(v)


class Recorder(_Recorder):
    "A `Callback` that records epoch, loss, opt and metric data during training (fastai v1 API)."
    _stateattrs = _Recorder._stateattrs + _V1_STATE

    def __init__(self, add_time=True, train_metrics=False, valid_metrics=True, beta=0.98):
        super().__init__(add_time=add_time, train_metrics=train_metrics, valid_metrics=valid_metrics, beta=beta)
        self._init_state()

    def _init_state(self):
        "Empty records (also after unpickling, e.g. `load_learner`: `_stateattrs` are not saved)."
        for k in self._stateattrs: self.__dict__[k] = []     # `metrics` would warn about shadowing the learner's

    # -- fastai 2 reads the learner's metric objects as `self.metrics`: read them from the learner ------
    def before_fit(self):
        "Prepare state for training"
        self.__dict__["add_time"] = getattr(self.learn, "add_time", self.add_time)
        self._init_state()
        names = self.learn.metrics.attrgot("name")
        if self.train_metrics and self.valid_metrics:
            names = L("loss") + names
            names = names.map("train_{}") + names.map("valid_{}")
        elif self.valid_metrics: names = L("train_loss", "valid_loss") + names
        else: names = L("train_loss") + names
        if self.add_time: names.append("time")
        self.metric_names = "epoch" + names
        self.smooth_loss.reset()

    @property
    def _train_mets(self):
        if getattr(self, "cancel_train", False): return L()
        return L(self.smooth_loss) + (self.learn.metrics if self.train_metrics else L())

    @property
    def _valid_mets(self):
        if getattr(self, "cancel_valid", False): return L()
        return L(self.loss) + self.learn.metrics if self.valid_metrics else L()

    # -- v1's records ----------------------------------------------------------------------------------
    def before_epoch(self):
        super().before_epoch()
        self.log = L(v1_epoch(self.learn))
        self.learn._v1_stop_epoch = False
        self._num_batch, self._valid = 0, None

    def after_batch(self):
        "Record learning rate, momentum and smoothed loss of a training batch (v1: at its start)."
        super().after_batch()
        if not self.training or len(self.yb) == 0: return
        self.moms.append(self.opt.hypers[-1].get("mom"))
        self._num_batch += 1

    def after_cancel_train(self):
        # v1's `stop_epoch` (one-cycle finished, lr_find stopped) kept the epoch's training loss.
        if not getattr(self.learn, "_v1_stop_epoch", False): super().after_cancel_train()

    def after_validate(self):
        super().after_validate()
        if not self.valid_metrics: return
        # v1 printed `#na#` for the validation columns of an epoch without validation (lr_find).
        if self.cancel_valid: self.log += ["#na#"] * (1 + len(self.learn.metrics))
        else: self._valid = [_maybe_item(m) for m in self._valid_mets]

    def after_epoch(self):
        "Save epoch info: num_batch, valid loss, metrics."
        super().after_epoch()
        self.nb_batches.append(self._num_batch)
        if not self._valid or self._valid[0] is None: self.val_losses.append(None)
        else:
            self.val_losses.append(np.float32(self._valid[0]))
            if len(self._valid) > 1: self.metrics.append([_tensor(v) for v in self._valid[1:]])

    @property
    def names(self):
        "v1's column names: `['epoch', 'train_loss', 'valid_loss', <metrics>, 'time']`."
        return list(getattr(self, "metric_names", []))

    @property
    def metrics_names(self):
        "The names of the learner's metrics."
        return list(self.learn.metrics.attrgot("name")) if self.learn is not None else []

    # -- v1's plots ------------------------------------------------------------------------------------
    def _split_list(self, vals, skip_start, skip_end):
        return vals[skip_start:-skip_end] if skip_end > 0 else vals[skip_start:]

    def _split_list_val(self, vals, skip_start, skip_end):
        val_iter = np.cumsum(self.nb_batches)
        start_val = (val_iter - skip_start >= 0).nonzero()[0].min()
        end_val = (val_iter[-1] - val_iter - skip_end >= 0).nonzero()[0].max() + 1
        return vals[start_val:end_val] if skip_end > 0 else vals[start_val:]

    @staticmethod
    def _done(fig, return_fig):
        return fig if (defaults.return_fig if return_fig is None else return_fig) else None

    def plot_lr(self, show_moms=False, skip_start=0, skip_end=0, return_fig=None):
        "Plot learning rate, `show_moms` to include momentum."
        warn_bridged("name.recorder.plot")
        import matplotlib.pyplot as plt
        lrs = self._split_list(self.lrs, skip_start, skip_end)
        iterations = self._split_list(range(len(self.lrs)), skip_start, skip_end)
        if show_moms:
            moms = self._split_list(self.moms, skip_start, skip_end)
            fig, axs = plt.subplots(1, 2, figsize=(12, 4))
            axs[0].plot(iterations, lrs)
            axs[0].set_xlabel("Iterations")
            axs[0].set_ylabel("Learning Rate")
            axs[1].plot(iterations, moms)
            axs[1].set_xlabel("Iterations")
            axs[1].set_ylabel("Momentum")
        else:
            fig, ax = plt.subplots()
            ax.plot(iterations, lrs)
            ax.set_xlabel("Iterations")
            ax.set_ylabel("Learning Rate")
        return self._done(fig, return_fig)

    @staticmethod
    def smoothen_by_spline(xs, ys, **kwargs):
        from scipy.interpolate import UnivariateSpline
        xs = np.arange(len(ys))
        return UnivariateSpline(xs, ys, **kwargs)(xs)

    def plot(self, skip_start=10, skip_end=5, suggestion=False, return_fig=None, show_grid=False, **kwargs):
        "Plot learning rate and losses, trimmed between `skip_start` and `skip_end`. Optionally plot and return min gradient"
        warn_bridged("name.recorder.plot")
        import matplotlib.pyplot as plt
        lrs = self._split_list(self.lrs, skip_start, skip_end)
        losses = [float(x) for x in self._split_list(self.losses, skip_start, skip_end)]
        if "k" in kwargs: losses = self.smoothen_by_spline(lrs, losses, **kwargs)
        fig, ax = plt.subplots(1, 1)
        ax.plot(lrs, losses)
        ax.set_ylabel("Loss")
        ax.set_xlabel("Learning Rate")
        ax.set_xscale("log")
        if show_grid: plt.grid(True, which="both", ls="-")
        ax.xaxis.set_major_formatter(plt.FormatStrFormatter("%.0e"))
        if suggestion:
            try: mg = (np.gradient(np.array(losses))).argmin()
            except Exception:
                print("Failed to compute the gradients, there might not be enough points.")
                return
            print(f"Min numerical gradient: {lrs[mg]:.2E}")
            ax.plot(lrs[mg], losses[mg], markersize=10, marker="o", color="red")
            self.min_grad_lr = lrs[mg]
            ml = np.argmin(losses)
            print(f"Min loss divided by 10: {lrs[ml]/10:.2E}")
        return self._done(fig, return_fig)

    def plot_losses(self, skip_start=0, skip_end=0, return_fig=None, show_grid=False):
        "Plot training and validation losses."
        warn_bridged("name.recorder.plot")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(1, 1)
        losses = [float(x) for x in self._split_list(self.losses, skip_start, skip_end)]
        iterations = self._split_list(range(len(self.losses)), skip_start, skip_end)
        ax.plot(iterations, losses, label="Train")
        val_iter = self._split_list_val(np.cumsum(self.nb_batches), skip_start, skip_end)
        val_losses = self._split_list_val(self.val_losses, skip_start, skip_end)
        ax.plot(val_iter, val_losses, label="Validation")
        plt.grid(show_grid)
        ax.set_ylabel("Loss")
        ax.set_xlabel("Batches processed")
        ax.legend()
        return self._done(fig, return_fig)

    def plot_metrics(self, skip_start=0, skip_end=0, return_fig=None, show_grid=False):
        "Plot metrics collected during training."
        import matplotlib.pyplot as plt
        assert len(self.metrics) != 0, "There are no metrics to plot."
        fig, axes = plt.subplots(len(self.metrics[0]), 1, figsize=(6, 4 * len(self.metrics[0])))
        val_iter = self._split_list_val(np.cumsum(self.nb_batches), skip_start, skip_end)
        axes = axes.flatten() if len(self.metrics[0]) != 1 else [axes]
        for i, ax in enumerate(axes):
            values = [float(met[i]) for met in self.metrics]
            values = self._split_list_val(values, skip_start, skip_end)
            ax.plot(val_iter, values)
            plt.grid(show_grid)
            ax.set_ylabel(str(self.metrics_names[i]))
            ax.set_xlabel("Batches processed")
        return self._done(fig, return_fig)
