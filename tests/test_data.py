"""fastai v1's data API: ImageDataBunch factories, v1's item order and random split, repr, normalize,
get_transforms, batches, and bad input -- checked against what real fastai v1 recorded
(tests/fixtures/record_v1_data.py -> data_v1_<version>.json) and the reference notebook.

The same tests run on fastai 1.x (the real v1, passed through: they check v1 against its own recording)
and on fastai 2.x (the package: checked against fastai 1.0.61's recording).

About the split fixtures: v1 lists a folder with os.walk, whose order is the filesystem's, so the same
folder lists differently on another machine; v1's random split picks *positions* in that listing. The
fixtures hold the listing v1 saw and the split as file names; `expected_split` turns the recorded split
into positions and applies them to the listing of the folder generated here (the plain top-down os.walk
order, which is v1's: on fastai 1.x that is checked against v1 itself). On a filesystem that lists in the
recorded order this is exactly the recorded file names.
"""
import json
import os
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from packaging.version import Version
from PIL import Image as PILImage
from torch import nn

import fastai_freeze_compat as fv
from helpers import CLASSES_12, make_flat_images, make_image_folder

FIXTURES = Path(__file__).resolve().parent / "fixtures"
V = fv.FASTAI_VERSION
ON_1_0_48 = fv.IS_V1 and V < Version("1.0.61")    # the two v1 stacks of the matrix: 1.0.48 and 1.0.61
ON_1_0_61 = fv.IS_V1 and V >= Version("1.0.61")


def data_fixture(version=None):
    "What real fastai v1 recorded: the installed v1's own recording, or 1.0.61's (the last v1) on fastai 2."
    if version is None: version = str(V) if fv.IS_V1 else "1.0.61"
    return json.loads((FIXTURES / f"data_v1_{version}.json").read_text())


REC = data_fixture()


def quiet(f, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*args, **kwargs)


def walk_listing(path):
    "Files under `path` in top-down os.walk order (no hidden entries here), relative, as posix strings."
    return [(Path(p) / f).relative_to(path).as_posix() for p, _, fs in os.walk(str(path)) for f in fs]


def expected_split(case, path):
    "The recorded v1 split, as positions in v1's listing, applied to this machine's listing of `path`."
    now = walk_listing(path)
    rec = case["listing"]
    assert sorted(now) == sorted(rec), "the generated folder differs from the recorded one"
    return ([now[rec.index(p)] for p in case["train"]], [now[rec.index(p)] for p in case["valid"]])


def label(rel_path): return rel_path.split("/")[-2]


def rel(items, base): return [Path(str(o)).relative_to(base).as_posix() for o in items]


@pytest.fixture(scope="module")
def seedlings(tmp_path_factory):
    root = tmp_path_factory.mktemp("data_seedlings") / "seedlings"
    train = make_image_folder(root)
    test = make_flat_images(root / "test_images", 6)
    return train, test


@pytest.fixture(scope="module")
def notebook_data(seedlings):
    "The reference notebook's cell, on the generated 12-class folder."
    train, test = seedlings
    # fastai 1.0.61's from_folder raises TypeError for a Path `test` (its get_files does `name in exclude`
    # on it; 1.0.48 and the package accept both), so on 1.0.61 the same folder is given as a str.
    test_arg = str(test) if ON_1_0_61 else test
    fv.np.random.seed(1)
    data = quiet(fv.ImageDataBunch.from_folder, train, test=test_arg, ds_tfms=fv.get_transforms(), valid_pct=0.25,
                 size=128, bs=32, num_workers=0)
    data.normalize(fv.imagenet_stats)
    return data


# -- the reference notebook's cell -------------------------------------------------------------------
def test_notebook_cell_prints_v1s_repr(notebook_data, seedlings):
    train, _ = seedlings
    case = REC["notebook_from_folder"]
    exp_train, exp_valid = expected_split(case, train)
    expected = case["repr"].replace("{path}", str(train))
    # the label lines hold the first five labels of each set in v1's order (see expected_split)
    for rec_items, now_items in ((case["train"], exp_train), (case["valid"], exp_valid)):
        expected = expected.replace("\n" + ",".join(label(p) for p in rec_items[:5]) + "\n",
                                    "\n" + ",".join(label(p) for p in now_items[:5]) + "\n", 1)
    assert repr(notebook_data) == expected
    assert expected.startswith("ImageDataBunch;\n\nTrain: LabelList (36 items)\nx: ImageList\nImage (3, 128, 128),")
    assert "\n\nTest: LabelList (6 items)\nx: ImageList\n" in expected
    assert expected.endswith(f"\ny: EmptyLabelList\n,,,,\nPath: {train}")


def test_notebook_cell_splits_like_v1(notebook_data, seedlings):
    train, test = seedlings
    case = REC["notebook_from_folder"]
    exp_train, exp_valid = expected_split(case, train)
    assert rel(notebook_data.train_ds.x.items, train) == exp_train      # listing order
    assert rel(notebook_data.valid_ds.x.items, train) == exp_valid      # permutation order
    assert sorted(rel(notebook_data.test_ds.x.items, test)) == sorted(case["test"])
    assert [str(o) for o in notebook_data.train_ds.y] == [label(p) for p in exp_train]
    assert [str(o) for o in notebook_data.valid_ds.y] == [label(p) for p in exp_valid]
    assert list(map(str, notebook_data.classes)) == case["classes"] == sorted(CLASSES_12)
    assert notebook_data.c == case["c"] == 12
    assert isinstance(notebook_data.train_ds.x.items[0], Path)
    assert [int(i) for i in notebook_data.train_ds.y.items[:3]] == [CLASSES_12.index(label(p)) for p in exp_train[:3]]
    assert len(notebook_data.train_ds) == 36 and len(notebook_data.valid_ds) == 12 and len(notebook_data.test_ds) == 6


def test_notebook_cell_batches_and_loaders(notebook_data, seedlings):
    case = REC["notebook_from_folder"]
    x, y = notebook_data.one_batch()
    assert list(x.shape) == case["batch_x"] == [32, 3, 128, 128]
    assert list(y.shape) == case["batch_y"] and str(y.dtype).replace("torch.", "") == case["batch_y_dtype"]
    assert x.device.type == "cpu"
    assert notebook_data.batch_size == case["batch_size"] == 32
    assert (len(notebook_data.train_dl), len(notebook_data.valid_dl)) == (case["len_train_dl"], case["len_valid_dl"])
    assert len(notebook_data.dl(fv.DatasetType.Test)) == case["len_test_dl"]
    assert str(notebook_data.path) == str(seedlings[0]) and case["path_is_train"]
    xt, yt = notebook_data.one_batch(fv.DatasetType.Test)       # v1 labels the test set with EmptyLabel (0)
    assert list(xt.shape) == [6, 3, 128, 128] and yt.tolist() == [0] * 6


def test_items_are_v1s_image_and_category(notebook_data):
    x, y = notebook_data.train_ds[0]
    assert repr(x) == "Image (3, 128, 128)" and tuple(x.shape) == (3, 128, 128) and tuple(x.size) == (128, 128)
    assert 0. <= float(x.data.min()) and float(x.data.max()) <= 1.
    assert str(y) in CLASSES_12 and int(y.data) == CLASSES_12.index(str(y)) and str(y.obj) == str(y)
    assert repr(notebook_data.train_ds.x[0]) == "Image (3, 40, 40)"     # x[i] is the file, untransformed
    assert notebook_data.train_ds.y.classes == notebook_data.classes
    assert notebook_data.train_ds.y.c == 12
    assert str(notebook_data.test_ds[0][1]) == ""


def test_show_batch_titles_are_the_labels_in_v1s_order(notebook_data, seedlings):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    _, exp_valid = expected_split(REC["notebook_from_folder"], seedlings[0])
    plt.close("all")
    notebook_data.show_batch(rows=2, ds_type=fv.DatasetType.Valid)
    axes = [ax for ax in plt.gcf().axes if ax.images]
    assert [ax.get_title() for ax in axes] == [label(p) for p in exp_valid[:4]]
    plt.close("all")


# -- normalize ---------------------------------------------------------------------------------------
@pytest.fixture
def small_data(seedlings):
    fv.np.random.seed(2)
    return quiet(fv.ImageDataBunch.from_folder, seedlings[0], valid_pct=0.25, size=32, bs=8, num_workers=0)


def test_nothing_is_normalized_unless_asked(small_data):
    x, _ = small_data.one_batch(fv.DatasetType.Valid, denorm=False)
    assert 0. <= float(x.min()) and float(x.max()) <= 1.              # raw pixels in [0, 1]
    fv.cnn_learner(small_data, fv.models.resnet18, pretrained=False)   # v1's cnn_learner adds no normalization
    x2, _ = small_data.one_batch(fv.DatasetType.Valid, denorm=False)
    assert torch.equal(torch.as_tensor(x), torch.as_tensor(x2))
    assert not getattr(small_data, "norm", False)


def test_normalize_then_one_batch_denormalizes_like_v1(small_data):
    raw, _ = small_data.one_batch(fv.DatasetType.Valid)
    assert small_data.normalize(fv.imagenet_stats) is small_data          # v1 returns self (chaining)
    mean, std = (torch.tensor(s).view(1, 3, 1, 1) for s in fv.imagenet_stats)
    normed, _ = small_data.one_batch(fv.DatasetType.Valid, denorm=False)
    assert torch.allclose(torch.as_tensor(normed), (torch.as_tensor(raw) - mean) / std, atol=1e-5)
    back, _ = small_data.one_batch(fv.DatasetType.Valid)                  # denorm=True by default, as in v1
    assert torch.allclose(torch.as_tensor(back), torch.as_tensor(raw), atol=1e-5)
    assert [list(map(float, s)) for s in small_data.stats] == [list(s) for s in fv.imagenet_stats]


def test_normalize_twice_raises_v1s_exception(small_data):
    small_data.normalize(fv.imagenet_stats)
    with pytest.raises(Exception, match="Can not call normalize twice") as e:
        small_data.normalize(fv.imagenet_stats)
    assert type(e.value).__name__ == REC["bad_input"]["normalize_twice"]["type"] == "Exception"


def test_normalize_without_stats_uses_a_batch(small_data):
    stats = small_data.batch_stats()
    assert [tuple(s.shape) for s in stats] == [(3,), (3,)]
    small_data.normalize()
    x, _ = small_data.one_batch(denorm=False)
    assert abs(float(torch.as_tensor(x).mean())) < 1.                    # roughly centred


def test_stats_are_v1s():
    for name in ("imagenet_stats", "cifar_stats", "mnist_stats"):
        assert [list(s) for s in getattr(fv, name)] == REC["stats"][name]


# -- the random split and the other factories ---------------------------------------------------------
@pytest.mark.skipif(ON_1_0_48, reason="fastai 1.0.48's from_folder has no `seed` argument (1.0.61 has); "
                                      "notebooks of that version called np.random.seed first")
def test_seed_argument_splits_like_v1_and_seeds_numpy(seedlings):
    case = REC["from_folder_seed42"]
    exp_train, exp_valid = expected_split(case, seedlings[0])
    fv.np.random.seed(123)
    data = quiet(fv.ImageDataBunch.from_folder, seedlings[0], valid_pct=0.2, seed=42, size=32, bs=8, num_workers=0)
    assert rel(data.train_ds.x.items, seedlings[0]) == exp_train
    assert rel(data.valid_ds.x.items, seedlings[0]) == exp_valid
    # v1's seed= is np.random.seed(seed) on NumPy's global generator: the next draw is v1's too
    assert float(np.random.rand()) == case["next_np_draw"]


@pytest.fixture(scope="module")
def imagenet_style(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("data_imagenet_style")
    root = tmp / "imagenet_style"
    make_image_folder(root, classes=CLASSES_12[:3], per_class=3)
    valid = make_image_folder(tmp / "valid_src", classes=CLASSES_12[:3], per_class=2, seed=3)
    shutil.copytree(str(valid), str(root / "valid"))
    return root


@pytest.mark.parametrize("case,kw", [("from_folder_train_valid", {}),
                                     ("from_folder_classes", dict(classes=CLASSES_12[1:3]))])
def test_train_and_valid_folders_split_like_v1(imagenet_style, case, kw):
    rec = REC[case]
    exp_train, exp_valid = expected_split(rec, imagenet_style)
    data = quiet(fv.ImageDataBunch.from_folder, imagenet_style, size=32, bs=4, num_workers=0, **kw)
    assert rel(data.train_ds.x.items, imagenet_style) == exp_train
    assert rel(data.valid_ds.x.items, imagenet_style) == exp_valid
    assert list(map(str, data.classes)) == rec["classes"]
    assert [str(o) for o in data.valid_ds.y] == [label(p) for p in exp_valid]


def test_classes_outside_the_list_are_dropped_with_v1s_warning(imagenet_style):
    with pytest.warns(UserWarning, match="contained the following unknown labels"):
        fv.ImageDataBunch.from_folder(imagenet_style, classes=CLASSES_12[1:3], size=32, bs=4, num_workers=0)


@pytest.fixture(scope="module")
def lists_folder(tmp_path_factory):
    train = make_image_folder(tmp_path_factory.mktemp("data_lists") / "lists", classes=CLASSES_12[:4], per_class=5)
    fnames = sorted(train.glob("*/*.png"))
    return train, fnames


def build_list_case(name, train, fnames):
    import pandas as pd
    labels = [p.parent.name for p in fnames]
    kw = dict(size=32, bs=4, num_workers=0)
    df = pd.DataFrame({"name": [p.relative_to(train).as_posix() for p in fnames], "label": labels})
    seeds = dict(from_lists=5, from_name_re=6, from_name_func=7, from_df=8, from_csv=9, from_df_folder_suffix_multi=10)
    np.random.seed(seeds[name])
    if name == "from_lists":
        return fv.ImageDataBunch.from_lists(train, fnames, labels, valid_pct=0.25, **kw)
    if name == "from_name_re":
        return fv.ImageDataBunch.from_name_re(train, fnames, r"/([^/]+)_\d+.png$", valid_pct=0.3, **kw)
    if name == "from_name_func":
        return fv.ImageDataBunch.from_name_func(
            train, fnames, lambda p: "even" if int(Path(str(p)).stem[-1]) % 2 == 0 else "odd", **kw)
    if name == "from_df":
        return fv.ImageDataBunch.from_df(train, df, **kw)
    if name == "from_csv":
        csv_dir = train.parent / "csv"
        if not csv_dir.exists(): shutil.copytree(str(train), str(csv_dir))
        df.to_csv(str(csv_dir / "labels.csv"), index=False)
        data = fv.ImageDataBunch.from_csv(csv_dir, valid_pct=0.25, **kw)
        return data, csv_dir
    first = [p for p in fnames if p.parent.name == CLASSES_12[0]]
    df2 = pd.DataFrame({"name": [p.stem for p in first], "tags": ["a b", "b", "a c", "c", "b c"]})
    return fv.ImageDataBunch.from_df(train, df2, folder=CLASSES_12[0], suffix=".png", label_delim=" ",
                                     valid_pct=0.4, **kw)


def v1_class_name(obj):
    "The v1 class an object is (or, for the package's read-only views of fastai 2 data, stands for)."
    return getattr(type(obj), "v1_name", type(obj).__name__)


@pytest.mark.parametrize("name", ["from_lists", "from_name_re", "from_name_func", "from_df", "from_csv"])
def test_list_factories_split_and_label_like_v1(lists_folder, name):
    train, fnames = lists_folder
    rec = REC[name]
    data = quiet(build_list_case, name, train, fnames)
    if isinstance(data, tuple): data, train = data
    assert rel(data.train_ds.x.items, train) == rec["train"]
    assert rel(data.valid_ds.x.items, train) == rec["valid"]
    assert type(data.train_ds.x.items[0]).__name__ == rec["item_type"]      # PosixPath, or str_ from a DataFrame
    assert list(map(str, data.classes)) == rec["classes"]
    assert [str(o) for o in data.train_ds.y] == rec["train_y"]
    assert [str(o) for o in data.valid_ds.y] == rec["valid_y"]
    assert v1_class_name(data.train_ds.y) == rec["y_class"] == "CategoryList"


@pytest.mark.skipif(ON_1_0_61, reason="fastai 1.0.61's MultiCategoryList builds a ragged np.array, which "
                                      "NumPy >= 1.24 refuses (recorded in data_v1_1.0.61.json); 1.0.48 recorded it")
def test_multi_label_from_df_like_v1(lists_folder):
    rec = data_fixture("1.0.48")["from_df_folder_suffix_multi"]
    train, fnames = lists_folder
    data = quiet(build_list_case, "from_df_folder_suffix_multi", train, fnames)
    assert rel(data.train_ds.x.items, train) == rec["train"]
    assert rel(data.valid_ds.x.items, train) == rec["valid"]
    assert list(map(str, data.classes)) == rec["classes"]
    assert [str(o) for o in data.train_ds.y] == rec["train_y"]
    assert [str(o) for o in data.valid_ds.y] == rec["valid_y"]
    assert v1_class_name(data.train_ds.y) == rec["y_class"] == "MultiCategoryList"
    x, y = data.one_batch(fv.DatasetType.Valid)
    assert list(y.shape) == [2, 3] and y.sum(1).tolist() == [2., 1.]     # one-hot, as v1's MultiCategory


@pytest.mark.skipif(ON_1_0_48, reason="fastai 1.0.48's from_folder does not exclude a `test` folder under path "
                                      "(1.0.61 does): its test images land in train/valid")
def test_test_folder_under_path_is_left_out_of_train_and_valid(tmp_path):
    root = tmp_path / "with_test"
    make_image_folder(root, classes=CLASSES_12[:3], per_class=4)
    train = root / "train"
    make_flat_images(train / "test", 3)
    fv.np.random.seed(0)
    data = quiet(fv.ImageDataBunch.from_folder, train, test="test", valid_pct=0.25, size=32, bs=4, num_workers=0)
    assert len(data.train_ds) + len(data.valid_ds) == 12 and len(data.test_ds) == 3
    assert list(map(str, data.classes)) == CLASSES_12[:3]


@pytest.mark.v2only
def test_test_folder_as_path_or_name(seedlings):
    train, test = seedlings
    by_path = fv.ImageDataBunch.from_folder(train, test=test, valid_pct=0.25, size=32, bs=8, num_workers=0)
    by_str = fv.ImageDataBunch.from_folder(train, test=str(test), valid_pct=0.25, size=32, bs=8, num_workers=0)
    assert rel(by_path.test_ds.x.items, test) == rel(by_str.test_ds.x.items, test) and len(by_path.test_ds) == 6


# -- get_transforms ---------------------------------------------------------------------------------------
TFM_CALLS = {"default": {}, "flip_vert": dict(flip_vert=True), "no_flip": dict(do_flip=False),
             "custom": dict(max_rotate=30., max_zoom=1.5, max_lighting=0.4, max_warp=0.3, p_affine=0.5,
                            p_lighting=0.25),
             "all_off": dict(do_flip=False, max_rotate=0., max_zoom=1., max_lighting=0., max_warp=0.)}


def v1_vocabulary(t):
    """A transform of get_transforms() as v1's (name, arguments, p), read off v1's `RandTransform` (real v1's
    on fastai 1.x, the package's port on fastai 2)."""
    kw = {k: (list(v) if isinstance(v, tuple) else v) for k, v in t.kwargs.items()}
    return [t.tfm.func.__name__.lstrip("_"), kw, t.p]


@pytest.mark.parametrize("name", sorted(TFM_CALLS))
def test_get_transforms_maps_v1s_transforms(name):
    train, valid = fv.get_transforms(**TFM_CALLS[name])
    got = [[v1_vocabulary(t) for t in train], [v1_vocabulary(t) for t in valid]]
    assert got == REC["get_transforms"][name]


def test_get_transforms_keeps_xtra_tfms_last():
    extra = fv.get_transforms()[0][1]
    train, _ = fv.get_transforms(xtra_tfms=[extra])
    assert train[-1] is extra and len(train) == len(fv.get_transforms()[0]) + 1


def test_symmetric_warp_moves_pixels_as_v1(tmp_path):
    "v1's warp with fixed magnitudes on a small image, recorded where v1's solver works (1.0.48)."
    rec = data_fixture("1.0.48")["symmetric_warp"]
    img = torch.linspace(0, 1, 3 * 8 * 10).view(3, 8, 10)
    for case in rec["cases"].values():
        if fv.IS_V1:   # real v1 (on 1.0.61 through the package's torch.solve repair)
            out = fv.symmetric_warp(fv.Image(img.clone()), magnitude=case["magnitude"]).refresh().data
        else:
            from fastai.torch_core import TensorImage
            from fastai_freeze_compat._v2.vision.transform import SymmetricWarp
            out = SymmetricWarp(p=1., draw=case["magnitude"])(TensorImage(img[None].clone()), split_idx=0)[0]
        assert torch.allclose(torch.as_tensor(out).reshape(-1), torch.tensor(case["out"]), atol=2e-5)


def test_get_transforms_batches_are_augmented_train_only(seedlings):
    fv.np.random.seed(3)
    data = quiet(fv.ImageDataBunch.from_folder, seedlings[0], ds_tfms=fv.get_transforms(p_affine=1., p_lighting=1.),
                 valid_pct=0.25, size=32, bs=8, num_workers=0)
    v1, v2 = data.one_batch(fv.DatasetType.Valid), data.one_batch(fv.DatasetType.Valid)
    assert torch.equal(torch.as_tensor(v1[0]), torch.as_tensor(v2[0]))      # valid: only the centre crop
    t1, t2 = data.one_batch(fv.DatasetType.Fix), data.one_batch(fv.DatasetType.Fix)
    assert torch.equal(torch.as_tensor(t1[0]), torch.as_tensor(t2[0]))      # fix_dl: train items, valid tfms
    assert not torch.equal(torch.as_tensor(t1[0]), torch.as_tensor(data.one_batch()[0]))


# -- learners -------------------------------------------------------------------------------------------
class TorchFlatten(nn.Module):
    "torch 1.0 has no nn.Flatten."
    def forward(self, x): return x.view(x.size(0), -1)


def test_learner_and_cnn_learner_train_on_it(good):
    fv.np.random.seed(4)
    data = quiet(fv.ImageDataBunch.from_folder, good, valid_pct=0.25, size=32, bs=4, num_workers=0)
    data.normalize(fv.imagenet_stats)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), TorchFlatten(), nn.Linear(4, data.c))
    before = [p.detach().clone() for p in model.parameters()]
    learn = quiet(fv.Learner, data, model, metrics=fv.error_rate)
    assert learn.data is data
    quiet(learn.fit, 1)
    assert any(not torch.equal(b, p.detach().cpu()) for b, p in zip(before, learn.model.parameters()))
    assert np.isfinite(float(quiet(learn.validate)[0]))
    cnn = quiet(fv.cnn_learner, data, fv.models.resnet18, pretrained=False, metrics=fv.error_rate)
    assert cnn.model[-1][-1].out_features == data.c == 3
    head = cnn.model[-1][-1].weight.detach().clone()
    quiet(cnn.fit, 1)
    assert not torch.equal(head, cnn.model[-1][-1].weight.detach().cpu())


@pytest.mark.v2only
def test_it_is_a_fastai2_dataloaders(notebook_data, seedlings):
    from fastai.data.core import DataLoaders, Datasets
    assert isinstance(notebook_data, DataLoaders) and len(notebook_data.loaders) == 3
    assert isinstance(notebook_data.valid_ds, Datasets)        # so fastai 2's test_dl / predict work
    assert list(notebook_data.vocab) == notebook_data.classes
    learn = quiet(fv.cnn_learner, notebook_data, fv.models.resnet18, pretrained=False)
    item = sorted(seedlings[1].iterdir())[0]
    pred, idx, probs = quiet(learn.predict, item)
    assert str(pred) in CLASSES_12 and probs.shape == (12,)
    dl = notebook_data.test_dl([item])
    assert dl.one_batch()[0].shape == (1, 3, 128, 128)
    assert type(notebook_data.new_empty()) is fv.ImageDataBunch


@pytest.mark.v2only
def test_building_data_changes_nothing_in_fastai(seedlings):
    "Building, normalizing, printing and batching the data leaves every fastai / fastcore / torch name as it was."
    def snapshot():
        state = {}
        for n, m in sorted(sys.modules.items()):
            if m is None or n.split(".")[0] not in ("fastai", "fastcore", "fasttransform", "torch", "torchvision"):
                continue
            for k, v in list(vars(m).items()):
                state[(n, k)] = id(v)
                if isinstance(v, type) and v.__module__ == n:
                    for a, w in list(vars(v).items()): state[(n, k, a)] = id(w)
        return state
    from fastai.vision.all import Learner  # noqa: F401  (everything of fastai imported before the snapshot)
    before = snapshot()
    fv.np.random.seed(1)
    data = fv.ImageDataBunch.from_folder(seedlings[0], test=seedlings[1], ds_tfms=fv.get_transforms(), valid_pct=0.25,
                                         size=32, bs=8, num_workers=0)
    data.normalize(fv.imagenet_stats)
    repr(data), data.one_batch(), data.valid_ds[0], data.fix_dl.one_batch()
    after = snapshot()
    assert [k for k in before if k in after and before[k] != after[k]] == []


@pytest.mark.v2only
def test_bridged_api_warns_with_the_native_way(good):
    with pytest.warns(fv.FastaiV1APIWarning, match=r"Native fastai 2: `aug_transforms"):
        tfms = fv.get_transforms()
    with pytest.warns(fv.FastaiV1APIWarning, match=r"Native fastai 2: `ImageDataLoaders.from_folder"):
        fv.ImageDataBunch.from_folder(good, ds_tfms=tfms, valid_pct=0.25, size=32, bs=4, num_workers=0)


# -- bad input ------------------------------------------------------------------------------------------
def raises_like_v1(case, f, v2_type, match):
    """On fastai 1.x: real v1 raises the type it recorded. On fastai 2: `v2_type`, which is (a subclass of) the
    type fastai 1.0.61 raised, with a message naming the problem (`match`)."""
    rec = REC["bad_input"][case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as e:
            f()
    names = [c.__name__ for c in type(e.value).__mro__]
    assert rec["type"] in names, (type(e.value), str(e.value))
    if not fv.IS_V1:
        assert type(e.value) is v2_type, (type(e.value), str(e.value))
        assert e.match(match)
    return e.value


KW = dict(valid_pct=0.25, size=32, bs=4, num_workers=0)


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    return make_image_folder(tmp_path_factory.mktemp("data_bad"), classes=CLASSES_12[:3], per_class=4)


def test_missing_folder(tmp_path):
    raises_like_v1("missing_folder", lambda: fv.ImageDataBunch.from_folder(tmp_path / "nope", **KW), AssertionError,
                   "nope is not a valid directory")


def test_folder_without_images(tmp_path):
    (tmp_path / "empty" / "a").mkdir(parents=True)
    (tmp_path / "empty" / "a" / "notes.txt").write_text("not an image")
    raises_like_v1("no_images", lambda: fv.ImageDataBunch.from_folder(tmp_path / "empty", **KW), ValueError,
                   "no image files found under .*empty")


@pytest.mark.v2only
def test_one_class_is_refused(tmp_path):
    # fastai v1 silently built a one-class DataBunch (recorded: no exception); the package refuses it.
    assert REC["bad_input"]["one_class"] is None
    one = make_image_folder(tmp_path, classes=CLASSES_12[:1], per_class=4)
    with pytest.raises(ValueError, match="found only one class"):
        fv.ImageDataBunch.from_folder(one, **KW)
    flat = tmp_path / "flat"
    make_flat_images(flat, 4)
    with pytest.raises(ValueError, match="images are directly in .*flat.*parent folder"):
        fv.ImageDataBunch.from_folder(flat, **KW)


@pytest.mark.v2only
def test_corrupt_image_is_reported_by_the_factory(tmp_path):
    # fastai v1 raised this (an OSError: PIL's UnidentifiedImageError) only when a batch reached the file.
    import PIL
    rec = REC["bad_input"]["corrupt_image_when_iterated"]
    assert rec["type"] == "UnidentifiedImageError" and "OSError" in rec["mro"]
    cor = make_image_folder(tmp_path, classes=CLASSES_12[:3], per_class=4)
    (cor / CLASSES_12[0] / "broken.png").write_bytes(b"not an image")
    with pytest.raises(PIL.UnidentifiedImageError, match="broken.png.*verify_images"):
        fv.ImageDataBunch.from_folder(cor, **KW)
    assert fv.ImageDataBunch.from_folder(cor, no_check=True, **dict(KW, valid_pct=0.)).c == 3   # opt-out


@pytest.mark.parametrize("case,kw", [("size=-3", dict(size=-3)), ("size=2.5", dict(size=2.5)),
                                     ("size='a'", dict(size="a"))])
def test_bad_size(good, case, kw):
    raises_like_v1(case, lambda: fv.ImageDataBunch.from_folder(good, **dict(KW, **kw)).one_batch(), ValueError,
                   "size should be a positive integer")


@pytest.mark.parametrize("case,kw", [("bs=0", dict(bs=0)), ("bs=-1", dict(bs=-1)), ("bs=2.5", dict(bs=2.5))])
def test_bad_batch_size(good, case, kw):
    raises_like_v1(case, lambda: fv.ImageDataBunch.from_folder(good, **dict(KW, **kw)), ValueError,
                   "bs should be a positive integer")


@pytest.mark.v2only
def test_size_zero_and_bool_are_refused(good):
    # v1 treated size=0 as "no resizing" (it tested `if size`); here it is an error like any size < 1.
    for size in (0, True):
        with pytest.raises(ValueError, match="size should be a positive integer"):
            fv.ImageDataBunch.from_folder(good, **dict(KW, size=size))


def test_unknown_keyword(good):
    raises_like_v1("unknown_keyword", lambda: fv.ImageDataBunch.from_folder(good, foo=1, **KW), TypeError,
                   "unexpected keyword argument 'foo'")


@pytest.mark.v2only
def test_bad_valid_pct_and_missing_train_folder(good):
    for pct in (1.5, -0.1, "0.2"):
        with pytest.raises(ValueError, match="valid_pct should be a fraction"):
            fv.ImageDataBunch.from_folder(good, **dict(KW, valid_pct=pct))
    with pytest.raises(ValueError, match="no images in .*train.*valid_pct=0.2"):
        fv.ImageDataBunch.from_folder(good, size=32, bs=4, num_workers=0)
