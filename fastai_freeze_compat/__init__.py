"""fastai v1's API, with v1's numbers, on whichever fastai is installed.

Change ``fastai`` to ``fastai_freeze_compat`` in a notebook's import lines: ``import fastai.vision as fv``
becomes ``import fastai_freeze_compat.vision as fv`` (or ``import fastai_freeze_compat as fv``, the same
names), ``from fastai.callbacks.hooks import *`` becomes ``from fastai_freeze_compat.callbacks.hooks import *``.

* on fastai 2.x you get fastai v1's names with v1's behaviour, built on fastai 2 (``fastai_freeze_compat._v2``,
  laid out as v1's module tree); names not bridged yet raise an error naming the native fastai 2 way;
* on fastai 1.x the names are fastai v1's own objects, passed through (``fastai_freeze_compat._v1``).

``fastai_freeze_compat`` itself binds what ``from fastai.vision import *`` bound. Nothing is imported until a
name is asked for (``changes``, ``upgrade`` and the CLI import without fastai or torch), and importing the
package changes nothing in fastai itself: no monkeypatching.
"""
import importlib
import importlib.util

from ._version import __version__
from ._warn import FastaiV1APIWarning, silence_warnings

# the names the package adds to fastai v1's own
_OWN = ("FASTAI_VERSION", "IS_V1", "FastaiV1APIWarning", "silence_warnings", "__version__")


def _build():
    from ._namespace import top_level
    ns = top_level()
    g = globals()
    for k, v in ns.items():
        g.setdefault(k, v)
    g["__all__"] = sorted(set(ns) | set(_OWN))
    return ns


def __getattr__(name):
    if name.startswith("__") and name != "__all__":
        raise AttributeError(f"module 'fastai_freeze_compat' has no attribute {name!r}")
    if importlib.util.find_spec(f"{__name__}.{name}") is not None:
        # a submodule asked for before its import (`from . import names`): import it, build nothing
        return importlib.import_module(f"{__name__}.{name}")
    if name in ("FASTAI_VERSION", "IS_V1"):
        from ._fastai import fastai_version, is_v1
        value = fastai_version() if name == "FASTAI_VERSION" else is_v1()
        globals()[name] = value
        return value
    ns = _build()
    if name == "__all__": return globals()["__all__"]
    if name in ns: return globals()[name]
    raise AttributeError(f"module 'fastai_freeze_compat' has no attribute {name!r}: fastai v1's "
                         f"`fastai.vision` had no such name either")


def __dir__():
    return sorted(set(globals()) | set(_build()))
