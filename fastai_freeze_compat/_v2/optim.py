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

__all__ = ["AdamW", "defaults", "resolve_opt_func"]

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
        # A torch optimizer, as v1 notebooks pass them: fastai 2 drives those through OptimWrapper.
        return partial(OptimWrapper, opt=opt_func)
    if _accepts(opt_func, "decouple_wd"):
        return partial(opt_func, decouple_wd=bool(true_wd))
    return opt_func
