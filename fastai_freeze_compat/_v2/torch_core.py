"""fastai v1's layer-level helpers (``fastai/torch_core.py`` in 1.0.61) on fastai 2.

Where fastai 2 kept v1's definition, the name *is* fastai 2's object (``tests/test_api.py`` checks
that); only the helpers whose semantics changed are written here.
"""
from collections.abc import Iterable

import numpy as np
from torch import nn

# fastai 2 kept v1's tuple of BatchNorm classes, moved to fastai.callback.training.
from fastai.callback.training import bn_types
# fastai 2 kept v1's definitions of these (fastai/layers.py): same leaves, same order.
from fastai.layers import ParameterModule, children_and_parameters, flatten_model

from .._warn import warn_bridged

__all__ = [
    "bn_types", "bias_types", "no_wd_types", "ParameterModule", "children_and_parameters",
    "flatten_model", "first_layer", "last_layer", "requires_grad", "split_model_idx", "split_model",
    "split_no_wd_params", "apply_init", "cond_init", "init_default", "listify", "even_mults",
]

bias_types = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d,
              nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
# v1 never weight-decays LayerNorm with bn_wd=False; InstanceNorm is an ordinary layer to v1.
no_wd_types = bn_types + (nn.LayerNorm,)


def listify(p=None, q=None):
    "v1's `listify`: make `p` a list, repeated to the length of `q` if it has one element."
    if p is None: p = []
    elif isinstance(p, str): p = [p]
    elif not isinstance(p, Iterable): p = [p]
    else:
        try: len(p)
        except TypeError: p = [p]   # 0-d tensors are iterable but have no length
    n = q if type(q) == int else len(p) if q is None else len(q)
    if len(p) == 1: p = p * n
    if len(p) != n: raise ValueError(f"List len mismatch ({len(p)} vs {n})")
    return list(p)


def even_mults(start, stop, n):
    "v1's `even_mults`: `n` values from `start` to `stop`, evenly spaced on a log scale."
    if n < 2:
        # v1 divided by n-1 here; keep its exception type, say why.
        raise ZeroDivisionError(f"slice({start}, {stop}) spreads learning rates over layer groups, "
                                f"but there is only {n}; pass a single float, or split the model first")
    mult = stop / start
    step = mult ** (1 / (n - 1))
    return np.array([start * (step ** i) for i in range(n)])


def requires_grad(m, b=None):
    "If `b` is not set return `requires_grad` of first param, else set `requires_grad` on all params as `b`"
    # fastai 2's `requires_grad(m)` takes no `b`, and returns False (v1: None) without parameters.
    if b is not None: warn_bridged("name.requires_grad")
    ps = list(m.parameters())
    if not ps: return None
    if b is None: return ps[0].requires_grad
    for p in ps: p.requires_grad = b


def first_layer(m):
    "Retrieve first layer in a module `m` (`flatten_model(m)[0]`, without flattening the whole module)."
    # flatten_model lists a module's children before its loose parameters: its first leaf is the first
    # child's first leaf, down to a module without children.
    child = next(m.children(), None)
    return m if child is None else first_layer(child)


def last_layer(m):
    "Retrieve last layer in a module `m`."
    return flatten_model(m)[-1]


def split_model_idx(model, idxs):
    "Split `model` according to the indexes in `idxs`."
    layers = flatten_model(model)
    idxs = list(idxs)
    if idxs[0] != 0: idxs = [0] + idxs
    if idxs[-1] != len(layers): idxs.append(len(layers))
    return [nn.Sequential(*layers[i:j]) for i, j in zip(idxs[:-1], idxs[1:])]


def _describe(module):
    return module.__class__.__name__ + "(" + module.extra_repr() + ")"


def split_model(model=None, splits=None):
    "Split `model` according to the layers in `splits` (modules to split at, or lists of modules)."
    splits = listify(splits)
    if not splits:
        raise ValueError("split_on is empty: pass the modules of the model to split at, "
                         "e.g. `lambda m: (m[0][6], m[1])`")
    if isinstance(splits[0], nn.Module):
        layers = flatten_model(model)
        ids = {id(l): i for i, l in reversed(list(enumerate(layers)))}
        missing = [s for s in splits if id(first_layer(s)) not in ids]
        if missing:
            names = ", ".join(_describe(s) for s in missing)
            raise ValueError(f"split_on names modules that are not in the model: {names}. Pass modules "
                             "of `learn.model` itself (e.g. `lambda m: (m[0][6], m[1])`), not copies.")
        return split_model_idx(model, [ids[id(first_layer(s))] for s in splits])
    return [nn.Sequential(*s) for s in splits]


def _trainable(m):
    return [p for p in m.parameters() if p.requires_grad]


def _uniqueify(ps):
    seen, res = set(), []
    for p in ps:
        if id(p) not in seen:
            seen.add(id(p))
            res.append(p)
    return res


def split_no_wd_params(layer_groups):
    "Separate the parameters in `layer_groups` between `no_wd_types` and bias (`bias_types`) from the rest."
    split_params = []
    for group in layer_groups:
        l1, l2 = [], []
        for c in group.children():
            if isinstance(c, no_wd_types): l2 += _trainable(c)
            elif isinstance(c, bias_types):
                bias = c.bias if hasattr(c, "bias") else None
                l1 += [p for p in _trainable(c) if p is not bias]
                # v1 (until 1.0.62) kept a frozen bias here too; it is weight-decayed there.
                if bias is not None: l2.append(bias)
            else: l1 += _trainable(c)
        split_params += [_uniqueify(l1), _uniqueify(l2)]
    return split_params


def init_default(m, func=nn.init.kaiming_normal_):
    "Initialize `m` weights with `func` and set `bias` to 0."
    if func:
        if hasattr(m, "weight"): func(m.weight)
        if hasattr(m, "bias") and hasattr(m.bias, "data"): m.bias.data.fill_(0.)
    return m


def cond_init(m, init_func):
    "Initialize the non-batchnorm layers of `m` with `init_func`."
    # fastai 2 skips LayerNorm and InstanceNorm too (norm_types); v1 only skipped bn_types.
    if (not isinstance(m, bn_types)) and requires_grad(m): init_default(m, init_func)


def _apply_leaf(m, f):
    f(m)
    for child in m.children(): _apply_leaf(child, f)


def apply_init(m, init_func):
    "Initialize all non-batchnorm layers of `m` with `init_func`."
    _apply_leaf(m, lambda mod: cond_init(mod, init_func))
