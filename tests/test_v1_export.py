"""`learn.export()` / `load_learner(path)`: real fastai v1 export files load on fastai 2 and predict what real v1
predicted; the file's code never runs (a restricted unpickler refuses anything but v1's known classes); the
package's own exports (data block and factory data) come back predicting the same.

Expected values: real fastai v1 (tests/fixtures/record_v1_export.py -> export_v1/<case>_<version>.pkl, the
files v1's `learn.export()` wrote, and export_v1_<version>.json, what v1's `load_learner(...).predict` gave).
On a fastai 1.x stack the real v1 reads the files of its own version (1.0.61's through the package's weights-only
loader, `_v1/load_fix.py`).
"""
import json
import os
import pickle
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import fastai_freeze_compat as fv
import fastai_freeze_compat.vision as V

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
import record_v1_export as rec  # noqa: E402

RECORDED = {v: json.loads((FIXTURES / f"export_v1_{v}.json").read_text()) for v in ("1.0.48", "1.0.61")}
#: the recorded files the installed fastai reads: all of them on fastai 2, its own version's on fastai 1.x
FILES = [(v, c) for v, r in sorted(RECORDED.items()) for c in sorted(r["cases"])
         if not fv.IS_V1 or v == str(fv.FASTAI_VERSION)]


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    root = tmp_path_factory.mktemp("export_images")
    rec.images(root)
    return root


def _exported(tmp_path, version, case):
    "The recorded export file as `tmp_path/export.pkl`."
    shutil.copy(str(FIXTURES / "export_v1" / f"{case}_{version}.pkl"), str(tmp_path / "export.pkl"))
    return tmp_path


def test_every_case_was_recorded_on_both_versions_or_says_why():
    for v, r in RECORDED.items():
        assert set(r["cases"]) | set(r.get("not_recorded", {})) == {"single", "multi", "points"}, v
        for case in r["cases"]: assert (FIXTURES / "export_v1" / f"{case}_{v}.pkl").is_file(), (v, case)


@pytest.mark.parametrize("version,case", FILES)
def test_real_v1_export_loads_and_predicts_v1s_values(tmp_path, images, version, case):
    exp = RECORDED[version]["cases"][case]
    learn = V.load_learner(_exported(tmp_path, version, case))
    assert type(learn).__name__ == "Learner"
    assert [str(c) for c in (getattr(learn.data, "classes", None) or [])] == exp["classes"]
    assert learn.data.c == exp["c"]
    assert type(learn.loss_func).__name__ == exp["loss_func"]
    assert sum(p.numel() for p in learn.model.parameters()) == exp["model_params"]
    for name, want in exp["predict"].items():
        got = rec.describe(learn.predict(V.open_image(images / "images" / f"{name}.png")))
        assert got["item_type"] == want["item_type"], name
        if case != "points": assert got["item"] == want["item"], name
        np.testing.assert_allclose(got["idx"], want["idx"], atol=1e-4, err_msg=name)
        np.testing.assert_allclose(got["raw"], want["raw"], atol=1e-5, err_msg=name)


def test_1_0_48_file_argument_was_fname(tmp_path):
    if fv.IS_V1 and str(fv.FASTAI_VERSION) != "1.0.48":
        pytest.skip("fastai 1.0.61's own load_learner has no `fname` (it renamed it `file`); 1.0.48's and the "
                    "package's on fastai 2 take it")
    version = "1.0.48" if not fv.IS_V1 else str(fv.FASTAI_VERSION)
    shutil.copy(str(FIXTURES / "export_v1" / f"single_{version}.pkl"), str(tmp_path / "mine.pkl"))
    assert V.load_learner(tmp_path, fname="mine.pkl").data.classes == ["cat", "dog"]


class _Run:
    "A pickled object whose unpickling would run `func(*args)`, as a malicious export does."
    def __init__(self, func, *args): self.func, self.args = func, args
    def __reduce__(self): return self.func, self.args


@pytest.mark.v2only
@pytest.mark.parametrize("func", ["os.system", "builtins.eval", "subprocess.call"])
def test_an_export_naming_other_code_is_refused_before_anything_runs(tmp_path, func):
    sentinel = tmp_path / "ran"
    cmd = f"touch {sentinel}"
    f = {"os.system": (os.system, cmd), "builtins.eval": (eval, f"open({str(sentinel)!r}, 'w')"),
         "subprocess.call": (__import__("subprocess").call, ["touch", str(sentinel)])}[func]
    state = pickle.loads(pickle.dumps({"cls": 1}))
    state.update(model=torch.nn.Linear(1, 1), data=_Run(*f))
    torch.save(state, str(tmp_path / "export.pkl"))
    named = {"os.system": os.system.__module__ + "[.]system"}.get(func, func.replace(".", "[.]"))   # posix.system
    with pytest.raises(pickle.UnpicklingError, match=f"names `{named}`, .*nothing in it was run"):
        V.load_learner(tmp_path)
    assert not sentinel.exists()


@pytest.mark.v2only
def test_a_function_of_your_own_is_refused_by_name(tmp_path, images):
    learn = rec.build(V, "single", images)
    learn.metrics = [_my_metric]
    learn.export(tmp_path / "export.pkl")
    with pytest.raises(pickle.UnpicklingError, match="test_v1_export._my_metric"):
        V.load_learner(tmp_path)


def _my_metric(inp, targ): return (inp.argmax(-1) == targ).float().mean()


@pytest.mark.v2only
def test_missing_and_foreign_files_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="learn.export"):
        V.load_learner(tmp_path)
    torch.save({"model": torch.nn.Linear(1, 1)}, str(tmp_path / "export.pkl"))
    with pytest.raises(ValueError, match="fastai 2 `learn.export\\(\\)` file loads with fastai 2's own"):
        V.load_learner(tmp_path)
    (tmp_path / "export.pkl").write_bytes(b"not a pickle")
    with pytest.raises((RuntimeError, pickle.UnpicklingError)):
        V.load_learner(tmp_path)


def test_own_data_block_export_round_trip(tmp_path, images):
    "The package's export of a data block learner (a v1 metric callback among the metrics) predicts the same."
    learn = rec.build(V, "single", images)
    learn.export()
    assert (Path(learn.path) / "export.pkl").is_file()
    back = V.load_learner(learn.path)
    img = V.open_image(images / "images" / "img_5.png")
    a, b = learn.predict(img), back.predict(img)
    assert str(a[0]) == str(b[0]) and int(a[1]) == int(b[1])
    assert type(b[2]) is torch.Tensor
    assert float((a[2] - b[2]).abs().max()) < 1e-6     # (torch 1.0.1 has no torch.testing.assert_close)
    mets = back.metrics if fv.IS_V1 else back._v1_field("metrics")
    assert [getattr(m, "__name__", None) for m in mets] == ["accuracy"]
    assert back.data.classes == learn.data.classes


@pytest.mark.v2only
def test_own_export_keeps_v1_metric_callbacks_and_learner_fields(tmp_path, images):
    learn = rec.build(V, "single", images)
    learn.metrics = [V.accuracy, fv.metrics.Precision()]
    learn.wd, learn.true_wd, learn.train_bn = 0.1, False, False
    learn.export(tmp_path / "export.pkl")
    back = V.load_learner(tmp_path)
    mets = back._v1_field("metrics")
    assert mets[0] is fv.metrics.accuracy or mets[0].__name__ == "accuracy"
    assert type(mets[1]) is fv.metrics.Precision
    assert (back.wd, back.true_wd, back.train_bn) == (0.1, False, False)
    # v1's export kept v1's `partial(Recorder, ...)`; the loaded learner has one recorder, no extra callback_fns
    assert back.callback_fns == [] and repr(back).count("Recorder") == 1


@pytest.mark.v2only
def test_factory_export_round_trip(tmp_path, images):
    """A factory ImageDataBunch learner (fastai 2 loaders) exports v1's state: load_learner gives v1's data block
    DataBunch, whose validation pixels are the factory's (both v1's arithmetic), so the predictions agree."""
    path = tmp_path / "folder"
    for i in range(16):
        d = path / ("valid" if i < 4 else "train") / ("a" if i % 2 else "b")
        d.mkdir(parents=True, exist_ok=True)
        shutil.copy(str(images / "images" / f"img_{i}.png"), str(d / f"img_{i}.png"))
    torch.manual_seed(0)
    data = V.ImageDataBunch.from_folder(path, ds_tfms=V.get_transforms(), size=16, bs=4,
                                        num_workers=0).normalize(V.imagenet_stats)
    learn = V.cnn_learner(data, V.models.resnet18, pretrained=False, metrics=V.error_rate)
    learn.export()
    back = V.load_learner(path)
    assert back.data.classes == ["a", "b"] and back.data.c == 2
    assert [type(t.tfm).__name__ for t in back.data.single_ds.tfms] == ["TfmCrop"]
    torch.testing.assert_close(back.data.norm.keywords["mean"], torch.tensor(V.imagenet_stats[0]))
    for i in (0, 5, 10):
        img = V.open_image(images / "images" / f"img_{i}.png")
        a, b = learn.predict(img), back.predict(img)
        assert str(a[0]) == str(b[0])
        torch.testing.assert_close(a[2], b[2], atol=1e-5, rtol=0)


@pytest.mark.v2only
@pytest.mark.parametrize("module,name", [("fastai.core", "os.system"), ("fastai.layers", "torch.load"),
                                         ("fastai.basic_train", "subprocess.Popen"), ("fastai.__main__", "main"),
                                         ("fastai.optimizer", "os.system")])
def test_what_a_fastai_module_imported_is_not_fastais(tmp_path, module, name):
    """A global naming something a fastai module imports (`fastai.core` + `os.system`), or a `__main__` module,
    is refused: pickle names a class or function by the module defining it, so a v1 export never does."""
    sentinel = tmp_path / "ran"
    # protocol 0: GLOBAL `module name`, then a call with one string argument, as a crafted file would hold
    payload = f"c{module}\n{name}\n(S'touch {sentinel}'\ntR.".encode()
    (tmp_path / "export.pkl").write_bytes(payload)
    with pytest.raises(pickle.UnpicklingError, match="nothing in it was run"):
        V.load_learner(tmp_path)
    assert not sentinel.exists()


def test_factory_data_export_then_load_empty(tmp_path, images):
    """v1's first deployment recipe: `data.export()`, then `ImageDataBunch.load_empty(path)` and a learner on the
    empty data that loads the trained weights predicts what the trained learner did."""
    if fv.IS_V1 and str(fv.FASTAI_VERSION) == "1.0.61":
        pytest.skip("real fastai 1.0.61's LabelLists.load_empty reads with torch.load's weights-only default on "
                    "torch >= 2.6 and fails there (the package's 1.0.61 repair covers learn.load / load_learner)")
    path = tmp_path / "folder"
    for i in range(16):
        d = path / ("valid" if i < 4 else "train") / ("a" if i % 2 else "b")
        d.mkdir(parents=True, exist_ok=True)
        shutil.copy(str(images / "images" / f"img_{i}.png"), str(d / f"img_{i}.png"))
    data = V.ImageDataBunch.from_folder(path, ds_tfms=V.get_transforms(), size=16, bs=4,
                                        num_workers=0).normalize(V.imagenet_stats)
    learn = V.cnn_learner(data, V.models.resnet18, pretrained=False)
    learn.save("trained")
    data.export()
    empty = V.ImageDataBunch.load_empty(path)
    assert list(empty.classes) == ["a", "b"] and empty.c == 2 and "LabelList (0 items)" in repr(empty.valid_ds)
    # v1's data block image data is an ImageDataBunch (ImageList._bunch), as the factory's is
    assert isinstance(empty, V.ImageDataBunch) and isinstance(data, V.ImageDataBunch)
    assert issubclass(type(empty), V.ImageDataBunch) and not isinstance(learn, V.ImageDataBunch)
    back = V.cnn_learner(empty, V.models.resnet18, pretrained=False).load("trained")
    img = V.open_image(images / "images" / "img_5.png")
    a, b = learn.predict(img), back.predict(img)
    assert str(a[0]) == str(b[0]) and float((a[2] - b[2]).abs().max()) < 1e-5


def test_factory_add_test_gives_the_test_set_of_test_folder(tmp_path, images):
    """`data.add_test(ImageList.from_folder(path/'test'))` after the factory (a Kaggle kernel's way) gives the test
    set `test='test'` gives: the same items, predictions and (unlabelled) targets."""
    path = tmp_path / "folder"
    for i in range(16):
        d = path / ("test" if i >= 12 else ("valid" if i < 4 else "train") + ("/a" if i % 2 else "/b"))
        d.mkdir(parents=True, exist_ok=True)
        shutil.copy(str(images / "images" / f"img_{i}.png"), str(d / f"img_{i}.png"))
    kw = dict(ds_tfms=V.get_transforms(), size=16, bs=4, num_workers=0)
    with_test = V.ImageDataBunch.from_folder(path, test="test", **kw).normalize(V.imagenet_stats)
    data = V.ImageDataBunch.from_folder(path, **kw).normalize(V.imagenet_stats)
    data.add_test(V.ImageList.from_folder(path / "test"))
    assert sorted(map(str, data.test_ds.items)) == sorted(map(str, with_test.test_ds.items))
    assert len(data.test_ds) == 4
    torch.manual_seed(0)
    learn = V.cnn_learner(data, V.models.resnet18, pretrained=False)
    a = learn.get_preds(ds_type=V.DatasetType.Test)
    order = [list(map(str, with_test.test_ds.items)).index(str(f)) for f in data.test_ds.items]
    learn.data = with_test
    b = learn.get_preds(ds_type=V.DatasetType.Test)
    assert float((a[0] - b[0][order]).abs().max()) < 1e-5 and a[1].tolist() == [0, 0, 0, 0]
