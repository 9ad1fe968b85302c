"""Faults during training and saving (issue 13): an exception inside fit / fit_one_cycle / lr_find reaches the
caller as itself and leaves the learner consistent; non-finite hyper-parameters are refused; a NaN loss stops
the fit and never leads to saving NaN weights or loading a stale best model; saves leave no temp files, name
a full disk, and loads refuse dtype mismatches."""
import errno
import math
import os
import subprocess
import sys
import textwrap
import warnings
from functools import partial
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import fastai_freeze_compat as fv

pytestmark = pytest.mark.v2only
ROOT = Path(__file__).resolve().parent.parent


def _learner(data, path, **kwargs):
    "A tiny two-group learner on the 12-class data (32px): fast, and freezable."
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 8), nn.ReLU(), nn.Linear(8, 12))
    learn = fv.Learner(data, model, path=path, **kwargs)
    learn.split(lambda m: (m[3],))
    learn.freeze()
    return learn


def _weights(learn): return {k: v.detach().clone() for k, v in learn.model.state_dict().items()}


def _same(a, b): return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _trainable(learn): return sum(p.numel() for p in learn.model.parameters() if p.requires_grad)


def _raiser(exc, at=2):
    from fastai.callback.core import Callback

    class RaiseAtBatch(Callback):
        def before_fit(self): self.n = 0
        def after_batch(self):
            if not self.training: return
            self.n += 1
            if self.n == at: raise exc
    return RaiseAtBatch()


def _run(learn, method):
    if method == "fit": learn.fit(2, 1e-3)
    elif method == "fit_one_cycle": learn.fit_one_cycle(2, 1e-3)
    else: learn.lr_find(num_it=10)


@pytest.mark.parametrize("exc", [KeyboardInterrupt, ZeroDivisionError])
@pytest.mark.parametrize("method", ["fit", "fit_one_cycle", "lr_find"])
def test_an_exception_inside_a_fit_reaches_the_caller_as_itself(method, exc, data12, tmp_path):
    learn = _learner(data12, tmp_path)
    learn.fit(1, 1e-3)                       # an optimizer with state, as after a first stage
    before, opt, n = _weights(learn), learn.opt, _trainable(learn)
    cb = _raiser(exc("at batch 2"))
    learn.add_cb(cb)
    with pytest.raises(exc, match="at batch 2"):
        _run(learn, method)
    learn.remove_cb(cb)
    assert learn.opt is opt and _trainable(learn) == n == 8 * 12 + 12
    if method == "lr_find": assert _same(_weights(learn), before)      # v1 reloaded the pre-search weights
    else: assert not _same(_weights(learn), before)                     # the batch that ran updated them
    assert all(torch.isfinite(v).all() for v in _weights(learn).values() if v.is_floating_point())
    learn.fit(1, 1e-3)                       # usable afterwards, with the same groups
    assert _trainable(learn) == n and len(learn.opt.param_lists) == 2


def test_an_interrupted_fit_closes_the_csv_log(data12, tmp_path):
    learn = _learner(data12, tmp_path, callback_fns=[partial(fv.callbacks.CSVLogger, filename="log")])
    learn.add_cb(_raiser(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        learn.fit(2, 1e-3)
    assert learn.csv_logger.file.closed
    assert (tmp_path / "log.csv").read_text().startswith("epoch,train_loss,valid_loss")


@pytest.mark.parametrize("call, name", [
    (lambda l: l.fit(1, lr=math.inf), "lr"), (lambda l: l.fit(1, lr=slice(1e-5, math.inf)), "lr"),
    (lambda l: l.fit(1, 1e-3, wd=math.nan), "wd"), (lambda l: l.fit(1, 1e-3, wd=-5.), "wd"),
    (lambda l: l.fit_one_cycle(1, max_lr=math.inf), "max_lr"), (lambda l: l.fit_one_cycle(1, 1e-3, wd=-1.), "wd"),
    (lambda l: l.lr_find(end_lr=math.inf), "end_lr"), (lambda l: l.lr_find(start_lr=math.nan), "start_lr"),
    (lambda l: l.lr_find(wd=math.inf), "wd")])
def test_non_finite_or_negative_lr_and_wd_are_refused(call, name, data12, tmp_path):
    learn = _learner(data12, tmp_path)
    before = _weights(learn)
    with pytest.raises(ValueError) as e:
        call(learn)
    assert str(e.value).startswith(f"{name}=")
    assert _same(_weights(learn), before)


def _nan_loss_from(n):
    "Cross-entropy, NaN from the `n`-th training batch on (validation batches run without grad)."
    calls = []

    def loss(pred, y):
        if torch.is_grad_enabled(): calls.append(1)
        res = F.cross_entropy(pred, y)
        return res * math.nan if len(calls) >= n else res
    return loss


def test_a_nan_loss_stops_the_fit_naming_the_batch(data12, tmp_path):
    learn = _learner(data12, tmp_path, loss_func=_nan_loss_from(3))
    with pytest.raises(FloatingPointError, match=r"training loss is nan at epoch 0, batch 3 of 4"):
        learn.fit(2, 1e-3, callbacks=[fv.callbacks.SaveModelCallback(learn, every="epoch")])
    assert all(torch.isfinite(v).all() for v in _weights(learn).values() if v.is_floating_point())
    assert not (tmp_path / "models").exists() or not list((tmp_path / "models").iterdir())


def test_nan_weights_are_never_saved_or_a_stale_best_model_loaded(data12, tmp_path):
    learn = _learner(data12, tmp_path)
    learn.fit(1, 1e-3, callbacks=[fv.callbacks.SaveModelCallback(learn)])     # a good bestmodel.pth
    best = _weights(learn)
    assert (tmp_path / "models" / "bestmodel.pth").is_file()
    learn.loss_func = _nan_loss_from(1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        learn.fit(1, 1e-3, stop_on_nan=False, callbacks=[fv.callbacks.SaveModelCallback(learn, every="epoch"),
                                                          fv.callbacks.SaveModelCallback(learn)])
    assert any("did not save bestmodel_0" in str(w.message) for w in caught)
    assert not (tmp_path / "models" / "bestmodel_0.pth").exists()
    # the NaN fit never improved: its weights stay (NaN), the earlier fit's file is not loaded as if it were its best
    assert not _same(_weights(learn), best)
    assert _same(torch.load(tmp_path / "models" / "bestmodel.pth", weights_only=False)["model"], best)


# -- saving and loading ------------------------------------------------------------------------------------------
def _python(code, **kwargs):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=300, **kwargs)


def test_a_save_killed_with_sigkill_leaves_a_temp_that_the_next_save_removes(data12, tmp_path):
    target = tmp_path / "models" / "stage-1.pth"
    target.parent.mkdir()
    (target.parent / ".other.pth.1.0123abcd.tmp").write_bytes(b"x")     # another target's: not touched
    res = _python(f"""
        import os, signal, torch
        from fastai_freeze_compat._v2._checkpoint import save_checkpoint
        class KillWhilePickled:
            def __reduce__(self): os.kill(os.getpid(), signal.SIGKILL)
        save_checkpoint({{"w": torch.zeros(1000), "k": KillWhilePickled()}}, {str(target)!r})
        """)
    assert res.returncode == -9, res.stdout
    temps = [p.name for p in target.parent.iterdir() if p.name.startswith(".stage-1.pth.")]
    assert len(temps) == 1 and temps[0].endswith(".tmp")        # what a killed save leaves
    learn = _learner(data12, tmp_path)
    learn.save("stage-1")
    assert sorted(p.name for p in target.parent.iterdir()) == [".other.pth.1.0123abcd.tmp", "stage-1.pth"]
    learn.load("stage-1")


def test_a_full_disk_is_named_as_such(data12, tmp_path):
    learn = _learner(data12, tmp_path)
    with open("/dev/full", "wb", buffering=0) as f, pytest.raises(OSError) as e:
        learn.save(f)
    assert e.value.errno == errno.ENOSPC and "no space left on device" in str(e.value)


def test_a_file_size_limit_is_named_and_leaves_nothing(tmp_path):
    # the same path a full disk takes (a write refused by the OS), without root: a file size limit of 4 KiB
    res = _python(f"""
        import resource, signal, torch
        from fastai_freeze_compat._v2._checkpoint import save_checkpoint
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        try: save_checkpoint({{"w": torch.zeros(100000)}}, {str(tmp_path / 'big.pth')!r})
        except OSError as e: print("ERRNO", e.errno, e)
        """)
    assert f"ERRNO {errno.EFBIG}" in res.stdout and "file size limit" in res.stdout, res.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("dtype", [torch.int64, torch.float16])
def test_a_checkpoint_of_another_dtype_is_refused_naming_the_key(dtype, data12, tmp_path):
    learn = _learner(data12, tmp_path)
    before = _weights(learn)
    (tmp_path / "models").mkdir()
    torch.save({k: v.to(dtype) if v.is_floating_point() else v for k, v in before.items()},
               tmp_path / "models" / "cast.pth")
    with pytest.raises(RuntimeError, match=rf"checkpoint's '1.weight' is {dtype}, the model's is torch.float32"):
        learn.load("cast")
    assert _same(_weights(learn), before)
