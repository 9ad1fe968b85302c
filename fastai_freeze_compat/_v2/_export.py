"""fastai v1's ``learn.export()`` on fastai 2, and ``load_learner`` for v1's files and the package's own.

v1 (``fastai/basic_train.py``) pickled the learner's state for inference: ``opt_func``, ``loss_func``,
``metrics``, ``true_wd``, ``bn_wd``, ``wd``, ``train_bn``, ``model_dir``, ``callback_fns`` (its Recorder first),
``cb_state``, the model on the CPU, ``data`` (the validation set's ``LabelList.get_state()``, with the
normalization) and ``cls``; ``load_learner`` rebuilt an empty data block ``DataBunch`` from ``data`` and the
learner from the rest. The package writes the same state, with its own classes, so a package export is a v1
export: read back here, and by the same restricted unpickler (``_v1_unpickle``) as real v1 files, which maps v1's
names to the package's objects and refuses everything else. The factory ``ImageDataBunch`` (fastai 2 loaders)
has no ``LabelList``: its state is the one v1's factory would have had (``ImageList`` / ``CategoryList``, its
validation transforms and ``transform`` arguments).
"""
import warnings
from functools import partial
from pathlib import Path

from fastai.torch_core import rank_distrib

from ._checkpoint import save_checkpoint
from ._v1_unpickle import load_v1_export
from .core import is_pathlike, split_kwargs_by_func
from .torch_core import ModelOnCPU

__all__ = ["ExportMixin", "load_learner", "load_callback"]

#: the learner attributes v1's export kept, in v1's order
_ARGS = ("opt_func", "loss_func", "metrics", "true_wd", "bn_wd", "wd", "train_bn", "model_dir", "callback_fns")


def _data_state(data):
    "v1's `data.valid_ds.get_state(normalize=...)` for a data block `DataBunch` or the factory `ImageDataBunch`."
    v1_state = getattr(data, "_v1_export_state", None)
    if v1_state is not None: return v1_state()
    valid_ds = getattr(data, "valid_ds", None)
    if not hasattr(valid_ds, "get_state"):
        raise TypeError(f"learn.export() needs the learner's data as a fastai v1 DataBunch (the data block API or an "
                        f"ImageDataBunch factory); got {type(data).__name__}: export its model with "
                        "`learn.save(name)` instead")
    xtra = dict(normalize=data.norm.keywords) if getattr(data, "norm", False) else {}
    return valid_ds.get_state(**xtra)


class ExportMixin:
    "v1's `Learner.export` (the `Learner` mixes it in)."

    def export(self, file="export.pkl", destroy=False):
        "Export the state of the `Learner` in `self.path/file`. `file` can be file-like (file or buffer)"
        if rank_distrib(): return    # don't save if slave proc
        state = {a: self._v1_field(a) if a in ("metrics", "callback_fns") else getattr(self, a) for a in _ARGS}
        state["cb_state"] = {cb.__class__: cb.get_state() for cb in self.callbacks if hasattr(cb, "get_state")}
        data = self.dls
        with ModelOnCPU(self.model) as m:
            state["model"] = m
            state["data"] = _data_state(data)
            state["cls"] = self.__class__
            target = Path(self.path) / file if is_pathlike(file) else file
            # all or nothing (a temporary file replaced into place), as learn.save
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")    # torch's "source of the model not checked" warnings, as v1
                save_checkpoint(state, target)
        if destroy: self.destroy()


def load_callback(class_func, state, learn):
    "Rebuild the callback `class_func` of `learn` from its exported `state` (v1's `load_callback`)."
    from .basic_train import LearnerCallback
    init_kwargs, others = split_kwargs_by_func(state, class_func.__init__)
    res = class_func(learn, **init_kwargs) if issubclass(class_func, LearnerCallback) else class_func(**init_kwargs)
    for k, v in others.items(): setattr(res, k, v)
    return res


def _recorder_args(callback_fns):
    "v1's `callback_fns` without its `partial(Recorder, add_time=..., silent=...)` (the learner adds its own), and those."
    from .basic_train import Recorder
    rest, kw = [], {}
    for f in callback_fns or []:
        if isinstance(f, partial) and isinstance(f.func, type) and issubclass(f.func, Recorder):
            kw = {k: v for k, v in f.keywords.items() if k in ("add_time", "silent")}
        elif f is Recorder: pass
        else: rest.append(f)
    return rest, kw


def load_learner(path, file="export.pkl", test=None, tfm_y=None, fname=None, **db_kwargs):
    """Load a `Learner` saved with `export` in `path/file` (fastai v1's or the package's) with empty data,
    optionally add `test`. `file` can be file-like (file or buffer). The file is read with a restricted unpickler:
    only fastai's, torch's and torchvision's known classes load, nothing in it runs."""
    # fastai 1.0.48 named the file argument `fname`
    if fname is not None: file = fname
    from .data_block import LabelLists
    source = Path(path) / file if is_pathlike(file) else file
    if is_pathlike(file) and not Path(source).is_file():
        raise FileNotFoundError(f"no exported learner at {source}: write it with `learn.export()` (it goes to "
                                f"learn.path/'export.pkl'), or pass load_learner the folder and `file` it is in")
    try: state = load_v1_export(source)
    except (RuntimeError, EOFError) as e:    # a refused global is a pickle.UnpicklingError, raised as it is
        raise RuntimeError(f"{source} is not a readable export file ({e}): export it again with `learn.export()`") from None
    if not isinstance(state, dict) or not {"model", "data", "cls"} <= set(state):
        raise ValueError(f"{source} is not a fastai v1 export (a dict with 'model', 'data' and 'cls'): a fastai 2 "
                         "`learn.export()` file loads with fastai 2's own `load_learner` (fastai.learner), a model "
                         "saved with `learn.save` with `learn.load`")
    model = state.pop("model")
    src = LabelLists.load_state(path, state.pop("data"))
    if test is not None: src.add_test(test, tfm_y=tfm_y)
    data = src.databunch(**db_kwargs)
    cb_state = state.pop("cb_state", {})
    clas_func = state.pop("cls")
    state["callback_fns"], rec = _recorder_args(state.get("callback_fns"))
    res = clas_func(data, model, **rec, **state)
    res.callbacks.extend(load_callback(c, s, res) for c, s in cb_state.items())
    return res
