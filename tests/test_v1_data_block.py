"""fastai v1's data block API (fastai/data_block.py, fastai/basic_data.py) through `fastai_freeze_compat.basics`.

Expected values: real fastai v1 running the same cases (tests/fixtures/record_v1_data_block.py ->
data_block_v1_<version>.json): the items of each split for given seeds, labels and classes, the loss v1
picked, v1's printed LabelLists / DataBunch, and the batch order under `torch.manual_seed` (v1 shuffled with
torch's RandomSampler). On fastai 2 the package must give 1.0.61's (same torch as the 1.0.61 env; 1.0.48's
batch order is torch 1.0.1's RandomSampler); on fastai 1.x the installed v1 must give its own recording.
"""
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

import fastai_freeze_compat as fv
import fastai_freeze_compat.basics as ns

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
import record_v1_data_block as rec  # noqa: E402

VERSION = str(fv.FASTAI_VERSION) if fv.IS_V1 else "1.0.61"
RECORDED = json.loads((FIXTURES / f"data_block_v1_{VERSION}.json").read_text())["cases"]


@pytest.fixture(scope="module")
def got():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {name: getattr(rec, name)(ns) for name in rec.CASES if name != "labels"}


def _keys(case): return sorted(RECORDED[case])


@pytest.mark.parametrize("key", _keys("splits"))
def test_split_gives_v1s_items(got, key):
    if VERSION == "1.0.48" and key.startswith("filter_by_rand"):
        pytest.skip("fastai 1.0.48's filter_by_rand seeds numpy but draws with Python's random (rand_bool -> "
                    "uniform -> random.uniform), so its seed does not fix which items it keeps")
    assert got["splits"][key] == RECORDED["splits"][key]


@pytest.mark.parametrize("key", _keys("folders"))
def test_folder_lists_splits_and_labels_are_v1s(got, key):
    assert got["folders"][key] == RECORDED["folders"][key]


@pytest.mark.parametrize("key", _keys("labels"))
def test_labels_classes_and_loss_are_v1s(key):
    res = rec.labels(ns)   # records its own warnings (unknown_valid)
    if "error" in RECORDED["labels"][key]:
        pytest.skip(f"fastai {VERSION}'s {key} raised {RECORDED['labels'][key]['error']} (a v1 bug)")
    assert res[key] == RECORDED["labels"][key]


@pytest.mark.parametrize("key", _keys("reprs"))
def test_printed_as_v1(got, key):
    assert got["reprs"][key] == RECORDED["reprs"][key]


@pytest.mark.parametrize("key", _keys("batches"))
def test_batch_order_under_torch_manual_seed_is_v1s(got, key):
    assert got["batches"][key] == RECORDED["batches"][key]


# -- the package only (fastai 2) --------------------------------------------------------------------------
needs_v2 = pytest.mark.skipif(fv.IS_V1, reason="the package's own checks; on fastai 1.x real v1 runs")


@needs_v2
def test_databunch_is_a_fastai2_dataloaders_and_a_learner_trains_on_it():
    from fastai.data.core import DataLoaders
    df = ns.pd.DataFrame({"x": np.linspace(0, 1, 40, dtype=np.float32), "y": np.linspace(0, 2, 40, dtype=np.float32)})
    data = (ns.ItemList.from_df(df, cols="x").split_by_idx(list(range(8))).label_from_df(cols="y")
            .databunch(bs=8, num_workers=0))
    assert isinstance(data, DataLoaders) and isinstance(data.valid_ds, ns.LabelList)
    assert type(data.loss_func.func).__name__ == "MSELoss" and data.c == 1
    learn = ns.Learner(data, _Col(torch.nn.Linear(1, 1)))
    learn.fit(1, 1e-2)
    assert len(learn.recorder.losses) == len(data.train_dl)


class _Col(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m
    def forward(self, x): return self.m(x[:, None])[:, 0]


@needs_v2
def test_building_a_loader_leaves_pythons_random_alone():
    import random
    random.seed(3)
    expected = random.random()
    random.seed(3)
    ns.ItemList(range(10)).split_by_idx([0, 1]).label_const(0).databunch(bs=2, num_workers=0)
    assert random.random() == expected


@needs_v2
def test_regex_without_group_is_a_clear_error():
    sd = ns.ItemList([Path("a/b_1.jpg"), Path("a/c_2.jpg")]).split_by_idx([0])
    with pytest.raises(ValueError, match="has no group"):
        sd.label_from_re(r"_\d+\.jpg$")


@needs_v2
def test_label_lists_of_the_wrong_length_are_a_clear_error():
    sd = ns.ItemList(range(6)).split_by_idx([0, 1])
    with pytest.raises(ValueError, match="got 3 train_labels for 4 items"):
        sd.label_from_lists(list("abc"), list("ab"))
    with pytest.raises(ValueError, match="got 1 valid_labels for 2 items"):
        ns.ItemList(range(6)).split_by_idx([0, 1]).label_from_lists(list("abab"), list("a"))


@needs_v2
def test_duplicate_csv_rows_warn():
    df = ns.pd.DataFrame({"name": ["a.png", "b.png", "a.png"], "label": [0, 1, 0]})
    import fastai_freeze_compat.vision as vis
    with pytest.warns(UserWarning, match="repeat the input"):
        vis.ImageList.from_df(df, path=".", cols="name")


@needs_v2
def test_unsplit_and_unlabelled_data_raise_v1s_errors():
    with pytest.raises(Exception, match="Your data isn't split"):
        ns.ItemList(range(4)).label_from_func(lambda o: o)
    with pytest.raises(Exception, match="isn't labeled"):
        ns.ItemList(range(4)).split_none().databunch()
