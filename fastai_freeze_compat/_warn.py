"""The package's warnings: each bridged v1 API says, once per call site, what the native fastai 2 way
is and what differs if you switch. The text comes from the table in ``changes.py``.

Silence them with ``FASTAI_FREEZE_COMPAT_NO_WARNINGS=1`` in the environment, with
``fastai_freeze_compat.silence_warnings()``, or with the standard filter
``warnings.filterwarnings("ignore", category=fastai_freeze_compat.FastaiV1APIWarning)``.
"""
import os
import sys
import warnings

from .changes import by_key

__all__ = ["FastaiV1APIWarning", "silence_warnings", "warn_bridged"]

ENV_VAR = "FASTAI_FREEZE_COMPAT_NO_WARNINGS"


class FastaiV1APIWarning(FutureWarning):
    "A fastai v1 API, bridged by fastai_freeze_compat: how fastai 2 spells it and what differs there."


_state = {"silenced": os.environ.get(ENV_VAR, "").strip().lower() not in ("", "0", "false", "no")}


def silence_warnings(silence=True):
    "Turn the package's FastaiV1APIWarning off (or back on with `silence_warnings(False)`)."
    _state["silenced"] = bool(silence)


def message(key, *also):
    "The warning's text for the table entry `key`, plus one clause for each further entry in `also`."
    c = by_key(key)
    text = f"`{c.v1}` is fastai v1's API, bridged by fastai_freeze_compat with v1's behaviour. " \
           f"Native fastai 2: `{c.v2}`"
    if c.what: text += f"; what differs if you switch: {c.what}"
    if c.keep_v1: text += f"; to keep v1's numbers there: `{c.keep_v1}`"
    text += "."
    for k in also:
        a = by_key(k)
        text += f" Also: {a.v1}; fastai 2: {a.v2}" + (f" ({a.what})" if a.what else "") \
                + (f"; to keep v1's numbers: `{a.keep_v1}`" if a.keep_v1 else "") + "."
    return text


# calls made by these packages are the bridge at work (cnn_learner freezing, fit calling create_opt, ...),
# not the user's v1 code: they do not warn
_INTERNAL = {"fastai_freeze_compat", "fastai", "fastcore"}


def warn_bridged(key, *also, stacklevel=3):
    """Warn (once per call site, Python's default for this category) that the v1 API `key` is bridged;
    `also` names further table entries that differ for the same call. `stacklevel` 3 is the caller of the
    function that calls this; a caller inside the package, fastai or fastcore does not warn."""
    if _state["silenced"]: return
    try: caller = sys._getframe(stacklevel - 1).f_globals.get("__name__", "")
    except ValueError: caller = ""
    if caller.split(".")[0] in _INTERNAL: return
    warnings.warn(message(key, *also), FastaiV1APIWarning, stacklevel=stacklevel)
