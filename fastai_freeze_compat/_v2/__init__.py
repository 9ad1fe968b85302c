"""fastai v1 semantics on fastai 2.x, laid out as fastai v1's module tree.

Each module holds the bridges for the v1 module at the same relative path (``vision/data.py`` is v1's
``fastai/vision/data.py``, ``callbacks/hooks.py`` v1's ``fastai/callbacks/hooks.py``); its ``__all__`` lists
the package's own objects only, never a fastai 2 object passed on (those are ``identical`` names, listed in
``fastai_freeze_compat.names``). Modules whose name starts with ``_`` are the package's machinery
(``_checkpoint``: safe loading and atomic saving; ``vision/_views``: v1's read-only dataset views).
The public modules (``fastai_freeze_compat.vision.data``, ...) are filled from here by
``fastai_freeze_compat._namespace``; nothing here is imported until a name is asked for.
"""
import importlib

__all__ = ["MODULES", "bridged", "registry", "extras"]

#: The backend modules, each at v1's relative path.
MODULES = ("imports.core", "core", "torch_core", "layers", "callback", "basic_data", "basic_train", "train", "data_block",
           "datasets", "metrics", "callbacks.tracker", "callbacks.csv_logger", "callbacks.fp16", "callbacks.one_cycle",
           "callbacks.lr_finder", "callbacks.hooks", "callbacks.misc", "callbacks.mixup", "distributed", "vision.image",
           "vision.transform", "vision.data", "vision.models.unet", "vision.learner", "vision.models")

#: The package's own top-level names beyond what fastai v1's ``fastai.vision`` bound: v1 names that lived one
#: module deeper (``fv.model_meta`` is vision/learner.py's) and the package's additions.
_EXTRAS = {"cnn_config": "vision.learner", "model_meta": "vision.learner", "v1_pretrained_weights": "vision.learner",
           "DATA_ROOT_VAR": "datasets"}

_registry = {}


def _module(rel): return importlib.import_module(f"{__name__}.{rel}")


def registry():
    "Every bridged name: ``{name: (backend module, object)}``, from the modules' ``__all__``."
    if not _registry:
        for rel in MODULES:
            m = _module(rel)
            for n in m.__all__:
                if n in _registry and _registry[n][1] is not getattr(m, n):
                    raise RuntimeError(f"{n} is bridged twice, in _v2.{_registry[n][0]} and _v2.{rel}")
                _registry.setdefault(n, (rel, getattr(m, n)))
    return _registry


def bridged(name, home=None):
    """``(where, object)`` for the bridge of `name`, preferring the backend module at the path of its v1 `home`
    (e.g. ``fastai.vision.data``); None when the package does not bridge it."""
    if home and home.startswith("fastai."):
        rel = home[len("fastai."):]
        if rel in MODULES:
            m = _module(rel)
            if name in m.__all__: return f"fastai_freeze_compat._v2.{rel}", getattr(m, name)
    found = registry().get(name)
    return None if found is None else (f"fastai_freeze_compat._v2.{found[0]}", found[1])


def extras():
    "The package's top-level additions (see `_EXTRAS`)."
    return {n: getattr(_module(rel), n) for n, rel in _EXTRAS.items()}
