"""fastai v1's optimizer defaults, expressed with fastai 2's optimizers.

v1's ``AdamW`` was torch's Adam with ``betas=(0.9, 0.99)`` and ``eps=1e-8``, with weight decay
applied decoupled (``true_wd``) by its ``OptimWrapper``. fastai 2's ``Adam`` computes the same
update (same bias correction, ``eps`` added to the corrected root); only its defaults differ
(``eps=1e-5``), so v1's optimizer is fastai 2's ``Adam`` with v1's hyper-parameters.
"""
import inspect
from functools import partial
from types import SimpleNamespace

import torch
from fastai.optimizer import Adam, OptimWrapper

__all__ = ["AdamW", "V1OptimWrapper", "defaults", "resolve_opt_func"]

#: v1's default optimizer: Adam, betas (0.9, 0.99), eps 1e-8.
AdamW = partial(Adam, mom=0.9, sqr_mom=0.99, eps=1e-8)

#: v1's `defaults` (fastai/core.py, fastai/basic_train.py): a namespace of this package, not fastai 2's
#: `defaults`. `lr` / `wd`: of `fit` / `fit_one_cycle` and the Learner; `return_fig`: whether the recorder's
#: plots return their figure; `silent`: the Learner's default for not printing the epoch table;
#: `extra_callbacks` / `extra_callback_fns`: added to every Learner / every fit.
defaults = SimpleNamespace(lr=slice(3e-3), wd=1e-2, return_fig=False, silent=False, extra_callbacks=None,
                           extra_callback_fns=None)


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
