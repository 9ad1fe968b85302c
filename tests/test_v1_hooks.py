"""fastai v1's hooks (fastai/callbacks/hooks.py) through `fastai_freeze_compat.callbacks.hooks`, and v1's
callbacks (`Callback` / `LearnerCallback` returning dicts, `StopAfterNBatches`) on fastai 2's loop.

Expected values: real fastai 1.0.61 (tests/fixtures/record_v1_hooks.py -> hooks_v1_1.0.61.json), on the same
simple_cnn weights (built after the same seed, on the torch the fastai 2 envs run).
"""
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import fastai_freeze_compat as fv
import fastai_freeze_compat.callbacks.hooks as H
import fastai_freeze_compat.layers as L

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
from record_v1_hooks import record  # noqa: E402

RECORDED = json.loads((FIXTURES / "hooks_v1_1.0.61.json").read_text())["models"]


@pytest.fixture(scope="module")
def got():
    ns = {**{n: getattr(L, n) for n in L.__all__}, **{n: getattr(H, n) for n in H.__all__}}
    return record(ns, torch)


@pytest.mark.skipif(fv.IS_V1 and str(fv.FASTAI_VERSION) != "1.0.61",
                    reason="recorded on fastai 1.0.61 with torch 2.14's initialisation; fastai 1.0.48 runs torch 1.0.1, "
                           "whose simple_cnn draws other weights after the same seed")
@pytest.mark.parametrize("model", sorted(RECORDED))
def test_hooks_store_what_v1s_stored(got, model):
    rec, res = RECORDED[model], got[model]
    assert res["model_sizes"] == rec["model_sizes"]
    assert res["dummy_eval"] == rec["dummy_eval"]
    assert res["hook_output_requires_grad"] == rec["hook_output_requires_grad"]
    for key in ("forward", "backward"):
        assert [s for s, _ in res[key]] == [s for s, _ in rec[key]]
        np.testing.assert_allclose([v for _, v in res[key]], [v for _, v in rec[key]], rtol=1e-5, atol=1e-5)


def _learner(n=20, bs=2, **kwargs):
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader
    from torch.utils.data import TensorDataset
    torch.manual_seed(0)
    x, y = torch.randn(n, 3), torch.randint(0, 2, (n,))
    dls = DataLoaders(DataLoader(TensorDataset(x, y), bs=bs, shuffle=True, drop_last=True),
                      DataLoader(TensorDataset(x[:10], y[:10]), bs=5))
    return fv.Learner(dls, nn.Linear(3, 2), loss_func=nn.CrossEntropyLoss(), metrics=fv.accuracy, **kwargs)


@pytest.mark.skipif(fv.IS_V1, reason="fastai 1.x runs v1's own CallbackHandler")
def test_v1_callback_sees_v1s_state_and_its_dicts_apply():
    seen = []

    class Dummy(fv.LearnerCallback):
        _order = -20
        def on_train_begin(self, **kwargs): self.learn.recorder.add_metric_names(["col_a"])
        def on_batch_end(self, iteration, num_batch, train, epoch, **kwargs):
            seen.append((epoch, iteration, num_batch, train))
        def on_epoch_end(self, last_metrics, **kwargs): return {"last_metrics": last_metrics + [5678722929]}

    learn = _learner(n=8, bs=2, callback_fns=[Dummy])
    learn.fit(2)
    # v1's counters: iteration over the fit, num_batch within the epoch (validation: the epoch's count)
    assert seen == [(0, 0, 0, True), (0, 1, 1, True), (0, 2, 2, True), (0, 3, 3, True), (0, 4, 4, False),
                    (0, 4, 4, False), (1, 4, 0, True), (1, 5, 1, True), (1, 6, 2, True), (1, 7, 3, True),
                    (1, 8, 4, False), (1, 8, 4, False)]
    assert learn.recorder.names == ["epoch", "train_loss", "valid_loss", "accuracy", "col_a", "time"]
    assert learn.recorder.values[-1][-1] == 5678722929
    with pytest.raises(Exception, match="isn't a valid key in the state of the callbacks"):
        class Bad(fv.Callback):
            def on_epoch_begin(self, **kwargs): return {"not_a_key": 1}
        _learner().fit(1, callbacks=[Bad()])


@pytest.mark.skipif(fv.IS_V1, reason="fastai 1.x runs v1's own CallbackHandler")
def test_stop_after_n_batches_stops_as_v1():
    "v1's test_callbacks_misc: 2 batches of the first epoch, no validation, no second epoch."
    from fastai_freeze_compat.callbacks.misc import StopAfterNBatches
    learn = _learner()
    learn.callbacks.append(StopAfterNBatches(n_batches=2))
    learn.fit_one_cycle(3, max_lr=1e-2)
    assert len(learn.recorder.losses) == 2
    assert learn.recorder.nb_batches == [2]


@pytest.mark.skipif(fv.IS_V1, reason="fastai 2's metric names")
def test_average_metric_keeps_v1s_name():
    "v1's test_average_metric_naming: a partial given a __name__ is named by it."
    from functools import partial
    top2 = partial(fv.top_k_accuracy, k=2)
    top2.__name__ = "top2_accuracy"
    learn = _learner()
    learn.metrics = [fv.accuracy, top2, partial(fv.top_k_accuracy, k=3), fv.AverageMetric(top2)]
    assert [m.name for m in learn.metrics] == ["accuracy", "top2_accuracy", "top_k_accuracy", "top2_accuracy"]


@pytest.mark.skipif(fv.IS_V1, reason="fastai 1.x runs v1's own CallbackHandler")
def test_gradient_clipping_clips_before_the_step():
    "v1's GradientClipping (`learn.clip_grad(clip)`): the gradient norm is at most `clip` when the optimizer steps."
    from fastai.callback.core import Callback as V2Callback
    norms = []

    class Probe(V2Callback):
        order = 90
        def before_step(self):
            norms.append(float(torch.norm(torch.stack([p.grad.norm() for p in self.learn.model.parameters()]))))

    learn = _learner().clip_grad(1e-3)
    learn.fit(1, callbacks=[Probe()])
    assert norms and max(norms) <= 1e-3 * (1 + 1e-4)
