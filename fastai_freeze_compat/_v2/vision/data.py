"""fastai v1's ``ImageDataBunch`` (``fastai/vision/data.py``, ``fastai/basic_data.py``) on fastai 2.

The factories are v1's data block chains (``ImageList.from_folder(path).split_by_folder().label_from_folder()``
and so on, ``data_block.py``), so the items, splits, classes and warnings are the data block API's, which are
v1's. Image inputs with class labels then load through fastai 2 pipelines: the ``ImageDataBunch`` *is* a
fastai 2 ``DataLoaders`` (train, valid and, with ``test=``, a test loader of fastai 2 ``TfmdDL`` shuffled as
v1: torch's ``RandomSampler``, so ``torch.manual_seed`` gives v1's batch order), and fastai 2's ``Learner``
and every ``DataLoaders`` method work with it. The other chains (several label columns, ``dl_tfms``,
``collate_fn``, ``tfm_y``, another ``item_cls``) give v1's data block ``DataBunch``, as v1's
``create_from_ll`` did. What v1 notebooks touch is v1's: ``get_transforms`` (``transform.py``), ``normalize``
(explicit only; nothing is ever normalized behind your back), ``classes`` / ``c``, ``train_ds`` /
``valid_ds`` / ``test_ds`` as v1 ``LabelList`` views (``_views.py``), ``label_list`` (the chain's
``LabelLists``, which ``save`` writes), ``one_batch`` (denormalized, on the CPU), ``show_batch(rows=...)``,
``batch_size``, ``dl(DatasetType...)``, ``add_test``, ``export`` / ``load_empty`` (v1's state of the
validation set, read back as a data block ``DataBunch``) and v1's ``repr``.

``data.test_dl`` stays fastai 2's method (``learn.predict`` calls it); v1's test loader is
``data.dl(DatasetType.Test)``.
"""
import numbers
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from fastai.data.core import DataLoaders, Datasets, TfmdDL, TfmdLists
from fastai.data.transforms import Categorize, IntToFloatTensor, MultiCategorize, Normalize, OneHotEncode
from fastai.torch_core import default_device, defaults, to_detach
from fastai.vision.core import PILImage, ToTensor

from ..._warn import warn_bridged
from ..basic_data import DataBunch, DatasetType, V1Shuffle, v1_sanity_draw
from ._views import LabelListView
from ..data_block import (CategoryList, CategoryListBase, _check_n_labels, _excluded_names,
                          _missing_folder, check_images, get_files, image_extensions, list_folder, re_with_group)
from .image import RandTransform
from .transform import checked_tfms, split_tfms

__all__ = ["ImageDataBunch", "get_image_files", "normalize", "denormalize", "normalize_funcs", "channel_view",
           "ImageList", "ImageImageList", "SegmentationItemList", "SegmentationLabelList", "SegmentationProcessor",
           "PointsItemList", "PointsLabelList", "PointsProcessor", "ObjectItemList", "ObjectCategoryList",
           "ObjectCategoryProcessor", "get_annotations", "bb_pad_collate", "verify_image", "verify_images", "resize_to"]

# create_from_ll's keywords in v1 1.0.61, which every factory passes on.
_LOADER_KWARGS = ("bs", "val_bs", "ds_tfms", "num_workers", "dl_tfms", "device", "test", "collate_fn", "size",
                  "no_check", "resize_method", "mult", "padding_mode", "mode", "tfm_y")


def get_image_files(c, check_ext=True, recurse=False):
    "Return list of files in `c` that are images. `check_ext` will filter to `image_extensions`."
    # fastai 2's get_image_files recurses by default and follows links; v1's does neither.
    return get_files(c, extensions=(image_extensions if check_ext else None), recurse=recurse)


def normalize(x, mean, std):
    "Normalize `x` with `mean` and `std`."
    return (x - mean[..., None, None]) / std[..., None, None]


def denormalize(x, mean, std, do_x=True):
    "Denormalize `x` with `mean` and `std`."
    return x.cpu().float() * std[..., None, None] + mean[..., None, None] if do_x else x.cpu()


# -- input checks ---------------------------------------------------------------------------------
def _check_positive_int(name, v, hint):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
        raise ValueError(f"{name} should be a positive integer, got {v!r}: {hint}")


def _check_size(size):
    if size is None: return
    hint = ("the side of the square images, e.g. size=224, or (height, width); leave it out to keep each "
            "image's own size")
    if isinstance(size, (tuple, list)):
        if len(size) != 2: raise ValueError(f"size should be an int or a (height, width) pair, got {size!r}")
        for s in size: _check_positive_int("size", s, hint)
    else: _check_positive_int("size", size, hint)


def _check_valid_pct(valid_pct):
    if isinstance(valid_pct, bool) or not isinstance(valid_pct, numbers.Real) or not 0 <= valid_pct < 1:
        raise ValueError(f"valid_pct should be a fraction in [0, 1), got {valid_pct!r}: e.g. valid_pct=0.2 puts "
                         "20% of the images in the validation set")


def _check_loader_kwargs(factory, kwargs):
    unknown = [k for k in kwargs if k not in _LOADER_KWARGS]
    if unknown:
        raise TypeError(f"ImageDataBunch.{factory}() got an unexpected keyword argument {unknown[0]!r} (as in "
                        f"fastai v1, the factories take {', '.join(_LOADER_KWARGS)})")


# -- the data object -------------------------------------------------------------------------------------
class _ImageDataBunchType(type):
    """v1's data block image data is an `ImageDataBunch` (`ImageList._bunch`); the package builds it as a
    `DataBunch` of v1 loaders (`_ImageDataBunch`), so `isinstance(data, ImageDataBunch)` holds for it too."""
    def __instancecheck__(cls, obj):
        return type.__instancecheck__(cls, obj) or (cls is ImageDataBunch and isinstance(obj, _ImageDataBunch))

    def __subclasscheck__(cls, sub):
        return type.__subclasscheck__(cls, sub) or (cls is ImageDataBunch and issubclass(sub, _ImageDataBunch))


class ImageDataBunch(DataLoaders, metaclass=_ImageDataBunchType):
    "DataBunch suitable for computer vision (fastai v1 API), a fastai 2 `DataLoaders`."

    # -- factories (v1's signatures and v1's data block chains) ----------------------------------
    @classmethod
    def from_folder(cls, path, train="train", valid="valid", test=None, valid_pct=None, seed=None, classes=None,
                    **kwargs):
        "Create from imagenet style dataset in `path` with `train`,`valid`,`test` subfolders (or provide `valid_pct`)."
        warn_bridged("name.ImageDataBunch")
        _check_loader_kwargs("from_folder", kwargs)
        path = Path(path)
        if not path.is_dir(): raise _missing_folder(path, "path")
        # v1 1.0.61: ImageList.from_folder(path, exclude=test)
        il = _non_empty(ImageList.from_folder(path, exclude=_excluded_names(path, test)), path)
        if valid_pct is None:
            if not il._get_by_folder(str(train)):
                raise ValueError(f"no images in {path / str(train)}: without valid_pct, from_folder expects "
                                 f"{path}/{train}/<class>/<image> and {path}/{valid}/<class>/<image>; to split the "
                                 "images under path at random instead, pass e.g. valid_pct=0.2")
            src = il.split_by_folder(train=str(train), valid=str(valid))
        else:
            _check_valid_pct(valid_pct)
            src = il.split_by_rand_pct(valid_pct, seed)
        return cls._from_ll(src.label_from_folder(classes=classes), test=test, **kwargs)

    @classmethod
    def from_df(cls, path, df, folder=None, label_delim=None, valid_pct=0.2, seed=None, fn_col=0, label_col=1,
                suffix="", **kwargs):
        "Create from a `DataFrame` `df`."
        warn_bridged("name.ImageDataBunch.from_df")
        return cls._from_df(path, df, folder, label_delim, valid_pct, seed, fn_col, label_col, suffix, **kwargs)

    @classmethod
    def _from_df(cls, path, df, folder=None, label_delim=None, valid_pct=0.2, seed=None, fn_col=0, label_col=1,
                 suffix="", factory="from_df", **kwargs):
        _check_loader_kwargs(factory, kwargs)
        path = Path(path)
        _check_valid_pct(valid_pct)
        il = _non_empty(ImageList.from_df(df, path=path, folder=folder, suffix=suffix, cols=fn_col), path)
        first = df.iloc[:1, df_names_to_idx(label_col, df)].values.reshape(-1)
        if label_delim is None and len(first) == 1 and isinstance(first[0], (float, np.floating)):
            # v1 labelled them with a FloatList, which then failed on `label_delim=` (TypeError)
            raise TypeError(f"ImageDataBunch.{factory}() takes class labels, but column(s) {label_col!r} hold floats "
                            "(fastai v1's factory raised TypeError for them too). For regression use the data block "
                            "API: `ImageList.from_df(df, path).split_by_rand_pct().label_from_df(cols=...)"
                            ".databunch()`, which labels them with a FloatList")
        lls = il.split_by_rand_pct(valid_pct, seed).label_from_df(label_delim=label_delim, cols=label_col)
        return cls._from_ll(lls, **kwargs)

    @classmethod
    def from_csv(cls, path, folder=None, label_delim=None, csv_labels="labels.csv", valid_pct=0.2, seed=None,
                 fn_col=0, label_col=1, suffix="", delimiter=None, header="infer", **kwargs):
        "Create from a csv file in `path/csv_labels`."
        warn_bridged("name.ImageDataBunch.from_csv")
        _check_loader_kwargs("from_csv", kwargs)
        path = Path(path)
        df = pd.read_csv(path / csv_labels, header=header, delimiter=delimiter)
        return cls._from_df(path, df, folder=folder, label_delim=label_delim, valid_pct=valid_pct, seed=seed,
                            fn_col=fn_col, label_col=label_col, suffix=suffix, factory="from_csv", **kwargs)

    @classmethod
    def from_lists(cls, path, fnames, labels, valid_pct=0.2, seed=None, item_cls=None, **kwargs):
        "Create from list of `fnames` in `path`."
        warn_bridged("name.ImageDataBunch.from_lists")
        fnames, labels = list(fnames), list(labels)
        # v1 zipped them and failed later with a KeyError on the first file without a label
        _check_n_labels(len(labels), len(fnames), "labels")
        fname2label = {f: l for (f, l) in zip(fnames, labels)}
        return cls._from_name_func(path, fnames, lambda x: fname2label[x], valid_pct=valid_pct, seed=seed,
                                   item_cls=item_cls, factory="from_lists", **kwargs)

    @classmethod
    def from_name_func(cls, path, fnames, label_func, valid_pct=0.2, seed=None, **kwargs):
        "Create from list of `fnames` in `path` with `label_func`."
        warn_bridged("name.ImageDataBunch.from_name_func")
        return cls._from_name_func(path, fnames, label_func, valid_pct=valid_pct, seed=seed, **kwargs)

    @classmethod
    def _from_name_func(cls, path, fnames, label_func, valid_pct=0.2, seed=None, item_cls=None,
                        factory="from_name_func", **kwargs):
        _check_loader_kwargs(factory, kwargs)
        path = Path(path)
        _check_valid_pct(valid_pct)
        il = _non_empty((ImageList if item_cls is None else item_cls)(list(fnames), path=path), path)
        return cls._from_ll(il.split_by_rand_pct(valid_pct, seed).label_from_func(label_func), **kwargs)

    @classmethod
    def from_name_re(cls, path, fnames, pat, valid_pct=0.2, **kwargs):
        "Create from list of `fnames` in `path` with re expression `pat`."
        warn_bridged("name.ImageDataBunch.from_name_re")
        pat = re_with_group(pat, "from_name_re")

        def _get_label(fn):
            if isinstance(fn, Path): fn = fn.as_posix()
            res = pat.search(str(fn))
            if not res: raise AssertionError(f'Failed to find "{pat}" in "{fn}"')
            return res.group(1)
        return cls._from_name_func(path, fnames, _get_label, valid_pct=valid_pct, factory="from_name_re", **kwargs)

    @classmethod
    def _from_ll(cls, lls, bs=64, val_bs=None, ds_tfms=None, num_workers=None, dl_tfms=None, device=None, test=None,
                 collate_fn=None, size=None, no_check=False, resize_method=None, mult=None, padding_mode="reflection",
                 mode="bilinear", tfm_y=False):
        """v1's `create_from_ll` for the factories' `LabelLists`: image inputs with class labels load through fastai 2
        pipelines (`TfmdDL`, shuffled as v1); the others (several label columns, `dl_tfms`, `collate_fn`, `tfm_y`,
        another `item_cls`) make v1's data block `DataBunch`, as `ImageDataBunch.create_from_ll` does."""
        _check_positive_int("bs", bs, "the number of images per batch, e.g. bs=64")
        if val_bs is not None: _check_positive_int("val_bs", val_bs, "the validation batch size (default: bs)")
        _check_size(size)
        if num_workers is not None and (isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral)
                                        or num_workers < 0):
            raise ValueError(f"num_workers should be a non-negative integer, got {num_workers!r}")
        ds_tfms = (None, None) if not ds_tfms else ds_tfms
        if not isinstance(ds_tfms, (tuple, list)) or len(ds_tfms) != 2:
            raise ValueError("ds_tfms should be a pair (train transforms, valid transforms), as `get_transforms()` "
                             f"returns; got {type(ds_tfms).__name__} {ds_tfms!r:.80}")
        path = lls.path
        _check_classes(path, lls)
        tfm_kw = dict(size=size, resize_method=resize_method, mult=mult, padding_mode=padding_mode, mode=mode)
        x, y = lls.train.x, lls.train.y
        classes_y = type(y) is CategoryList or (type(y) is MultiCategoryList and not y.one_hot)
        if not (type(x) is ImageList and classes_y and dl_tfms is None and collate_fn is None and not tfm_y):
            return _create_from_ll(_ImageDataBunch, lls, bs=bs, val_bs=val_bs, ds_tfms=ds_tfms,
                                   num_workers=num_workers, dl_tfms=dl_tfms, device=device, test=test,
                                   collate_fn=data_collate if collate_fn is None else collate_fn, no_check=no_check,
                                   tfm_y=tfm_y, **tfm_kw)
        tfms = [checked_tfms(t) for t in ds_tfms]
        # one copy of the transforms per loader (normalize then adds to each loader once)
        # the validation (and test) pixels through v1's own arithmetic: the same as an exported learner's
        (t_item, t_batch), (v_item, v_batch) = split_tfms(tfms[0], **tfm_kw), split_tfms(tfms[1], v1_pixels=True,
                                                                                          **tfm_kw)
        test_items = None
        if test is not None: test_items = list_folder(path / test, what="the test folder")
        items = list(lls.train.x.items) + list(lls.valid.x.items)
        if not no_check:
            check_images(items)
            if test_items: check_images(test_items, "test image")
        # v1's LabelLists keep the v1 transforms (what `data.save()` writes)
        lls.transform(tfms=[[t for t in l if isinstance(t, RandTransform)] for l in tfms], tfm_y=False, **tfm_kw)

        # fastai 2 datasets: one TfmdLists of images, one of labels, split as v1's chain split them.
        classes, multi = list(y.classes), isinstance(y, MultiCategoryList)
        def names(yl): return [[classes[i] for i in o] for o in yl.items] if multi else [classes[i] for i in yl.items]
        n_train = len(lls.train.x.items)
        splits = [list(range(n_train)), list(range(n_train, len(items)))]
        x_tl = TfmdLists(items, [PILImage.create], splits=splits)
        y_tfms = [MultiCategorize(vocab=classes), OneHotEncode(len(classes))] if multi else \
            [Categorize(vocab=classes, sort=False)]
        y_tl = TfmdLists(names(lls.train.y) + names(lls.valid.y), y_tfms, splits=splits)
        dsets = Datasets(tls=[x_tl, y_tl], n_inp=1)
        device = default_device() if device is None else torch.device(device)
        if num_workers is None: num_workers = defaults.cpus
        val_bs = bs if val_bs is None else val_bs

        def loader(ds, bs, train, item, batch):
            return _TfmdDL(ds, bs=bs, shuffle=train, drop_last=train, num_workers=num_workers, device=device,
                           after_item=item + [ToTensor()], after_batch=[IntToFloatTensor()] + batch)
        loaders = [loader(dsets.subset(0), bs, True, t_item, t_batch),
                   loader(dsets.subset(1), val_bs, False, v_item, v_batch)]
        res = cls(*loaders, path=path, device=device)
        res.label_list = lls
        if test_items is not None: res.add_test(test_items)
        res._v1_train_tfms = tfms[0]     # v1's training transforms, which v1's TTA reads
        # v1's validation transforms and `transform` arguments, which an export keeps (`_v1_export_state`)
        res._v1_valid_tfms, res._v1_tfmargs = tfms[1], tfm_kw
        if not no_check: v1_sanity_draw(res.train)   # v1's DataBunch checked a first batch: one draw from torch
        return res

    def save(self, file="data_save.pkl"):
        """Save the data in `self.path/file` as v1 did: its data block `LabelLists` (`load_data(path, file)` reads it
        back as a data block `DataBunch`). `file` can be file-like (file or buffer)."""
        self._write(self.label_list, file)

    def _write(self, state, file):
        "`state` to `self.path/file` (or the file-like `file`), all or nothing."
        from .._checkpoint import save_checkpoint
        from ..core import is_pathlike
        save_checkpoint(state, Path(self.path) / file if is_pathlike(file) else file)

    def _v1_export_state(self):
        """What v1's `data.valid_ds.get_state(normalize=...)` held for this factory's data: `ImageList` inputs,
        `CategoryList` / `MultiCategoryList` labels with their classes, the validation transforms and arguments
        (v1's factories were data block chains), for `learn.export()`."""
        from types import SimpleNamespace
        from ..data_block import CategoryList, CategoryProcessor, MultiCategoryList, MultiCategoryProcessor
        multi = self._multi
        y_cls, proc_cls = (MultiCategoryList, MultiCategoryProcessor) if multi else (CategoryList, CategoryProcessor)
        proc = proc_cls(SimpleNamespace(classes=list(self.classes)))
        tfms = list(getattr(self, "_v1_valid_tfms", None) or [])
        tfmargs = {k: v for k, v in getattr(self, "_v1_tfmargs", {}).items() if v is not None}
        state = {"x_cls": ImageList, "x_proc": [], "y_cls": y_cls, "y_proc": [proc], "tfms": tfms, "tfm_y": False,
                 "tfmargs": tfmargs}
        if self._normalizer() is not None:
            mean, std = (torch.as_tensor(np.array(s, dtype=np.float32)).view(-1) for s in self.stats)
            state["normalize"] = {"mean": mean, "std": std, "do_x": True, "do_y": False}
        return state

    def export(self, file="export.pkl"):
        """Export the minimal state of `self` for inference in `self.path/file` (v1's state of the validation set:
        `ImageDataBunch.load_empty(path)` reads it back as a data block `DataBunch`). `file` can be file-like."""
        self._write(self._v1_export_state(), file)

    # v1's `DataBunch.load_empty`: an empty data block `DataBunch` from the file (v1's, or `data.export()`'s)
    load_empty = classmethod(DataBunch.load_empty.__func__)

    # -- v1's attributes --------------------------------------------------------------------------
    def _view(self, dl):
        if dl is None: return None
        return LabelListView(dl.dataset, after_item=dl.after_item, path=self.path, multi=self._multi)

    @property
    def _multi(self):
        tls = self.train.dataset.tls
        return len(tls) > 1 and any(isinstance(t, MultiCategorize) for t in tls[1].tfms.fs)

    @property
    def train_ds(self):
        "The training set, as v1's `LabelList` (`.x.items`, `.y`, `(Image, Category)` items)."
        return self._view(self.train)

    @property
    def valid_ds(self):
        "The validation set, as v1's `LabelList`."
        return self._view(self.valid)

    @property
    def test_ds(self):
        "The test set (unlabelled: `y` is an `EmptyLabelList`), as v1's `LabelList`, or None."
        return self._view(self.loaders[2]) if len(self.loaders) > 2 else None

    @property
    def single_ds(self):
        "The dataset `one_item` reads (v1: the validation set's `LabelList`)."
        return self.valid_ds

    @property
    def x(self):
        "v1's `data.x`: the training set's inputs (v1's `DataBunch` read unknown attributes from its training set)."
        return self.train_ds.x

    @property
    def y(self):
        "v1's `data.y`: the training set's labels, a v1 `CategoryList`."
        return self.train_ds.y

    def one_item(self, item, detach=False, denorm=False, cpu=False):
        """Get `item` (a v1 `Image`) into a batch of one, through the validation set's transforms: `(xb, yb)`, `yb`
        v1's empty label (0). The image goes through the loader as 8-bit pixels (as opened from its file)."""
        from fastai.torch_core import to_device
        from .image import Image
        if not isinstance(item, Image):
            raise TypeError(f"one_item / predict take a v1 Image (`open_image(fn)` or `data.valid_ds[i][0]`), got "
                            f"{type(item).__name__}: open it first, e.g. `learn.predict(open_image(fn))`")
        dl = self.valid
        px = item.px.detach().cpu().float()
        a = (px * 255).round().clamp(0, 255).byte().permute(1, 2, 0).numpy()
        pil = PILImage.create(a if a.shape[2] != 1 else a[..., 0])
        b = dl.create_batch([dl.after_item((pil,))])
        xb = dl.after_batch(to_device(b, dl.device))[0]
        yb = torch.zeros(1, dtype=torch.long, device=xb.device)
        if detach: xb, yb = to_detach(xb, cpu=cpu), to_detach(yb, cpu=cpu)
        if denorm and self._normalizer() is not None: xb = self.denorm(xb)
        return xb, yb

    @property
    def train_dl(self): return self.train
    @property
    def valid_dl(self): return self.valid
    @valid_dl.setter
    def valid_dl(self, v): self.loaders[1] = v

    @property
    def fix_dl(self):
        "The training set in order, with the validation transforms (v1's `fix_dl`)."
        ds = self.train.dataset
        return self.valid.new(Datasets(tls=[tl._new(tl.items, split_idx=1) for tl in ds.tls], n_inp=ds.n_inp))

    def add_test(self, items, label=None, tfms=None, tfm_y=None):
        """Add the `items` (file names, or an `ImageList`) as the test set, unlabelled (v1's `EmptyLabel`), through
        the validation set's transforms; it replaces a test set the factory made (`test=`)."""
        for k, v in (("label", label), ("tfms", tfms), ("tfm_y", tfm_y)):
            if v not in (None, False):
                raise NotImplementedError(f"add_test({k}=...) is not bridged on the factory ImageDataBunch: its test set "
                                          "is unlabelled, through the validation transforms; the data block API "
                                          "(`ImageList...databunch().add_test(items, label=...)`) has it")
        items = list(getattr(items, "items", items))
        if getattr(self, "label_list", None) is not None: self.label_list.add_test(items)   # what `save` writes
        x_tl = self.valid.dataset.tls[0]
        dl = self.valid.new(Datasets(tls=[x_tl._new(items, split_idx=1)], n_inp=1))
        if len(self.loaders) > 2: self.loaders[2] = dl
        else: self.loaders.append(dl)

    def dl(self, ds_type=DatasetType.Valid):
        "Returns an appropriate `DataLoader` with a dataset for validation, training, or test (`ds_type`)."
        if ds_type == DatasetType.Train: return self.train
        if ds_type == DatasetType.Valid: return self.valid
        if ds_type == DatasetType.Test: return self.loaders[2] if len(self.loaders) > 2 else None
        if ds_type == DatasetType.Single: return self.valid.new(bs=1, num_workers=0)
        if ds_type == DatasetType.Fix: return self.fix_dl
        raise ValueError(f"ds_type should be a DatasetType (e.g. DatasetType.Valid), got {ds_type!r}")

    @property
    def classes(self):
        "The class names, in the order of the model's outputs."
        return list(self.train.dataset.tls[1].vocab)

    @property
    def c(self):
        "The number of classes."
        return len(self.classes)

    @property
    def loss_func(self):
        "The loss function v1 picked for these targets (cross entropy, or BCE with logits for multi-label)."
        return self.train.dataset.loss_func

    @property
    def batch_size(self): return self.train.bs

    @batch_size.setter
    def batch_size(self, v):
        _check_positive_int("batch_size", v, "the number of images per batch")
        for dl in self.loaders: dl.bs = v

    # -- normalization (explicit only) ------------------------------------------------------------------
    def _normalizer(self):
        return next((t for t in self.train.after_batch.fs if isinstance(t, Normalize)), None)

    @property
    def norm(self):
        "The fastai 2 `Normalize` batch transform that `normalize` added, or None."
        return self._normalizer()

    def batch_stats(self, funcs=None, ds_type=DatasetType.Train):
        "Grab a batch of data and call reduction function `func` per channel"
        funcs = [torch.mean, torch.std] if funcs is None else funcs
        x = self.one_batch(ds_type=ds_type, denorm=False)[0].cpu().as_subclass(torch.Tensor)
        x = x.transpose(0, 1).contiguous().view(x.shape[1], -1)
        return [func(x, 1) for func in funcs]

    def normalize(self, stats=None, do_x=True, do_y=False):
        "Add normalize transform using `stats` (defaults to `DataBunch.batch_stats`)"
        if self._normalizer() is not None:
            raise Exception("Can not call normalize twice: this ImageDataBunch is already normalized "
                            f"(stats {self.stats!r}); build it again to normalize with other stats")
        if stats is None: stats = self.batch_stats()
        if not isinstance(stats, (tuple, list)) or len(stats) != 2:
            raise ValueError(f"normalize takes stats as (mean, std), one value per channel, e.g. fv.imagenet_stats; "
                             f"got {stats!r:.80}")
        mean, std = [torch.as_tensor(np.array(s, dtype=np.float32)).view(1, -1, 1, 1) for s in stats]
        if mean.numel() != std.numel():
            raise ValueError(f"normalize got {mean.numel()} means but {std.numel()} standard deviations")
        self.stats = stats
        if do_x:
            norm = Normalize(mean, std)
            for dl in self.loaders:
                if norm not in dl.after_batch.fs: dl.after_batch.add(norm)
                dl.device = dl.device   # puts the new transform's mean/std on the loader's device
        return self

    @property
    def stats(self):
        "The `(mean, std)` passed to `normalize`."
        if "_stats" in self.__dict__: return self.__dict__["_stats"]
        n = self._normalizer()
        return None if n is None else (n.mean.view(-1).tolist(), n.std.view(-1).tolist())

    @stats.setter
    def stats(self, v): self.__dict__["_stats"] = v

    def denorm(self, x, do_x=True):
        "Undo `normalize` on a batch `x` (on the CPU, as v1)."
        n = self._normalizer()
        if n is None or not do_x: return x.cpu()
        return denormalize(x, n.mean.view(-1).cpu(), n.std.view(-1).cpu(), do_x=do_x)

    # -- batches ----------------------------------------------------------------------------------------
    def one_batch(self, ds_type=DatasetType.Train, detach=True, denorm=True, cpu=True):
        "Get one batch from the data loader of `ds_type`. Optionally `detach` and `denorm`."
        dl = self.dl(ds_type)
        if dl is None: raise ValueError(f"this ImageDataBunch has no {ds_type.name} set")
        b = dl.one_batch()
        x = b[0]
        # v1's test set was labelled with EmptyLabel, whose data is 0.
        y = b[1] if len(b) > 1 else torch.zeros(len(x), dtype=torch.long, device=x.device)
        if detach: x, y = to_detach(x, cpu=cpu), to_detach(y, cpu=cpu)
        if denorm and self._normalizer() is not None: x = self.denorm(x)
        return x, y

    def show_batch(self, rows=5, ds_type=DatasetType.Train, reverse=False, **kwargs):
        "Show a batch of data in `ds_type` on a few `rows`."
        if not isinstance(rows, numbers.Integral) or {"b", "max_n", "ctxs", "show", "unique"} & set(kwargs):
            # fastai 2's signature: show_batch(b=None, max_n=9, ctxs=None, show=True, unique=False, **kwargs)
            if not isinstance(rows, numbers.Integral): kwargs["b"] = rows
            return self.dl(ds_type).show_batch(**kwargs)
        dl = self.dl(ds_type)
        b = dl.one_batch()
        if reverse: b = tuple(o.flip(0) for o in b)
        n = min(rows * rows, dl.bs, len(b[0]))
        imgsize = kwargs.pop("imgsize", 4)
        figsize = kwargs.pop("figsize", None) or (imgsize * rows, imgsize * rows)
        return dl.show_batch(b=b, max_n=n, nrows=rows, ncols=rows, figsize=figsize, **kwargs)

    def __repr__(self):
        return (f"{self.__class__.__name__};\n\nTrain: {self.train_ds};\n\nValid: {self.valid_ds};\n\n"
                f"Test: {self.test_ds}")


def _non_empty(il, path):
    if not len(il.items):
        raise ValueError(f"no image files found under {path}: ImageDataBunch expects image files (extensions such "
                         "as .jpg or .png), e.g. from_folder(path) with path/<class>/<image>")
    return il


def _check_classes(path, lls):
    x, y = lls.train.x, lls.train.y
    classes = getattr(y, "classes", None)
    classes = [] if classes is None else list(classes)   # `classes=` may be an array, as in v1
    if not len(x.items):
        raise ValueError(f"the training set is empty: no image under {path} has one of the classes {classes[:5]!r}")
    if isinstance(y, CategoryListBase) and len(classes) < 2:
        hint = ""
        if classes and all(Path(str(o)).parent == Path(path) for o in x.items):
            hint = (f"; the images are directly in {path}, so each got the label {classes[0]!r} (v1 labels an image "
                    "by its parent folder): put them in path/<class>/ folders")
        raise ValueError(f"found only one class ({', '.join(map(str, classes)) or 'none'}) under {path}: a classifier "
                         f"needs at least two classes{hint}")


class _TfmdDL(V1Shuffle, TfmdDL):
    "The factories' fastai 2 loader, shuffled as v1 (torch's `RandomSampler`)."


# == fastai v1's data block API for images (fastai/vision/data.py, 1.0.61, Apache-2.0) =====================
# v1's item lists open files with `open_image` / `open_mask` (v1 `Image` objects, vision/image.py) and apply
# v1's transforms item by item (`LabelList.__getitem__` -> `x.apply_tfms`); the DataBunch is v1's
# (basic_data.py). `ImageDataBunch`'s factories above build these chains and load image/class data through
# fastai 2 pipelines; `ImageDataBunch.create` / `create_from_ll` build the data block's image DataBunch,
# `_ImageDataBunch`.
import collections  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
from functools import partial  # noqa: E402

import PIL  # noqa: E402

from ..core import parallel, subplots  # noqa: E402
from ..core import df_names_to_idx  # noqa: E402
from ..data_block import (ItemList, MultiCategoryList,  # noqa: E402
                          MultiCategoryProcessor, PreProcessor, warn_duplicates)
from ..torch_core import data_collate, tensor  # noqa: E402


def normalize_funcs(mean, std, do_x=True, do_y=False):
    "Create normalize/denormalize func using `mean` and `std`, can specify `do_y` and `device`."
    mean, std = tensor(mean), tensor(std)
    return (partial(_normalize_batch, mean=mean, std=std, do_x=do_x, do_y=do_y),
            partial(denormalize, mean=mean, std=std, do_x=do_x))


def _normalize_batch(b, mean, std, do_x=True, do_y=False):
    "`b` = `x`,`y` - normalize `x` array of imgs and `do_y` optionally `y`."
    x, y = b
    mean, std = mean.to(x.device), std.to(x.device)
    if do_x: x = normalize(x, mean, std)
    if do_y and len(y.shape) == 4: y = normalize(y, mean, std)
    return x, y


def channel_view(x):
    "Make channel the first axis of `x` and flatten remaining axes"
    return x.transpose(0, 1).contiguous().view(x.shape[1], -1)


class _ImageDataBunch(DataBunch):
    "v1's `ImageDataBunch` of the data block API: a v1 `DataBunch` (fastai 2 `DataLoaders`) of images."
    _square_show = True

    def __repr__(self):
        return f"ImageDataBunch;\n\nTrain: {self.train_ds};\n\nValid: {self.valid_ds};\n\nTest: {self.test_ds}"

    def batch_stats(self, funcs=None, ds_type=DatasetType.Train):
        "Grab a batch of data and call reduction function `func` per channel"
        funcs = [torch.mean, torch.std] if funcs is None else funcs
        x = self.one_batch(ds_type=ds_type, denorm=False)[0].cpu()
        return [func(channel_view(x), 1) for func in funcs]

    def normalize(self, stats=None, do_x=True, do_y=False):
        "Add normalize transform using `stats` (defaults to `DataBunch.batch_stats`)"
        if getattr(self, "norm", False): raise Exception("Can not call normalize twice")
        self.stats = self.batch_stats() if stats is None else stats
        self.norm, self.denorm = normalize_funcs(*self.stats, do_x=do_x, do_y=do_y)
        self.add_tfm(self.norm)
        return self


def _create_from_ll(cls, lls, bs=64, val_bs=None, ds_tfms=None, num_workers=None, dl_tfms=None, device=None,
                    test=None, collate_fn=data_collate, size=None, no_check=False, resize_method=None, mult=None,
                    padding_mode="reflection", mode="bilinear", tfm_y=False):
    "Create an `ImageDataBunch` from `LabelLists` `lls` with potential `ds_tfms`."
    lls = lls.transform(tfms=ds_tfms, size=size, resize_method=resize_method, mult=mult, padding_mode=padding_mode,
                        mode=mode, tfm_y=tfm_y)
    if test is not None: lls.add_test_folder(test)
    return lls.databunch(bs=bs, val_bs=val_bs, dl_tfms=dl_tfms, num_workers=num_workers, collate_fn=collate_fn,
                         device=device, no_check=no_check)


_ImageDataBunch.create_from_ll = classmethod(_create_from_ll)
ImageDataBunch.create_from_ll = classmethod(lambda cls, *args, **kwargs: _create_from_ll(_ImageDataBunch, *args, **kwargs))
ImageDataBunch.create = classmethod(lambda cls, *args, **kwargs: _ImageDataBunch.create(*args, **kwargs))
ImageDataBunch.create.__func__.__doc__ = "v1's `DataBunch.create`: an image DataBunch of v1 datasets (data block API)."


def get_annotations(fname, prefix=None):
    "Open a COCO style json in `fname` and returns the lists of filenames (with maybe `prefix`) and labelled bboxes."
    with open(fname) as f: annot_dict = json.load(f)
    id2images, id2bboxes, id2cats = {}, collections.defaultdict(list), collections.defaultdict(list)
    classes = {}
    for o in annot_dict["categories"]:
        classes[o["id"]] = o["name"]
    for o in annot_dict["annotations"]:
        bb = o["bbox"]
        id2bboxes[o["image_id"]].append([bb[1], bb[0], bb[3] + bb[1], bb[2] + bb[0]])
        id2cats[o["image_id"]].append(classes[o["category_id"]])
    for o in annot_dict["images"]:
        if o["id"] in id2bboxes:
            id2images[o["id"]] = ("" if prefix is None else prefix) + o["file_name"]
    ids = list(id2images.keys())
    return [id2images[k] for k in ids], [[id2bboxes[k], id2cats[k]] for k in ids]


def bb_pad_collate(samples, pad_idx=0):
    "Function that collect `samples` of labelled bboxes and adds padding with `pad_idx`."
    if isinstance(samples[0][1], int): return data_collate(samples)
    max_len = max([len(s[1].data[1]) for s in samples])
    bboxes = torch.zeros(len(samples), max_len, 4)
    labels = torch.zeros(len(samples), max_len).long() + pad_idx
    imgs = []
    for i, s in enumerate(samples):
        imgs.append(s[0].data[None])
        bbs, lbls = s[1].data
        if not (bbs.nelement() == 0):
            bboxes[i, -len(lbls):] = bbs
            labels[i, -len(lbls):] = tensor(lbls)
    return torch.cat(imgs, 0), (bboxes, labels)


def resize_to(img, targ_sz, use_min=False):
    "Size to resize to, to hit `targ_sz` at same aspect ratio, in PIL coords (i.e w*h)"
    w, h = img.size
    min_sz = (min if use_min else max)(w, h)
    ratio = targ_sz / min_sz
    return int(w * ratio), int(h * ratio)


def verify_image(file, idx, delete, max_size=None, dest=None, n_channels=3, interp=PIL.Image.BILINEAR, ext=None,
                 img_format=None, resume=False, **kwargs):
    "Check if the image in `file` exists, maybe resize it and copy it in `dest`."
    try:
        # deal with partially broken images as indicated by PIL warnings
        with warnings.catch_warnings():
            warnings.filterwarnings("error")
            try:
                with open(file, "rb") as img_file: PIL.Image.open(img_file)
            except Warning as w:
                if "Possibly corrupt EXIF data" in str(w):
                    if delete:
                        print(f"{file}: Removing corrupt EXIF data")
                        warnings.simplefilter("ignore")
                        PIL.Image.open(file).save(file)
                    else: print(f"{file}: Not removing corrupt EXIF data, pass `delete=True` to do that")
                else: warnings.warn(w)
        img = PIL.Image.open(file)
        imgarr = np.array(img)
        img_channels = 1 if len(imgarr.shape) == 2 else imgarr.shape[2]
        if (max_size is not None and (img.height > max_size or img.width > max_size)) or img_channels != n_channels:
            assert isinstance(dest, Path), "You should provide `dest` Path to save resized image"
            dest_fname = dest / file.name
            if ext is not None: dest_fname = dest_fname.with_suffix(ext)
            if resume and os.path.isfile(dest_fname): return
            if max_size is not None:
                new_sz = resize_to(img, max_size)
                img = img.resize(new_sz, resample=interp)
            if n_channels == 3: img = img.convert("RGB")
            img.save(dest_fname, img_format, **kwargs)
    except Exception as e:
        print(f"{e}")
        if delete: file.unlink()


def verify_images(path, delete=True, max_workers=4, max_size=None, recurse=False, dest=".", n_channels=3,
                  interp=PIL.Image.BILINEAR, ext=None, img_format=None, resume=None, **kwargs):
    "Check if the images in `path` aren't broken, maybe resize them and copy it in `dest`."
    path = Path(path)
    if resume is None and dest == ".": resume = False
    dest = path / Path(dest)
    os.makedirs(dest, exist_ok=True)
    files = get_image_files(path, recurse=recurse)
    func = partial(verify_image, delete=delete, max_size=max_size, dest=dest, n_channels=n_channels, interp=interp,
                   ext=ext, img_format=img_format, resume=resume, **kwargs)
    parallel(func, files, max_workers=max_workers)


def _image_module():
    from . import image
    return image


class ImageList(ItemList):
    "`ItemList` suitable for computer vision."
    _bunch, _square_show, _square_show_res = _ImageDataBunch, True, True
    def __init__(self, *args, convert_mode="RGB", after_open=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.convert_mode, self.after_open = convert_mode, after_open
        self.copy_new += ["convert_mode", "after_open"]
        self.c, self.sizes = 3, {}

    def open(self, fn):
        "Open image in `fn`, subclass and overwrite for custom behavior."
        return _image_module().open_image(fn, convert_mode=self.convert_mode, after_open=self.after_open)

    def get(self, i):
        fn = super().get(i)
        res = self.open(fn)
        self.sizes[i] = res.size
        return res

    @classmethod
    def from_folder(cls, path=".", extensions=None, **kwargs):
        "Get the list of files in `path` that have an image suffix. `recurse` determines if we search subfolders."
        extensions = image_extensions if extensions is None else extensions
        return super().from_folder(path=path, extensions=extensions, **kwargs)

    @classmethod
    def from_df(cls, df, path, cols=0, folder=None, suffix="", **kwargs):
        "Get the filenames in `cols` of `df` with `folder` in front of them, `suffix` at the end."
        suffix = suffix or ""
        warn_duplicates(df.iloc[:, df_names_to_idx(cols, df)], cols)
        res = super().from_df(df, path=path, cols=cols, **kwargs)
        pref = f"{res.path}{os.path.sep}"
        if folder is not None: pref += f"{folder}{os.path.sep}"
        res.items = np.char.add(np.char.add(pref, res.items.astype(str)), suffix)
        return res

    @classmethod
    def from_csv(cls, path, csv_name, header="infer", delimiter=None, **kwargs):
        "Get the filenames in `path/csv_name` opened with `header`."
        path = Path(path)
        df = pd.read_csv(path / csv_name, header=header, delimiter=delimiter)
        return cls.from_df(df, path=path, **kwargs)

    def reconstruct(self, t): return _image_module().Image(t.float().clamp(min=0, max=1))

    def show_xys(self, xs, ys, imgsize=4, figsize=None, **kwargs):
        "Show the `xs` (inputs) and `ys` (targets) on a figure of `figsize`."
        import matplotlib.pyplot as plt
        rows = int(np.ceil(math.sqrt(len(xs))))
        axs = subplots(rows, rows, imgsize=imgsize, figsize=figsize)
        for x, y, ax in zip(xs, ys, axs.flatten()): x.show(ax=ax, y=y, **kwargs)
        for ax in axs.flatten()[len(xs):]: ax.axis("off")
        plt.tight_layout()

    def show_xyzs(self, xs, ys, zs, imgsize=4, figsize=None, **kwargs):
        "Show `xs` (inputs), `ys` (targets) and `zs` (predictions) on a figure of `figsize`."
        if self._square_show_res:
            title = "Ground truth\nPredictions"
            rows = int(np.ceil(math.sqrt(len(xs))))
            axs = subplots(rows, rows, imgsize=imgsize, figsize=figsize, title=title, weight="bold", size=12)
            for x, y, z, ax in zip(xs, ys, zs, axs.flatten()): x.show(ax=ax, title=f"{str(y)}\n{str(z)}", **kwargs)
            for ax in axs.flatten()[len(xs):]: ax.axis("off")
        else:
            title = "Ground truth/Predictions"
            axs = subplots(len(xs), 2, imgsize=imgsize, figsize=figsize, title=title, weight="bold", size=14)
            for i, (x, y, z) in enumerate(zip(xs, ys, zs)):
                x.show(ax=axs[i, 0], y=y, **kwargs)
                x.show(ax=axs[i, 1], y=z, **kwargs)


class ObjectCategoryProcessor(MultiCategoryProcessor):
    "`PreProcessor` for labelled bounding boxes."
    def __init__(self, ds, pad_idx=0):
        super().__init__(ds)
        self.pad_idx = pad_idx
        self.state_attrs.append("pad_idx")

    def process(self, ds):
        ds.pad_idx = self.pad_idx
        super().process(ds)

    def process_one(self, item): return [item[0], [self.c2i.get(o, None) for o in item[1]]]

    def generate_classes(self, items):
        "Generate classes from unique `items` and add `background`."
        classes = super().generate_classes([o[1] for o in items])
        return ["background"] + list(classes)


def _get_size(xs, i):
    size = xs.sizes.get(i, None)
    if size is None:
        # Image hasn't been accessed yet, so we don't know its size
        _ = xs[i]
        size = xs.sizes[i]
    return size


class ObjectCategoryList(MultiCategoryList):
    "`ItemList` for labelled bounding boxes."
    _processor = ObjectCategoryProcessor

    def get(self, i):
        return _image_module().ImageBBox.create(*_get_size(self.x, i), *self.items[i], classes=self.classes,
                                                pad_idx=self.pad_idx)

    def analyze_pred(self, pred): return pred

    def reconstruct(self, t, x):
        (bboxes, labels) = t
        if len((labels - self.pad_idx).nonzero()) == 0: return
        i = (labels - self.pad_idx).nonzero().min()
        bboxes, labels = bboxes[i:], labels[i:]
        return _image_module().ImageBBox.create(*x.size, bboxes, labels=labels, classes=self.classes, scale=False)


class ObjectItemList(ImageList):
    "`ItemList` suitable for object detection."
    _label_cls, _square_show_res = ObjectCategoryList, False


class SegmentationProcessor(PreProcessor):
    "`PreProcessor` that stores the classes for segmentation."
    def __init__(self, ds): self.classes = ds.classes
    def process(self, ds): ds.classes, ds.c = self.classes, len(self.classes)


class SegmentationLabelList(ImageList):
    "`ItemList` for segmentation masks."
    _processor = SegmentationProcessor
    def __init__(self, items, classes=None, **kwargs):
        from fastai.losses import CrossEntropyLossFlat
        super().__init__(items, **kwargs)
        self.copy_new.append("classes")
        self.classes, self.loss_func = classes, CrossEntropyLossFlat(axis=1)

    def open(self, fn): return _image_module().open_mask(fn, after_open=self.after_open)
    def analyze_pred(self, pred, thresh=0.5): return pred.argmax(dim=0)[None]
    def reconstruct(self, t): return _image_module().ImageSegment(t)


class SegmentationItemList(ImageList):
    "`ItemList` suitable for segmentation tasks."
    _label_cls, _square_show_res = SegmentationLabelList, False


class PointsProcessor(PreProcessor):
    "`PreProcessor` that stores the number of targets for point regression."
    def __init__(self, ds): self.c = len(ds.items[0].reshape(-1))
    def process(self, ds): ds.c = self.c


class PointsLabelList(ItemList):
    "`ItemList` for points."
    _processor = PointsProcessor
    def __init__(self, items, **kwargs):
        from fastai.losses import MSELossFlat
        super().__init__(items, **kwargs)
        self.loss_func = MSELossFlat()

    def get(self, i):
        o = super().get(i)
        im = _image_module()
        # v1 kept the points as stored (an object array of float tensors on NumPy 2 breaks its scale_flow)
        return im.ImagePoints(im.FlowField(_get_size(self.x, i), torch.as_tensor(np.asarray(o, dtype=np.float32))),
                              scale=True)

    def analyze_pred(self, pred, thresh=0.5): return pred.view(-1, 2)
    def reconstruct(self, t, x):
        im = _image_module()
        return im.ImagePoints(im.FlowField(x.size, t), scale=False)


class PointsItemList(ImageList):
    "`ItemList` for `Image` to `ImagePoints` tasks."
    _label_cls, _square_show_res = PointsLabelList, False


class ImageImageList(ImageList):
    "`ItemList` suitable for `Image` to `Image` tasks."
    _label_cls, _square_show, _square_show_res = ImageList, False, False

    def show_xys(self, xs, ys, imgsize=4, figsize=None, **kwargs):
        "Show the `xs` (inputs) and `ys`(targets)  on a figure of `figsize`."
        import matplotlib.pyplot as plt
        axs = subplots(len(xs), 2, imgsize=imgsize, figsize=figsize)
        for i, (x, y) in enumerate(zip(xs, ys)):
            x.show(ax=axs[i, 0], **kwargs)
            y.show(ax=axs[i, 1], **kwargs)
        plt.tight_layout()

    def show_xyzs(self, xs, ys, zs, imgsize=4, figsize=None, **kwargs):
        "Show `xs` (inputs), `ys` (targets) and `zs` (predictions) on a figure of `figsize`."
        title = "Input / Prediction / Target"
        axs = subplots(len(xs), 3, imgsize=imgsize, figsize=figsize, title=title, weight="bold", size=14)
        for i, (x, y, z) in enumerate(zip(xs, ys, zs)):
            x.show(ax=axs[i, 0], **kwargs)
            y.show(ax=axs[i, 2], **kwargs)
            z.show(ax=axs[i, 1], **kwargs)
