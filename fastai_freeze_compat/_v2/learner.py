"""fastai v1's ``Learner`` (``fastai/basic_train.py``) as a subclass of fastai 2's ``Learner``.

Every fastai 2 method still works; what v1 defined differently is written here: the v1 signature,
``layer_groups`` (lists of leaf modules, not parameter groups), ``split``, ``freeze_to`` /
``freeze`` / ``unfreeze``, ``lr_range`` and ``create_opt(lr, wd=0.)``. The optimizer's parameter
groups are the layer groups, so fastai 2's ``fit`` / ``fit_one_cycle`` see v1's groups.
"""
import numbers
from collections.abc import Iterable

import numpy as np
from fastai.learner import Learner as _Learner
from torch import nn

from .._warn import warn_bridged
from .callbacks import check_callbacks, split_callback_fns
from .checkpoint import CheckpointMixin
from .optim import AdamW, defaults, resolve_opt_func
from .summary import SummaryMixin
from .torch_core import bn_types, even_mults, flatten_model, split_model, split_no_wd_params
from .train import TrainMixin

__all__ = ["Learner"]


def _as_cbs(callback_fns, callbacks):
    # v1's callback_fns (functions of the learner, e.g. `ShowGraph`, `partial(CSVLogger, ...)`) come back as
    # `CallbackFn`s, which `TrainMixin` builds at each fit; fastai 2 callbacks are added as they are.
    return split_callback_fns(callback_fns) + check_callbacks(callbacks)


class Learner(TrainMixin, SummaryMixin, CheckpointMixin, _Learner):
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
        super().__init__(data, model, loss_func=loss_func, opt_func=opt_func, lr=defaults.lr,
                         splitter=self._layer_group_params, cbs=_as_cbs(callback_fns, callbacks),
                         metrics=metrics, path=path, model_dir=model_dir, wd=wd, wd_bn_bias=bn_wd,
                         train_bn=train_bn)
        if layer_groups: self.layer_groups = layer_groups
        # else v1's default, one group of all leaf layers, is built when first read (cnn_learner splits
        # right away, so it never needs it)

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
        self.opt = opt_func(self._layer_group_params(), lr=lrs[-1])
        wds = listify_wd(wd, len(lrs))
        self.opt.set_hypers(lr=lrs, wd=wds)
        if not self.bn_wd and hasattr(self.opt, "state"):
            for p in split_no_wd_params(self.layer_groups)[1::2]:
                for q in p: self.opt.state[q]["do_wd"] = False


class LayerGroupCountError(AssertionError, ValueError):
    """A list of values whose length is not the number of layer groups. fastai v1's `listify` raised
    `AssertionError` ("List len mismatch"); it is also a `ValueError`, what the problem is."""


def _per_group(values, n, given, what, forms):
    "`values` as `n` floats, one per layer group: a single value is repeated, a list must have `n`."
    try: res = [float(v) for v in np.array(values, dtype=float).reshape(-1)]
    except (TypeError, ValueError):
        raise TypeError(f"a {what} is {forms}, got {given!r}") from None
    if len(res) == 1: res = res * n
    if len(res) != n:
        raise LayerGroupCountError(f"got {len(res)} {what}s for {n} layer groups: pass {forms}")
    return res


def listify_wd(wd, n):
    "One weight decay per layer group, as floats, from a float or one value per group."
    return _per_group(wd, n, wd, "weight decay", "a float or one float per layer group")
