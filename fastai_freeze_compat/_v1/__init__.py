"""Pass-through on fastai 1.x: every v1 module path of the package binds that real v1 module's own objects.

Nothing is wrapped or changed; the package only re-exports, so notebooks get exactly what
``import fastai.vision as fv`` gave them. Three targeted repairs: on torch without ``torch.solve``,
fastai 1.0.61's warp transforms get a working solver (``transforms_fix``); where
``ImageDataBunch.from_folder`` takes ``test`` (after 1.0.48), ``fv.ImageDataBunch`` is a subclass whose
``from_folder`` accepts it as a ``Path``, as the reference notebook passes it (``data_fix``); on torch >= 2.6,
whose ``torch.load`` is weights-only by default, ``Learner`` is a subclass whose ``load`` (hence ``lr_find``)
and ``load_learner`` read v1's own files weights-only with the globals they need (``load_fix``). Wherever a
v1 module bound one of fastai's repaired objects, the package's module binds the repair.
"""
import importlib

__all__ = ["namespace", "attributes", "extras"]


def _repairs():
    "id(fastai v1's object) -> the package's repair of it, for every object a repair module replaces."
    # fastai 1.0.61's warp transforms call torch.solve, which today's torch removed: a targeted repair.
    from . import transforms_fix  # noqa: F401
    # fastai 1.0.5x+ from_folder(test=Path(...)) crashes in get_files(exclude=test): a subclass repairs it.
    from . import data_fix
    # fastai 1.0.61's learn.load / load_learner / lr_find on torch >= 2.6 (weights-only by default): a
    # Learner subclass and wrappers that allow what v1's own files hold, for the call only.
    from . import load_fix
    import fastai.vision as fv
    return {id(getattr(fv, n)): getattr(m, n) for m in (data_fix, load_fix) for n in m.__all__}


def _star(module):
    ns = {}
    exec(f"from {module} import *", ns)
    ns.pop("__builtins__", None)
    return ns


def namespace(v1_module):
    "What `from <v1_module> import *` binds on this fastai v1, with the repairs in place of the objects they repair."
    repairs = _repairs()
    return {k: repairs.get(id(v), v) for k, v in _star(v1_module).items()}


def attributes(v1_module):
    "The real v1 module's other public attributes (not bound by its star import)."
    repairs = _repairs()
    star = _star(v1_module)
    mod = importlib.import_module(v1_module)
    return {k: repairs.get(id(v), v) for k, v in vars(mod).items() if not k.startswith("_") and k not in star}


def extras():
    "Nothing: on fastai 1.x the package's top level is fastai v1's own names."
    return {}
