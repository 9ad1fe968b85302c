"""v1's callback loop on fastai 2 (the package's v1 `Callback` adapter), `MixUpCallback` / `MixUpLoss`,
`TerminateOnNaNCallback` and v1's `OptimWrapper` properties.

Expected values: real fastai v1 (tests/fixtures/record_v1_metrics_classes.py -> metrics_classes_v1_<version>.json):
the events v1's loop called with their state over a fit, `skip_zero` (gradients accumulated, SGD weights after a
fit), what `on_train_end` received after an exception (the exception; `False` after a KeyboardInterrupt), `lr` /
`mom` / `beta` / `wd` of the learner's optimizer; mixup's mixed batch and loss under a seed; a fit stopped by
TerminateOnNaNCallback. On fastai 1.x the installed v1 must give its own recording.
"""
import json
import sys
import warnings
from pathlib import Path

import pytest

import fastai_freeze_compat as fv

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
import record_v1_metrics_classes as R  # noqa: E402

VERSION = str(fv.FASTAI_VERSION) if fv.IS_V1 else "1.0.61"
RECORDED = json.loads((FIXTURES / "metrics_classes_v1_{}.json".format(VERSION)).read_text())


@pytest.fixture(scope="module")
def loop():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return R.record_loop()


@pytest.mark.parametrize("key", ["events", "skip_zero_weight", "skip_zero_bias", "exception_ValueError",
                                 "exception_KeyboardInterrupt", "opt"])
def test_loop_is_v1s(loop, key):
    R.assert_matches(loop[key], RECORDED["loop"][key], key)


def test_mixup_is_v1s():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        R.assert_matches(R.record_mixup(), RECORDED["mixup"])


def test_terminate_on_nan_is_v1s():
    "v1 stopped quietly after the NaN batch (its update done), printed its line and skipped validation."
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        R.assert_matches(R.record_terminate_on_nan(), RECORDED["terminate_on_nan"])


@pytest.mark.v2only
def test_single_callback_and_callback_fns_class():
    "v1 listified `fit(callbacks=cb)` and `callback_fns=Cls`; `learn.callbacks.append([cb])` failed at fit."
    learn = R.loop_learner(callback_fns=R.event_tracer())
    tracer = R.event_tracer()(learn)
    learn.fit(1, 1e-3, callbacks=tracer)
    assert tracer.log[0][0] == "train_begin" and tracer.log[-1][0] == "train_end"
    learn.callbacks.append([R.event_tracer()(learn)])
    with pytest.raises(AttributeError, match="'list' object has no attribute 'on_train_begin'"): learn.fit(1, 1e-3)


@pytest.mark.v2only
def test_mixup_method_adds_v1s_callback():
    learn = R.loop_learner()
    assert learn.mixup(alpha=0.2) is learn
    from fastai_freeze_compat.callbacks.mixup import MixUpCallback
    cb = learn.callback_fns[-1](learn)
    assert isinstance(cb, MixUpCallback) and cb.alpha == 0.2 and cb.stack_y


def test_mixup_fit_is_v1s():
    "`learn.mixup()` and a fit under seeds: v1's mixed targets batch by batch (NumPy's λ, torch's partners), its losses."
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = R.record_mixup_fit()
    R.assert_matches(got, RECORDED["mixup_fit"], "mixup_fit", rtol=1e-5, atol=1e-5)
