"""The one re-export mechanism: what each fastai v1 module path binds, on the installed fastai.

Every public module of the package (``fastai_freeze_compat.vision``, ``.vision.data``, ``.callbacks.hooks``,
``.torch_core``, ...) is two lines that call :func:`export` with the v1 module it stands for, and the package
itself binds :func:`top_level`. What a v1 module bound comes from real fastai v1 (``_v1_names``, recorded on
1.0.48 and 1.0.61); what each name is on fastai 2 is decided here, once, by :func:`resolve`:

* **bridged**: the package's own object with v1's behaviour, from the backend module at the same relative
  path as v1's definition (``fastai/vision/data.py`` -> ``_v2/vision/data.py``);
* **identical**: the same object v1 re-exported (``pd``, ``partial``, ``Path``, ``F``, typing names: the
  origin v1 recorded, imported here), or a fastai 2 object that kept v1's definition (``names.IDENTICAL``);
* **unsupported**: a placeholder that raises :class:`FastaiV1NotBridgedError` on use, naming the native
  fastai 2 way (``names.UNSUPPORTED`` / ``names.UNSUPPORTED_MODULES``).

On fastai 1.x every module path passes the real v1 module's names through (``_v1.namespace``).
Importing this module imports neither fastai nor torch.
"""
import importlib
import importlib.util
import sys
from collections import namedtuple

from . import names as _table
from ._fastai import is_v1
from ._v1_names import ATTRIBUTES, HOMES, MODULES, ORIGINS

__all__ = ["export", "namespace", "attributes", "top_level", "resolve", "Resolution", "FastaiV1NotBridgedError", "is_unsupported",
           "public_module"]

#: How one v1 name is provided: ``status`` is ``bridged``, ``identical`` or ``unsupported``; ``where`` the
#: object's source (``module:name``); ``reason`` / ``native`` why it is unsupported and the fastai 2 way.
Resolution = namedtuple("Resolution", "name status obj where reason native")


class FastaiV1NotBridgedError(NotImplementedError):
    "A fastai v1 name that fastai_freeze_compat does not bridge (yet) was used: the message says the fastai 2 way."


class _NotBridgedMeta(type):
    "Metaclass of the placeholders: using one (calling it, reading an attribute) raises with the fastai 2 way."
    def __call__(cls, *args, **kwargs): raise FastaiV1NotBridgedError(cls._message)

    def __getattr__(cls, attr):
        if attr.startswith("__"): raise AttributeError(attr)
        raise FastaiV1NotBridgedError(cls._message)

    def __repr__(cls): return f"<fastai v1 name {cls._v1_name!r}, not bridged by fastai_freeze_compat>"


def _placeholder(name, home, reason, native):
    where = f" (fastai v1's `{home}`)" if home else ""
    msg = (f"`{name}`{where} is not bridged by fastai_freeze_compat: {reason}. "
           f"Native fastai 2: {native}.")
    # a class, so that v1 code subclassing it (`class MyItem(ItemBase)`) still imports; using it raises
    return _NotBridgedMeta(name, (), {"_message": msg, "_v1_name": name, "__module__": "fastai_freeze_compat",
                                      "__doc__": msg})


def is_unsupported(obj):
    "True for the placeholder of a v1 name the package does not bridge."
    return isinstance(obj, _NotBridgedMeta)


def public_module(v1_module):
    "The package's module path for fastai v1's `v1_module` (``fastai.vision.data`` -> ``fastai_freeze_compat.vision.data``)."
    return "fastai_freeze_compat" + v1_module[len("fastai"):]


def _import_spec(spec):
    "The object `module:qualname` (or the module `module`) names."
    mod, _, qual = spec.partition(":")
    obj = importlib.import_module(mod)
    for part in qual.split(".") if qual else ():
        obj = getattr(obj, part)
    return obj


def _home(name, v1_module):
    return HOMES.get((v1_module, name), HOMES.get(name))


def _unsupported(name, home, reason=None, native=None):
    rule = _table.UNSUPPORTED.get(name)
    if rule is None and home:
        for mod in sorted(_table.UNSUPPORTED_MODULES, key=len, reverse=True):
            if home == mod or home.startswith(mod + "."):
                rule = _table.UNSUPPORTED_MODULES[mod]
                break
    status = "unsupported"
    if reason is None:
        if rule is None: reason, native, status = "no entry in fastai_freeze_compat.names", "unknown", "unclassified"
        else: reason, native = rule
    return Resolution(name, status, _placeholder(name, home, reason, native), home, reason, native)


def resolve(name, v1_module):
    "How fastai 2 provides `name` of fastai v1's `v1_module` (fastai 2 only): a :class:`Resolution`."
    from . import _v2
    home = _home(name, v1_module)
    origin = ORIGINS.get((v1_module, name), ORIGINS.get(name))
    if home and home in MODULES and name == home.rpartition(".")[2] and origin is None:
        # a v1 submodule bound by name (`models`, `callbacks`, `vision`): the package's module for it
        target = public_module(home)
        if target in sys.modules or importlib.util.find_spec(target) is not None:
            return Resolution(name, "bridged", importlib.import_module(target), target, "", "")
        return _unsupported(name, home, f"the package has no module for `{home}`", f"the fastai 2 module for it")
    bridged = _v2.bridged(name, home)
    if bridged is not None:
        where, obj = bridged
        return Resolution(name, "bridged", obj, f"{where}:{name}", "", "")
    if name in _table.IDENTICAL:
        spec = _table.IDENTICAL[name][0]
        return Resolution(name, "identical", _import_spec(spec), spec, "", "")
    if origin is not None:
        try: obj = _import_spec(origin)
        except (ImportError, AttributeError) as e:
            mod = origin.partition(":")[0]
            return _unsupported(name, None, f"fastai v1 re-exported it from `{mod}`, which is not importable here "
                                            f"({type(e).__name__}: {e})", f"install the package that provides `{mod}`")
        return Resolution(name, "identical", obj, origin, "", "")
    return _unsupported(name, home)


_cache = {}


def namespace(v1_module):
    "The names fastai v1's `v1_module` bound with `from <module> import *`, as objects on the installed fastai."
    if v1_module not in _cache:
        if is_v1():
            from . import _v1
            _cache[v1_module] = _v1.namespace(v1_module)
        else:
            if v1_module not in MODULES:
                raise KeyError(f"no recording of fastai v1's `{v1_module}` (fastai_freeze_compat._v1_names)")
            _cache[v1_module] = {n: resolve(n, v1_module).obj for n in MODULES[v1_module]}
    return _cache[v1_module]


def attributes(v1_module):
    """The v1 module's other public attributes, which ``from fastai.vision.learner import has_pool_type`` or
    ``fv.data`` reached though its star import did not bind them."""
    key = ("<attributes>", v1_module)
    if key not in _cache:
        if is_v1():
            from . import _v1
            _cache[key] = _v1.attributes(v1_module)
        else:
            _cache[key] = {n: resolve(n, v1_module).obj for n in ATTRIBUTES.get(v1_module, ())}
    return _cache[key]


def top_level():
    """What ``fastai_freeze_compat`` binds: fastai v1's ``fastai.vision`` namespace and attributes (``fv.X``),
    plus ``fastai``'s and ``fastai.callbacks``' names (v1 notebooks took ``SaveModelCallback``, ``CSVLogger`` ...
    from there; the package offers them as ``fv.<name>`` on both fastai lines) and the package's own extras."""
    if "<top>" not in _cache:
        ns = dict(namespace("fastai"))
        ns.update(namespace("fastai.callbacks"))
        ns.update(attributes("fastai.vision"))
        ns.update(namespace("fastai.vision"))
        if is_v1():
            from . import _v1
            ns.update(_v1.extras())
        else:
            from . import _v2
            ns.update(_v2.extras())
        _cache["<top>"] = ns
    return _cache["<top>"]


def export(module_globals, v1_module):
    "Fill a public module's globals with fastai v1's `v1_module` names and attributes; return its `__all__`."
    ns = namespace(v1_module)
    module_globals.update(attributes(v1_module))
    module_globals.update(ns)
    return sorted(ns)
