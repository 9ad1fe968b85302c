"""fastai 1.0.61's own checkpoint loading on torch >= 2.6: ``learn.load``, ``load_learner``, ``lr_find``.

torch 2.6 made ``torch.load(weights_only=True)`` the default (pytorch/pytorch#137602). fastai 1.0.61 calls
``torch.load(source)`` without the argument, and its files hold more than tensors: ``learn.save`` writes the
optimizer state with ``slice`` learning rates (after ``freeze()``) and numpy scalars (after a fit); ``export``
pickles the whole model, the loss, the metric functions and the data processors. So on today's torch real
fastai 1.0.61 raises ``UnpicklingError: Weights only load failed`` in ``learn.load``, in ``lr_find`` (which
reloads its ``tmp.pth``), in ``SaveModelCallback`` (the best model) and in ``load_learner``.

The repair keeps weights-only loading and gives fastai's calls the globals its own files need, for the
duration of the call only (``torch.serialization.safe_globals``): nothing in torch or fastai is changed, and
fastai's own ``Learner`` still fails exactly as before. Where the package's namespace binds fastai's:

* ``Learner`` is a subclass whose ``load`` allows :func:`~fastai_freeze_compat._torch_load.v1_safe_globals`
  (``slice``, numpy scalars and dtypes: what ``learn.save`` writes besides tensors). ``lr_find`` and
  ``SaveModelCallback`` reload through ``learn.load``, so they work too. ``export`` writes fastai's own class
  into the file, as fastai would: the export loads without the package.
* ``cnn_learner``, ``create_cnn``, ``unet_learner`` and ``load_learner`` return that subclass (the same
  learner, its class swapped for the subclass; only learners of fastai's exact ``Learner`` class are).
* ``load_learner`` first lists the globals the export names (torch reads them statically, nothing runs) and
  allows those that fastai v1's exports are made of: classes of ``fastai`` and of ``torch.nn`` /
  ``torch.optim`` / ``torchvision.models``, the metric, layer and transform functions of ``fastai.metrics``,
  ``fastai.layers``, ``fastai.vision.transform`` (and the random-parameter helpers of ``fastai.torch_core``),
  ``functools.partial``, paths and plain builtin types. Anything else (a function of your own, ``os.system``)
  is refused by name before loading, with how to allow it if you trust the file.

Not repaired: ``learn.purge()`` / ``load(purge=True)`` (fastai re-pickles the whole learner there), and
learners of other classes (``GANLearner``, text and tabular learners).
"""
import builtins
import functools
import importlib
import io
import os
import pickle
import sys
from pathlib import Path

import torch
import fastai.basic_train as _basic_train
import fastai.vision.learner as _vision_learner

from .._export_policy import BUILTIN_TYPES, allows
from .._torch_load import torch_at_least, v1_safe_globals

__all__ = []

_safe_globals = getattr(torch.serialization, "safe_globals", None)
#: True when torch loads weights-only by default (torch >= 2.6), so fastai 1.0.61's loads need the repair.
NEEDED = torch_at_least(2, 6) and _safe_globals is not None

_V1Learner = _basic_train.Learner

# -- what fastai v1's exports are made of -----------------------------------------------------------------
_IMPORTABLE = ("fastai", "torch", "torchvision")


def _resolve(name):
    "The object a pickle global `module.qualname` names, importing only fastai / torch / torchvision modules."
    parts = name.split(".")
    for k in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:k])
        if module not in sys.modules:
            if parts[0] not in _IMPORTABLE: continue
            try: importlib.import_module(module)
            except ImportError: continue
        obj = sys.modules[module]
        try:
            for p in parts[k:]: obj = getattr(obj, p)
        except AttributeError:
            continue
        return obj
    return None


def _export_global(name):
    "The object to allow for the pickle global `name` of a fastai v1 export, or None to refuse it."
    module, _, short = name.rpartition(".")
    if module == "builtins": return getattr(builtins, short) if short in BUILTIN_TYPES else None
    obj = _resolve(name)
    if obj is None: return None
    return obj if allows(name, obj, getattr(obj, "__module__", None) or "") else None


def export_safe_globals(source):
    """What torch's weights-only loader must allow to read the fastai v1 export `source` (a path or a seekable
    file-like object), listed from the file without running it; raises ``UnpicklingError`` naming any global a
    fastai v1 export is not made of."""
    scan = getattr(torch.serialization, "get_unsafe_globals_in_checkpoint", None)
    if scan is None: return []
    pos = source.tell() if hasattr(source, "tell") else None
    try:
        with _safe_globals(v1_safe_globals()):
            names = sorted(scan(source))
    except ValueError:
        return []   # not a zip checkpoint (torch < 1.6's format): torch's loader says what it refuses
    finally:
        if pos is not None: source.seek(pos)
    allowed, refused = [], []
    for name in names:
        obj = _export_global(name)
        if obj is None: refused.append(name)
        else:
            canonical = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"
            allowed.append(obj if canonical == name else (obj, name))
    if refused:
        shown = source if isinstance(source, (str, os.PathLike)) else f"the {type(source).__name__} object"
        raise pickle.UnpicklingError(
            f"Refusing to load {shown}: it names {', '.join(f'`{n}`' for n in refused)}, which fastai v1's own exports "
            "are not made of (fastai's and torch's classes, fastai's metrics, layers and transforms). It is read with "
            "torch's weights-only loader, so nothing in it was run. If you wrote it and trust it (a metric or "
            "transform of your own, say), allow those objects: `with torch.serialization.safe_globals([...]): "
            "load_learner(path)`.")
    return allowed


# -- the repaired learner -----------------------------------------------------------------------------------
if NEEDED:
    class Learner(_V1Learner):
        # fastai v1's Learner (a dataclass: the same fields, repr and behaviour), loading its own files on torch >= 2.6
        __doc__ = _V1Learner.__doc__

        @functools.wraps(_V1Learner.load)
        def load(self, *args, **kwargs):
            # v1's files hold `slice` learning rates and numpy scalars besides tensors: allow those, for this call
            with _safe_globals(v1_safe_globals()):
                return _V1Learner.load(self, *args, **kwargs)

        @functools.wraps(_V1Learner.export)
        def export(self, *args, **kwargs):
            # v1 pickles `self.__class__` into the file: write fastai's own Learner there, so that the export
            # loads where the package is not installed, as a fastai export does
            self.__class__ = _V1Learner
            try:
                return _V1Learner.export(self, *args, **kwargs)
            finally:
                if type(self) is _V1Learner: self.__class__ = Learner   # `destroy=True` leaves a zombie class

    def _adopt(learn):
        "The learner, as the repaired subclass when it is exactly fastai's `Learner`."
        if type(learn) is _V1Learner: learn.__class__ = Learner
        return learn

    def _returning_repaired(f):
        @functools.wraps(f)
        def call(*args, **kwargs): return _adopt(f(*args, **kwargs))
        call.__module__ = __name__
        return call

    cnn_learner = _returning_repaired(_vision_learner.cnn_learner)
    create_cnn = _returning_repaired(_vision_learner.create_cnn)
    unet_learner = _returning_repaired(_vision_learner.unet_learner)

    @functools.wraps(_basic_train.load_learner)
    def load_learner(path, file="export.pkl", test=None, tfm_y=None, **db_kwargs):
        source = Path(path) / file if isinstance(file, (str, os.PathLike)) else file
        if not isinstance(source, Path) and not (hasattr(source, "seek") and hasattr(source, "tell")):
            source = file = io.BytesIO(source.read())
        allowed = export_safe_globals(source)
        with _safe_globals(v1_safe_globals() + allowed):
            res = _basic_train.load_learner(path, file, test=test, tfm_y=tfm_y, **db_kwargs)
        return _adopt(res)
    load_learner.__module__ = __name__

    __all__ = ["Learner", "cnn_learner", "create_cnn", "unet_learner", "load_learner"]
