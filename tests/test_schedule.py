"""The learning rate and momentum of every layer group at every training batch, as real fastai v1 set them.

Expected values: tests/fixtures/schedule_v1_<version>.json, recorded on fastai 1.0.61 and 1.0.48 by
tests/fixtures/record_v1_train.py (`fit_one_cycle` with its keyword variants, `fit`, `lr_find`, on a
model with three layer groups). On fastai 2.x the package must reproduce 1.0.61's to 1e-6 relative; on
fastai 1.x the installed v1 is compared with its own recording (the two recordings agree exactly,
tests/test_training_parity.py::test_the_v1_recordings_agree).
"""
import contextlib
import io
import numpy as np
import pytest

import fastai_freeze_compat as fv
from fixtures.record_v1_train import SCHEDULES, run_step
from fixtures.train_setup import load_json_recording, mlp3_learner, opt_lrs_moms, recorded_version

RECORDED = load_json_recording("schedule")["schedules"]




def test_every_recorded_call_is_checked():
    assert sorted(RECORDED) == sorted(SCHEDULES)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_per_batch_lr_and_mom_of_every_layer_group_are_v1s(name, tmp_path):
    if "error" in RECORDED[name]:
        pytest.skip(f"fastai {recorded_version()} failed this call on its stack when recorded: {RECORDED[name]['error']}")
    n_batches, steps = SCHEDULES[name]
    learn = mlp3_learner(n_batches, path=tmp_path)
    assert len(learn.layer_groups) == 3
    with contextlib.redirect_stdout(io.StringIO()):
        got = [run_step(learn, *step) for step in steps]
    for g, e in zip(got, RECORDED[name]["steps"]):
        assert g["method"] == e["method"]
        if "lrs" not in e: continue
        assert np.array(g["lrs"]).shape == np.array(e["lrs"]).shape        # batches x layer groups
        for key in ["lrs", "moms", "recorder_lrs", "recorder_moms", "after_lrs", "after_moms"]:
            assert np.array(g[key]) == pytest.approx(np.array(e[key]), rel=1e-6, abs=0), (e["method"], key)
        assert g["nb_batches"] == e["nb_batches"]


def _values(name, key, step=0): return np.array(RECORDED[name]["steps"][step][key])


def test_schedule_drives_a_torch_optimizer_too(tmp_path):
    # v1 notebooks pass torch optimizers (`opt_func=partial(optim.SGD, momentum=0.9)`): same schedule
    from functools import partial
    import torch
    from fixtures.train_setup import lr_mom_probe
    learn = mlp3_learner(5, path=tmp_path, opt_func=partial(torch.optim.SGD, momentum=0.9))
    probe = lr_mom_probe(learn)
    with contextlib.redirect_stdout(io.StringIO()):
        learn.fit_one_cycle(1, callbacks=[probe])
        learn.lr_find(1e-5, 1e-1, 12, stop_div=False)
    assert np.array(probe.lrs) == pytest.approx(_values("fit_one_cycle(1)", "lrs"), rel=1e-6)
    assert np.array(probe.moms) == pytest.approx(_values("fit_one_cycle(1)", "moms"), rel=1e-6)
    assert np.array(learn.recorder.lrs) == pytest.approx(
        _values("lr_find(1e-5,1e-1,12,stop_div=False)", "recorder_lrs"), rel=1e-6)


def test_one_cycle_shape_in_the_recording():
    # what the recording says v1 does, so that a bad recording cannot pass unnoticed
    lrs = _values("fit_one_cycle(2,max_lr=slice(1e-5,1e-3))", "lrs")
    assert lrs.shape == (10, 3)
    assert lrs[3] == pytest.approx([1e-5, 1e-4, 1e-3])            # peak at int(10 * 0.3) = 3
    assert lrs[0] == pytest.approx(lrs[3] / 25)                    # starts at max_lr / div_factor
    assert lrs[-1][-1] > 1e-3 / 25e4 and lrs[-1][-1] < 1e-4       # ends towards max_lr / (div_factor * 1e4)
    moms = _values("fit_one_cycle(2,max_lr=slice(1e-5,1e-3))", "moms")
    assert moms[0] == pytest.approx([0.95] * 3) and moms[3] == pytest.approx([0.85] * 3)
    assert _values("fit_one_cycle(1)", "lrs")[1] == pytest.approx([3e-4, 3e-4, 3e-3])   # defaults.lr = slice(3e-3)


def test_fit_keeps_the_momentum_one_cycle_left(tmp_path):
    # v1's fit only sets lr and wd on an existing optimizer: after a cycle, momentum stays at 0.95
    learn = mlp3_learner(4, path=tmp_path)
    with contextlib.redirect_stdout(io.StringIO()):
        learn.fit_one_cycle(1)
        learn.fit(1, 1e-3)
    assert learn.recorder.moms == pytest.approx([0.95] * 4)
    assert opt_lrs_moms(learn) == (pytest.approx([1e-3] * 3), pytest.approx([0.95] * 3))


def test_fit_one_cycle_takes_v1s_arguments():
    import inspect
    # v1 attached module functions (`fit_one_cycle(learn, ...)`) as methods: skip the first parameter's name
    params = inspect.signature(fv.Learner.fit_one_cycle).parameters
    assert list(params)[1:11] == ["cyc_len", "max_lr", "moms", "div_factor", "pct_start", "final_div", "wd",
                                  "callbacks", "tot_epochs", "start_epoch"]
    assert params["max_lr"].default == slice(3e-3) and params["moms"].default == (0.95, 0.85)
    assert params["div_factor"].default == 25. and params["pct_start"].default == 0.3
    params = inspect.signature(fv.Learner.fit).parameters
    assert list(params)[1:5] == ["epochs", "lr", "wd", "callbacks"] and params["lr"].default == slice(3e-3)
    params = inspect.signature(fv.Learner.lr_find).parameters
    assert list(params)[1:6] == ["start_lr", "end_lr", "num_it", "stop_div", "wd"]
    assert params["start_lr"].default == 1e-7 and params["end_lr"].default == 10 and params["num_it"].default == 100


@pytest.mark.v2only
def test_fastai2_keyword_names_are_v1s_schedule(tmp_path):
    # fastai 2's own `fine_tune` calls fit_one_cycle(..., div=...): same numbers as v1's div_factor
    a, b = mlp3_learner(5, path=tmp_path), mlp3_learner(5, path=tmp_path)
    with contextlib.redirect_stdout(io.StringIO()):
        a.fit_one_cycle(1, max_lr=1e-2, div_factor=5.)
        b.fit_one_cycle(1, lr_max=1e-2, div=5.)
    assert a.recorder.lrs == b.recorder.lrs and b.recorder.lrs[0] == pytest.approx(2e-3)
    with pytest.raises(TypeError, match="unexpected keyword"):
        b.fit_one_cycle(1, lr_maximum=1e-2)


# -- bad input: a clear error before anything is trained ------------------------------------------------
def _weights(learn): return [p.detach().clone() for p in learn.model.parameters()]


def _unchanged(learn, before): return all(np.array_equal(a.numpy(), b.detach().numpy())
                                          for a, b in zip(before, learn.model.parameters()))


@pytest.mark.parametrize("call", [lambda l: l.fit_one_cycle(1, max_lr=[1e-3, 1e-2]),
                                  lambda l: l.fit(1, lr=[1e-3, 1e-2]),
                                  lambda l: l.fit(1, 1e-3, wd=[0.1, 0.2])])
def test_lr_list_of_the_wrong_length_is_v1s_assertion_error(call, tmp_path):
    learn = mlp3_learner(3, path=tmp_path)
    learn.create_opt(1e-3, 0.01)          # v1 checks the length against its optimizer's groups
    before = _weights(learn)
    with pytest.raises(AssertionError) as e:
        call(learn)
    if not fv.IS_V1:
        assert "for 3 layer groups" in str(e.value) and isinstance(e.value, ValueError)
    assert _unchanged(learn, before)


@pytest.mark.v2only
@pytest.mark.parametrize("lr", [0., -1e-3, slice(-1e-5, 1e-3), [1e-4, 0., 1e-3], float("nan")])
@pytest.mark.parametrize("method", ["fit", "fit_one_cycle", "lr_find"])
def test_zero_or_negative_lr_is_refused_and_weights_kept(lr, method, tmp_path):
    # v1 trained on with such rates (a negative one ascends the loss); a clear error instead
    learn = mlp3_learner(3, path=tmp_path)
    before = _weights(learn)
    with pytest.raises(ValueError, match="must be positive"):
        getattr(learn, method)(1, lr) if method != "lr_find" else learn.lr_find(lr)
    assert _unchanged(learn, before) and learn.opt is None


@pytest.mark.v2only
@pytest.mark.parametrize("pct_start", [0, 1, 1.5, -0.1])
def test_pct_start_outside_0_1_is_refused_and_weights_kept(pct_start, tmp_path):
    # v1: ZeroDivisionError after the first batch (pct_start=0 / 1) or a schedule that runs backwards
    learn = mlp3_learner(3, path=tmp_path)
    before = _weights(learn)
    with pytest.raises(ValueError, match="pct_start"):
        learn.fit_one_cycle(1, pct_start=pct_start)
    assert _unchanged(learn, before)


@pytest.mark.v2only
def test_moms_with_three_values_is_v1s_assertion_error(tmp_path):
    # fastai 2 takes (0.95, 0.85, 0.95); v1 takes (max, min) and asserted two values
    learn = mlp3_learner(3, path=tmp_path)
    with pytest.raises(AssertionError, match=r"\(max, min\)"):
        learn.fit_one_cycle(1, moms=(0.95, 0.85, 0.95))


@pytest.mark.v2only
@pytest.mark.parametrize("kwargs", [dict(div_factor=0.), dict(final_div=-1.)])
def test_non_positive_divisors_are_refused(kwargs, tmp_path):
    learn = mlp3_learner(3, path=tmp_path)
    with pytest.raises(ValueError, match="must be positive"):
        learn.fit_one_cycle(1, **kwargs)


@pytest.mark.v2only
@pytest.mark.parametrize("epochs", [1.5, "2", -1])
def test_epochs_must_be_a_count(epochs, tmp_path):
    learn = mlp3_learner(3, path=tmp_path)
    with pytest.raises(TypeError, match="number of epochs"):
        learn.fit(epochs)


def test_empty_training_loader_is_v1s_assertion_error(tmp_path):
    learn = mlp3_learner(3, path=tmp_path)
    from fixtures.train_setup import tensor_data
    x = np.zeros((1, 4), dtype=np.float32)
    learn.data = tensor_data(x, np.zeros(1, dtype=np.int64), x, np.zeros(1, dtype=np.int64), bs=2)
    with pytest.raises(AssertionError, match="training dataloader is empty"):
        learn.fit(1)
