"""fastai v1's metric functions (fastai/metrics.py), through `fastai_freeze_compat.metrics`.

Expected values: real fastai v1 on the same inputs (tests/fixtures/record_v1_metrics.py ->
metrics_v1_<version>.json). On fastai 2 the package must give 1.0.61's (the last v1; 1.0.48's dice differed);
on fastai 1.x the installed v1 must give its own recording.
"""
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import fastai_freeze_compat as fv
import fastai_freeze_compat.metrics as M

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
from record_v1_metrics import cases  # noqa: E402

VERSION = str(fv.FASTAI_VERSION) if fv.IS_V1 else "1.0.61"
RECORDED = json.loads((FIXTURES / f"metrics_v1_{VERSION}.json").read_text())["cases"]


@pytest.mark.parametrize("i", range(len(RECORDED)), ids=[f"{c['name']}-{i}" for i, c in enumerate(RECORDED)])
def test_metric_gives_v1s_value(i):
    name, args, kwargs = cases()[i]
    rec = RECORDED[i]
    assert rec["name"] == name and rec["kwargs"] == kwargs
    if rec["result"] is None: pytest.skip(f"fastai {VERSION} has no {name}")
    got = getattr(M, name)(*[torch.from_numpy(a) for a in args], **kwargs)
    got = [g.tolist() for g in got] if isinstance(got, tuple) else float(got)
    np.testing.assert_allclose(np.array(got, dtype=object).astype(float) if name != "roc_curve" else got[0],
                               rec["result"] if name != "roc_curve" else rec["result"][0], rtol=1e-6, atol=1e-7)
    if name == "roc_curve": np.testing.assert_allclose(got[1], rec["result"][1], rtol=1e-6)


def test_metric_names_in_the_recorder_are_v1s():
    "fastai 2 names a plain-function metric after the function, as v1's recorder did (`top_k_accuracy`)."
    if fv.IS_V1: pytest.skip("the recorder's table is v1's own on fastai 1.x")
    from fastai.learner import AvgMetric
    assert AvgMetric(M.top_k_accuracy).name == "top_k_accuracy"
    assert AvgMetric(M.root_mean_squared_error).name == "root_mean_squared_error"


def test_shape_mismatch_raises_as_v1():
    "v1's flatten_check asserted the element counts match (AssertionError, naming both)."
    with pytest.raises(AssertionError, match="same number of elements"):
        M.mean_squared_error(torch.zeros(3), torch.zeros(4))
