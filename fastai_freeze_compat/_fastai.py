"""Which fastai is installed: the one place that decides between the two backends.

Nothing here imports fastai until asked: ``changes``, ``upgrade`` and the CLI's ``--help`` run without it.
:mod:`fastai_freeze_compat._namespace` reads :func:`is_v1` and picks ``_v1`` (pass-through to the real fastai v1
API) or ``_v2`` (fastai v1 semantics built on fastai 2).
"""
from packaging.version import Version

__all__ = ["fastai_version", "is_v1"]

_cache = {}


def fastai_version():
    "The installed fastai, as a :class:`packaging.version.Version` (imports fastai on the first call)."
    if "v" not in _cache:
        try: import fastai
        except ImportError as e:
            raise ImportError("fastai_freeze_compat needs fastai for fastai v1's API: pip install fastai (fastai 2.x, "
                              "v1 semantics built on it) or fastai==1.0.61 (passed through); `fastai-freeze-compat "
                              f"upgrade` and the table of changes work without it ({e})") from e
        _cache["v"] = Version(fastai.__version__)
    return _cache["v"]


def is_v1():
    "True on fastai 1.x, where the package passes the real v1 API through unchanged."
    return fastai_version() < Version("2")
