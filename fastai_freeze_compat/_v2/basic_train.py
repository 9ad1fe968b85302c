"""fastai v1's ``Learner`` (``fastai/basic_train.py``) as a subclass of fastai 2's ``Learner``.

Every fastai 2 method still works; what v1 defined differently is written here: the v1 signature,
``layer_groups`` (lists of leaf modules, not parameter groups), ``split``, ``freeze_to`` /
``freeze`` / ``unfreeze``, ``lr_range`` and ``create_opt(lr, wd=0.)``. The optimizer's parameter
groups are the layer groups, so fastai 2's ``fit`` / ``fit_one_cycle`` see v1's groups.

v1's ``Recorder`` (also ``fastai/basic_train.py``) is a subclass of fastai 2's ``Recorder``. fastai 2's Recorder already records v1's ``lrs`` (the last layer group's learning rate of each
training batch) and ``losses`` (the smoothed training loss, beta 0.98, debiased), and prints the
same table; this adds what v1 also kept (``moms``, ``val_losses``, ``metrics``, ``nb_batches``,
``names``, ``metrics_names``) and v1's plots (``plot``, ``plot_lr``, ``plot_losses``,
``plot_metrics``, ``min_grad_lr``). v1's ``recorder.metrics`` (the values per epoch) shadows fastai
2's ``recorder.metrics`` (the learner's metric objects), so this class reads those from the learner.
"""
import numbers
import weakref
from collections.abc import Iterable
from contextlib import contextmanager
from functools import partial

import numpy as np
import torch
from fastai.callback.core import Callback as _Callback
from fastai.learner import Learner as _Learner
from fastai.learner import defaults as _fastai_defaults
from fastai.learner import Recorder as _Recorder
from fastai.learner import AvgMetric, Metric, _maybe_item
from fastcore.basics import PrettyString, camel2snake
from fastcore.foundation import L
from torch import nn

from .._warn import warn_bridged
from ._checkpoint import CheckpointMixin
from ._export import ExportMixin, load_callback, load_learner
from ._predict import PredictMixin
from ._guards import StopOnNonFiniteLoss, check_lr, check_wd, closing_callbacks
from .callback import (AverageMetric, Callback, CallbackFn, _LearnerCallback, _unpack, _v1_state, as_v1_optimizer, build_callback,
                       check_callbacks, listify_wd, resolve_opt_func, _per_group, split_callback_fns, v1_epoch)
from .callbacks.hooks import SummaryMixin, _opt_func_str
from .callbacks.tracker import TerminateOnNaNCallback
from .core import check_epochs, defaults, even_mults
from .distributed import DistributedMixin
from .torch_core import AdamW, bn_types, flatten_model, split_model, split_no_wd_params
from .train import TrainMixin

__all__ = ["Learner", "Recorder", "FitMixin", "LearnerCallback", "load_learner", "load_callback"]

def _as_cbs(callback_fns, callbacks):
    # v1's callback_fns (functions of the learner, e.g. `ShowGraph`, `partial(CSVLogger, ...)`) come back as
    # `CallbackFn`s, which `TrainMixin` builds at each fit; fastai 2 callbacks are added as they are.
    return split_callback_fns(callback_fns) + check_callbacks(callbacks)

class _CallbackList(list):
    "v1's `learn.callbacks`: the learner's own callbacks; `append` / `remove` add them to / remove them from it."
    def __init__(self, learn, cbs):
        super().__init__(cbs)
        self.learn = learn

    def append(self, cb):
        if isinstance(cb, (list, tuple)):
            # v1's `learn.callbacks` was a plain list: `append([cb])` kept the list, and the next fit failed on it
            # (`'list' object has no attribute 'on_train_begin'`); so does this learner's next fit
            self.learn.__dict__.setdefault("_v1_not_callbacks", []).append(cb)
        else: self.learn.add_cbs(check_callbacks([cb], "learn.callbacks.append"))
        super().append(cb)

    def extend(self, cbs):
        for cb in cbs: self.append(cb)

    def remove(self, cb):
        super().remove(cb)
        bad = self.learn.__dict__.get("_v1_not_callbacks", [])
        if any(b is cb for b in bad): bad[:] = [b for b in bad if b is not cb]
        else: self.learn.remove_cb(cb)


class LearnerCallback(_LearnerCallback, Callback):
    "Base class for creating callbacks for a `Learner`."
    def __init__(self, learn):
        self._check_learn(learn)
        self.learn = learn
        self.exclude, self.not_min = ["_learn"], []
        setattr(self.learn, self.cb_name, self)

    # fastai 2 sets `cb.learn` when the callback is added; v1 held the learner by a weak reference
    @property
    def learn(self):
        ref = self.__dict__.get("_learn")
        return None if ref is None else ref()

    @learn.setter
    def learn(self, learn): self.__dict__["_learn"] = None if learn is None else weakref.ref(learn)

    def __setstate__(self, data): self.__dict__.update(data)

    @property
    def cb_name(self): return camel2snake(self.__class__.__name__)


def _v1_metric(m):
    "v1's `metrics` entry as a fastai 2 metric: a function is v1's `AverageMetric` (v1's name), a v1 callback adapted."
    if isinstance(m, Metric): return m
    if isinstance(m, Callback): return V1MetricCallback(m)
    if isinstance(m, type) and issubclass(m, Metric): return m()
    if callable(m): return AverageMetric(m)
    raise TypeError(f"metrics takes functions of (output, target) or metric callbacks, got {m!r:.80}")


class V1MetricCallback(Metric):
    """A v1 metric written as a `Callback` (`on_epoch_begin` / `on_batch_end(last_output, last_target)` /
    `on_epoch_end(last_metrics)` returning `{'last_metrics': last_metrics + [value]}`), as a fastai 2 `Metric`:
    `on_train_begin` / `on_train_end` at the fit's start and end (v1's `ConfusionMatrix` sets up there), named
    as v1's recorder named it (the `name` it set, else `camel2snake` of its class: `f_beta`, `kappa_score`)."""
    def __init__(self, cb): self.cb = cb

    def __getstate__(self):
        # the learner of the last fit is not part of the metric (`learn.export()` pickles the metrics)
        return {k: v for k, v in self.__dict__.items() if k not in ("learn", "_done")}

    @property
    def name(self): return self.cb.__dict__.get("_v1_name") or camel2snake(type(self.cb).__name__)

    def _state(self, **kwargs):
        learn = getattr(self, "learn", None)
        st = learn.__dict__.get("_v1_cb_state") if learn is not None else None
        return {**(st.d if st is not None else {}), **kwargs}

    def begin_fit(self, learn):
        "v1's `on_train_begin`, at the start of a fit (and of `validate`, as v1's)."
        self.learn = learn
        self.cb.on_train_begin(**self._state(n_epochs=getattr(learn, "n_epoch", 1), pbar=None))

    def end_fit(self, exception=False):
        "v1's `on_train_end` (`exception`: the exception that ended the fit, False if none)."
        self.cb.on_train_end(**self._state(exception=exception))

    def reset(self):
        self.cb.on_epoch_begin(**self._state())
        self._done = None

    def accumulate(self, learn):
        self.learn = learn
        self.cb.on_batch_end(**self._state(last_input=_unpack(learn.xb), last_output=learn.pred, last_target=_unpack(learn.yb),
                                           last_loss=learn.loss, train=False))

    @property
    def value(self):
        # computed once per epoch: v1 called `on_epoch_end` once (MultiLabelFbeta adds its eps to its totals there)
        if getattr(self, "_done", None) is None:
            res = self.cb.on_epoch_end(**self._state(last_metrics=[]))
            mets = list((res or {}).get("last_metrics", []))
            v = mets[0] if len(mets) == 1 else mets if mets else None
            # v1's table printed every value but a Python int as a float (`f'{stat:.6f}'`): an int tensor too
            if isinstance(v, torch.Tensor) and v.ndim == 0: v = float(v)
            self._done = [v]
        return self._done[0]


class _Plain:
    "A value as fastai 2's `_maybe_item` reads a metric (its `.value`)."
    def __init__(self, value): self.value = value


class _V1MetricList(L):
    "The learner's metrics: `learn.metrics.append(m)` (v1's list) adapts `m` as the `metrics=` argument does."
    def append(self, m): self.items.append(_v1_metric(m))

    def insert(self, i, m): self.items.insert(i, _v1_metric(m))

    def extend(self, ms): self.items.extend([_v1_metric(m) for m in ms])

    def __setitem__(self, idx, m):
        if isinstance(idx, int): m = _v1_metric(m)
        return super().__setitem__(idx, m)


def _v1_metric_cbs(learn): return [m for m in getattr(learn, "metrics", []) if isinstance(m, V1MetricCallback)]


class FitMixin:
    "v1's `fit` and `learn.callbacks` (`fastai/basic_train.py`), with v1's Recorder; mixed into `Learner`."

    def __init__(self, *args, cbs=None, default_cbs=True, **kwargs):
        cbs = list(cbs or [])
        # `_as_cbs` hands over v1's `callback_fns` as `CallbackFn`s: built at each fit.
        self.callback_fns = [c.fn for c in cbs if isinstance(c, CallbackFn)]
        cbs = [c for c in cbs if not isinstance(c, CallbackFn)] + check_callbacks(defaults.extra_callbacks)
        if default_cbs:
            # fastai 2's default callbacks, with v1's Recorder in place of fastai 2's.
            builtin = [Recorder if c is _Recorder else c for c in _fastai_defaults.callbacks]
            cbs = builtin + cbs
        super().__init__(*args, cbs=cbs, default_cbs=False, **kwargs)

    # -- callbacks --------------------------------------------------------------------------------
    @property
    def callbacks(self):
        "The learner's callbacks, without fastai 2's built-in ones (v1 kept those out of `learn.callbacks`)."
        builtin = tuple(_fastai_defaults.callbacks)
        return _CallbackList(self, [cb for cb in self.cbs if not isinstance(cb, builtin)]
                             + list(self.__dict__.get("_v1_not_callbacks", [])))

    @callbacks.setter
    def callbacks(self, cbs):
        cbs = check_callbacks(cbs, "learn.callbacks")
        self.__dict__.pop("_v1_not_callbacks", None)
        self.remove_cbs([cb for cb in self.callbacks if isinstance(cb, _Callback)])
        self.add_cbs(cbs)

    def _fit_callbacks(self, callbacks, cbs):
        for bad in self.__dict__.get("_v1_not_callbacks", []):
            raise AttributeError(f"'{type(bad).__name__}' object has no attribute 'on_train_begin': learn.callbacks holds "
                                 f"{bad!r:.80}, which is not a callback (`learn.callbacks.append([cb])` appends the list "
                                 "itself); append callbacks one by one, or use `learn.callbacks.extend([...])`")
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

    def fit(self, epochs, lr=defaults.lr, wd=None, callbacks=None, *, cbs=None, reset_opt=False, start_epoch=0,
            stop_on_nan=True):
        """Fit the model on this learner with `lr` learning rate, `wd` weight decay for `epochs` with `callbacks`.
        A NaN or infinite training loss stops the fit with a `FloatingPointError` unless `stop_on_nan=False`."""
        warn_bridged("kw.epochs", "default.lr", "default.adam_eps", "default.wd_bn_bias")
        check_epochs("epochs", epochs)
        check_lr("lr", lr)
        check_wd("wd", wd)
        lrs = self._lr_list(self.lr if lr is None else lr)     # None: fastai 2's "the learner's lr"
        if wd is None: wd = self.wd
        wds = listify_wd(wd, len(lrs))
        if len(self.dls.train) == 0:
            dl = self.dls.train
            bs = getattr(dl, "bs", getattr(dl, "batch_size", None))
            raise AssertionError(f"Your training dataloader is empty, can't train a model. Use a smaller batch size "
                                 f"(batch size={bs} for {len(dl.dataset)} elements).")
        cbs = self._fit_callbacks(callbacks, cbs)
        # v1's TerminateOnNaNCallback stops such a fit its own way (quietly, after that batch): it takes over
        v1_nan = any(isinstance(cb, TerminateOnNaNCallback) for cb in list(cbs) + list(self.cbs))
        cbs += [StopOnNonFiniteLoss()] if stop_on_nan and not v1_nan else []
        # v1 built the optimizer once; later fits (and fastai 2's `fit`) only set its lr and wd.
        if reset_opt or not self.opt: self.create_opt(lrs, wds)
        self._v1_start_epoch = 0
        try:
            with closing_callbacks(self, cbs), self._quiet():
                super().fit(epochs, lr=lrs, wd=wds, cbs=cbs, reset_opt=False, start_epoch=start_epoch)
        finally:
            # v1 callbacks stayed reachable as `learn.<snake_case name>` (`learn.csv_logger.read_logged_file()`);
            # fastai 2 removes a fit's callbacks, and their names, when the fit ends.
            for cb in cbs:
                if isinstance(cb, _LearnerCallback): self.__dict__[camel2snake(type(cb).__name__)] = cb


class Learner(FitMixin, TrainMixin, SummaryMixin, CheckpointMixin, DistributedMixin, PredictMixin, ExportMixin,
              _Learner):
    "Trainer for `model` using `data` to minimize `loss_func` with optimizer `opt_func` (fastai v1 API)."

    def __init__(self, data, model, opt_func=AdamW, loss_func=None, metrics=None, true_wd=True, bn_wd=True,
                 wd=defaults.wd, train_bn=True, path=None, model_dir="models", callback_fns=None,
                 callbacks=None, layer_groups=None, add_time=True, silent=None):
        warn_bridged("default.adam_eps", "default.wd_bn_bias", "default.wd")
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        self.true_wd, self.add_time, self.silent = true_wd, add_time, silent
        self.__dict__["_layer_groups"] = None
        # v1 put the model on the data's device at construction.
        device = getattr(data, "device", None)
        if device is not None: model = model.to(device)
        # v1: `loss_func or data.loss_func` (a DataBunch falls back to F.nll_loss where its labels name none)
        if loss_func is None: loss_func = getattr(data, "loss_func", None)
        super().__init__(data, model, loss_func=loss_func, opt_func=opt_func, lr=defaults.lr,
                         splitter=self._layer_group_params, cbs=_as_cbs(callback_fns, callbacks),
                         metrics=metrics, path=path, model_dir=model_dir, wd=wd, wd_bn_bias=bn_wd,
                         train_bn=train_bn)
        if layer_groups: self.layer_groups = layer_groups
        # else v1's default, one group of all leaf layers, is built when first read (cnn_learner splits
        # right away, so it never needs it)

    # -- v1's repr ----------------------------------------------------------------------------------
    #: v1's `Learner` fields (a dataclass, 1.0.61's: 1.0.48 had no `silent`), in v1's order.
    V1_FIELDS = ("data", "model", "opt_func", "loss_func", "metrics", "true_wd", "bn_wd", "wd", "train_bn", "path",
                 "model_dir", "callback_fns", "callbacks", "layer_groups", "add_time", "silent")

    def _v1_silent(self): return defaults.silent if self.silent is None else self.silent

    def _v1_field(self, name):
        "What v1's dataclass field `name` held, for `repr`."
        if name == "data": return self.dls
        # v1's default opt_func printed as `functools.partial(<class 'torch.optim.adam.Adam'>, betas=(0.9, 0.99))`
        if name == "opt_func": return PrettyString(_opt_func_str(self.opt_func))
        # v1 kept the metric functions as passed; fastai 2 wraps each function in an `AvgMetric`
        # (and a v1 metric callback, which the package adapts, as itself)
        if name == "metrics":
            return [m.func if isinstance(m, AvgMetric) else m.cb if isinstance(m, V1MetricCallback) else m
                    for m in self.metrics]
        # v1 put its Recorder first among the callback functions (`partial(Recorder, add_time=..., silent=...)`)
        if name == "callback_fns":
            return [partial(Recorder, add_time=self.add_time, silent=self._v1_silent())] + list(self.callback_fns)
        if name == "callbacks": return list(self.callbacks)
        if name == "silent": return self._v1_silent()
        return getattr(self, name)

    def __repr__(self):
        # v1's dataclass repr: `Learner(data=ImageDataBunch;..., model=Sequential(...), ..., silent=False)`
        return f"{type(self).__qualname__}(" + ", ".join(f"{n}={self._v1_field(n)!r}" for n in self.V1_FIELDS) + ")"

    # -- metrics ------------------------------------------------------------------------------------
    @property
    def metrics(self): return self._metrics

    @metrics.setter
    def metrics(self, v):
        # v1 named a function metric after `func.__name__` (`AverageMetric`) and ran metric callbacks
        self._metrics = _V1MetricList(L(v).map(_v1_metric))

    # -- v1 names for fastai 2 attributes -------------------------------------------------------
    @property
    def data(self):
        "The `DataLoaders` (v1: `DataBunch`) this learner trains on."
        warn_bridged("name.data")
        return self.dls

    @data.setter
    def data(self, v): self.dls = v

    @property
    def bn_wd(self):
        "Apply weight decay to BatchNorm and bias parameters too (v1 default: True)."
        return self.wd_bn_bias

    @bn_wd.setter
    def bn_wd(self, v): self.wd_bn_bias = v

    # -- layer groups -----------------------------------------------------------------------------
    @property
    def layer_groups(self):
        "v1's layer groups: a list of `nn.Sequential`, each holding leaf modules of the model."
        warn_bridged("behaviour.layer_groups")
        groups = self.__dict__.get("_layer_groups")
        if groups is None:
            groups = self.__dict__["_layer_groups"] = [nn.Sequential(*flatten_model(self.model))]
        return groups

    @layer_groups.setter
    def layer_groups(self, groups):
        if isinstance(groups, nn.Module) or not isinstance(groups, Iterable):
            raise TypeError("layer_groups must be a list of modules (e.g. `[nn.Sequential(...), ...]`), "
                            f"got {type(groups).__name__}")
        groups = list(groups)
        bad = [type(g).__name__ for g in groups if not isinstance(g, nn.Module)]
        if not groups or bad:
            raise TypeError("layer_groups must be a non-empty list of nn.Module"
                            + (f"; got {', '.join(bad)}" if bad else ""))
        self.__dict__["_layer_groups"] = groups
        # The optimizer's groups are the layer groups: the next fit builds it over the new ones.
        self.opt = None

    def _layer_group_params(self, model=None):
        return [list(g.parameters()) for g in self.layer_groups]

    def split(self, split_on):
        "Split the model at `split_on`: modules to split at, or a function of the model returning them."
        warn_bridged("kw.split_on")
        if callable(split_on) and not isinstance(split_on, nn.Module): split_on = split_on(self.model)
        self.layer_groups = split_model(self.model, split_on)
        return self

    # -- freezing -------------------------------------------------------------------------------
    def freeze_to(self, n):
        "Freeze layers up to layer group `n`."
        warn_bridged("default.train_bn_types", "behaviour.frozen_in_optimizer")
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"freeze_to(n) takes the integer index of a layer group, got {n!r} "
                            f"({type(n).__name__}); this learner has {len(self.layer_groups)} groups, "
                            "so use e.g. `learn.freeze_to(-1)` or `learn.freeze_to(1)`")
        if hasattr(self.model, "reset"): self.model.reset()
        for g in self.layer_groups[:n]:
            for l in g:
                if not self.train_bn or not isinstance(l, bn_types): l.requires_grad_(False)   # v1: requires_grad(l, False)
        for g in self.layer_groups[n:]: g.requires_grad_(True)
        # v1's optimizer held only trainable parameters; fastai 2's holds all and still steps (and
        # weight-decays) any parameter that keeps a gradient, so frozen ones drop theirs.
        for p in self.model.parameters():
            if not p.requires_grad: p.grad = None
        self.create_opt(defaults.lr)
        k = len(self.layer_groups)
        self.opt.frozen_idx = min(n if n >= 0 else max(k + n, 0), k)

    def freeze(self):
        "Freeze up to last layer group."
        warn_bridged("behaviour.freeze_one_group", "default.train_bn_types", "behaviour.frozen_in_optimizer")
        if len(self.layer_groups) <= 1:
            raise AssertionError(f"freeze() needs more than one layer group, this learner has "
                                 f"{len(self.layer_groups)}: split the model first, e.g. "
                                 "`learn.split(lambda m: (m[1],))`, or use `learn.freeze_to(n)`")
        self.freeze_to(-1)

    def unfreeze(self):
        "Unfreeze entire model."
        self.freeze_to(0)

    # -- optimizer --------------------------------------------------------------------------------
    def lr_range(self, lr):
        "Build differential learning rates from `lr`."
        if not isinstance(lr, slice): return lr
        if not (isinstance(lr.stop, numbers.Real) and lr.stop > 0 and (not lr.start or lr.start > 0)):
            raise ValueError(f"learning rates must be positive, got {lr!r}: a slice spreads them over the layer "
                             "groups, e.g. `slice(1e-5, 1e-3)` (geometric) or `slice(1e-3)` (1e-4 ... 1e-4, 1e-3)")
        n = len(self.layer_groups)
        if lr.start: res = even_mults(lr.start, lr.stop, n)
        else: res = [lr.stop / 10] * (n - 1) + [lr.stop]
        return np.array(res)

    def _lr_list(self, lr):
        "One learning rate per layer group, as floats, from a float, a slice or one value per group."
        lrs = _per_group(self.lr_range(lr), len(self.layer_groups), lr, "learning rate",
                         "a float, a slice or one float per layer group")
        bad = [v for v in lrs if not v > 0]
        if bad:
            raise ValueError(f"learning rates must be positive, got {lr!r}: pass e.g. `1e-3` or `slice(1e-5, 1e-3)`")
        return lrs

    def _check_no_shared_trainable(self):
        owner = {}
        for i, g in enumerate(self.layer_groups):
            for p in g.parameters():
                if p.requires_grad and owner.setdefault(id(p), i) != i:
                    j = owner[id(p)]
                    first = next(n for n, q in self.layer_groups[j].named_parameters() if q is p)
                    # v1's torch optimizer refused this too ("some parameters appear in more than one
                    # parameter group"); fastai 2's would silently update the parameter twice per step.
                    raise ValueError(f"parameter {first!r} of layer group {j} is also in layer group {i}: "
                                     "each trainable layer must be in one layer group only; put shared "
                                     "layers in a single group (learn.layer_groups = [...]) or freeze them")

    def create_opt(self, lr=None, wd=0.):
        "Create optimizer with `lr` learning rate and `wd` weight decay."
        self._check_no_shared_trainable()
        # fastai 2 calls `create_opt()` without arguments (fit, fit_one_cycle): then use `self.lr`.
        lrs = self._lr_list(self.lr if lr is None else lr)
        opt_func = resolve_opt_func(self.opt_func, self.true_wd)
        self.opt = as_v1_optimizer(opt_func(self._layer_group_params(), lr=lrs[-1]))   # v1's `opt.lr`, `opt.mom`, ...
        wds = listify_wd(wd, len(lrs))
        self.opt.set_hypers(lr=lrs, wd=wds)
        if not self.bn_wd and hasattr(self.opt, "state"):
            for p in split_no_wd_params(self.layer_groups)[1::2]:
                for q in p: self.opt.state[q]["do_wd"] = False

# -- v1's Recorder ------------------------------------------------------------------------------
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
        names += getattr(self, "_added_met_names", [])
        if self.add_time: names.append("time")
        self.metric_names = "epoch" + names
        self.smooth_loss.reset()
        for m in _v1_metric_cbs(self.learn): m.begin_fit(self.learn)

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
        # v1 (1.0.61) printed one `#na#` for an epoch without validation (lr_find), whatever the number of
        # metrics: its row was `[epoch, smooth_loss, None]` (`0  3.398575  #na#  00:04`), shorter than the header.
        if self.cancel_valid: self.log += ["#na#"]
        else:
            self._valid = [_maybe_item(m) for m in self._valid_mets]
            if any(v is None or isinstance(v, list) for v in self._valid[1:]):
                # v1's metric callbacks added their values to `last_metrics`: none (ConfusionMatrix keeps its matrix
                # in `.metric`) or several (`Precision(average=None)`: one per class), each a value of the row
                n, kept = len(self._valid), [self._valid[0]]
                for v in self._valid[1:]:
                    kept += [] if v is None else [_maybe_item(_Plain(o)) for o in v] if isinstance(v, list) else [v]
                self.log, self._valid = L(list(self.log)[:-n] + kept), kept

    def after_epoch(self):
        "Save epoch info: num_batch, valid loss, metrics."
        super().after_epoch()
        self.nb_batches.append(self._num_batch)
        if not self._valid or self._valid[0] is None: self.val_losses.append(None)
        else:
            self.val_losses.append(np.float32(self._valid[0]))
            if len(self._valid) > 1: self.metrics.append([_tensor(v) for v in self._valid[1:]])

    def after_fit(self):
        if hasattr(super(), "after_fit"): super().after_fit()
        self.__dict__.pop("_added_met_names", None)     # v1 built a new Recorder for each fit
        for m in _v1_metric_cbs(self.learn): m.end_fit(False)

    def _on_fit_error(self, exc):
        "v1 ran its metrics' `on_train_end` after an exception too (`exception=False` for a KeyboardInterrupt)."
        for m in _v1_metric_cbs(self.learn): m.end_fit(exc if isinstance(exc, Exception) else False)

    def add_metric_names(self, names):
        "Add `names` to the inner metric names."
        # v1's callbacks call it in `on_train_begin`, before this Recorder builds the header (v1 kept them too)
        self.__dict__["_added_met_names"] = list(getattr(self, "_added_met_names", [])) + list(names)
        if hasattr(self, "metric_names"):
            i = len(self.metric_names) - (1 if self.add_time else 0)
            self.metric_names = L(list(self.metric_names)[:i] + list(names) + list(self.metric_names)[i:])

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
