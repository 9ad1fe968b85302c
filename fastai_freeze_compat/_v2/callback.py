"""fastai v1's ``fastai/callback.py`` on fastai 2: the optimizer wrapper (v1's ``OptimWrapper`` semantics for
torch optimizers and v1's per-layer-group learning rates and weight decays), the annealing functions and
``Scheduler``, and what v1's callback system needed from a callback: built from the learner
(``LearnerCallback``, ``callback_fns``), stopping an epoch (``{'stop_epoch': True}``), v1's epoch count.

v1's ``Callback`` runs on fastai 2's loop with v1's keyword state and v1's loop: one callback (or class) where a
list was expected is a list of one (v1's ``listify``), ``{'skip_zero': True}`` keeps the gradients for the next
batch, ``on_train_end(exception=e)`` runs after an exception too (``False`` after a ``KeyboardInterrupt``, as v1's
``except Exception`` / ``finally``), an exception reaches the caller unchanged (fastai 2 rewrites its message), and
a callback may set its ``name`` (a v1 metric names its column so). ``OptimWrapper`` gives the learner's fastai 2
optimizer v1's ``lr`` / ``mom`` / ``beta`` / ``wd`` properties (``as_v1_optimizer``).

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
from fastai.callback.core import Callback as _Callback
from fastai.callback.core import (CancelBackwardException, CancelBatchException, CancelFitException, CancelStepException, CancelTrainException,
                                 CancelValidException)
from fastai.callback.core import _inner_loop
from fastai.callback.schedule import sched_cos, sched_exp, sched_lin, sched_no
from fastai.learner import AvgMetric
from fastai.learner import Learner as _Learner
from fastcore.basics import camel2snake
from fastcore.foundation import L
from fastai.optimizer import OptimWrapper as _OptimWrapper

from .core import func_args

__all__ = ["V1OptimWrapper", "OptimWrapper", "as_v1_optimizer", "resolve_opt_func", "Scheduler", "set_hyper", "stop_epoch", "v1_epoch", "CallbackFn", "split_callback_fns",
           "check_callbacks", "build_callback", "LayerGroupCountError", "listify_wd",
           "Callback", "SmoothenValue", "CallbackHandler", "AverageMetric", "do_annealing_poly", "annealing_poly"]

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

class V1OptimWrapper(_OptimWrapper):
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

# -- v1's OptimWrapper: its hyper-parameter properties on fastai 2's optimizer ----------------------
# v1's `OptimWrapper` key (torch's name) -> fastai 2's hyper-parameter (fastai 2's `OptimWrapper` maps the same way)
_V1_KEYS = {"lr": "lr", "momentum": "mom", "alpha": "sqr_mom", "weight_decay": "wd"}

class OptimWrapper:
    """v1's `OptimWrapper` API (`fastai/callback.py`) on the learner's fastai 2 optimizer: `learn.opt.lr`,
    `.mom`, `.beta`, `.wd` read the last layer group's value and set every group's (one value, or one per
    layer group), `read_val(key)` lists a torch key's value per layer group. `learn.opt` is fastai 2's own
    optimizer (its class mixed with this one, `as_v1_optimizer`); the hyper-parameters are fastai 2's:
    `mom` is Adam's first beta or the momentum, `beta` Adam's second beta or RMSprop's alpha (fastai 2's `sqr_mom`)."""

    def __new__(cls, *args, **kwargs):
        if cls is OptimWrapper:
            raise TypeError("OptimWrapper is the v1 API of a learner's optimizer: use `learn.create_opt(lr, wd)` "
                            "(then `learn.opt.lr`, `learn.opt.mom`, ...) or `OptimWrapper.create(opt_func, lr, layer_groups)`")
        return super().__new__(cls)

    @classmethod
    def create(cls, opt_func, lr, layer_groups, wd=0., true_wd=False, bn_wd=True):
        "Create an optimizer from `opt_func` over the parameters of `layer_groups` with `lr` (one or one per group)."
        from .torch_core import split_no_wd_params
        params = [list(g.parameters()) for g in layer_groups]
        n = len(params)
        opt = as_v1_optimizer(resolve_opt_func(opt_func, true_wd)(params, lr=float(np.array(lr).reshape(-1)[-1])))
        opt.lr, opt.wd = lr, wd
        if not bn_wd and hasattr(opt, "state"):
            for p in split_no_wd_params(layer_groups)[1::2]:
                for q in p: opt.state[q]["do_wd"] = False
        assert len(opt.hypers) == n
        return opt

    def _get(self, key):
        stale = self.__dict__.get("_v1_props", {})
        return stale[key] if key in stale else self.hypers[-1].get(key)

    def set_hyper(self, k, v):
        self.__dict__.get("_v1_props", {}).pop(k, None)
        return super().set_hyper(k, v)

    def load_state_dict(self, sd):
        """Load the optimizer's state (and its hyper-parameters, which the next steps use). v1's `OptimWrapper`
        kept its own `lr` / `mom` / `beta` / `wd` through a load (`lr_find` reloads the state it saved, and
        `learn.opt.lr` then still reads the last learning rate it tried), until they are set again (`fit` does)."""
        keep = {k: self.hypers[-1].get(k) for k in ("lr", "mom", "sqr_mom", "wd")}
        parent = getattr(super(), "load_state_dict", None)   # fastai 2's OptimWrapper hands it to the torch optimizer
        res = parent(sd) if parent is not None else self.opt.load_state_dict(sd)
        self.__dict__["_v1_props"] = keep
        return res

    def _set(self, key, val):
        if key not in self.hypers[0]: return
        self.set_hyper(key, [float(v) for v in _per_group(val, len(self.hypers), val, key, "a float or one float per layer group")])

    @property
    def lr(self): return self._get("lr")

    @lr.setter
    def lr(self, val): self._set("lr", val)

    @property
    def mom(self): return self._get("mom")

    @mom.setter
    def mom(self, val): self._set("mom", val)

    @property
    def beta(self): return self._get("sqr_mom")

    @beta.setter
    def beta(self, val):
        if val is not None: self._set("sqr_mom", val)

    @property
    def wd(self): return self._get("wd")

    @wd.setter
    def wd(self, val): self._set("wd", val)

    def read_val(self, key):
        "The value of v1's (torch's) hyper-parameter `key` per layer group (`'betas'`: the two lists)."
        if key == "betas": return [h.get("mom") for h in self.hypers], [h.get("sqr_mom") for h in self.hypers]
        return [h.get(_V1_KEYS.get(key, key)) for h in self.hypers]

    def get_stat(self, name):
        "v1's `get_stat`: `lr`, `mom`, `beta`, `wd` or another hyper-parameter of the last layer group."
        if name in ("lr", "mom", "beta", "wd"): return getattr(self, name)
        return self._get(name)

    def set_stat(self, name, value):
        "v1's `set_stat`: set `lr`, `mom`, `beta`, `wd` or another hyper-parameter of every layer group."
        if name in ("lr", "mom", "beta", "wd"): setattr(self, name, value)
        else: self._set(name, value)

_V1_OPT_CLASSES = {}

def as_v1_optimizer(opt):
    "`opt` (a fastai 2 optimizer) with v1's `OptimWrapper` properties: its class mixed with `OptimWrapper`."
    cls = type(opt)
    if isinstance(opt, OptimWrapper): return opt
    new = _V1_OPT_CLASSES.get(cls)
    if new is None:
        new = _V1_OPT_CLASSES[cls] = type(cls.__name__, (OptimWrapper, cls), {"__module__": cls.__module__,
                                                                               "__qualname__": cls.__qualname__})
    opt.__class__ = new
    return opt

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

def _listify_cbs(cbs):
    "v1's `listify`: one callback (or callback class) alone is a list of one (`fit(1, callbacks=cb)`)."
    if cbs is None: return []
    if isinstance(cbs, (_Callback, type, partial)) or not isinstance(cbs, (list, tuple, L)) and callable(cbs): return [cbs]
    return list(cbs)

def split_callback_fns(callback_fns):
    """v1's `callback_fns` as fastai 2 callbacks (fastai 2 `Callback` classes, added once) and
    `CallbackFn`s (v1 callback classes, partials of them, or functions of the learner: built per fit)."""
    res = []
    for f in _listify_cbs(callback_fns):
        if isinstance(f, _Callback):
            res.append(f)                                 # already built: fastai 2 keeps it
        elif _is_class(f, _Callback) and not _is_class(f, _LearnerCallback):
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
    for cb in _listify_cbs(callbacks):
        if isinstance(cb, _Callback) or (_is_class(cb, _Callback) and isinstance(cb, type)
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
    if not isinstance(cb, _Callback):
        raise TypeError(f"callback_fns entry {fn!r:.80} built {cb!r:.60}, which is not a callback: callback_fns "
                        "takes functions of the learner that return one, e.g. `partial(CSVLogger, filename='log')`")
    return cb

# -- v1's Callback on fastai 2's loop --------------------------------------------------------------
# fastai 2 event -> v1 event. v1 called `on_backward_begin` and later only on training batches.
_V1_EVENTS = {"before_fit": "train_begin", "before_epoch": "epoch_begin", "before_batch": "batch_begin",
              "after_pred": "loss_begin", "after_loss": "backward_begin", "after_backward": "backward_end",
              "after_step": "step_end", "after_batch": "batch_end", "after_epoch": "epoch_end", "after_fit": "train_end"}
_TRAIN_ONLY = ("backward_begin", "backward_end", "step_end")


class SmoothenValue():
    "Create a smooth moving average for a value (loss, etc) using `beta`."
    def __init__(self, beta):
        self.beta, self.n, self.mov_avg = beta, 0, 0

    def add_value(self, val):
        "Add `val` to calculate updated smoothed value."
        self.n += 1
        self.mov_avg = self.beta * self.mov_avg + (1 - self.beta) * val
        self.smooth = self.mov_avg / (1 - self.beta ** self.n)


def _get_init_state(): return {"epoch": 0, "iteration": 0, "num_batch": 0, "skip_validate": False}


class _V1State:
    """The state v1's `CallbackHandler` passed to every callback (`**kwargs`), read from fastai 2's learner at
    each event, and what v1 callbacks return (`{'stop_training': True}`, `{'last_output': ...}`) applied to it."""

    def __init__(self, learn):
        self.learn, self.d = learn, _get_init_state()
        self.stop_training = self.pending_stop_epoch = False

    def sync(self, event):
        "Bring the state up to date with fastai 2's learner before the callbacks of `event` run."
        learn, d = self.learn, self.d
        if event == "train_begin":
            self.d = d = _get_init_state()
            names = [getattr(m, "name", camel2snake(type(m).__name__)) for m in learn.metrics]
            d.update(n_epochs=learn.n_epoch, pbar=None, metrics=list(learn.metrics), metrics_names=names)
            self.stop_training = self.pending_stop_epoch = False
        elif event == "epoch_begin":
            d["num_batch"], d["stop_training"] = 0, False
            d["epoch"] = v1_epoch(learn)
        elif event == "batch_begin":
            d.update(last_input=_unpack(learn.xb), last_target=_unpack(learn.yb), train=learn.training,
                     stop_epoch=False, skip_step=False, skip_zero=False, skip_bwd=False)
            d.pop("last_output", None)
        elif event == "loss_begin": d["last_output"] = learn.pred
        elif event == "backward_begin":
            loss = getattr(learn, "loss_grad", learn.loss)
            d["last_loss"] = loss
            d["smooth_loss"] = learn.smooth_loss if hasattr(learn, "smooth_loss") else loss.detach().cpu()
        elif event == "batch_end":
            d["last_loss"] = learn.loss.detach().cpu() if isinstance(learn.loss, torch.Tensor) else learn.loss
            if hasattr(learn, "smooth_loss"): d["smooth_loss"] = learn.smooth_loss
        elif event == "epoch_end":
            rec = getattr(learn, "recorder", None)
            log = list(getattr(rec, "log", []))
            if getattr(rec, "cancel_valid", False) or len(log) < 3: d["last_metrics"] = [None]
            else: d["last_metrics"] = log[2:]
        elif event == "train_end": d["exception"] = False   # fastai 2 runs `after_fit` only when no exception was raised
        if event != "train_begin": d["stop_training"] = self.stop_training   # v1 set it at the first epoch

    def update(self, new, event):
        "Apply what a callback returned, as v1's `CallbackHandler._call_and_update`."
        for k, v in (new or {}).items():
            if k not in self.d: raise Exception(f"{k} isn't a valid key in the state of the callbacks.")
            self.d[k] = v
            self._apply(k, v, event)

    def _apply(self, k, v, event):
        learn = self.learn
        if k == "last_input": learn.xb = v if isinstance(v, tuple) else (v,)
        elif k == "last_target": learn.yb = v if isinstance(v, tuple) else (v,)
        elif k == "last_output": learn.pred = v
        elif k == "last_loss" and event == "backward_begin": learn.loss_grad = v
        elif k == "stop_training": self.stop_training = bool(v)
        elif k == "last_metrics" and event == "epoch_end":
            # v1 printed `[val_loss, *metrics]` and what callbacks added after them (`last_metrics + [x]`)
            rec = getattr(learn, "recorder", None)
            if rec is not None and isinstance(v, (list, tuple)) and len(rec.log) >= 2:
                rec.log = L(list(rec.log)[:2] + list(v))

    def after(self, event):
        "What v1's loop did after the callbacks of `event` ran."
        d = self.d
        if event == "backward_begin" and d.get("skip_bwd"): raise CancelBackwardException()
        if event == "backward_end" and d.get("skip_step"): raise CancelStepException()
        # v1 left the gradients for the next batch to add to (`opt.zero_grad()` only without `skip_zero`); fastai 2
        # zeroes them right after `after_step`, unless the batch is cancelled (its `after_batch` still runs)
        if event == "step_end" and d.get("skip_zero"): raise CancelBatchException()
        if event == "batch_end":
            if d.get("train"):
                d["iteration"] += 1
                d["num_batch"] += 1
            # v1 broke out of the training loop after this batch: fastai 2's other callbacks still see its end
            if d.get("stop_epoch") and d.get("train"): self.pending_stop_epoch = True
        if event == "epoch_end": d["epoch"] += 1


def _unpack(b): return b[0] if isinstance(b, tuple) and len(b) == 1 else b


def _v1_state(learn):
    st = learn.__dict__.get("_v1_cb_state")
    if st is None: st = learn.__dict__["_v1_cb_state"] = _V1State(learn)
    return st


def _make_event(f2_event):
    v1 = _V1_EVENTS[f2_event]

    def handler(self):
        learn = self.learn
        if v1 in _TRAIN_ONLY and not learn.training: return
        st = _v1_state(learn)
        if f2_event == "before_fit": self.__dict__["_v1_fit_state"] = st
        if f2_event == "after_fit": self.__dict__.pop("_v1_fit_state", None)
        if f2_event == "before_epoch":
            st.pending_stop_epoch = False
            if st.stop_training: raise CancelFitException()   # v1 broke out of the epoch loop after `stop_training`
        if f2_event == "before_batch" and st.pending_stop_epoch and learn.training:
            st.pending_stop_epoch = False
            stop_epoch(learn)
        v1cbs = [cb for cb in learn.cbs.sorted("order") if isinstance(cb, Callback)]
        first, last = v1cbs and v1cbs[0] is self, v1cbs and v1cbs[-1] is self
        if first: st.sync(v1)
        st.update(getattr(self, f"on_{v1}")(**st.d), v1)
        if last: st.after(v1)
    handler.__name__ = f2_event
    handler.__doc__ = f"fastai 2's `{f2_event}`: v1's `on_{v1}` with v1's state."
    return handler


class Callback(_Callback):
    "Base class for callbacks that want to record values, dynamically change learner params, etc."
    # A fastai 2 callback whose events call v1's `on_*` methods with v1's keyword state and apply the dict they
    # return, as v1's `CallbackHandler` did; `_order` is fastai 2's `order`.
    _order = 0

    @property
    def order(self): return self._order

    def __setattr__(self, name, value): object.__setattr__(self, name, value)   # v1 never warned about shadowing

    def __call__(self, event_name):
        "Call `self.{event_name}` as fastai 2 does; an exception a v1 callback raises reaches the caller as v1 raised it."
        # fastai 2 rewrites the message of any exception a callback raises ("Exception occured in `Cb` when calling
        # event `after_batch`: ..."); v1's loop let it through unchanged (`on_train_end(exception=e)` sees it so too)
        _run = (event_name not in _inner_loop or (self.run_train and getattr(self, "training", True)) or
                (self.run_valid and not getattr(self, "training", False)))
        f = getattr(self, event_name, None) if self.run and _run else None
        res = f() if callable(f) else None
        if event_name == "after_fit": self.run = True
        return res

    @property
    def name(self):
        "fastai 2's name of the callback (`learn.<name>`), or the one it set (a v1 metric names its column so)."
        return self.__dict__.get("_v1_name") or _Callback.name.fget(self)

    @name.setter
    def name(self, v): self.__dict__["_v1_name"] = v

    def _on_fit_error(self, exc):
        """v1 ran `on_train_end` in a `finally`: after an exception too, with `exception` the exception (`False`
        for a `KeyboardInterrupt`, which v1's `except Exception` let through); fastai 2 skips `after_fit`."""
        st = self.__dict__.pop("_v1_fit_state", None)
        d = dict(st.d) if st is not None else _get_init_state()
        d["exception"] = exc if isinstance(exc, Exception) else False
        self.on_train_end(**d)

    def on_train_begin(self, **kwargs):
        "To initialize constants in the callback."
        pass

    def on_epoch_begin(self, **kwargs):
        "At the beginning of each epoch."
        pass

    def on_batch_begin(self, **kwargs):
        "Set HP before the output and loss are computed."
        pass

    def on_loss_begin(self, **kwargs):
        "Called after forward pass but before loss has been computed."
        pass

    def on_backward_begin(self, **kwargs):
        "Called after the forward pass and the loss has been computed, but before backprop."
        pass

    def on_backward_end(self, **kwargs):
        "Called after backprop but before optimizer step. Useful for true weight decay in AdamW."
        pass

    def on_step_end(self, **kwargs):
        "Called after the step of the optimizer but before the gradients are zeroed."
        pass

    def on_batch_end(self, **kwargs):
        "Called at the end of the batch."
        pass

    def on_epoch_end(self, **kwargs):
        "Called at the end of an epoch."
        pass

    def on_train_end(self, **kwargs):
        "Useful for cleaning up things and saving files/models."
        pass

    def jump_to_epoch(self, epoch):
        "To resume training at `epoch` directly."
        pass

    def get_state(self, minimal=True):
        "Return the inner state of the `Callback`, `minimal` or not."
        to_remove = ["exclude", "not_min"] + getattr(self, "exclude", []).copy()
        if minimal: to_remove += getattr(self, "not_min", []).copy()
        return {k: v for k, v in self.__dict__.items() if k not in to_remove}

    def __repr__(self):
        attrs = func_args(self.__init__)
        to_remove = getattr(self, "exclude", [])
        list_repr = [self.__class__.__name__] + [f"{k}: {getattr(self, k)}" for k in attrs
                                                 if k != "self" and k not in to_remove]
        return "\n".join(list_repr)


    def before_validate(self):
        "v1's `skip_validate`: no validation after an epoch (set by a callback, kept until the fit ends)."
        st = self.learn.__dict__.get("_v1_cb_state")
        if st is not None and st.d.get("skip_validate"): raise CancelValidException()


for _e in _V1_EVENTS: setattr(Callback, _e, _make_event(_e))
del _e


class AverageMetric(AvgMetric):
    "Wrap a `func` in a callback for metrics computation."
    # fastai 2's AvgMetric averages `func` over the validation set weighted by batch size, as v1's did; v1 named
    # it after `func.__name__` (a partial given a `__name__` keeps it), fastai 2 after the wrapped function.
    def __init__(self, func):
        name = func.__name__ if hasattr(func, "__name__") else func.func.__name__
        super().__init__(func)
        self._v1_name = name

    @property
    def name(self): return self._v1_name


class CallbackHandler():
    "Manage all of the registered `callbacks` and `metrics`, smoothing loss by momentum `beta`."
    # v1's handler, for code that drives v1 callbacks by hand; a Learner's fit drives them through fastai 2.
    def __init__(self, callbacks=None, metrics=None, beta=0.98):
        self.callbacks = list(callbacks or [])
        self.metrics = [(m if isinstance(m, Callback) else AverageMetric(m)) for m in (metrics or [])]
        self.callbacks = sorted(self.callbacks, key=lambda o: getattr(o, "_order", 0))
        self.beta = beta
        self.smoothener = SmoothenValue(beta)
        self.state_dict = _get_init_state()

    def _call_and_update(self, cb, cb_name, **kwargs):
        "Call `cb_name` on `cb` and update the inner state."
        new = getattr(cb, f"on_{cb_name}")(**self.state_dict, **kwargs) or {}
        for k, v in new.items():
            if k not in self.state_dict: raise Exception(f"{k} isn't a valid key in the state of the callbacks.")
            self.state_dict[k] = v

    def __call__(self, cb_name, call_mets=True, **kwargs):
        "Call through to all of the `CallbakHandler` functions."
        if call_mets:
            for met in self.metrics:
                if isinstance(met, Callback): self._call_and_update(met, cb_name, **kwargs)
        for cb in self.callbacks: self._call_and_update(cb, cb_name, **kwargs)

    def on_train_begin(self, epochs, pbar, metrics):
        "About to start learning."
        self.state_dict = _get_init_state()
        self.state_dict.update(dict(n_epochs=epochs, pbar=pbar, metrics=metrics))
        names = [(met.name if hasattr(met, "name") else camel2snake(met.__class__.__name__)) for met in self.metrics]
        self("train_begin", metrics_names=names)
        if self.state_dict["epoch"] != 0:
            for cb in self.callbacks: cb.jump_to_epoch(self.state_dict["epoch"])

    def on_epoch_begin(self):
        "Handle new epoch."
        self.state_dict["num_batch"], self.state_dict["stop_training"] = 0, False
        self("epoch_begin")

    def on_batch_begin(self, xb, yb, train=True):
        "Handle new batch `xb`,`yb` in `train` or validation."
        self.state_dict.update(dict(last_input=xb, last_target=yb, train=train, stop_epoch=False, skip_step=False,
                                    skip_zero=False, skip_bwd=False))
        self("batch_begin", call_mets=not self.state_dict["train"])
        return self.state_dict["last_input"], self.state_dict["last_target"]

    def on_loss_begin(self, out):
        "Handle start of loss calculation with model output `out`."
        self.state_dict["last_output"] = out
        self("loss_begin", call_mets=False)
        return self.state_dict["last_output"]

    def on_backward_begin(self, loss):
        "Handle gradient calculation on `loss`."
        self.smoothener.add_value(loss.float().detach().cpu())
        self.state_dict["last_loss"], self.state_dict["smooth_loss"] = loss, self.smoothener.smooth
        self("backward_begin", call_mets=False)
        return self.state_dict["last_loss"], self.state_dict["skip_bwd"]

    def on_backward_end(self):
        "Handle end of gradient calculation."
        self("backward_end", call_mets=False)
        return self.state_dict["skip_step"]

    def on_step_end(self):
        "Handle end of optimization step."
        self("step_end", call_mets=False)
        return self.state_dict["skip_zero"]

    def on_batch_end(self, loss):
        "Handle end of processing one batch with `loss`."
        self.state_dict["last_loss"] = loss
        self("batch_end", call_mets=not self.state_dict["train"])
        if self.state_dict["train"]:
            self.state_dict["iteration"] += 1
            self.state_dict["num_batch"] += 1
        return self.state_dict["stop_epoch"]

    def on_epoch_end(self, val_loss):
        "Epoch is done, process `val_loss`."
        self.state_dict["last_metrics"] = [val_loss] if val_loss is not None else [None]
        self("epoch_end", call_mets=val_loss is not None)
        self.state_dict["epoch"] += 1
        return self.state_dict["stop_training"]

    def on_train_end(self, exception):
        "Handle end of training, `exception` is an `Exception` or False if no exceptions during training."
        self("train_end", exception=exception)

    @property
    def skip_validate(self): return self.state_dict["skip_validate"]


def do_annealing_poly(start, end, pct, degree):
    "Helper function for `anneal_poly`."
    return end + (start - end) * (1 - pct) ** degree


def annealing_poly(degree):
    "Anneal polynomically from `start` to `end` as pct goes from 0.0 to 1.0."
    return partial(do_annealing_poly, degree=degree)
