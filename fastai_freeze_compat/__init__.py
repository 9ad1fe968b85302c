"""fastai v1's transfer-learning API, with v1's numbers, on whichever fastai is installed.

Change ``import fastai.vision as fv`` to ``import fastai_freeze_compat as fv``:

* on fastai 2.x you get fastai v1's ``cnn_learner``, layer groups, ``freeze_to`` / ``freeze`` /
  ``unfreeze`` semantics and model layout, built on fastai 2 (``fastai_freeze_compat._v2``);
* on fastai 1.x the names are fastai v1's own objects, passed through (``fastai_freeze_compat._v1``).

Importing the package changes nothing in fastai itself: no monkeypatching.
"""
from ._fastai import FASTAI_VERSION, IS_V1
from ._version import __version__
from ._warn import FastaiV1APIWarning, silence_warnings

if IS_V1:
    from . import _v1 as _backend
else:
    from . import _v2 as _backend

globals().update({name: getattr(_backend, name) for name in _backend.__all__})

__all__ = sorted(set(_backend.__all__) | {"FASTAI_VERSION", "IS_V1", "FastaiV1APIWarning", "silence_warnings"})
