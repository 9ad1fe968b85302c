"""v1's Recorder: what it records, its plots, and `lr_find`, against what real fastai v1 recorded.

Expected values: tests/fixtures/train_record_v1_<version>.json, written by tests/fixtures/record_v1_train.py
during the parity run (see test_training_parity.py) and an `lr_find(num_it=30)` from the same weights.
On fastai 2.x the package is compared with 1.0.61's recording, on fastai 1.x the installed v1 with its own.
"""

import matplotlib
import numpy as np
import pytest
import torch

import fastai_freeze_compat as fv
from helpers import run_printing as run
from fixtures.record_v1_train import parity_learner, recorder_state
from fixtures.train_setup import V1_0_48, load_json_recording, load_parity_recording, state_arrays

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RECORDED = load_json_recording("train_record")


@pytest.fixture(scope="module")
def arrays():
    rec = load_parity_recording()
    return rec["data"], rec["init"]


@pytest.fixture
def learn(arrays, tmp_path):
    return parity_learner(arrays[0], arrays[1], tmp_path)






@pytest.fixture
def trained(learn):
    learn.freeze()
    run(learn.fit_one_cycle, 1)
    stage1 = recorder_state(learn.recorder)
    learn.unfreeze()
    run(learn.fit_one_cycle, 1, max_lr=slice(1e-5, 1e-3))
    return learn, stage1


def _close(got, expected, rel):
    for k in ["lrs", "moms", "losses", "val_losses", "metrics"]:
        assert np.array(got[k], dtype=float) == pytest.approx(np.array(expected[k], dtype=float), rel=rel), k
    assert got["nb_batches"] == expected["nb_batches"] and got["names"] == expected["names"]


def test_recorder_holds_what_v1s_held_after_each_fit(trained):
    learn, stage1 = trained
    _close(stage1, RECORDED["stage1"], rel=1e-5)
    _close(recorder_state(learn.recorder), RECORDED["stage2"], rel=1e-5)
    assert RECORDED["stage2"]["names"] == ["epoch", "train_loss", "valid_loss", "accuracy", "time"]


def test_recorded_values_have_v1s_types(trained):
    rec = trained[0].recorder
    assert isinstance(rec.losses[0], torch.Tensor) and rec.losses[0].dim() == 0
    assert isinstance(rec.val_losses[0], np.float32)
    assert isinstance(rec.metrics[0][0], torch.Tensor) and 0 <= rec.metrics[-1][0].item() <= 1
    assert len(rec.lrs) == len(rec.moms) == len(rec.losses) == sum(rec.nb_batches) == 5


def test_lr_find_returns_none_prints_v1s_hint_and_restores_the_weights(learn, arrays):
    expected = RECORDED["lr_find"]
    res, printed = run(learn.lr_find, num_it=30)
    assert res is None and repr(res) == expected["returned"]
    assert [l for l in printed if l.startswith(("LR Finder", "Best loss"))] == expected["printed"]
    assert expected["printed"] == ["LR Finder is complete, type {learner_name}.recorder.plot() to see the graph."]
    init = arrays[1]
    assert all(np.array_equal(v, init[k]) for k, v in state_arrays(learn.model).items()) == expected["weights_restored"]
    rec = learn.recorder
    assert rec.lrs == pytest.approx(expected["lrs"], rel=1e-6)
    assert [float(l) for l in rec.losses] == pytest.approx(expected["losses"], rel=1e-4)
    assert rec.nb_batches == expected["nb_batches"] and rec.val_losses == expected["val_losses"]


def test_plot_with_suggestion_prints_and_sets_min_grad_lr(learn):
    expected = RECORDED["lr_find"]
    run(learn.lr_find, num_it=30)
    fig, printed = run(learn.recorder.plot, suggestion=True, return_fig=True)
    assert printed == expected["plot_printed"]
    assert learn.recorder.min_grad_lr == pytest.approx(expected["min_grad_lr"], rel=1e-6)
    assert type(fig).__name__ == expected["plot_is_figure"] == "Figure"
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "Learning Rate" and ax.get_ylabel() == "Loss"
    assert len(ax.lines[0].get_xdata()) == 30 - 10 - 5                    # skip_start=10, skip_end=5
    plt.close(fig)


def test_plots_are_matplotlib_figures(trained):
    rec = trained[0].recorder
    fig = rec.plot_lr(show_moms=True, return_fig=True)
    assert isinstance(fig, plt.Figure) and [a.get_ylabel() for a in fig.axes] == ["Learning Rate", "Momentum"]
    assert list(fig.axes[0].lines[0].get_ydata()) == pytest.approx([float(v) for v in rec.lrs])
    assert list(fig.axes[1].lines[0].get_ydata()) == pytest.approx([float(v) for v in rec.moms])
    fig2 = rec.plot_lr(return_fig=True)
    assert len(fig2.axes) == 1 and fig2.axes[0].get_ylabel() == ("" if V1_0_48 else "Learning Rate")
    fig3 = rec.plot_losses(return_fig=True)
    labels = [l.get_label() for l in fig3.axes[0].lines]
    assert labels == ["Train", "Validation"] and fig3.axes[0].get_xlabel() == "Batches processed"
    assert list(fig3.axes[0].lines[1].get_xdata()) == [5]                  # validation after 5 batches
    fig4 = rec.plot_metrics(return_fig=True)
    assert fig4.axes[0].get_ylabel() == ("" if V1_0_48 else "accuracy")      # 1.0.48 named no axis
    for f in (fig, fig2, fig3, fig4): plt.close(f)


@pytest.mark.skipif(V1_0_48, reason="fastai 1.0.48 outside a notebook draws the figure with libsixel, and "
                                     "raises without it, instead of returning nothing")
def test_plots_return_nothing_unless_asked(trained):
    rec = trained[0].recorder
    assert rec.plot_lr() is None and rec.plot_losses() is None
    plt.close("all")


@pytest.mark.v2only
def test_recorder_is_fastai2s_recorder_extended(trained):
    from fastai.learner import Recorder
    learn = trained[0]
    assert isinstance(learn.recorder, Recorder) and isinstance(learn.recorder, fv.Recorder)
    assert sum(isinstance(cb, Recorder) for cb in learn.cbs) == 1
    # fastai 2's own records and plots still work
    assert len(learn.recorder.values) == 1 and learn.recorder.metric_names[-1] == "time"
    ax = learn.recorder.plot_loss(skip_start=0)
    assert ax is not None
    plt.close("all")
