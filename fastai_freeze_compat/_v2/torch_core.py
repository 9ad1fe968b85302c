"""fastai v1's layer-level helpers (``fastai/torch_core.py`` in 1.0.61) on fastai 2.

The ported helpers are fastai v1 1.0.61's definitions (fastai/torch_core.py, Apache-2.0), adjusted only
where today's torch removed something (v1's result is kept, and a comment says so).
Where fastai 2 kept v1's definition, the name *is* fastai 2's object (``tests/test_api.py`` checks
that); only the helpers whose semantics changed are written here.
"""
import functools
import os
import random
import re
import warnings
from collections import OrderedDict
from collections.abc import Sized
from functools import partial

import numpy as np
import torch
from torch import nn

# fastai 2 kept v1's tuple of BatchNorm classes, moved to fastai.callback.training.
from fastai.callback.training import bn_types
# fastai 2 kept v1's definition (fastai/layers.py): same leaves, same order.
from fastai.layers import flatten_model
from fastai.optimizer import Adam

from .._warn import warn_bridged
from .core import ItemBase, PrePostInitMeta, defaults, is_listy, is_pathlike, listify, recurse

__all__ = [
    "bias_types", "no_wd_types", "first_layer", "last_layer", "requires_grad", "split_model_idx", "split_model",
    "split_no_wd_params", "apply_init", "cond_init", "init_default", "AdamW", "tensor",
    "is_pool_type", "Module", "np_address", "to_detach", "to_data", "to_cpu", "to_half", "to_float", "to_device",
    "data_collate", "has_params", "children", "num_children", "range_children", "get_param_groups", "set_bn_eval",
    "batch_to_half", "bn2float", "model2half", "apply_leaf", "in_channels", "ModelOnCPU", "NoneReduceOnCPU",
    "model_type", "np2model_tensor", "trange_of", "to_np", "grab_idx", "logit_", "set_all_seed", "uniform",
    "log_uniform", "rand_bool", "uniform_int", "one_param", "try_int", "flatten_check", "remove_module_load",
    "distrib_barrier", "add_metrics", "try_save", "np_func",
]

bias_types = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d,
              nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
# v1 never weight-decays LayerNorm with bn_wd=False; InstanceNorm is an ordinary layer to v1.
no_wd_types = bn_types + (nn.LayerNorm,)

#: v1's default optimizer: Adam, betas (0.9, 0.99), eps 1e-8.
AdamW = partial(Adam, mom=0.9, sqr_mom=0.99, eps=1e-8)


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


def tensor(x, *rest):
    """Like `torch.as_tensor`, but handle lists too, and can pass multiple vector elements directly (v1's: an empty
    list is `tensor(0)`, int32 becomes int64, float64 stays float64, where fastai 2's makes float32)."""
    if len(rest): x = (x,) + rest
    if isinstance(x, (tuple, list)) and len(x) == 0: return tensor(0)
    res = torch.tensor(x) if isinstance(x, (tuple, list)) else torch.as_tensor(x)
    if res.dtype is torch.int32:
        warnings.warn("Tensor is int32: upgrading to int64; for better performance use int64 input")
        return res.long()
    return res


# -- v1's pure helpers (fastai 1.0.61's fastai/torch_core.py) ------------------------------------------
# v1 set `defaults.device` here. (v1 also wrapped `torch.cuda.set_device` to update it: the package patches
# nothing in torch, so after `torch.cuda.set_device(i)` set `defaults.device` yourself.)
if not hasattr(defaults, "device"):
    defaults.device = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def is_pool_type(l): return re.search(r"Pool[123]d$", l.__class__.__name__)


class Module(nn.Module, metaclass=PrePostInitMeta):
    "Same as `nn.Module`, but no need for subclasses to call `super().__init__`"
    def __pre_init__(self): super().__init__()
    def __init__(self): pass


def np_address(x):
    "Address of `x` in memory."
    return x.__array_interface__["data"][0]


def to_detach(b, cpu=True):
    "Recursively detach lists of tensors in `b `; put them on the CPU if `cpu=True`."
    def _inner(x, cpu=True):
        if not isinstance(x, torch.Tensor): return x
        x = x.detach()
        return x.cpu() if cpu else x
    return recurse(_inner, b, cpu=cpu)


def to_data(b):
    "Recursively map lists of items in `b ` to their wrapped data."
    return recurse(lambda x: x.data if isinstance(x, ItemBase) else x, b)


def to_cpu(b):
    "Recursively map lists of tensors in `b ` to the cpu."
    return recurse(lambda x: x.cpu() if isinstance(x, torch.Tensor) else x, b)


def to_half(b):
    "Recursively map lists of tensors in `b ` to FP16."
    return recurse(lambda x: x.half() if x.dtype not in [torch.int64, torch.int32, torch.int16] else x, b)


def to_float(b):
    "Recursively map lists of tensors in `b ` to FP16."
    return recurse(lambda x: x.float() if x.dtype not in [torch.int64, torch.int32, torch.int16] else x, b)


def to_device(b, device):
    "Recursively put `b` on `device`."
    device = defaults.device if device is None else device
    return recurse(lambda x: x.to(device, non_blocking=True), b)


def data_collate(batch):
    "Convert `batch` items to tensor data."
    return torch.utils.data.dataloader.default_collate(to_data(batch))


def has_params(m):
    "Check if `m` has at least one parameter"
    return len(list(m.parameters())) > 0


def children(m):
    "Get children of `m`."
    return list(m.children())


def num_children(m):
    "Get number of children modules in `m`."
    return len(children(m))


def range_children(m):
    "Return iterator of len of children of `m`."
    return range(num_children(m))


def get_param_groups(layer_groups):
    return [sum([_trainable(c) for c in l.children()], []) for l in layer_groups]


def set_bn_eval(m):
    "Set bn layers in eval mode for all recursive children of `m`."
    for l in m.children():
        if isinstance(l, bn_types) and not next(l.parameters()).requires_grad:
            l.eval()
        set_bn_eval(l)


def batch_to_half(b):
    "Set the input of batch `b` to half precision."
    return [to_half(b[0]), b[1]]


def bn2float(module):
    "If `module` is batchnorm don't use half precision."
    if isinstance(module, torch.nn.modules.batchnorm._BatchNorm): module.float()
    for child in module.children(): bn2float(child)
    return module


def model2half(model):
    "Convert `model` to half precision except the batchnorm layers."
    return bn2float(model.half())


def apply_leaf(m, f):
    "Apply `f` to children of `m`."
    c = children(m)
    if isinstance(m, nn.Module): f(m)
    for l in c: apply_leaf(l, f)


def in_channels(m):
    "Return the shape of the first weight layer in `m`."
    for l in flatten_model(m):
        if hasattr(l, "weight"): return l.weight.shape[1]
    raise Exception("No weight layer")


class ModelOnCPU():
    "A context manager to evaluate `model` on the CPU inside."
    def __init__(self, model): self.model = model
    def __enter__(self):
        self.device = one_param(self.model).device
        return self.model.cpu()
    def __exit__(self, type, value, traceback):
        self.model = self.model.to(self.device)


class NoneReduceOnCPU():
    "A context manager to evaluate `loss_func` with none reduce and weights on the CPU inside."
    def __init__(self, loss_func):
        self.loss_func, self.device, self.old_red = loss_func, None, None

    def __enter__(self):
        if hasattr(self.loss_func, "weight") and self.loss_func.weight is not None:
            self.device = self.loss_func.weight.device
            self.loss_func.weight = self.loss_func.weight.cpu()
        if hasattr(self.loss_func, "reduction"):
            self.old_red = getattr(self.loss_func, "reduction")
            setattr(self.loss_func, "reduction", "none")
            return self.loss_func
        else: return partial(self.loss_func, reduction="none")

    def __exit__(self, type, value, traceback):
        if self.device is not None: self.loss_func.weight = self.loss_func.weight.to(self.device)
        if self.old_red is not None: setattr(self.loss_func, "reduction", self.old_red)


def model_type(dtype):
    "Return the torch type corresponding to `dtype`."
    return (torch.float32 if np.issubdtype(dtype, np.floating) else
            torch.int64 if np.issubdtype(dtype, np.integer)
            else None)


def np2model_tensor(a):
    "Tranform numpy array `a` to a tensor of the same type."
    dtype = model_type(a.dtype)
    res = torch.as_tensor(a)
    if not dtype: return res
    return res.type(dtype)


def trange_of(x):
    "Create a tensor from `range_of(x)`."
    return torch.arange(len(x))


def to_np(x):
    "Convert a tensor to a numpy array."
    return x.data.cpu().numpy()


def grab_idx(x, i, batch_first=True):
    "Grab the `i`-th batch in `x`, `batch_first` stating the batch dimension."
    if batch_first: return ([o[i].cpu() for o in x] if is_listy(x) else x[i].cpu())
    else: return ([o[:, i].cpu() for o in x] if is_listy(x) else x[:, i].cpu())


def logit_(x):
    "Inplace logit of `x`, clamped to avoid inf"
    x.clamp_(1e-7, 1 - 1e-7)
    return (x.reciprocal_().sub_(1)).log_().neg_()


def set_all_seed(seed):
    "Sets the seeds for all pseudo random generators in fastai lib"
    np.random.seed(seed)
    torch.manual_seed(seed)
    random.seed(seed)


def uniform(low, high=None, size=None):
    "Draw 1 or shape=`size` random floats from uniform dist: min=`low`, max=`high`."
    if high is None: high = low
    return random.uniform(low, high) if size is None else torch.FloatTensor(*listify(size)).uniform_(low, high)


def log_uniform(low, high, size=None):
    "Draw 1 or shape=`size` random floats from uniform dist: min=log(`low`), max=log(`high`)."
    # v1's `log` and `exp` are numpy's (fastai/imports/core.py: `from numpy import exp, log`)
    res = uniform(np.log(low), np.log(high), size)
    return np.exp(res) if size is None else res.exp_()


def rand_bool(p, size=None):
    "Draw 1 or shape=`size` random booleans (`True` occuring with probability `p`)."
    return uniform(0, 1, size) < p


def uniform_int(low, high, size=None):
    "Generate int or tensor `size` of ints between `low` and `high` (included)."
    return random.randint(low, high) if size is None else torch.randint(low, high + 1, size)


def one_param(m):
    "Return the first parameter of `m`."
    return next(m.parameters())


def try_int(o):
    "Try to convert `o` to int, default to `o` if not possible."
    # NB: single-item rank-1 array/tensor can be converted to int, but we don't want to do this
    if isinstance(o, (np.ndarray, torch.Tensor)): return o if o.ndim else int(o)
    if isinstance(o, Sized) or getattr(o, "__array_interface__", False): return o
    try: return int(o)
    except Exception: return o


def flatten_check(out, targ):
    "Check that `out` and `targ` have the same number of elements and flatten them."
    out, targ = out.contiguous().view(-1), targ.contiguous().view(-1)
    assert len(out) == len(targ), f"Expected output and target to have the same number of elements but got {len(out)} and {len(targ)}."
    return out, targ


def remove_module_load(state_dict):
    """create new OrderedDict that does not contain `module.`"""
    new_state_dict = OrderedDict()
    for k, v in state_dict.items(): new_state_dict[k[7:]] = v
    return new_state_dict


def distrib_barrier():
    "Barrier synchronization in distributed training (if applicable).  Processes in the same process group must all arrive here before proceeding further. Example use case: avoid processes stepping on each other when saving and loading models in distributed training.  See https://pytorch.org/tutorials/intermediate/ddp_tutorial.html#save-and-load-checkpoints."
    # v1's `num_distrib()` (fastai 2's `num_distrib` kept its definition)
    if int(os.environ.get("WORLD_SIZE", 0)) > 1: torch.distributed.barrier()


def add_metrics(last_metrics, mets):
    "Return a dictionary for updating `last_metrics` with `mets`."
    last_metrics, mets = listify(last_metrics), listify(mets)
    return {"last_metrics": last_metrics + mets}


def try_save(state, path=None, file=None):
    target = open(path / file, "wb") if is_pathlike(file) else file
    try:
        with warnings.catch_warnings():
            # To avoid the warning that come from PyTorch about model not being checked
            warnings.simplefilter("ignore")
            torch.save(state, target)
    except OSError as e:
        raise Exception(f"{e}\n Can't write {path/file}. Pass an absolute writable pathlib obj `fname`.")


def np_func(f):
    "Convert a function taking and returning numpy arrays to one taking and returning tensors"
    def _inner(*args, **kwargs):
        nargs = [to_np(arg) if isinstance(arg, torch.Tensor) else arg for arg in args]
        return tensor(f(*nargs, **kwargs))
    functools.update_wrapper(_inner, f)
    return _inner
