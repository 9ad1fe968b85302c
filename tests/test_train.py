"""v1's training API: optimizer defaults, `fit` on an existing optimizer, v1's callbacks in v1's forms
(`callback_fns=[ShowGraph, partial(CSVLogger, ...)]`, `fit(callbacks=[SaveModelCallback(learn, ...)])`,
`learn.callbacks.append(...)`), `to_fp16`, and v1's printed lines.

The same tests run on fastai 1.x, where the package is real v1: v1 kept its callbacks in
`fastai.callbacks`, which the v1 pass-through does not re-export, so they are taken from there.
"""
import inspect
import re
import warnings
from functools import partial

import pytest
import torch

import fastai_freeze_compat as fv
from helpers import run_printing as run
from fixtures.record_v1_train import parity_learner
from fixtures.train_setup import V1_0_48, load_parity_recording


def v1_callback(name):
    "A v1 callback class: `fv.<name>` on fastai 2, `fastai.callbacks.<name>` on fastai 1.x."
    if fv.IS_V1:
        import fastai.callbacks
        return getattr(fastai.callbacks, name, None) or getattr(fv, name)
    return getattr(fv, name)


SaveModelCallback, EarlyStoppingCallback, CSVLogger, MixedPrecision = map(
    v1_callback, ["SaveModelCallback", "EarlyStoppingCallback", "CSVLogger", "MixedPrecision"])


@pytest.fixture(scope="module")
def recorded(): return load_parity_recording()


@pytest.fixture
def make(recorded, tmp_path):
    return lambda **kwargs: parity_learner(recorded["data"], recorded["init"], tmp_path, **kwargs)






def opt_state_steps(learn):
    "The Adam step count of each parameter with a state."
    if fv.IS_V1: return [int(s["step"]) for s in learn.opt.opt.state.values() if "step" in s]
    return [int(s["step"]) for s in learn.opt.state.values() if "step" in s]


# -- optimizer ---------------------------------------------------------------------------------------
def test_v1_optimizer_defaults(make):
    learn = make()
    assert learn.true_wd is True and learn.bn_wd is True and learn.wd == 1e-2 and learn.train_bn is True
    assert fv.defaults.lr == slice(3e-3) and fv.defaults.wd == 1e-2
    run(learn.fit, 1)
    if fv.IS_V1:
        opt = learn.opt.opt
        assert isinstance(opt, torch.optim.Adam)
        assert [g["betas"] for g in opt.param_groups] == [(0.9, 0.99)] * 6 and opt.defaults["eps"] == 1e-8
        assert learn.opt.read_val("lr") == pytest.approx([3e-4, 3e-4, 3e-3]) and learn.opt.wd == 1e-2
    else:
        hypers = learn.opt.hypers
        assert [(h["mom"], h["sqr_mom"], h["eps"], h["wd"]) for h in hypers] == [(0.9, 0.99, 1e-8, 1e-2)] * 3
        assert [h["lr"] for h in hypers] == pytest.approx([3e-4, 3e-4, 3e-3])
        # weight decay on BatchNorm and biases too (bn_wd=True): no parameter opts out
        assert not any(s.get("do_wd") is False for s in learn.opt.state.values())


def test_fit_on_an_existing_optimizer_keeps_its_state(make):
    learn = make()
    run(learn.fit, 1)
    steps = opt_state_steps(learn)
    assert steps and set(steps) == {5}
    run(learn.fit, 1, 1e-3, wd=0.1)
    assert set(opt_state_steps(learn)) == {10}           # not reset: v1 only set lr and wd


@pytest.mark.v2only
def test_opt_func_and_wd_keywords_reach_the_optimizer(make):
    learn = make(opt_func=partial(fv.AdamW, eps=1e-6), wd=0.1)
    run(learn.fit, 1, 1e-3)
    assert {h["eps"] for h in learn.opt.hypers} == {1e-6} and {h["wd"] for h in learn.opt.hypers} == {0.1}


def test_v1_function_forms(make):
    learn = make()
    run(fv.fit_one_cycle, learn, 1, 1e-3)
    assert max(learn.recorder.lrs) == pytest.approx(1e-3) and len(learn.recorder.lrs) == 5
    res, printed = run(fv.lr_find, learn, 1e-5, 1e-1, 5, False)
    assert res is None and len(learn.recorder.lrs) == 5 and learn.recorder.lrs[0] == pytest.approx(1e-5)


@pytest.mark.v2only
def test_fastai2_training_methods_still_run(make):
    "fastai 2's own methods call `fit` / `fit_one_cycle` with fastai 2's keywords: they still work."
    learn = make()
    run(learn.fine_tune, 1, freeze_epochs=1)          # freeze, fit_one_cycle(pct_start=0.99), unfreeze, div=5
    assert len(learn.recorder.lrs) == 5 and max(learn.recorder.lrs) == pytest.approx(1e-3)
    run(learn.fit_flat_cos, 1, lr=1e-3)
    assert learn.recorder.lrs[0] == pytest.approx(1e-3)
    run(learn.fit_sgdr, 1, 1, lr_max=1e-3)
    assert learn.recorder.lrs[0] == pytest.approx(1e-3)
    run(learn.fit, 1, None)                           # fastai 2's "the learner's lr": v1's slice(3e-3)
    assert learn.recorder.lrs[0] == pytest.approx(3e-3)


# -- callbacks in v1's forms ---------------------------------------------------------------------------
def test_callback_fns_partial_save_model_every_epoch(make, tmp_path):
    learn = make(callback_fns=[partial(SaveModelCallback, every="epoch", monitor="accuracy", name="best")])
    run(learn.fit, 2, 1e-3)
    assert sorted(p.name for p in (tmp_path / "models").glob("best_*.pth")) == ["best_0.pth", "best_1.pth"]
    # built again at every fit, as v1 did
    run(learn.fit, 1, 1e-3)
    assert (tmp_path / "models" / "best_0.pth").stat().st_mtime >= (tmp_path / "models" / "best_1.pth").stat().st_mtime


def scripted_metric(values):
    "A metric whose value at each validation (one batch here) is the next of `values`."
    it = iter(values)
    def score(inp, targ): return torch.tensor(next(it))
    return score


def test_fit_callbacks_save_model_on_improvement_and_load_the_best(make, tmp_path):
    kwargs = {"weights_only": False} if "weights_only" in inspect.signature(torch.load).parameters else {}
    learn = make(metrics=[scripted_metric([0.5, 0.75, 0.625])])
    _, printed = run(learn.fit, 3, 1e-2, callbacks=[SaveModelCallback(learn, monitor="score")])
    assert [l for l in printed if l.startswith("Better model")] == [
        "Better model found at epoch 0 with score value: 0.5.",
        "Better model found at epoch 1 with score value: 0.75."]
    # our own file, read back whole (torch 1.0 has no weights_only; torch >= 2.6 would refuse numpy floats)
    saved = torch.load(str(tmp_path / "models" / "bestmodel.pth"), map_location="cpu", **kwargs)
    assert set(saved) == {"model", "opt"}                # v1 saved the optimizer state with the model
    assert all(torch.equal(saved["model"][k], v) for k, v in learn.model.state_dict().items())
    # ... and loaded epoch 1's weights at the end, not the last epoch's
    last = make()
    run(last.fit, 3, 1e-2)
    assert not torch.equal(last.model[1][6].weight, learn.model[1][6].weight)


def test_early_stopping_counts_patience_as_v1(make):
    for patience in (0, 1):
        learn = make()
        # accuracy can never improve by more than 1: every epoch after the first is "no improvement"
        cb = EarlyStoppingCallback(learn, monitor="accuracy", min_delta=1, patience=patience)
        _, printed = run(learn.fit, 5, 1e-3, callbacks=[cb])
        assert len(learn.recorder.nb_batches) == 2 + patience
        assert f"Epoch {1 + patience}: early stopping" in printed


@pytest.mark.skipif(V1_0_48, reason="fastai 1.0.48's CSVLogger wrote rows without the `time` column its header "
                                     "names (1.0.61 writes it)")
def test_csv_logger_and_show_graph_as_callback_fns(make, tmp_path):
    learn = make(callback_fns=[fv.ShowGraph, partial(CSVLogger, filename="log")])
    run(learn.fit, 2, 1e-3)
    lines = (tmp_path / "log.csv").read_text().splitlines()
    assert lines[0] == "epoch,train_loss,valid_loss,accuracy,time"
    assert [re.fullmatch(r"\d,\d+\.\d{6},\d+\.\d{6},\d\.\d{6},\d\d:\d\d", l) is not None for l in lines[1:]] == [True] * 2
    assert [l.split(",")[0] for l in lines[1:]] == ["0", "1"]
    df = learn.csv_logger.read_logged_file()              # v1 kept the callback on the learner
    assert list(df.columns) == lines[0].split(",") and len(df) == 2
    assert df["valid_loss"].tolist() == pytest.approx([float(v) for v in learn.recorder.val_losses], abs=1e-6)


def test_callbacks_appended_to_the_learner_stay(make, tmp_path):
    learn = make()
    cb = SaveModelCallback(learn, every="epoch", name="kept")
    learn.callbacks.append(cb)
    run(learn.fit, 1, 1e-3)
    run(learn.fit, 1, 1e-3)
    assert cb in learn.callbacks and (tmp_path / "models" / "kept_0.pth").exists()
    learn.callbacks.remove(cb)
    assert cb not in learn.callbacks


def test_missing_monitor_only_warns_as_v1(make, tmp_path):
    learn = make()
    with pytest.warns(UserWarning, match="which is not available"):
        run(learn.fit, 1, 1e-3, callbacks=[SaveModelCallback(learn, monitor="f1_score")])
    assert not (tmp_path / "models" / "bestmodel.pth").exists()


def test_callback_fns_entry_that_is_not_callable_is_a_type_error(make):
    with pytest.raises(TypeError):
        learn = make(callback_fns=[42])
        run(learn.fit, 1, 1e-3)          # v1 failed here, calling `42(learn)`


@pytest.mark.v2only
def test_v1_callback_without_the_learner_says_how_to_pass_it(make):
    learn = make()
    with pytest.raises(TypeError, match=r"SaveModelCallback\(learn, \.\.\.\)"):
        SaveModelCallback("accuracy")
    with pytest.raises(TypeError, match="callback_fns"):
        learn.fit(1, 1e-3, callbacks=[SaveModelCallback])
    with pytest.raises(TypeError, match="takes callbacks"):
        learn.fit(1, 1e-3, callbacks=["accuracy"])
    assert learn.opt is None             # nothing ran


@pytest.mark.v2only
def test_v1_callbacks_are_fastai2_callbacks(make):
    from fastai.callback.progress import CSVLogger as CSVLogger2, ShowGraphCallback
    from fastai.callback.tracker import EarlyStoppingCallback as ES2, SaveModelCallback as SM2
    learn = make()
    assert isinstance(SaveModelCallback(learn), SM2) and isinstance(EarlyStoppingCallback(learn), ES2)
    assert isinstance(fv.ShowGraph(learn), ShowGraphCallback) and isinstance(CSVLogger(learn), CSVLogger2)
    # fastai 2 callbacks are still accepted as they are
    learn = make(callback_fns=[ShowGraphCallback], callbacks=[SM2(every_epoch=True, fname="v2")])
    assert hasattr(learn, "show_graph") and hasattr(learn, "save_model")


# -- mixed precision -------------------------------------------------------------------------------------
def test_to_fp16_and_back(make):
    learn = make()
    assert learn.to_fp16() is learn
    assert isinstance(learn.mp_cb, MixedPrecision) and learn.mp_cb in learn.callbacks
    assert learn.to_fp32() is learn
    assert not any(isinstance(cb, MixedPrecision) for cb in learn.callbacks)
    assert next(learn.model.parameters()).dtype == torch.float32


@pytest.mark.v2only
def test_to_fp16_trains_with_fastai2_mixed_precision(make):
    from fastai.callback.fp16 import MixedPrecision as MP2
    learn = make()
    learn.to_fp16(loss_scale=2 ** 10, max_noskip=50, clip=1.)
    assert isinstance(learn.mp_cb, MP2) and learn.mp_cb.kwargs["init_scale"] == 2. ** 10
    assert learn.mp_cb.kwargs["growth_interval"] == 50
    before = learn.model[1][6].weight.detach().clone()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # on a machine without CUDA, torch AMP is disabled with a warning
        run(learn.fit_one_cycle, 1)
    assert not torch.equal(before, learn.model[1][6].weight.detach())
    with pytest.raises(ValueError, match="dynamic"):
        learn.to_fp16(dynamic=False)


# -- printing --------------------------------------------------------------------------------------------
@pytest.mark.skipif(V1_0_48, reason="fastai 1.0.48's Learner has no `silent` argument")
def test_silent_learner_prints_no_table(make):
    _, printed = run(make().fit, 1, 1e-3)
    assert any("train_loss" in l for l in printed)
    _, printed = run(make(silent=True).fit, 1, 1e-3)
    assert not any("train_loss" in l for l in printed)


@pytest.mark.skipif(V1_0_48, reason="fastai 1.0.48's start_epoch needs `ConsoleMasterBar.first_bar`, which the "
                                     "fastprogress of its stack (1.x) no longer has")
def test_fit_one_cycle_start_epoch_numbers_epochs_from_it(make, tmp_path):
    learn = make(callback_fns=[partial(CSVLogger, filename="resume")])
    run(learn.fit_one_cycle, 4, start_epoch=2)
    rows = (tmp_path / "resume.csv").read_text().splitlines()[1:]
    assert [r.split(",")[0] for r in rows] == ["2", "3"] and learn.recorder.nb_batches == [5, 5]
