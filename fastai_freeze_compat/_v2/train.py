"""fastai v1's ``fastai/train.py`` on fastai 2: ``fit_one_cycle``, ``lr_find``, ``to_fp16`` / ``to_fp32`` (as
``Learner`` methods and v1's module functions), ``one_cycle_scheduler`` and ``ShowGraph``, with v1's
signatures, defaults and schedules (``callbacks/one_cycle.py``, ``callbacks/lr_finder.py``).

The loop is fastai 2's, driven by v1's ``fit`` (``basic_train.py``): the learning rate goes through
``lr_range`` over the layer groups (default ``slice(3e-3)``), weight decay defaults to ``learn.wd`` (1e-2).
"""
from functools import partial
from numbers import Integral

import numpy as np
from fastai.callback.core import Callback
from fastai.callback.progress import ShowGraphCallback as _ShowGraphCallback

from .._warn import warn_bridged
from ._guards import check_lr, check_wd
from .callback import _LearnerCallback, check_callbacks
from .callbacks.fp16 import MixedPrecision
from .callbacks.lr_finder import LRFinder
from .callbacks.one_cycle import OneCycleScheduler
from .core import check_epochs, defaults

__all__ = ["TrainMixin", "fit_one_cycle", "lr_find", "to_fp16", "to_fp32", "mixup", "one_cycle_scheduler", "ShowGraph",
           "BnFreeze", "GradientClipping", "clip_grad", "Interpretation", "ClassificationInterpretation",
           "MultiLabelClassificationInterpretation"]

# the table entries a one-cycle fit's warning names (the method and v1's module-level function alike)
_ONE_CYCLE_CHANGES = ("default.pct_start", "default.final_div", "default.lr")


def one_cycle_scheduler(lr_max, **kwargs):
    "Instantiate a `OneCycleScheduler` with `lr_max`."
    return partial(OneCycleScheduler, lr_max=lr_max, **kwargs)


class ShowGraph(_LearnerCallback, _ShowGraphCallback):
    "Update a graph of learner stats and metrics after each epoch."
    def __init__(self, learn):
        self._check_learn(learn)
        super().__init__()


def _learner_callback():
    from .basic_train import LearnerCallback    # basic_train imports this module (TrainMixin)
    return LearnerCallback


def _make_train_callbacks():
    "v1's `BnFreeze` and `GradientClipping` (LearnerCallbacks), built on first use."
    from ..torch_core import set_bn_eval
    from torch import nn

    class BnFreeze(_learner_callback()):
        "Freeze moving average statistics in all non-trainable batchnorm layers."
        def on_epoch_begin(self, **kwargs):
            "Put bn layers in eval mode just after `model.train()`."
            set_bn_eval(self.learn.model)

    class GradientClipping(_learner_callback()):
        "Gradient clipping during training."
        def __init__(self, learn, clip=0.):
            super().__init__(learn)
            self.clip = clip

        def on_backward_end(self, **kwargs):
            "Clip the gradient before the optimizer step."
            if self.clip: nn.utils.clip_grad_norm_(self.learn.model.parameters(), self.clip)

    for c in (BnFreeze, GradientClipping): c.__module__, c.__qualname__ = __name__, c.__name__
    return {"BnFreeze": BnFreeze, "GradientClipping": GradientClipping}


def __getattr__(name):
    if name in ("BnFreeze", "GradientClipping"):
        globals().update(_make_train_callbacks())
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def clip_grad(learn, clip=0.1):
    "Add gradient clipping of `clip` during training."
    learn.callback_fns.append(partial(__getattr__("GradientClipping"), clip=clip))
    return learn


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


class TrainMixin:
    "v1's `fit_one_cycle` / `lr_find` / `to_fp16` / `to_fp32` (`fastai/train.py`); mixed into `Learner`."

    def fit_one_cycle(self, cyc_len, max_lr=defaults.lr, moms=(0.95, 0.85), div_factor=25., pct_start=0.3,
                      final_div=None, wd=None, callbacks=None, tot_epochs=None, start_epoch=None, **kwargs):
        "Fit a model following the 1cycle policy."
        warn_bridged(*_ONE_CYCLE_CHANGES)
        # fastai 2.0 renamed the keywords (lr_max, div, div_final, cbs) and its own `fine_tune` passes
        # them: accept them as names of v1's, with v1's schedule.
        v2_names = {"lr_max": "max_lr", "div": "div_factor", "div_final": "final_div"}
        unknown = set(kwargs) - set(v2_names) - {"cbs", "reset_opt", "stop_on_nan"}
        if unknown:
            raise TypeError(f"fit_one_cycle() got unexpected keyword arguments {sorted(unknown)}; fastai v1's are "
                            "cyc_len, max_lr, moms, div_factor, pct_start, final_div, wd, callbacks, tot_epochs, start_epoch")
        if "lr_max" in kwargs: max_lr = kwargs.pop("lr_max")
        if "div" in kwargs: div_factor = kwargs.pop("div")
        if "div_final" in kwargs: final_div = kwargs.pop("div_final")
        check_epochs("cyc_len", cyc_len)
        check_lr("max_lr", max_lr)
        check_wd("wd", wd)
        start = start_epoch or 0
        check_epochs("start_epoch", start)
        if tot_epochs is not None: check_epochs("tot_epochs", tot_epochs)
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
        check_lr("start_lr", start_lr)
        check_lr("end_lr", end_lr)
        check_wd("wd", wd)
        start_lr, end_lr = self.lr_range(start_lr), self.lr_range(end_lr)
        start_lr = np.array(start_lr) if isinstance(start_lr, (list, tuple, np.ndarray)) else start_lr
        end_lr = np.array(end_lr) if isinstance(end_lr, (list, tuple, np.ndarray)) else end_lr
        self._lr_list(start_lr)
        self._lr_list(end_lr)
        if len(self.dls.train) == 0: return self.fit(1, start_lr)    # v1's "training dataloader is empty"
        cb = LRFinder(self, start_lr, end_lr, num_it, stop_div)
        epochs = int(np.ceil(num_it / len(self.dls.train)))
        # The search stops itself on a diverging (or NaN) loss when `stop_div`; v1 searched on otherwise.
        try: self.fit(epochs, start_lr, callbacks=[cb], wd=wd, stop_on_nan=False)
        finally: cb.restore()   # v1 reloaded its checkpoint in `on_train_end`, also after an exception

    def clip_grad(self, clip=0.1):
        "Add gradient clipping of `clip` during training."
        return clip_grad(self, clip)

    # -- mixed precision ----------------------------------------------------------------------------
    def mixup(self, alpha=0.4, stack_x=False, stack_y=True):
        "Add mixup https://arxiv.org/abs/1710.09412 to `learn`."
        return mixup(self, alpha=alpha, stack_x=stack_x, stack_y=stack_y)

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


def mixup(learn, alpha=0.4, stack_x=False, stack_y=True):
    "Add mixup https://arxiv.org/abs/1710.09412 to `learn`."
    from .callbacks.mixup import MixUpCallback    # callbacks/mixup.py imports basic_train, which imports this module
    learn.callback_fns.append(partial(MixUpCallback, alpha=alpha, stack_x=stack_x, stack_y=stack_y))
    return learn


# -- interpretation (v1's fastai/train.py; plot_top_losses and tta from fastai/vision/learner.py) ---------------
def _plt():
    import matplotlib.pyplot as plt
    return plt


class Interpretation():
    "Interpretation base class, can be inherited for task specific Interpretation classes"
    def __init__(self, learn, preds, y_true, losses, ds_type=None):
        from .basic_data import DatasetType
        ds_type = DatasetType.Valid if ds_type is None else ds_type
        self.data, self.preds, self.y_true, self.losses, self.ds_type, self.learn = \
            learn.data, preds, y_true, losses, ds_type, learn
        self.ds = (self.data.train_ds if ds_type == DatasetType.Train else
                   self.data.test_ds if ds_type == DatasetType.Test else
                   self.data.valid_ds if ds_type == DatasetType.Valid else
                   self.data.single_ds if ds_type == DatasetType.Single else
                   self.data.fix_ds)

    @classmethod
    def from_learner(cls, learn, ds_type=None, activ=None, tta=False):
        "Gets preds, y_true, losses to construct base class from a learner (`tta`: with v1's test time augmentation)."
        from .basic_data import DatasetType
        ds_type = DatasetType.Valid if ds_type is None else ds_type
        preds = (learn.TTA(ds_type=ds_type, with_loss=True) if tta else
                 learn.get_preds(ds_type=ds_type, activ=activ, with_loss=True))
        return cls(learn, *preds, ds_type=ds_type)

    def top_losses(self, k=None, largest=True):
        "`k` largest(/smallest) losses and indexes, defaulting to all losses (sorted by `largest`)."
        return self.losses.topk(len(self.losses) if k is None else k, largest=largest)


class ClassificationInterpretation(Interpretation):
    "Interpretation methods for classification models."
    def __init__(self, learn, preds, y_true, losses, ds_type=None):
        super().__init__(learn, preds, y_true, losses, ds_type)
        self.pred_class = self.preds.argmax(dim=1)

    def confusion_matrix(self, slice_size=1):
        "Confusion matrix as an `np.ndarray`."
        import torch
        x = torch.arange(0, self.data.c)
        if slice_size is None: cm = ((self.pred_class == x[:, None]) & (self.y_true == x[:, None, None])).sum(2)
        else:
            cm = torch.zeros(self.data.c, self.data.c, dtype=x.dtype)
            for i in range(0, self.y_true.shape[0], slice_size):
                cm_slice = ((self.pred_class[i:i + slice_size] == x[:, None])
                            & (self.y_true[i:i + slice_size] == x[:, None, None])).sum(2)
                torch.add(cm, cm_slice, out=cm)
        return cm.cpu().numpy()

    def plot_confusion_matrix(self, normalize=False, title="Confusion matrix", cmap="Blues", slice_size=1,
                              norm_dec=2, plot_txt=True, return_fig=None, **kwargs):
        "Plot the confusion matrix, with `title` and using `cmap`."
        import itertools
        plt = _plt()
        cm = self.confusion_matrix(slice_size=slice_size)
        if normalize: cm = cm.astype("float") / cm.sum(axis=1)[:, np.newaxis]
        fig = plt.figure(**kwargs)
        plt.imshow(cm, interpolation="nearest", cmap=cmap)
        plt.title(title)
        tick_marks = np.arange(self.data.c)
        plt.xticks(tick_marks, self.data.y.classes, rotation=90)
        plt.yticks(tick_marks, self.data.y.classes, rotation=0)
        if plot_txt:
            thresh = cm.max() / 2.
            for i, j in itertools.product(range(cm.shape[0]), range(cm.shape[1])):
                coeff = f"{cm[i, j]:.{norm_dec}f}" if normalize else f"{cm[i, j]}"
                plt.text(j, i, coeff, horizontalalignment="center", verticalalignment="center",
                         color="white" if cm[i, j] > thresh else "black")
        ax = fig.gca()
        ax.set_ylim(len(self.data.y.classes) - .5, -.5)
        plt.tight_layout()
        plt.ylabel("Actual")
        plt.xlabel("Predicted")
        plt.grid(False)
        if defaults.return_fig if return_fig is None else return_fig: return fig

    def most_confused(self, min_val=1, slice_size=1):
        "Sorted descending list of largest non-diagonal entries of confusion matrix, presented as actual, predicted, number of occurrences."
        from operator import itemgetter
        cm = self.confusion_matrix(slice_size=slice_size)
        np.fill_diagonal(cm, 0)
        res = [(self.data.classes[i], self.data.classes[j], cm[i, j]) for i, j in zip(*np.where(cm >= min_val))]
        return sorted(res, key=itemgetter(2), reverse=True)

    def plot_top_losses(self, k, largest=True, figsize=(12, 12), heatmap=False, heatmap_thresh=16, alpha=0.6,
                        cmap="magma", show_text=True, return_fig=None):
        "Show images in `top_losses` along with their prediction, actual, loss, and probability of actual class."
        import math
        if heatmap:
            raise NotImplementedError("plot_top_losses(heatmap=True) (v1's Grad-CAM) is not bridged: "
                                      "use heatmap=False, or fastai 2's `Interpretation.plot_top_losses`")
        plt = _plt()
        tl_val, tl_idx = self.top_losses(k, largest)
        classes = self.data.classes
        cols = math.ceil(math.sqrt(k))
        rows = math.ceil(k / cols)
        fig, axes = plt.subplots(rows, cols, figsize=figsize)
        if show_text: fig.suptitle("Prediction/Actual/Loss/Probability", weight="bold", size=14)
        for i, idx in enumerate(tl_idx):
            im, cl = self.ds[int(idx)]
            cl = int(cl)
            title = (f"{classes[self.pred_class[idx]]}/{classes[cl]} / {self.losses[idx]:.2f} / "
                     f"{self.preds[idx][cl]:.2f}" if show_text else None)
            im.show(ax=np.array(axes).flat[i], title=title)
        if defaults.return_fig if return_fig is None else return_fig: return fig


class MultiLabelClassificationInterpretation(Interpretation):
    "Interpretation methods for classification models."
    def __init__(self, learn, preds, y_true, losses, ds_type=None, sigmoid=True, thresh=0.3):
        # v1 (1.0.61) raised this too: its multi-label interpretation was never written
        raise NotImplementedError("MultiLabelClassificationInterpretation is not implemented in fastai v1 (1.0.61 "
                                  "raises NotImplementedError): use fastai 2's `Interpretation`")
