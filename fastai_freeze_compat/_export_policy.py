"""Which globals a fastai v1 ``export.pkl`` may name: the one allowlist both backends read.

fastai v1's ``learn.export()`` pickles the whole learner state: the model (classes of ``torch.nn``,
``torchvision.models`` and ``fastai.layers``), the loss (``FlattenedLoss``), ``opt_func``
(``functools.partial`` of a ``torch.optim`` class), the metric functions, the data classes, processors and
transforms (``fastai.vision.transform``'s private functions, ``fastai.torch_core``'s random draws). A pickle
can name any callable, so reading one runs whatever it names; a v1 export is read with only these allowed:

* classes defined in ``fastai`` (except the widgets / utils / launch / script / docs modules), ``torch.nn``,
  ``torch.optim`` and ``torchvision.models``;
* functions of ``fastai.metrics``, ``fastai.layers``, ``fastai.vision.transform`` and ``torch.nn.functional``,
  and ``fastai.torch_core``'s random-parameter helpers; fastai 2's ``fastai.optimizer`` functions and
  ``fastai.losses`` classes, which the package's own exports hold;
* ``functools.partial``, ``collections.OrderedDict``, ``pathlib`` paths and plain builtin types.

On fastai 1.0.61 ``_v1/load_fix.py`` gives these to torch's weights-only loader; on fastai 2
``_v2/_v1_unpickle.py`` maps them to the package's objects. Imports neither fastai nor torch.
"""
import types

__all__ = ["BUILTIN_TYPES", "allows"]

BUILTIN_TYPES = frozenset({"int", "float", "bool", "str", "bytes", "complex", "slice", "tuple", "list", "dict", "set",
                           "frozenset", "range"})
_EXCLUDED = ("fastai.widgets", "fastai.utils", "fastai.launch", "fastai.script", "fastai.gen_doc", "fastai.datasets")
_CLASS_MODULES = ("fastai.", "torch.nn.", "torch.optim.", "torchvision.models.")
# fastai.optimizer: fastai 2's optimizer functions (Adam, SGD, ...), which the package's own exports hold
_FUNCTION_MODULES = ("fastai.metrics", "fastai.layers", "fastai.vision.transform", "torch.nn.functional",
                     "fastai.optimizer")
_FUNCTIONS = {"fastai.torch_core": ("uniform", "log_uniform", "rand_bool", "uniform_int")}
_EXACT = {"functools.partial", "collections.OrderedDict", "pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath",
          "pathlib.PurePath", "pathlib.PurePosixPath", "pathlib.PureWindowsPath",
          # torch 1.0 (fastai 1.0.48's) pickled each module's `_backend` as this function's result; it returns None
          "torch.nn.backends.thnn._get_thnn_function_backend"}


def _in(module, prefixes):
    return any(module == p.rstrip(".") or module.startswith(p.rstrip(".") + ".") for p in prefixes)


def allows(name, obj, home):
    """True when `obj`, what the pickle global `name` (``module.qualname``) resolves to, is something fastai v1's
    exports are made of. `home` is the module defining it, in fastai v1's terms (``fastai.metrics`` for v1's
    ``accuracy``, wherever the installed object lives)."""
    if name in _EXACT: return True
    if _in(home, _EXCLUDED): return False
    if isinstance(obj, type): return any(home.startswith(p) for p in _CLASS_MODULES)
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        return _in(home, _FUNCTION_MODULES) or getattr(obj, "__name__", None) in _FUNCTIONS.get(home, ())
    return False
