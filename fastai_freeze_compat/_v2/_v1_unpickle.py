"""Read fastai v1 ``export.pkl`` files (and the package's own) on fastai 2, without running them.

A v1 export is a pickle naming fastai v1's classes and functions (``fastai.vision.data.ImageList``,
``fastai.layers.FlattenedLoss``, ``fastai.vision.transform._crop_pad``, ...), which fastai 2 does not have.
:func:`load_v1_export` reads it with torch's own loader (its storages, both the zip format of torch >= 1.6 and
the legacy one fastai 1.0.48's torch 1.0.1 wrote) and an unpickler whose ``find_class`` returns only:

* for a ``fastai.<module>.<name>`` global, the package's object at v1's path (the backend mirrors v1's tree:
  ``_v2/<module>.py``, else the package's public ``fastai_freeze_compat.<module>``, where v1's unchanged names
  are fastai 2's), if ``_export_policy.allows`` it and the package bridges it;
* torch's tensor-rebuilding globals (what torch's weights-only loader allows), numpy arrays and scalars, and the
  torch / torchvision classes the policy allows.

Everything else (``os.system``, ``builtins.eval``, a function of your own) is refused by name with
``pickle.UnpicklingError`` before anything in the file runs. fastai v1 itself unpickled anything.
"""
import _compat_pickle
import builtins
import importlib
import pickle
import sys
import types
import warnings

import numpy as np
import torch

from .._export_policy import BUILTIN_TYPES, allows
from .._namespace import is_unsupported
from .._torch_load import v1_safe_globals

__all__ = ["load_v1_export", "V1ExportUnpickler"]


def _torch_globals():
    "name -> object: what torch's weights-only unpickler allows (tensors, storages, dtypes, OrderedDict)."
    # a private helper of torch's (torch >= 2.4 has it); without it, the handful that plain tensors need
    try:
        from torch._weights_only_unpickler import _get_allowed_globals
        res = dict(_get_allowed_globals())
    except ImportError:
        import collections
        res = {"collections.OrderedDict": collections.OrderedDict, "torch._utils._rebuild_tensor_v2": torch._utils._rebuild_tensor_v2,
               "torch._utils._rebuild_parameter": torch._utils._rebuild_parameter}
        res.update({f"torch.{n}": getattr(torch, n) for n in ("FloatStorage", "LongStorage", "ByteStorage", "DoubleStorage",
                                                               "IntStorage", "HalfStorage", "BoolStorage")})
    for g in v1_safe_globals():
        obj, name = g if isinstance(g, tuple) else (g, f"{g.__module__}.{g.__qualname__}")
        res[name] = obj
    # numpy 2.0 moved numpy.core to numpy._core; files name either
    try: from numpy._core.multiarray import _reconstruct
    except ImportError: from numpy.core.multiarray import _reconstruct
    for mod in ("numpy.core.multiarray", "numpy._core.multiarray"): res[f"{mod}._reconstruct"] = _reconstruct
    res["numpy.ndarray"] = np.ndarray
    return {k: v for k, v in res.items() if v is not None}


_TORCH = None
#: fastai 2 modules (none of them fastai v1's) whose objects the package's learners hold: the installed fastai's
_FASTAI2_ONLY = ("fastai.losses", "fastai.optimizer")


def _lookup(module, qualname):
    """`module.qualname`, importing `module` (only called for the package's, torch's and torchvision's modules).
    None for a `__main__` module (importing one runs a program) and for a `qualname` that walks through a module
    (`fastai.layers` + `os.system` would reach what `fastai/layers.py` imported, not what it defines)."""
    if "__main__" in module.split("."): return None
    try: obj = importlib.import_module(module)
    except ImportError: return None
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
        if obj is None or isinstance(obj, types.ModuleType): return None
    return obj


def _defined_in_fastai(obj):
    "True when `obj` (a class or function) is defined by fastai or the package, not imported into their modules."
    return str(getattr(obj, "__module__", "") or "").split(".")[0] in ("fastai", "fastai_freeze_compat")


def _package_object(module, qualname):
    "The package's object for fastai v1's `module.qualname`: the backend at v1's path, else the public module."
    rel = module[len("fastai"):]
    for candidate in (f"{__package__}{rel}", f"fastai_freeze_compat{rel}"):
        obj = _lookup(candidate, qualname)
        if obj is not None: return obj
    return None


def _global(module, name):
    "The object the pickle global `module.name` may stand for in a v1 export; raises UnpicklingError otherwise."
    global _TORCH
    if _TORCH is None: _TORCH = _torch_globals()
    # protocol 2 pickles (Python 2 compatible, as torch 1.0 wrote them) name `__builtin__.set`: pickle's own mapping
    if (module, name) in _compat_pickle.NAME_MAPPING: module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING: module = _compat_pickle.IMPORT_MAPPING[module]
    # the package's own exports name its classes (`fastai_freeze_compat._v2.vision.data.ImageList`): v1's path
    for own in ("fastai_freeze_compat._v2", "fastai_freeze_compat"):
        if module == own or module.startswith(own + "."):
            module = "fastai" + module[len(own):]
            break
    full = f"{module}.{name}"
    if full in _TORCH: return _TORCH[full]
    if module == "builtins" and name in BUILTIN_TYPES: return getattr(builtins, name)
    obj, why = None, "which fastai v1's exports are not made of"
    if module in _FASTAI2_ONLY:
        # the package's own exports hold fastai 2's optimizers and losses (modules fastai v1 did not have)
        obj = _lookup(module, name)
        if obj is not None and not _defined_in_fastai(obj): obj = None
        home = module
    elif module == "fastai" or module.startswith("fastai."):
        obj = _package_object(module, name)
        # v1's name maps to the package's object at v1's path: it must be fastai's or the package's own, not
        # something that module imported (pickle names a class or function by the module defining it; a torch
        # function is allowed under its own name, `torch.nn.functional.relu`)
        if obj is not None and not _defined_in_fastai(obj): obj = None
        if obj is not None and is_unsupported(obj):
            raise pickle.UnpicklingError(f"this fastai v1 export names `{full}`, which fastai_freeze_compat does not "
                                         f"bridge: {obj._message}")
        if obj is None: why = "which fastai_freeze_compat does not have"
        home = module
    elif module.split(".")[0] in ("torch", "torchvision", "functools", "collections", "pathlib"):
        obj = _lookup(module, name)
        home = getattr(obj, "__module__", "") or ""
    if obj is not None and allows(full, obj, home): return obj
    raise pickle.UnpicklingError(
        f"Refusing to load this file: it names `{full}`, {why} (fastai's and torch's classes, fastai's metrics, layers "
        "and transforms); nothing in it was run. Only load exports from a source you trust; a metric or transform of "
        "your own must be importable under the name the file gives it and bridged by the package.")


class V1ExportUnpickler(pickle.Unpickler):
    "An unpickler that resolves globals only through :func:`_global` (v1's names to the package's objects)."
    def find_class(self, module, name): return _global(module, name)


#: what `torch.load(pickle_module=...)` needs of a pickle module
_PICKLE = types.SimpleNamespace(__name__=__name__, Unpickler=V1ExportUnpickler,
                                load=lambda f, **kw: V1ExportUnpickler(f, **kw).load())


def load_v1_export(source):
    "The state a fastai v1 `learn.export()` wrote in `source` (a path or a file object), as the package's objects."
    # torch reads the storages; every other global goes through V1ExportUnpickler.find_class
    with warnings.catch_warnings():
        # torch's legacy format (fastai 1.0.48's torch 1.0.1) kept each module class's source, and warns that
        # today's differs: it always does, and the package's classes are what the file is meant to load as
        warnings.simplefilter("ignore", torch.serialization.SourceChangeWarning)
        return torch.load(source, map_location="cpu", pickle_module=_PICKLE, weights_only=False)
