"""fastai v1's metric callbacks (fastai/metrics.py: ConfusionMatrix, Precision, Recall, FBeta, KappaScore,
MatthewsCorreff, AUROC, MultiLabelFbeta, R2Score, ExplainedVariance, RMSE, ExpRMSPE, Perplexity), through
`fastai_freeze_compat.metrics`.

Expected values: real fastai v1 on the same inputs (tests/fixtures/record_v1_metrics_classes.py ->
metrics_classes_v1_<version>.json), driven by v1's CallbackHandler and by `learn.validate()` of a model that
outputs its input, and the names of the recorder's table after a fit. On fastai 2 the package must give 1.0.61's
(the last v1), except where 1.0.61 crashed: `KappaScore()` without weights gives 1.0.48's value. On fastai 1.x
the installed v1 must give its own recording.
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


def recording(version=VERSION):
    return json.loads((FIXTURES / "metrics_classes_v1_{}.json".format(version)).read_text())


CASES = R.metric_cases()


@pytest.mark.parametrize("i", range(len(CASES)), ids=[c[0] for c in CASES])
def test_metric_class_gives_v1s_values(i):
    expected = recording()["metrics"][i]
    assert expected["label"] == CASES[i][0]
    if expected.get("missing"): pytest.skip("fastai {} has no {}".format(VERSION, expected["class"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = R.record_metric(*CASES[i])
    if not fv.IS_V1 and CASES[i][0] == "KappaScore":
        # 1.0.61 read `self.x`, which its ConfusionMatrix no longer set (AttributeError); 1.0.48's value
        assert expected["handler_error"][0] == "AttributeError"
        old = recording("1.0.48")["metrics"][i]
        R.assert_matches(got["handler"], old["handler"])
        R.assert_matches(got["validate"], old["handler"][0])
        return
    R.assert_matches(got, expected)


def test_recorder_names_are_v1s():
    "`learn.recorder.names` and the printed header after a fit with metric callbacks (and one naming itself)."
    got = R.record_fits()
    for g, e in zip(got, recording()["fits"]):
        assert g["name"] == e["name"]
        if "error" in e:       # 1.0.48's FBeta with an average
            assert g.get("error") == e["error"] if fv.IS_V1 else "error" not in g
            continue
        assert g["names"] == e["names"] and g["header"] == e["header"], g
        if "dummy_values" in e: assert g["dummy_values"] == e["dummy_values"]


@pytest.mark.v2only
def test_metric_callbacks_are_bridged_at_v1s_path():
    import fastai_freeze_compat.metrics as M
    from fastai_freeze_compat._v2 import metrics as B
    for name in ("ConfusionMatrix", "Precision", "Recall", "FBeta", "KappaScore", "MatthewsCorreff", "AUROC",
                 "MultiLabelFbeta", "R2Score", "ExplainedVariance", "RMSE", "ExpRMSPE", "Perplexity"):
        assert getattr(M, name) is getattr(B, name)
        assert issubclass(getattr(M, name), fv.Callback)


def test_fastai_1_0_48_and_1_0_61_agree():
    "Where both releases computed a metric, they computed the same values: the expectations are v1's."
    old, new = recording("1.0.48")["metrics"], recording("1.0.61")["metrics"]
    both = [(o, n) for o, n in zip(old, new) if "handler" in o and "handler" in n]
    assert len(both) >= 20
    for o, n in both: R.assert_matches(o["handler"], n["handler"], o["label"])
    # where they differ, one of them crashed: 1.0.48's FBeta (`self.metric`), 1.0.61's unweighted KappaScore (`self.x`)
    crashed = {o["label"] for o, n in zip(old, new) if ("handler" in o) != ("handler" in n) and not o.get("missing")}
    assert {c for c in crashed if not c.startswith("FBeta")} == {"KappaScore", "Perplexity"}
