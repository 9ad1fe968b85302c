"""What a v1 notebook prints, as real fastai v1 printed it: ``data.classes`` for integer labels, ``lr_find``'s table,
the warning of each ``ImageDataBunch`` factory, ``repr(learn)`` and the head's ``Flatten()``.

Expected values: tests/fixtures/printing_v1_<version>.json, recorded on fastai 1.0.61 and 1.0.48 by
tests/fixtures/record_v1_printing.py. On fastai 2 the package is compared with 1.0.61's recording (the last v1,
on the same numpy and torch as the fastai 2.8 stack); on fastai 1.x the installed v1 with its own.
"""
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

import fastai_freeze_compat as fv
from fixtures.printing_setup import int_labels, mask, printed, quiet, table_lines
from helpers import make_image_folder

FIXTURES = Path(__file__).resolve().parent / "fixtures"
VERSION = str(fv.FASTAI_VERSION) if fv.IS_V1 else "1.0.61"
RECORDED = json.loads((FIXTURES / f"printing_v1_{VERSION}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def train(tmp_path_factory):
    return make_image_folder(tmp_path_factory.mktemp("printing"))


def data_for(train, **kw):
    "The recording's data: from_folder(valid_pct=0.25, size=32, bs=8) after np.random.seed(1)."
    fv.np.random.seed(1)
    return quiet(fv.ImageDataBunch.from_folder, train, valid_pct=0.25, size=32, bs=8, num_workers=0, **kw)


# -- data.classes -------------------------------------------------------------------------------------------
def _int_label_data(train):
    fnames, label, df = int_labels(train)
    (train / "labels.csv").write_text(df.to_csv(index=False))
    kw = dict(size=32, bs=4, num_workers=0)
    if VERSION != "1.0.48": kw["seed"] = 2
    yield "from_df", quiet(fv.ImageDataBunch.from_df, train, df, valid_pct=0.25, **kw)
    yield "from_csv", quiet(fv.ImageDataBunch.from_csv, train, valid_pct=0.25, **kw)
    fv.np.random.seed(3)
    yield "from_name_func", quiet(fv.ImageDataBunch.from_name_func, train, fnames, lambda f: label[Path(f)],
                                  valid_pct=0.25, size=32, bs=4, num_workers=0)
    fv.np.random.seed(3)
    yield "from_lists", quiet(fv.ImageDataBunch.from_lists, train, fnames,
                              np.array([label[f] for f in fnames], dtype=np.int64), valid_pct=0.25, size=32, bs=4,
                              num_workers=0)


def test_integer_classes_print_as_v1s(tmp_path):
    rec = RECORDED["classes"]
    # v1 passed the labels through `np.array(labels, dtype=object)`: an int64 column (from_df, from_csv) became
    # Python ints, numpy ints the caller gave (from_lists with an array) stayed numpy ints
    assert rec["from_df"]["types"] == rec["from_csv"]["types"] == ["int", "int"]
    assert rec["from_lists"]["types"] == ["int64", "int64"]
    seen = []
    for factory, data in _int_label_data(make_image_folder(tmp_path)):
        assert repr(data.classes) == rec[factory]["repr"], factory
        assert [type(c).__name__ for c in data.classes] == rec[factory]["types"], factory
        assert data.c == rec[factory]["c"] == 2
        seen.append(factory)
    assert sorted(seen) == sorted(k for k in rec if k != "label_dtype")


# -- lr_find's table ----------------------------------------------------------------------------------------
def test_lr_find_table_has_v1s_cells(train):
    "v1 (1.0.61) printed one `#na#` for the epochs lr_find ran without validation, whatever the metrics."
    rec = RECORDED["lr_find"]
    torch.manual_seed(0)
    learn = quiet(fv.cnn_learner, data_for(train), fv.models.resnet18, pretrained=False,
                  metrics=[fv.error_rate, fv.accuracy])
    text = printed(learn.lr_find, num_it=6)[1]
    rows = table_lines(text)
    assert rows[0] == rec["rows"][0] == ["epoch", "train_loss", "valid_loss", "error_rate", "accuracy", "time"]
    assert len(rows) >= 2
    want = rec["rows"][1]
    for i, row in enumerate(rows[1:]):
        # the loss and the time differ from run to run; the cells are v1's: epoch, loss, (#na#,) time
        assert len(row) == len(want) and row[0] == str(i) and row[2:-1] == want[2:-1], row
        assert re.fullmatch(r"\d+\.\d{6}", row[1]) and re.fullmatch(r"\d\d:\d\d", row[-1]), row
    if VERSION == "1.0.61": assert want[2:-1] == ["#na#"]
    assert [l for l in text.splitlines() if l.startswith("LR Finder")] == rec["hint"]


# -- the factories' warnings --------------------------------------------------------------------------------
@pytest.mark.v2only
def test_each_factory_warning_names_that_factory(tmp_path):
    train = make_image_folder(tmp_path)
    fnames, label, df = int_labels(train)
    (train / "labels.csv").write_text(df.to_csv(index=False))
    kw = dict(size=32, bs=4, num_workers=0)
    calls = {
        "from_folder": lambda: fv.ImageDataBunch.from_folder(train, valid_pct=0.25, **kw),
        "from_df": lambda: fv.ImageDataBunch.from_df(train, df, **kw),
        "from_csv": lambda: fv.ImageDataBunch.from_csv(train, **kw),
        "from_name_re": lambda: fv.ImageDataBunch.from_name_re(train, fnames, r"/([^/]+)_\d+.png$", **kw),
        "from_name_func": lambda: fv.ImageDataBunch.from_name_func(train, fnames, lambda f: label[Path(f)], **kw),
        "from_lists": lambda: fv.ImageDataBunch.from_lists(train, fnames, [label[f] for f in fnames], **kw),
    }
    for factory, call in calls.items():
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            call()
        ours = [str(w.message) for w in seen if issubclass(w.category, fv.FastaiV1APIWarning)]
        assert len(ours) == 1, (factory, ours)
        assert ours[0].startswith(f"`ImageDataBunch.{factory}(path, "), (factory, ours[0][:80])
        assert f"Native fastai 2: `ImageDataLoaders.{factory}(" in ours[0], (factory, ours[0])
        others = {f for f in calls if f != factory}
        assert not any(f"ImageDataBunch.{f}(" in ours[0] for f in others), (factory, ours[0])


# -- repr(learn) --------------------------------------------------------------------------------------------
# What cannot read the same on fastai 2: the Recorder in `callback_fns` is the package's class (v1's was
# fastai.basic_train.Recorder), the first five labels of the data's repr follow the folder's listing order
# (checked by tests/test_data.py against v1's split), and addresses differ (masked as `0x…` on both sides).
_RECORDER = "fastai_freeze_compat._v2.basic_train.Recorder"


# torch prints its modules itself, and newer torch prints more: BatchNorm's `bias=True` (torch 2.14, the recording's
# torch, prints it; torch 2.6, fastai 2.7's, does not). On another torch than the recording's, that argument is
# left out on both sides; the modules, their order and every other argument are still compared.
_SAME_TORCH = torch.__version__.split("+")[0].split(".")[:2] == RECORDED["torch"].split("+")[0].split(".")[:2]
_BN_BIAS = re.compile(r"(BatchNorm\dd\([^)]*?), bias=True")


def _comparable(text):
    lines = text.replace(_RECORDER, "fastai.basic_train.Recorder").split("\n")
    text = "\n".join("<labels>" if i and lines[i - 1] == "y: CategoryList" else l for i, l in enumerate(lines))
    return text if _SAME_TORCH else _BN_BIAS.sub(r"\1", text)


@pytest.mark.v2only
def test_learner_repr_is_v1s_field_by_field(train):
    rec = RECORDED["learner_repr"]
    torch.manual_seed(0)
    learn = quiet(fv.cnn_learner, data_for(train), fv.models.resnet18, pretrained=False, metrics=fv.error_rate)
    assert list(learn.V1_FIELDS) == rec["fields"]
    got = mask(repr(learn), train)
    assert got.startswith("Learner(data=ImageDataBunch;\n\nTrain: LabelList (36 items)")
    for name in rec["fields"]:
        value = _comparable(mask(repr(learn._v1_field(name)), train))
        assert value == _comparable(rec["values"][name]), name
        assert f"{name}={rec['values'][name][:40]}" in rec["repr"]
    assert _comparable(got) == _comparable(rec["repr"])
    # fastai 1.0.48's Learner had the same fields, without `silent` (its Recorder partial had no `silent` either)
    old = json.loads((FIXTURES / "printing_v1_1.0.48.json").read_text(encoding="utf-8"))["learner_repr"]
    assert old["fields"] == [f for f in rec["fields"] if f != "silent"]
    assert {k: old["values"][k] for k in ("opt_func", "loss_func", "metrics", "wd", "model_dir", "callbacks")} == \
        {k: rec["values"][k] for k in ("opt_func", "loss_func", "metrics", "wd", "model_dir", "callbacks")}


def test_real_v1_repr_is_its_dataclass_repr(train):
    "On fastai 1.x: the pass-through learner prints as recorded (the package's 1.0.61 repair keeps v1's repr)."
    if not fv.IS_V1: pytest.skip("checks real fastai v1's own repr; fastai 2 is installed (see the test above)")
    rec = RECORDED["learner_repr"]
    torch.manual_seed(0)
    learn = quiet(fv.cnn_learner, data_for(train), fv.models.resnet18, pretrained=False, metrics=fv.error_rate)
    assert _comparable(mask(repr(learn), train)) == _comparable(rec["repr"])


# -- Flatten ------------------------------------------------------------------------------------------------
def test_flatten_prints_and_flattens_as_v1s(train):
    rec = RECORDED["flatten"]
    x = torch.zeros(2, 3, 4, 5)
    assert repr(fv.Flatten()) == rec["repr"] == "Flatten()"
    assert repr(fv.Flatten(full=True)) == rec["repr_full"] == "Flatten()"
    assert list(fv.Flatten()(x).shape) == rec["shape"] == [2, 60]
    assert list(fv.Flatten(full=True)(x).shape) == rec["shape_full"] == [120]
    head = quiet(fv.cnn_learner, data_for(train), fv.models.resnet18, pretrained=False).model[1]
    assert repr(head[1]) == rec["head_layer"] and type(head[1]).__name__ == rec["head_layer_type"]
    assert isinstance(head[1], fv.Flatten) and not list(head[1].state_dict())


@pytest.mark.v2only
def test_flatten_is_bridged_in_v1s_layers_module():
    from fastai_freeze_compat import names
    from fastai_freeze_compat.layers import Flatten
    assert Flatten is fv.Flatten and Flatten.__module__ == "fastai_freeze_compat._v2.layers"
    assert "Flatten" not in names.UNSUPPORTED
    # the fastai 2 object is left as it is
    from fastai.layers import Flatten as Flatten2
    assert repr(Flatten2()).endswith("Flatten(full=False)")      # fastai 2.7: fastai.layers.Flatten(full=False)
