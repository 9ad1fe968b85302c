"""fastai v1's ``learn.summary()`` on fastai 2 (``model_summary`` in v1's ``fastai/callbacks/hooks.py``).

One row per ``flatten_model`` leaf, for a batch of one item run through the model in eval mode:
layer class, output shape (of the layer's last call), v1's "Param #" (``weight`` + ``bias`` elements)
and v1's "Trainable" (``weight.requires_grad``; False for layers without a weight), width 70, then
the three totals. Two of v1's layouts:

* ``"1.0.48"`` (the reference notebook's): shapes with the batch dimension (``[1, 64, 64, 64]``), no title
  line, nothing after the totals;
* ``"1.0.61"`` (the default, the last v1): the model's class name first, shapes without the batch dimension,
  and a footer with the optimizer, true weight decay, loss function and callbacks.

Which one a call prints: its ``layout``, else ``learn.summary_layout`` when set, else ``defaults.summary_layout``
(``"1.0.61"``; ``fastai-freeze-compat run`` sets it to the layout of the notebook's saved outputs).

Unlike v1, ``summary()`` leaves the learner as it found it: train/eval mode of every module,
``requires_grad``, gradients, BatchNorm statistics and the random state (drawing the batch does not
change the next epoch's shuffle or augmentation).
"""
import random
from contextlib import contextmanager

import numpy as np
import torch
from fastai.callback.hook import Hooks as _Hooks
from fastai.learner import defaults as _fastai_defaults
from fastai.losses import BaseLoss
from fastcore.basics import PrettyString  # v1's PrettyString (a str whose repr is itself), kept by fastcore

from ..._warn import warn_bridged
from ..core import SUMMARY_LAYOUTS, defaults
from ..core import is_listy
from ..torch_core import AdamW, flatten_model, has_params, in_channels, one_param, tensor

__all__ = ["SummaryMixin", "SUMMARY_LAYOUTS", "model_summary", "layers_info", "total_params", "num_features_model",
           "Hook", "Hooks", "hook_output", "hook_outputs", "HookCallback", "ActivationStats", "dummy_batch", "dummy_eval",
           "model_sizes"]


# What `str(opt_func)` gave for v1's default `AdamW = partial(optim.Adam, betas=(0.9,0.99))`; the
# package's `AdamW` is that optimizer on fastai 2's `Adam`, so the footer names it as v1 did.
_V1_ADAMW_STR = "functools.partial(<class 'torch.optim.adam.Adam'>, betas=(0.9, 0.99))"
_EMPTY_MSG = ("This is an empty `Learner` and `Learner.summary` requires some data to pass through the model: "
              "{why}. Give it data with at least one batch (the training DataLoader drops its last partial "
              "batch, so it needs at least `bs` items; without one, a validation batch is used).")


def total_params(m):
    "v1's count for one layer: (elements of `weight` and `bias`, `weight.requires_grad`)."
    # fastai 2's `total_params` sums every parameter and reads the first one's `requires_grad`.
    params, trainable = 0, False
    if hasattr(m, "weight") and hasattr(m.weight, "size"):
        params += m.weight.numel()
        trainable = m.weight.requires_grad
    if hasattr(m, "bias") and hasattr(m.bias, "size"): params += m.bias.numel()
    return params, trainable


def _layer_name(layer):
    return str(layer.__class__).split(".")[-1].split("'")[0]


def _first_batch(dls):
    "v1's input: one batch from the training data, else the validation data, else any other loader."
    if dls is None: raise ValueError(_EMPTY_MSG.format(why="it has no data (`learn.dls` is None)"))
    for dl in list(getattr(dls, "loaders", [])):
        try: n = len(dl)
        except TypeError: n = None  # a loader of unknown length may still have batches
        if n == 0: continue
        return dl.one_batch()
    raise ValueError(_EMPTY_MSG.format(why="neither its training nor its validation DataLoader has a batch"))


@contextmanager
def _preserved_random_state(dls):
    "Restore Python's, numpy's and torch's random state, and each DataLoader's own generator."
    # fastai 2's DataLoader replaces its `rng` at each iteration (`randomize`), drawing from the old one.
    loaders = [(dl, dl.rng, dl.rng.getstate()) for dl in getattr(dls, "loaders", [])
               if isinstance(getattr(dl, "rng", None), random.Random)]
    py, npy, cpu = random.getstate(), np.random.get_state(), torch.get_rng_state()
    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_available() and torch.cuda.is_initialized() else None
    try:
        yield
    finally:
        random.setstate(py)
        np.random.set_state(npy)
        torch.set_rng_state(cpu)
        if cuda is not None: torch.cuda.set_rng_state_all(cuda)
        for dl, rng, state in loaders:
            rng.setstate(state)
            dl.rng = rng


@contextmanager
def _preserved_modes(model):
    "Restore every module's own train/eval flag (v1 left the model in eval mode)."
    modes = [(m, m.training) for m in model.modules()]
    try:
        yield
    finally:
        for m, training in modes: m.training = training


def _hook(m, i, o):
    return (o.shape if isinstance(o, torch.Tensor) else type(o)), total_params(m)


def layers_info(learn):
    "(layer name, output shape or None if never called, params, trainable) for each `flatten_model` leaf."
    model = learn.model
    leaves = flatten_model(model)
    with _preserved_random_state(learn.dls):
        batch = _first_batch(learn.dls)
    n_inp = getattr(learn.dls, "n_inp", 1)
    xb = [o[:1] for o in batch[:n_inp]]
    with _preserved_modes(model), torch.no_grad(), _Hooks(leaves, _hook, detach=False) as hooks:
        model.eval()(*xb)
        stored = list(hooks.stored)
    rows = []
    for layer, res in zip(leaves, stored):
        if res is None:  # never called: 1.0.61 skips it (1.0.48 failed with AttributeError)
            rows.append((_layer_name(layer), None) + total_params(layer))
            continue
        shape, (params, trainable) = res
        if not isinstance(shape, torch.Size):
            raise TypeError(f"summary() shows one output shape per layer, but layer {_layer_name(layer)} "
                            f"returned a {shape.__name__}, not a tensor (fastai v1's summary() failed on it too)")
        rows.append((_layer_name(layer), shape, params, trainable))
    return rows


def _opt_func_str(opt_func):
    return _V1_ADAMW_STR if opt_func is AdamW else str(opt_func)


def _loss_name(loss_func):
    # fastai 2.0 replaced v1's `FlattenedLoss` wrapper (what `CrossEntropyFlat()` & co. returned) with
    # `BaseLoss` subclasses (`CrossEntropyLossFlat`, ...): name them as v1 did.
    return "FlattenedLoss" if isinstance(loss_func, BaseLoss) else loss_func.__class__.__name__


def _v1_callbacks(learn):
    "v1's `learn.callbacks`: the learner's callbacks without fastai 2's built-in ones."
    if isinstance(getattr(type(learn), "callbacks", None), property): return list(learn.callbacks)
    builtin = tuple(getattr(_fastai_defaults, "callbacks", []))
    return [cb for cb in learn.cbs if not isinstance(cb, builtin)]


def model_summary(learn, n=70, layout=None):
    "Print a summary of `learn` using a output text width of `n` chars (in v1's `layout`, default `defaults.summary_layout`)"
    if layout is None: layout = defaults.summary_layout
    if layout not in SUMMARY_LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(map(repr, SUMMARY_LAYOUTS))} (the fastai v1 release "
                         f"whose summary() to reproduce), got {layout!r}")
    new = layout == "1.0.61"
    info = layers_info(learn)
    header = ["Layer (type)", "Output Shape", "Param #", "Trainable"]
    res = learn.model.__class__.__name__ + "\n" if new else ""
    res += "=" * n + "\n"
    res += f"{header[0]:<20} {header[1]:<20} {header[2]:<10} {header[3]:<10}\n"
    res += "=" * n + "\n"
    total, total_trainable = 0, 0
    for layer, size, params, trainable in info:
        if size is None: continue
        total += int(params)
        total_trainable += int(params) * trainable
        size = list(size[1:]) if new else list(size)
        res += f"{layer:<20} {str(size):<20} {int(params):<10,} {str(trainable):<10}\n"
        res += "_" * n + "\n"
    res += f"\nTotal params: {total:,}\n"
    res += f"Total trainable params: {total_trainable:,}\n"
    res += f"Total non-trainable params: {total - total_trainable:,}\n"
    if new:
        opt = _opt_func_str(learn.opt_func)
        res += f"Optimized with {opt[25:-1].replace('>', '')}\n"
        if learn.true_wd: res += "Using true weight decay as discussed in https://www.fast.ai/2018/07/02/adam-weight-decay/ \n"
        if "wd" in opt or "weight_decay" in opt:
            res += "\x1b[1;31m Specifying weight decay in the optimizer has no effect, Learner will overwrite \x1b[0m \n"
        if "lr" in opt or "learning_rate" in opt:
            res += ("\x1b[1;31m Specifying lr in the optimizer has no effect, pass it to fit or the defaults.lr "
                    "will apply \x1b[0m \n")
        res += f"Loss function : {_loss_name(learn.loss_func)}\n"
        res += "=" * n + "\n"
        res += "Callbacks functions applied \n"
        res += "\n".join(f"    {cb.__class__.__name__}" for cb in _v1_callbacks(learn))
    return PrettyString(res)


class SummaryMixin:
    "v1's `summary()`; mixed into `Learner`."

    #: The v1 layout `summary()` prints when called without `layout`: "1.0.48", "1.0.61", or None for
    #: `defaults.summary_layout` ("1.0.61" unless `fastai-freeze-compat run` read another from the notebook).
    summary_layout = None

    def summary(self, n=70, layout=None):
        """Print a summary of the model using a output text width of `n` chars, in fastai v1's `layout`
        ("1.0.48" or "1.0.61"; `learn.summary_layout` sets it for every call of this learner,
        `defaults.summary_layout` for every learner, "1.0.61" by default)."""
        warn_bridged("behaviour.summary")
        if layout is None: layout = self.summary_layout
        return model_summary(self, n=n, layout=layout)


# -- v1's feature probe (also fastai/callbacks/hooks.py) ---------------------------------------
def _in_channels(m):
    for l in flatten_model(m):
        if hasattr(l, "weight"): return l.weight.shape[1]
    raise ValueError("the body has no layer with a weight, so its input channels are unknown: check `cut`")


def num_features_model(m):
    "Return the number of output features for `m`, probing with v1's 64x64 (then larger) dummy batch."
    # v1 draws a uniform 1x3x64x64 batch (doubling the size while the forward fails): drawing exactly
    # that keeps the random stream, hence the head's initialisation, v1's. The channel count does not
    # depend on the spatial size, so the forward first runs on a 32x32 crop (what fastai 2 probes with,
    # a quarter of the work) and on the whole batch only if the crop is too small for the model.
    sz = 64
    while True:
        p = next(m.parameters())
        x = p.new(1, _in_channels(m), sz, sz).requires_grad_(False).uniform_(-1., 1.)
        with torch.no_grad():
            if sz == 64:
                try: return m.eval()(x[..., :32, :32]).shape[1]
                except Exception: pass
            try: return m.eval()(x).shape[1]
            except Exception:
                sz *= 2
                if sz > 2048: raise


# -- v1's hooks ---------------------------------------------------------------------------------
# fastai 2's Hook / Hooks take other arguments (`cpu`, `gather`), move what they store and register backward
# hooks with `register_full_backward_hook`; these are v1's (fastai 1.0.61's definitions, Apache-2.0).
class Hook():
    "Create a hook on `m` with `hook_func`."
    def __init__(self, m, hook_func, is_forward=True, detach=True):
        self.hook_func, self.detach, self.stored = hook_func, detach, None
        f = m.register_forward_hook if is_forward else m.register_backward_hook
        self.hook = f(self.hook_fn)
        self.removed = False

    def hook_fn(self, module, input, output):
        "Applies `hook_func` to `module`, `input`, `output`."
        if self.detach:
            input = (o.detach() for o in input) if is_listy(input) else input.detach()
            output = (o.detach() for o in output) if is_listy(output) else output.detach()
        self.stored = self.hook_func(module, input, output)

    def remove(self):
        "Remove the hook from the model."
        if not self.removed:
            self.hook.remove()
            self.removed = True

    def __enter__(self, *args): return self
    def __exit__(self, *args): self.remove()


class Hooks():
    "Create several hooks on the modules in `ms` with `hook_func`."
    def __init__(self, ms, hook_func, is_forward=True, detach=True):
        self.hooks = [Hook(m, hook_func, is_forward, detach) for m in ms]

    def __getitem__(self, i): return self.hooks[i]
    def __len__(self): return len(self.hooks)
    def __iter__(self): return iter(self.hooks)

    @property
    def stored(self): return [o.stored for o in self]

    def remove(self):
        "Remove the hooks from the model."
        for h in self.hooks: h.remove()

    def __enter__(self, *args): return self
    def __exit__(self, *args): self.remove()


def _hook_inner(m, i, o): return o if isinstance(o, torch.Tensor) else o if is_listy(o) else list(o)


def hook_output(module, detach=True, grad=False):
    "Return a `Hook` that stores activations of `module` in `self.stored`"
    return Hook(module, _hook_inner, detach=detach, is_forward=not grad)


def hook_outputs(modules, detach=True, grad=False):
    "Return `Hooks` that store activations of all `modules` in `self.stored`"
    return Hooks(modules, _hook_inner, detach=detach, is_forward=not grad)


def _make_hook_callbacks():
    "v1's `HookCallback(LearnerCallback)` and `ActivationStats`, built on first use: `basic_train` imports this module."
    from ..basic_train import LearnerCallback

    class HookCallback(LearnerCallback):
        "Callback that can be used to register hooks on `modules`. Implement the corresponding function in `self.hook`."
        def __init__(self, learn, modules=None, do_remove=True):
            super().__init__(learn)
            self.modules, self.do_remove = modules, do_remove

        def on_train_begin(self, **kwargs):
            "Register the `Hooks` on `self.modules`."
            if not self.modules:
                self.modules = [m for m in flatten_model(self.learn.model) if has_params(m)]
            self.hooks = Hooks(self.modules, self.hook)

        def on_train_end(self, **kwargs):
            "Remove the `Hooks`."
            if self.do_remove: self.remove()

        def remove(self):
            if getattr(self, "hooks", None): self.hooks.remove()

        def __del__(self): self.remove()

    class ActivationStats(HookCallback):
        "Callback that record the mean and std of activations."
        def on_train_begin(self, **kwargs):
            "Initialize stats."
            super().on_train_begin(**kwargs)
            self.stats = []

        def hook(self, m, i, o):
            "Take the mean and std of `o`."
            return o.mean().item(), o.std().item()

        def on_batch_end(self, train, **kwargs):
            "Take the stored results and puts it in `self.stats`"
            if train: self.stats.append(self.hooks.stored)

        def on_train_end(self, **kwargs):
            "Polish the final result."
            super().on_train_end(**kwargs)
            self.stats = tensor(self.stats).permute(2, 1, 0)

    HookCallback.__module__ = ActivationStats.__module__ = __name__
    HookCallback.__qualname__, ActivationStats.__qualname__ = "HookCallback", "ActivationStats"
    return HookCallback, ActivationStats


def dummy_batch(m, size=(64, 64)):
    "Create a dummy batch to go through `m` with `size`."
    ch_in = in_channels(m)
    return one_param(m).new(1, ch_in, *size).requires_grad_(False).uniform_(-1., 1.)


def dummy_eval(m, size=(64, 64)):
    "Pass a `dummy_batch` in evaluation mode in `m` with `size`."
    return m.eval()(dummy_batch(m, size))


def model_sizes(m, size=(64, 64)):
    "Pass a dummy input through the model `m` to get the various sizes of activations."
    with hook_outputs(m) as hooks:
        dummy_eval(m, size)
        return [o.stored.shape for o in hooks]


def __getattr__(name):
    if name in ("HookCallback", "ActivationStats"):
        hc, stats = _make_hook_callbacks()
        globals().update(HookCallback=hc, ActivationStats=stats)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
