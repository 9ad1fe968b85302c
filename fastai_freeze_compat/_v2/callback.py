"""fastai v1's ``fastai/callback.py`` on fastai 2: the optimizer wrapper (v1's ``OptimWrapper`` semantics for
torch optimizers and v1's per-layer-group learning rates and weight decays), the annealing functions and
``Scheduler``, and what v1's callback system needed from a callback: built from the learner
(``LearnerCallback``, ``callback_fns``), stopping an epoch (``{'stop_epoch': True}``), v1's epoch count.

v1's optimizer defaults: ``AdamW`` was torch's Adam with ``betas=(0.9, 0.99)`` and ``eps=1e-8``, with weight
decay applied decoupled (``true_wd``) by its ``OptimWrapper``. fastai 2's ``Adam`` computes the same update
(same bias correction, ``eps`` added to the corrected root); only its defaults differ (``eps=1e-5``), so v1's
optimizer is fastai 2's ``Adam`` with v1's hyper-parameters (``torch_core.AdamW``).

fastai 2 kept v1's annealing curves (``sched_cos`` is v1's ``annealing_cos``, ``sched_exp`` its
``annealing_exp``) but moved from v1's discrete schedule to a continuous one; v1's ``Scheduler`` stepped a
counter after each batch, as the schedules here do (``callbacks/one_cycle.py``, ``callbacks/lr_finder.py``).
"""
import inspect
from functools import partial

import numpy as np
import torch
from fastai.callback.core import Callback, CancelTrainException
from fastai.callback.schedule import sched_cos, sched_exp, sched_lin, sched_no
from fastai.learner import Learner as _Learner
from fastai.optimizer import OptimWrapper

__all__ = ["V1OptimWrapper", "resolve_opt_func", "Scheduler", "set_hyper", "stop_epoch", "v1_epoch", "CallbackFn", "split_callback_fns",
           "check_callbacks", "build_callback", "LayerGroupCountError", "listify_wd"]

def _is_torch_optimizer(opt_func):
    f = opt_func.func if isinstance(opt_func, partial) else opt_func
    return inspect.isclass(f) and issubclass(f, torch.optim.Optimizer)

def _accepts(opt_func, name):
    f = opt_func.func if isinstance(opt_func, partial) else opt_func
    try: return name in inspect.signature(f).parameters
    except (TypeError, ValueError): return False

def resolve_opt_func(opt_func, true_wd):
    "Turn a v1 `opt_func` into a fastai 2 optimizer factory `f(param_groups, lr=..., wd=...)`."
    if not callable(opt_func):
        raise TypeError(f"opt_func must be callable (e.g. `fv.AdamW` or `partial(optim.SGD, momentum=0.9)`), "
                        f"got {opt_func!r}")
    if _is_torch_optimizer(opt_func):
        # A torch optimizer, as v1 notebooks pass them: fastai 2 drives those through OptimWrapper, which
        # hands `wd` to torch as `weight_decay` for every parameter: v1's `true_wd` decoupled it, and its
        # `bn_wd=False` left BatchNorm and bias parameters alone.
        return partial(V1OptimWrapper, opt=opt_func, true_wd=bool(true_wd))
    if _accepts(opt_func, "decouple_wd"):
        return partial(opt_func, decouple_wd=bool(true_wd))
    return opt_func

class V1OptimWrapper(OptimWrapper):
    """fastai 2's `OptimWrapper` around a torch optimizer, with weight decay applied as v1's `OptimWrapper`
    did. `true_wd=True` (v1's default): decoupled, each trainable parameter times `1 - lr * wd` before the
    torch step. `true_wd=False`: L2, `wd * p` added to the gradient, as torch's own `weight_decay`. Either
    way BatchNorm and bias parameters marked `do_wd=False` (`bn_wd=False`) are not decayed, which fastai 2's
    `OptimWrapper` (torch's `weight_decay` on every parameter of a group) cannot express."""

    def __init__(self, params=None, opt=None, true_wd=True, **kwargs):
        super().__init__(params, opt, **kwargs)
        self.true_wd = true_wd
        for pg in self.opt.param_groups:
            pg["v1_wd"] = pg.get("weight_decay", 0.)
            pg["weight_decay"] = 0.
        # the `wd` hyper-parameter is ours now; torch's `weight_decay` keeps its own name (and stays 0)
        self.fwd_map = {**self.fwd_map, "weight_decay": "weight_decay", "v1_wd": "wd"}
        self.bwd_map = {v: k for k, v in self.fwd_map.items()}

    def step(self, closure=None):
        with torch.no_grad():
            for pg in self.opt.param_groups:
                lr, wd = pg["lr"], pg["v1_wd"]
                if not wd: continue
                for p in pg["params"]:
                    if not (p.requires_grad and self.state[p].get("do_wd", True)): continue
                    if self.true_wd: p.mul_(1 - lr * wd)
                    elif p.grad is not None: p.grad.add_(p, alpha=wd)
        return self.opt.step(closure)

# -- per-layer-group values -------------------------------------------------------------------
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

# -- v1's schedules -----------------------------------------------------------------------------
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

# -- callbacks built from the learner (v1's LearnerCallback, callback_fns) ---------------------
class _LearnerCallback:
    "Marks a callback class built v1's way, from the learner: `Cls(learn, ...)`."
    def _check_learn(self, learn):
        if not isinstance(learn, _Learner):
            name = type(self).__name__
            raise TypeError(f"{name} takes the Learner first, as in fastai v1: `{name}(learn, ...)`, got {learn!r:.60}; "
                            f"or put `{name}` (or `partial({name}, ...)`) in `callback_fns`")

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
