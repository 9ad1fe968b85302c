"""fastai v1's ``learn.save`` / ``learn.load`` on fastai 2 (``fastai/basic_train.py`` in 1.0.61).

* Same files as v1: ``learn.path/learn.model_dir/<name>.pth`` (an absolute ``model_dir`` is used as
  is), holding ``{'model': state_dict, 'opt': optimizer state}`` or, with ``with_opt=False`` or no
  optimizer yet, the bare ``state_dict``; ``file`` may also be a file-like object.
* ``save`` writes atomically: a temporary file in the same folder, then ``os.replace``, so an
  interrupted save never leaves a truncated checkpoint where a good one was; the next save of the same name
  removes the temporary files of saves whose process was killed (SIGKILL). A full disk (or quota, or file size
  limit) is named as such, with the free space.
* ``load`` refuses a state dict whose tensors' dtypes are not the model's (torch would cast them silently),
  naming the key.
* ``load`` reads with torch's weights-only unpickler, allowing only what v1 checkpoints hold besides
  tensors (``slice`` learning rates, numpy scalars): a file that carries code is refused and its code
  never runs. It reads real v1 files; their optimizer state (torch's, two parameter groups per layer
  group) cannot drive fastai 2's optimizer, so it is dropped with a warning and the weights are kept.
* A checkpoint that does not fit the model (another architecture or class count), a truncated file or
  a missing one raises v1's exception type with what went wrong and what to do; the learner keeps its
  weights (torch's ``load_state_dict`` alone copies the matching tensors before raising).
"""
import errno
import gc
import io
import os
import pickle
import re
import secrets
import shutil
import warnings
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import torch
from fastai.optimizer import OptimWrapper
from fastai.torch_core import distrib_barrier, get_model, rank_distrib
from fastcore.foundation import L

from .._torch_load import torch_at_least as _torch_at_least
from .._torch_load import v1_safe_globals
from .core import defaults

__all__ = ["CheckpointMixin", "load_checkpoint", "save_checkpoint", "sweep_stale_temps", "v1_safe_globals"]


def _is_pathlike(f): return isinstance(f, (str, os.PathLike))


def _display(source): return str(source) if _is_pathlike(source) else f"the {type(source).__name__} object"


def load_checkpoint(source, map_location=None):
    """Read a checkpoint written by fastai v1, fastai 2 or this package from a path or file-like object,
    with torch's weights-only unpickler: nothing in the file is ever called except tensor rebuilding and
    the values of `v1_safe_globals()`."""
    # torch 1.13 added `torch.load(weights_only=True)`: without it no load is safe.
    if not _torch_at_least(1, 13):
        raise RuntimeError(f"loading a checkpoint safely needs torch >= 1.13 (weights-only loading), this is torch "
                           f"{torch.__version__}: upgrade torch")
    # torch 2.5 added `torch.serialization.safe_globals`; before it only the default weights-only set
    # (tensors, containers, numbers) loads: bare state dicts yes, v1 optimizer states no.
    safe = getattr(torch.serialization, "safe_globals", None)
    context = safe(v1_safe_globals()) if safe is not None else nullcontext()
    try:
        with context:
            return torch.load(source, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        # Only the weights-only unpickler raises this here (a truncated file gives EOFError, struct.error
        # or RuntimeError): the file holds something that is not tensors, containers and numbers.
        msg = str(e)
        found = re.search(r"GLOBAL ([\w.]+)|but got <class '([\w.]+)'>", msg)
        if found: what = f"it holds `{found.group(1) or found.group(2)}`, which"
        else:
            reason = msg.split("WeightsUnpickler error:")[-1].strip().splitlines()
            what = f"it holds something ({reason[0] if reason else 'not a tensor or number'}) that"
        hint = ("" if safe is not None else f" (torch {torch.__version__} cannot allow the `slice` and numpy "
                "values of fastai v1 optimizer states: torch >= 2.5 can)")
        raise pickle.UnpicklingError(
            f"Refusing to load {_display(source)}: {what} a checkpoint of fastai v1, fastai 2 or "
            f"fastai_freeze_compat never needs{hint}. Checkpoints are read with torch's weights-only loader so "
            "that a file cannot run code; nothing in this one was run. If you wrote this file yourself and trust "
            "it, read it with torch.load(weights_only=False) and pass its state dict to "
            "`learn.model.load_state_dict`.") from None
    except OSError:
        raise
    except Exception as e:
        raise _corrupt(source, e) from e


def _corrupt(source, e):
    kind = type(e).__qualname__ if type(e).__module__ == "builtins" else f"{type(e).__module__}.{type(e).__qualname__}"
    detail = str(e).strip().splitlines()
    detail = f"{kind}: {detail[0].split('. ')[0]}" if detail else kind
    return RuntimeError(f"{_display(source)} is not a complete PyTorch checkpoint (truncated, or not written by "
                        f"torch.save; {detail}). Save it again with `learn.save(name)`.")


def _plain(o):
    "An optimizer state with numpy values as Python numbers and fastcore `L`s as lists: loadable weights-only."
    if isinstance(o, np.generic): return o.item()
    if isinstance(o, np.ndarray): return o.tolist()
    if isinstance(o, (list, L)): return [_plain(v) for v in o]
    if isinstance(o, tuple): return tuple(_plain(v) for v in o)
    if isinstance(o, dict): return {k: _plain(v) for k, v in o.items()}
    return o


_WRITE_ERRORS = {errno.ENOSPC: "the disk is full (no space left on device)",
                 errno.EDQUOT: "the disk quota is exceeded",
                 errno.EFBIG: "the file is larger than this process may write (file size limit, `ulimit -f`)"}


def _free_space(folder):
    try: return f"{shutil.disk_usage(str(folder)).free / 2**20:,.1f} MiB free there"
    except OSError: return "free space unknown"


def _write_failed(e, where, folder):
    "`e` (an OSError) as the same OSError, saying in words why the write failed and what to do."
    why = _WRITE_ERRORS.get(e.errno)
    if why is None: return None
    where_free = f" ({_free_space(folder)})" if folder is not None else ""
    return OSError(e.errno, f"Can't save the checkpoint {where}: {why}{where_free}; nothing was written in place of "
                            "an earlier file of that name. Free some space (delete old checkpoints in learn.path/"
                            "learn.model_dir), or set `learn.model_dir` to a folder on another disk, then save again")


class _Writer:
    "A file for torch.save that keeps the OSError of a failed write (torch may report it as a RuntimeError)."
    def __init__(self, f): self.f, self.error = f, None

    def write(self, b):
        try: return self.f.write(b)
        except OSError as e:
            self.error = e
            raise

    def flush(self): return self.f.flush()


#: the temporary files of a save: `.<target name>.<pid>.<random>.tmp`
_TMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp$")


def _pid_alive(pid):
    try: os.kill(pid, 0)
    except ProcessLookupError: return False
    except OSError: return True       # exists, owned by someone else
    return True


def sweep_stale_temps(target):
    """Remove the temporary files that earlier saves of `target` left behind when their process was killed
    (SIGKILL, power loss): those whose process no longer runs. A save in progress elsewhere is left alone."""
    target = Path(target)
    try: entries = list(target.parent.iterdir())
    except OSError: return []
    removed = []
    for p in entries:
        m = _TMP.match(p.name)
        if not m or m.group("name") != target.name: continue
        pid = int(m.group("pid"))
        if pid != os.getpid() and _pid_alive(pid): continue
        try: p.unlink()
        except OSError: continue
        removed.append(p)
    return removed


def save_checkpoint(state, target):
    """`torch.save(state, target)`, but all or nothing: to a path, through a temporary file in the same
    folder replaced into place; to a file-like object, serialized first, then written in one call."""
    if not _is_pathlike(target):
        buf = io.BytesIO()
        torch.save(state, buf)
        try: target.write(buf.getvalue())
        except OSError as e:
            err = _write_failed(e, f"to {_display(target)}", None)
            if err is None: raise
            raise err from None
        return
    target = Path(target)
    sweep_stale_temps(target)
    tmp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    # os.open with 0o666 gives the file the permissions torch.save's open() would (minus the umask).
    try: fd = os.open(str(tmp), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as e:
        raise type(e)(e.errno, f"Can't write a checkpoint in '{target.parent}' ({e.strerror}): set "
                               "`learn.model_dir` to a folder you can write to (an absolute path is used as is)") from None
    writer = None
    try:
        with os.fdopen(fd, "wb") as f:
            writer = _Writer(f)
            torch.save(state, writer)
            f.flush()
            os.fsync(f.fileno())
        os.replace(str(tmp), str(target))
    except BaseException as e:
        try: os.remove(str(tmp))
        except OSError: pass
        cause = e if isinstance(e, OSError) else getattr(writer, "error", None)
        err = _write_failed(cause, f"to {target}", target.parent) if isinstance(cause, OSError) else None
        if err is None or not isinstance(e, Exception): raise
        raise err from None


def _remove_module(state):
    "v1's `remove_module_load`: drop the `module.` prefix DataParallel puts on every key."
    return type(state)((k[7:] if k.startswith("module.") else k, v) for k, v in state.items())


def _hint(err):
    if "size mismatch" in err:
        return ("the checkpoint was saved from a model of another shape (another architecture, or another number "
                "of classes): build the learner the way it was built when saved (same architecture, same data.c)")
    return ("the checkpoint's layer names are not this model's (another architecture?): build the same model, "
            "or pass strict=False to load only the layers whose names match")


class CheckpointMixin:
    "v1's `save` / `load`; mixed into `Learner`."

    def _checkpoint_file(self, file):
        return self.path / self.model_dir / f"{file}.pth"

    def save(self, file=None, return_path=False, with_opt=True):
        "Save model and optimizer state (if `with_opt`) with `file` to `self.model_dir`. `file` can be file-like (file or buffer)"
        if _is_pathlike(file):
            folder = self.path / self.model_dir
            try: folder.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise OSError(f"{e}\nCan't write to '{folder}', set `learn.model_dir` attribute in Learner to a full "
                              "libpath path that is writable") from None
            target = self._checkpoint_file(file)
        elif hasattr(file, "write"): target = file
        else:
            raise TypeError(f"save() takes a name (e.g. `learn.save('stage-1')`, written to "
                            f"{self.path / self.model_dir}/stage-1.pth) or a file-like object, got {file!r}")
        if rank_distrib(): return  # don't save if child process
        opt = getattr(self, "opt", None)
        state = get_model(self.model).state_dict()
        if with_opt and opt is not None: state = {"model": state, "opt": _plain(opt.state_dict())}
        save_checkpoint(state, target)
        if return_path: return target

    def load(self, file=None, device=None, strict=True, with_opt=None, purge=False, remove_module=False,
             weights_only=True):
        """Load model and optimizer state (if `with_opt`) `file` from `self.model_dir` using `device`. `file` can be file-like (file or buffer)

        Checkpoints are always read weights-only; `weights_only` is accepted because fastai 2's own
        callbacks pass it (SaveModelCallback: `weights_only=False` for the file it just saved)."""
        if purge:
            # v1 re-pickled the learner to free cached GPU memory; fastai 2 caches nothing, so free what torch holds.
            gc.collect()
            if torch.cuda.is_available(): torch.cuda.empty_cache()
        if device is None: device = getattr(getattr(self, "dls", None), "device", None)
        elif isinstance(device, int): device = torch.device("cuda", device)
        if device is None: device = next((p.device for p in self.model.parameters()), "cpu")
        if _is_pathlike(file):
            source = self._checkpoint_file(file)
            if not source.is_file(): raise self._missing(file, source)
        elif hasattr(file, "read"): source = file
        else:
            raise TypeError(f"load() takes the name a checkpoint was saved under (`learn.load('stage-1')` reads "
                            f"{self.path / self.model_dir}/stage-1.pth) or a file-like object, got {file!r}")
        distrib_barrier()
        state = load_checkpoint(source, map_location=device)
        has_opt = isinstance(state, dict) and set(state.keys()) == {"model", "opt"}
        model_state = state["model"] if has_opt else state
        if not isinstance(model_state, dict) or not all(isinstance(v, torch.Tensor) for v in model_state.values()):
            raise RuntimeError(f"{_display(source)} holds a {type(model_state).__name__}, not a model state dict: "
                               "load a file written by `learn.save` or `torch.save(model.state_dict(), ...)`")
        if remove_module: model_state = _remove_module(model_state)
        self._load_model_state(model_state, strict)
        if has_opt and (with_opt is None or with_opt): self._load_opt_state(state["opt"], source)
        elif not has_opt and with_opt: warnings.warn("Saved file doesn't contain an optimizer state.")
        del state
        gc.collect()
        return self

    def _missing(self, file, source):
        folder = source.parent
        names = sorted(p.name[:-4] for p in folder.glob("*.pth")) if folder.is_dir() else []
        also = ""
        if str(file).endswith(".pth") and (folder / str(file)).is_file():
            also = f" (did you mean `learn.load({str(file)[:-4]!r})`? v1 adds the .pth itself)"
        there = f"checkpoints there: {', '.join(names)}" if names else "there are no checkpoints there"
        return FileNotFoundError(f"No checkpoint {source}{also}: `learn.load(name)` reads learn.path/learn.model_dir/"
                                 f"name.pth, with learn.path={self.path} and learn.model_dir={str(self.model_dir)!r}; "
                                 f"{there}.")

    def _load_model_state(self, model_state, strict):
        "load_state_dict, all or nothing."
        model = get_model(self.model)
        _check_dtypes(model.state_dict(), model_state)
        backup = {k: v.detach().clone() for k, v in model.state_dict().items()}
        try:
            model.load_state_dict(model_state, strict=strict)
        except RuntimeError as e:
            model.load_state_dict(backup)
            raise RuntimeError(f"{e}\n{_hint(str(e))}. The learner keeps its previous weights.") from None

    def _load_opt_state(self, opt_state, source):
        "Load a fastai 2 (or this package's) optimizer state; drop a fastai v1 one with a warning."
        if isinstance(opt_state, dict) and "hypers" in opt_state and "state" in opt_state:
            if self.opt is None: self.create_opt(defaults.lr, self.wd)
            problem = _fastai2_state_problem(self.opt, opt_state)
            if problem is None:
                self.opt.load_state_dict(dict(opt_state, hypers=L(opt_state["hypers"])))
                return
            warnings.warn(f"Could not load the optimizer state of {_display(source)}: {problem}. The weights were "
                          f"loaded; {self._opt_left()}.")
            return
        if isinstance(opt_state, dict) and "param_groups" in opt_state and "state" in opt_state:
            if isinstance(self.opt, OptimWrapper) and _torch_state_fits(self.opt.opt, opt_state):
                self.opt.opt.load_state_dict(opt_state)
                return
            n = len(opt_state["param_groups"])
            warnings.warn(
                f"{_display(source)} holds a fastai v1 optimizer state (torch.optim's, {n} parameter groups: two per "
                f"layer group), which cannot drive fastai 2's optimizer: it was not loaded. The weights were; "
                f"{self._opt_left()}. `learn.load(..., with_opt=False)` loads the weights alone without this warning.")
            return
        warnings.warn(f"Could not load the optimizer state of {_display(source)}: it is a "
                      f"{type(opt_state).__name__}, neither fastai 2's nor torch's. The weights were loaded; "
                      f"{self._opt_left()}.")

    def _opt_left(self):
        if getattr(self, "opt", None) is None: return "the next fit builds a new optimizer"
        return "the learner keeps its current optimizer state"


def _check_dtypes(own, loaded):
    """Refuse a state dict whose tensors have another dtype than the model's (torch's `load_state_dict` casts
    silently: an int64 or float16 checkpoint would load as truncated or rounded weights)."""
    for k, v in loaded.items():
        mine = own.get(k)
        if mine is None or v.dtype == mine.dtype: continue
        raise RuntimeError(f"the checkpoint's {k!r} is {v.dtype}, the model's is {mine.dtype}: loading would cast it "
                        f"silently ({'truncating to integers' if not v.is_floating_point() else 'with the precision of ' + str(v.dtype)}). "
                        "Load a checkpoint saved from this model's dtype, or convert it yourself, e.g. "
                        "`learn.model.load_state_dict({k: v.float() for k, v in state.items()})` if that is what you mean. "
                        "The learner keeps its previous weights.")


def _fastai2_state_problem(opt, sd):
    "Why `sd` cannot be loaded into fastai 2's optimizer `opt` (None if it can)."
    if not hasattr(opt, "param_lists") or not hasattr(opt, "hypers") or isinstance(opt, OptimWrapper):
        return f"it is fastai 2's Optimizer state, and this learner's optimizer is a {type(opt).__name__}"
    groups = opt.param_lists
    if len(sd["hypers"]) != len(groups):
        return f"it has {len(sd['hypers'])} parameter groups, this learner's optimizer {len(groups)}"
    params = [p for g in groups for p in g]
    if len(sd["state"]) != len(params):
        return f"it has state for {len(sd['state'])} parameters, this learner's optimizer has {len(params)}"
    for p, s in zip(params, sd["state"]):
        if not isinstance(s, dict): return "its per-parameter state is not a dict"
        for k, v in s.items():
            if isinstance(v, torch.Tensor) and v.dim() > 0 and v.shape != p.shape:
                return f"its {k!r} of shape {tuple(v.shape)} is for a parameter of another shape ({tuple(p.shape)})"
    return None


def _torch_state_fits(torch_opt, sd):
    groups = sd["param_groups"]
    if len(groups) != len(torch_opt.param_groups): return False
    if any(len(g["params"]) != len(o["params"]) for g, o in zip(groups, torch_opt.param_groups)): return False
    # v1 saved `slice` learning rates before any fit: a torch optimizer cannot step with those.
    return not any(isinstance(v, slice) for g in groups for v in g.values())
