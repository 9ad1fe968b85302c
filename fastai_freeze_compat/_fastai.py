"""Which fastai is installed: the one place that decides between the two backends.

Nothing here imports a backend; :mod:`fastai_freeze_compat` reads :data:`IS_V1` and picks
``_v1`` (pass-through to the real fastai v1 API) or ``_v2`` (fastai v1 semantics built on fastai 2).
"""
from packaging.version import Version

import fastai

__all__ = ["FASTAI_VERSION", "IS_V1"]

#: The installed fastai, as a :class:`packaging.version.Version`.
FASTAI_VERSION = Version(fastai.__version__)

#: True on fastai 1.x, where the package passes the real v1 API through unchanged.
IS_V1 = FASTAI_VERSION < Version("2")
