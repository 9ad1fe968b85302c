"""fastai v1's `ImageDataBunch` factories as the data block chains they were, with v1's batch order.

Expected values: real fastai v1 running the same cases (tests/fixtures/record_v1_factory.py ->
factory_v1_<version>.json): classes, items and labels of each set, the loss, `save` / `load_data`, and the batches
of each loader under `torch.manual_seed` (v1 shuffled with torch's RandomSampler; the factory's sanity check
drew one seed). On fastai 2 the package must give 1.0.61's batch order (the same torch as the 1.0.61 env; 1.0.48's
is torch 1.0.1's RandomSampler) and both versions' items; on fastai 1.x the installed v1 must give its own recording.
"""
import json
import sys
import warnings
from pathlib import Path

import pytest
import torch

import fastai_freeze_compat as fv
import fastai_freeze_compat.vision as ns

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
import record_v1_factory as rec  # noqa: E402

VERSION = str(fv.FASTAI_VERSION) if fv.IS_V1 else "1.0.61"
RECORDED = {v: json.loads((FIXTURES / f"factory_v1_{v}.json").read_text())["cases"] for v in ("1.0.48", "1.0.61")}
OWN = RECORDED[VERSION]
ITEM_VERSIONS = [VERSION] if fv.IS_V1 else ["1.0.48", "1.0.61"]


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return rec.make_images(tmp_path_factory.mktemp("factory"))


@pytest.fixture(scope="module")
def got(root):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {"batches": rec.batches(ns, root), "label_list": rec.label_list(ns, root)}


@pytest.mark.parametrize("key", sorted(OWN["batches"]))
def test_batches_under_torch_manual_seed_are_v1s(got, key):
    assert got["batches"][key] == OWN["batches"][key]


@pytest.mark.parametrize("version", ITEM_VERSIONS)
@pytest.mark.parametrize("key", sorted(OWN["label_list"]))
def test_classes_items_and_labels_are_v1s(got, key, version):
    assert got["label_list"][key] == RECORDED[version]["label_list"][key]


@pytest.mark.parametrize("version", ITEM_VERSIONS)
def test_save_then_load_data_gives_v1s_sets(root, version):
    res = rec.save_load(ns, root)
    want = dict(RECORDED[version]["save_load"])
    if fv.IS_V1: assert res == want     # real 1.0.61's load_data fails on torch >= 2.6 (recorded)
    else:
        assert res.pop("error") is None     # the package's load_data reads the pickled LabelLists
        want.pop("error")
        assert res == want


# -- the package only (fastai 2) --------------------------------------------------------------------------
needs_v2 = pytest.mark.skipif(fv.IS_V1, reason="the package's own checks; on fastai 1.x real v1 runs")


@needs_v2
def test_bad_factory_input_gets_a_clear_error(root):
    "v1 (fixture `errors`) raised KeyError for labels of the wrong length: a ValueError naming the counts here; " \
        "float labels: TypeError as v1, naming the data block API"
    assert OWN["errors"] == {"from_lists_short_labels": "KeyError", "from_df_float_labels": "TypeError"}
    flat = root / "flat"
    fnames = [flat / n for n in rec.NAMES]
    with pytest.raises(ValueError, match=f"got {len(fnames) - 2} labels for {len(fnames)} items"):
        ns.ImageDataBunch.from_lists(flat, fnames, ["cat"] * (len(fnames) - 2), bs=4, num_workers=0)
    df = ns.pd.DataFrame({"name": rec.NAMES, "value": ns.np.linspace(0., 1., len(fnames))})
    with pytest.raises(TypeError, match="hold floats.*label_from_df"):
        ns.ImageDataBunch.from_df(flat, df, bs=4, num_workers=0)
    with pytest.raises(ValueError, match="has no group"):
        ns.ImageDataBunch.from_name_re(flat, fnames, r"/[a-z]+_\d+.png$", bs=4, num_workers=0)


@needs_v2
def test_factory_is_a_data_block_chain_loaded_by_fastai2(root):
    from fastai.data.core import DataLoaders, TfmdDL
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = ns.ImageDataBunch.from_folder(root / "fold", test="test", bs=4, num_workers=0)
    assert isinstance(data, DataLoaders) and isinstance(data.train, TfmdDL)
    assert isinstance(data.label_list, ns.LabelLists) and isinstance(data.label_list.train.x, ns.ImageList)
    assert [str(o) for o in data.label_list.train.x.items] == [str(o) for o in data.train_ds.x.items]
    assert len(data.label_list.test.x.items) == 3


@needs_v2
def test_other_chains_make_v1s_data_block_databunch(root):
    "dl_tfms / tfm_y / several label columns: v1's data block DataBunch, as v1's create_from_ll built"
    flat = root / "flat"
    df = ns.pd.DataFrame({"name": rec.NAMES, "cat": [int(n.startswith("cat")) for n in rec.NAMES],
                          "dog": [int(n.startswith("dog")) for n in rec.NAMES]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        multi = ns.ImageDataBunch.from_df(flat, df, label_col=["cat", "dog"], bs=4, num_workers=0)
        seen = []
        tfm = lambda b: (seen.append(1), b)[1]
        dl = ns.ImageDataBunch.from_name_re(flat, [flat / n for n in rec.NAMES], r"/([a-z]+)_\d+.png$", bs=4,
                                            num_workers=0, dl_tfms=[tfm])
    assert isinstance(multi, ns.DataBunch) and isinstance(multi, ns.ImageDataBunch)
    assert multi.classes == ["cat", "dog"] and multi.train_ds.y.one_hot
    dl.one_batch()
    assert isinstance(dl, ns.DataBunch) and seen


@needs_v2
def test_building_a_factory_leaves_pythons_random_as_v1_did(root):
    "fastai 2 seeds its shuffler from Python's random when a loader is built; v1 did not draw from it"
    import random
    fnames = [root / "flat" / n for n in rec.NAMES]
    random.seed(3)
    want = random.random()
    random.seed(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = ns.ImageDataBunch.from_name_re(root / "flat", fnames, r"/([a-z]+)_\d+.png$", bs=4, num_workers=0)
        for _ in data.train: pass
    assert random.random() == want
