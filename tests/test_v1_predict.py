"""fastai v1's inference API through the package: `learn.predict`, `pred_batch`, `get_preds`, `validate`, `TTA`,
`ClassificationInterpretation` / `learn.interpret()` (fastai/basic_train.py, vision/tta.py, train.py), for the
factory `ImageDataBunch` and the data block API, plus `show_results`, `purge`, `destroy` and the errors.

Expected values: real fastai v1 (tests/fixtures/record_v1_predict.py -> predict_v1_1.0.61.json and
predict_v1_1.0.48.json), on the same weights (predict_v1_<model>.pth) and the same generated images. On the
fastai 1.x stacks the real v1 must match its own recording.
"""
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch

import fastai_freeze_compat as fv
import fastai_freeze_compat.vision as V
from fastai_freeze_compat.train import ClassificationInterpretation

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
import record_v1_predict as rec  # noqa: E402

VERSION = str(fv.FASTAI_VERSION) if fv.IS_V1 else "1.0.61"
RECORDED = json.loads((FIXTURES / f"predict_v1_{VERSION}.json").read_text())["cases"]
RECORDED_48 = json.loads((FIXTURES / "predict_v1_1.0.48.json").read_text())["cases"]
NS = {**{n: getattr(V, n) for n in dir(V) if not n.startswith("__")},
      "ClassificationInterpretation": ClassificationInterpretation}
#: what 1.0.48 computed as 1.0.61 did (its accuracy averaged per batch, and it had no `activ`); not the classes:
#: an item with two equal probabilities is class 1 on 1.0.48's torch 1.0.1 (its argmax), class 0 on torch 2
SAME_IN_48 = ("get_preds_valid", "get_preds_loss", "get_preds_fix", "get_preds_test", "pred_batch",
              "pred_batch_batch", "tta", "tta_none", "interpret_top_losses")


@pytest.fixture(scope="module")
def images():
    with tempfile.TemporaryDirectory() as d:
        path = Path(d)
        rec.make_images(path)
        yield path


_GOT = {}


def got(case, images):
    if case not in _GOT:
        _GOT[case] = rec.record_case(NS, torch, case, images, FIXTURES)
        if case == "seg": _GOT[case] = rec._digest(_GOT[case])
    return _GOT[case]


def _numeric(o):
    return isinstance(o, (int, float)) or isinstance(o, list) and all(_numeric(v) for v in o)


def assert_same(res, exp, key=""):
    "`res` as recorded: strings and types exactly, numbers to 1e-5."
    if isinstance(exp, dict):
        assert sorted(res) == sorted(exp), key
        for k in exp:
            if k == "y" and exp.get("y_type") == "FloatItem":     # v1 printed floats with 6 digits
                np.testing.assert_allclose(float(res[k].strip("[]")), float(exp[k].strip("[]")), rtol=1e-5, err_msg=key)
            else: assert_same(res[k], exp[k], f"{key}.{k}")
    elif exp is None or isinstance(exp, str): assert res == exp, key
    elif _numeric(exp):
        np.testing.assert_allclose(np.asarray(res, dtype=np.float64), np.asarray(exp, dtype=np.float64),
                                   rtol=1e-5, atol=1e-5, err_msg=key)
    else:
        assert len(res) == len(exp), key
        for i, (a, b) in enumerate(zip(res, exp)): assert_same(a, b, f"{key}[{i}]")


@pytest.mark.parametrize("case", rec.CASES)
def test_inference_is_v1s(case, images):
    res, exp = got(case, images), RECORDED[case]
    assert sorted(res) == sorted(exp)
    for key in exp: assert_same(res[key], exp[key], f"{case}.{key}")


@pytest.mark.v2only
@pytest.mark.parametrize("case", rec.CASES)
def test_inference_is_1_0_48s_where_1_0_48_agrees(case, images):
    res, exp = got(case, images), RECORDED_48[case]
    for key in SAME_IN_48:
        if key in exp: assert_same(res[key], exp[key], f"{case}.{key}")
    assert_same([p["probs"] for p in res["predict"]], [p["probs"] for p in exp["predict"]], f"{case}.predict")


def test_recordings_predict_the_classes_v1_returned():
    # sanity of the recording itself: v1's predict is an argmax of its own probabilities (of two equal ones,
    # torch 2 picks the first, 1.0.48's torch 1.0.1 the last)
    for case in ("factory", "block"):
        for p in RECORDED[case]["predict"]:
            assert p["y_type"] == "Category" and p["probs"][int(p["pred"])] == max(p["probs"])
            assert p["y"] == RECORDED[case]["classes"][int(p["pred"])]


# -- on fastai 2 --------------------------------------------------------------------------------------------
def _learner(images, case="factory"):
    data, _ = rec._data(NS, case, images)
    return V.Learner(data, rec._model(NS, torch, "cat", data.c, FIXTURES), metrics=[V.accuracy])


@pytest.mark.v2only
@pytest.mark.parametrize("case", ["factory", "block"])
def test_predict_returns_v1s_objects(case, images):
    learn = _learner(images, case)
    img, label = learn.data.valid_ds[0]
    y, idx, probs = learn.predict(img)
    assert isinstance(y, V.Category) and isinstance(idx, torch.Tensor) and idx.dim() == 0
    assert probs.shape == (2,) and abs(float(probs.sum()) - 1) < 1e-6
    x, y2, idx2, probs2 = learn.predict(img, return_x=True)
    assert isinstance(x, V.Image) and x.shape == img.shape and torch.equal(probs, probs2)
    np.testing.assert_allclose(x.data.numpy(), img.data.numpy(), atol=1e-6)    # denormalized back
    res = learn.get_preds()
    assert isinstance(res, list) and len(res) == 2
    assert isinstance(learn.validate(), list)


@pytest.mark.v2only
def test_factory_datasets_have_v1s_labels_and_one_item(images):
    data, _ = rec._data(NS, "factory", images)
    assert isinstance(data.y, V.ItemList) and isinstance(data.y, V.CategoryList)
    ys = list(data.y)
    assert isinstance(ys[0], V.Category) and isinstance(ys[0].data, np.int64)
    assert isinstance(data.x, V.ItemList) and len(data.x) == len(data.train_ds)
    x, y = data.train_ds[0]
    xb, yb = data.one_item(x)
    assert xb.shape == (1, 3, 16, 16) and yb.tolist() == [0]
    # normalized as the loaders normalize: the same image through the validation loader
    vb = data.one_batch(V.DatasetType.Valid, detach=True, denorm=False)[0]
    vx = data.valid_ds[0][0]
    np.testing.assert_allclose(data.one_item(vx, detach=True)[0][0].numpy(), vb[0].numpy(), atol=1e-6)


@pytest.mark.v2only
def test_fastai2_calls_stay_fastai2s(images):
    learn = _learner(images)
    p, t = learn.get_preds(dl=learn.dls.valid)      # fastai 2's dialect: a tuple, reordered, fastai 2's activation
    assert isinstance(p, torch.Tensor) and len(p) == len(learn.dls.valid_ds)
    assert len(learn.validate(ds_idx=1)) == 2


@pytest.mark.v2only
def test_bad_input_says_what_to_do(images):
    learn = _learner(images, "block")
    with pytest.raises(TypeError, match="takes a DatasetType"): learn.get_preds("valid")
    with pytest.raises(TypeError, match="takes a DatasetType"): learn.pred_batch("train")
    fac = _learner(images)
    with pytest.raises(TypeError, match="open it first"): fac.data.one_item("some/file.png")
    fn = images / "valid" / "a" / "a0.png"
    cls, idx, probs = fac.predict(fn)       # a file name: fastai 2's predict (v1 refused it), the class as a string
    assert cls in ("a", "b") and probs.shape == (2,)
    multi, _ = rec._data(NS, "multi", images)
    m = V.Learner(multi, rec._model(NS, torch, "multi", multi.c, FIXTURES))
    with pytest.raises(TypeError, match="no Test set"): m.get_preds(V.DatasetType.Test)
    m.dls = None
    with pytest.raises(AttributeError, match="has none"): m.predict(multi.valid_ds[0][0])
    with pytest.raises(TypeError, match="unexpected keyword"): learn.get_preds(activation=None)
    with pytest.raises(NotImplementedError):
        V.MultiLabelClassificationInterpretation(learn, *learn.get_preds(with_loss=True))


@pytest.mark.v2only
@pytest.mark.parametrize("case", ["factory", "block"])
def test_show_results_and_plots_draw_v1s_figures(case, images):
    import matplotlib.pyplot as plt
    learn = _learner(images, case)
    plt.close("all")
    learn.show_results(rows=2)
    fig = plt.gcf()
    titled = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(fig.axes) == 4 and len(titled) == 4          # v1: rows x rows images, "truth\nprediction" titles
    assert all(len(t.split("\n")) == 2 and set(t.split("\n")) <= {"a", "b"} for t in titled)
    assert fig._suptitle.get_text() == "Ground truth\nPredictions"
    interp = learn.interpret()
    f = interp.plot_confusion_matrix(return_fig=True)
    assert [t.get_text() for t in f.axes[0].get_xticklabels()] == ["a", "b"]
    assert sorted(t.get_text() for t in f.axes[0].texts) == sorted(str(v) for v in interp.confusion_matrix().ravel())
    f = interp.plot_top_losses(4, return_fig=True)
    exp = RECORDED[case]["interp"]["top_losses"][0][:4]
    assert [float(ax.get_title().split(" / ")[1]) for ax in f.axes[:4]] == [round(v, 2) for v in exp]
    plt.close("all")


@pytest.mark.v2only
def test_purge_keeps_the_model_and_drops_the_optimizer(images):
    learn = _learner(images)
    learn.fit(1)
    before = learn.get_preds()[0]
    assert learn.purge() is learn and learn.opt is None and "pred" not in learn.__dict__
    torch.testing.assert_close(learn.get_preds()[0], before)
    learn.fit(1)


@pytest.mark.v2only
def test_destroy_leaves_v1s_zombie(images, capsys):
    learn = _learner(images)
    learn.destroy()
    assert "this Learner object self-destroyed" in capsys.readouterr().out
    learn.destroy()
    assert "this object has been destroyed" in capsys.readouterr().out
    learn.fit(1)
    assert "this object has been destroyed" in capsys.readouterr().out
    for attr in ["data", "model", "callbacks"]:
        assert getattr(learn, attr, None) is None
        assert "this object has been destroyed" in capsys.readouterr().out
    assert type(_learner(images)).__name__ == "Learner"      # the class is untouched
