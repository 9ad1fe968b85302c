"""fastai v1's ``fastai/basic_data.py`` on fastai 2: ``DatasetType``, ``DeviceDataLoader``, ``DataBunch``, ``load_data``.

A ``DataBunch`` *is* a fastai 2 ``DataLoaders`` (``loaders`` = train, valid and, with a test set, test), so
fastai 2's ``Learner`` trains on it; each loader is a :class:`DeviceDataLoader`, a fastai 2 ``DataLoader``
that batches as v1 did: v1's datasets (a ``LabelList`` yields ``(x, y)`` items), v1's collate
(``data_collate``: the items' ``.data``, then torch's ``default_collate``), v1's batch transforms
(``dl_tfms``, applied on the device) and **v1's shuffle**: torch's ``RandomSampler`` on torch's global
generator, with the draws in v1's order (the loader iterator's base seed, then the sampler's seed), so the
same ``torch.manual_seed`` gives real v1's batch order. fastai 2 shuffles with its own Python
``random.Random``; it is not used here, and building a loader leaves Python's ``random`` as it was (v1's
transforms draw from it).

``torch.utils.data.DataLoader`` itself is left alone: v1 patched its ``__init__`` (``intercept_args``) and
``__getattr__`` globally; the package does not monkeypatch (``intercept_args`` is not bridged).
"""
import random
import warnings
from enum import Enum
from pathlib import Path

import torch
import torch.nn.functional as F
from fastai.data.core import DataLoaders
from fastai.data.load import DataLoader
from torch.utils.data import RandomSampler

from .core import defaults, has_arg, is_pathlike, listify, show_some
from .torch_core import data_collate, distrib_barrier, grab_idx, to_detach, try_save

__all__ = ["DatasetType", "DeviceDataLoader", "DataBunch", "load_data"]

#: v1's dataset types (``fastai/basic_data.py``).
DatasetType = Enum("DatasetType", "Train Valid Test Single Fix")


def v1_permutation(n):
    "A shuffled `range(n)` as v1's `RandomSampler` drew it: one seed from torch's global generator, then `randperm`."
    return list(RandomSampler(range(n)))


class V1Shuffle:
    """v1's shuffle for a fastai 2 `DataLoader` (mix it in first): torch's `RandomSampler` on torch's global
    generator, with the draws in v1's order, so the same `torch.manual_seed` gives real v1's batch order.

    fastai 2 seeds its own shuffler (`self.rng`) from Python's `random` when a loader is built and when an
    epoch starts (`randomize`); v1 did neither (its transforms draw from Python's `random`), so both leave
    it as it was."""

    def __init__(self, *args, **kwargs):
        state = random.getstate()   # fastai 2's DataLoader.__init__ draws its shuffler's seed here: v1 did not
        try: super().__init__(*args, **kwargs)
        finally: random.setstate(state)

    def randomize(self): pass   # fastai 2 re-seeds its Python shuffler here; v1's shuffle is torch's

    def get_idxs(self):
        if not self.shuffle:
            self.fake_l.generator = None
            return super().get_idxs()
        # v1 (torch's DataLoader with RandomSampler): the iterator first draws its base seed from the global
        # generator, then the sampler draws its seed. fastai 2's iterator draws its base seed after this call:
        # it draws it here, and the iterator draws from a generator seeded with it.
        base = int(torch.empty((), dtype=torch.int64).random_().item())
        g = torch.Generator()
        g.manual_seed(base)
        self.fake_l.generator = g
        return v1_permutation(self.n)


def v1_sanity_draw(dl):
    """The training indices v1's `DataBunch.sanity_check` read (`next(iter(train_dl.batch_sampler))`): the
    first batch of a `RandomSampler` permutation, which draws one seed from torch's global generator as v1's did."""
    n = len(dl.dataset)
    return (v1_permutation(n) if dl.shuffle else list(range(n)))[:dl.bs]


class DeviceDataLoader(V1Shuffle, DataLoader):
    """Bind a `DataLoader` to a `torch.device` (fastai v1), as a fastai 2 `DataLoader`.

    Batches are `collate_fn` of the items (v1's `data_collate`), put on `device`, then passed through `tfms`;
    shuffled as v1 (`V1Shuffle`)."""
    n_inp = 1   # v1 batches are (x, y)

    def __init__(self, dataset=None, bs=64, shuffle=False, drop_last=False, num_workers=0, device=None, tfms=None,
                 collate_fn=data_collate, batch_size=None, **kwargs):
        if batch_size is not None: bs = batch_size
        self.tfms, self.collate_fn = listify(tfms), collate_fn
        super().__init__(dataset, bs=bs, shuffle=shuffle, drop_last=drop_last, num_workers=num_workers,
                         device=device, **kwargs)

    @classmethod
    def create(cls, dataset, bs=64, shuffle=False, device=None, tfms=None, num_workers=None,
               collate_fn=data_collate, **kwargs):
        "Create DeviceDataLoader from `dataset` with `bs` and `shuffle`: process using `num_workers`."
        num_workers = defaults.cpus if num_workers is None else num_workers
        device = defaults.device if device is None else device
        return cls(dataset, bs=bs, shuffle=shuffle, num_workers=num_workers, device=device, tfms=tfms,
                   collate_fn=collate_fn, **kwargs)

    # -- v1's collate ------------------------------------------------------------------------------
    def create_batch(self, b): return self.collate_fn(b)
    def retain(self, res, b): return res
    def after_batch(self, b):
        for f in self.tfms: b = f(b)
        return b

    def new(self, dataset=None, cls=None, **kwargs):
        "Create a new copy of `self` with `kwargs` replacing current values."
        kwargs = {"tfms": self.tfms, "collate_fn": self.collate_fn, **kwargs}
        if "batch_size" in kwargs: kwargs["bs"] = kwargs.pop("batch_size")
        return super().new(dataset, cls, **kwargs)

    # -- v1's attributes ---------------------------------------------------------------------------
    @property
    def dl(self): return self
    @property
    def batch_size(self): return self.bs
    @batch_size.setter
    def batch_size(self, v):
        self.bs = v
        if hasattr(self.dataset, "bs"): self.dataset.bs = v

    def add_tfm(self, tfm):
        "Add `tfm` to `self.tfms`."
        self.tfms.append(tfm)

    def remove_tfm(self, tfm):
        "Remove `tfm` from `self.tfms`."
        if tfm in self.tfms: self.tfms.remove(tfm)

    def proc_batch(self, b):
        "Process batch `b` of `TensorImage`."
        from .torch_core import to_device
        return self.after_batch(to_device(b, self.device))


def _as_device_dl(dl, device, tfms, collate_fn):
    "v1 wrapped torch `DataLoader`s: take one, or a fastai 2 / v1 loader, as a `DeviceDataLoader`."
    if dl is None or isinstance(dl, DeviceDataLoader): return dl
    if isinstance(dl, torch.utils.data.DataLoader):
        return DeviceDataLoader(dl.dataset, bs=dl.batch_size, shuffle=isinstance(dl.sampler, RandomSampler),
                                drop_last=dl.drop_last, num_workers=dl.num_workers, device=device, tfms=tfms,
                                collate_fn=collate_fn)
    raise TypeError(f"DataBunch takes torch DataLoaders (or DeviceDataLoaders), got {type(dl).__name__}: build it "
                    "with `DataBunch.create(train_ds, valid_ds, bs=...)`")


class DataBunch(DataLoaders):
    "Bind `train_dl`,`valid_dl` and `test_dl` in a data object (fastai v1), a fastai 2 `DataLoaders`."

    def __init__(self, train_dl, valid_dl, fix_dl=None, test_dl=None, device=None, dl_tfms=None, path=".",
                 collate_fn=data_collate, no_check=False):
        self.dl_tfms = listify(dl_tfms)
        self._device = defaults.device if device is None else torch.device(device)
        assert not isinstance(train_dl, DeviceDataLoader) or train_dl.dataset is not None

        def _create_dl(dl, **kwargs):
            if dl is None: return None
            if isinstance(dl, DeviceDataLoader):
                return dl.new(device=self._device, tfms=self.dl_tfms, collate_fn=collate_fn, **kwargs)
            return _as_device_dl(dl, self._device, self.dl_tfms, collate_fn)
        train_dl, valid_dl, fix_dl, test_dl = map(_create_dl, [train_dl, valid_dl, fix_dl, test_dl])
        super().__init__(*[o for o in (train_dl, valid_dl, test_dl) if o is not None], path=path)
        if valid_dl is None: self.loaders.insert(1, None)
        self.fix_dl = train_dl.new(shuffle=False, drop_last=False) if fix_dl is None else fix_dl
        self.single_dl = _create_dl(DeviceDataLoader(valid_dl.dataset if valid_dl is not None else train_dl.dataset,
                                                     bs=1, num_workers=0))
        self.collate_fn = collate_fn
        self.path = Path(path)
        if not no_check: self.sanity_check()

    def __repr__(self):
        return f"{self.__class__.__name__};\n\nTrain: {self.train_ds};\n\nValid: {self.valid_ds};\n\nTest: {self.test_ds}"

    @staticmethod
    def _init_ds(train_ds, valid_ds, test_ds=None):
        # train_ds, but without training tfms
        fix_ds = valid_ds.new(train_ds.x, train_ds.y) if hasattr(valid_ds, "new") else train_ds
        return [o for o in (train_ds, valid_ds, fix_ds, test_ds) if o is not None]

    @classmethod
    def create(cls, train_ds, valid_ds, test_ds=None, path=".", bs=64, val_bs=None, num_workers=None,
               dl_tfms=None, device=None, collate_fn=data_collate, no_check=False, **dl_kwargs):
        "Create a `DataBunch` from `train_ds`, `valid_ds` and maybe `test_ds` with a batch size of `bs`. Passes `**dl_kwargs` to `DataLoader()`"
        datasets = cls._init_ds(train_ds, valid_ds, test_ds)
        val_bs = bs if val_bs is None else val_bs
        num_workers = defaults.cpus if num_workers is None else num_workers
        dls = [DeviceDataLoader(d, bs=b, shuffle=s, drop_last=s, num_workers=num_workers, collate_fn=collate_fn,
                                **dl_kwargs)
               for d, b, s in zip(datasets, (bs, val_bs, val_bs, val_bs), (True, False, False, False)) if d is not None]
        return cls(*dls, path=path, device=device, dl_tfms=dl_tfms, collate_fn=collate_fn, no_check=no_check)

    # -- the loaders (fastai 2's `loaders`: train, valid[, test]) --------------------------------------
    @property
    def train_dl(self): return self.loaders[0]
    @train_dl.setter
    def train_dl(self, v): self.loaders[0] = v
    @property
    def valid_dl(self): return self.loaders[1]
    @valid_dl.setter
    def valid_dl(self, v): self.loaders[1] = v
    @property
    def test_dl(self): return self.loaders[2] if len(self.loaders) > 2 else None
    @test_dl.setter
    def test_dl(self, v):
        if len(self.loaders) > 2: self.loaders[2] = v
        elif v is not None: self.loaders.append(v)

    @property
    def device(self): return self._device
    @device.setter
    def device(self, d):
        for dl in self.dls: dl.to(d)
        self._device = d

    def dl(self, ds_type=DatasetType.Valid):
        "Returns an appropriate `DataLoader` with a dataset for validation, training, or test (`ds_type`)."
        return (self.train_dl if ds_type == DatasetType.Train else
                self.test_dl if ds_type == DatasetType.Test else
                self.valid_dl if ds_type == DatasetType.Valid else
                self.single_dl if ds_type == DatasetType.Single else
                self.fix_dl)

    @property
    def dls(self):
        "Returns a list of all DeviceDataLoaders (v1's order: train, valid, fix, single, test)."
        res = [self.train_dl, self.fix_dl, self.single_dl]
        if self.valid_dl: res.insert(1, self.valid_dl)
        return res if not self.test_dl else res + [self.test_dl]

    def add_tfm(self, tfm):
        for dl in self.dls: dl.add_tfm(tfm)

    def remove_tfm(self, tfm):
        for dl in self.dls: dl.remove_tfm(tfm)

    # -- datasets -------------------------------------------------------------------------------------
    def _grab_dataset(self, dl):
        ds = dl.dataset
        while hasattr(ds, "dataset"): ds = ds.dataset
        return ds

    @property
    def train_ds(self): return self._grab_dataset(self.train_dl)
    @property
    def fix_ds(self): return self._grab_dataset(self.fix_dl)
    @property
    def valid_ds(self): return self._grab_dataset(self.valid_dl)
    @property
    def single_ds(self): return self._grab_dataset(self.single_dl)
    @property
    def test_ds(self): return self._grab_dataset(self.test_dl) if self.test_dl is not None else None

    @property
    def loss_func(self):
        return getattr(self.train_ds.y, "loss_func", F.nll_loss) if hasattr(self.train_ds, "y") else F.nll_loss

    @property
    def classes(self): return self.train_ds.y.classes
    @property
    def c(self): return self.train_ds.y.c

    @property
    def empty_val(self):
        if self.valid_dl is None: return True
        if hasattr(self.valid_ds, "items") and len(self.valid_ds.items) == 0: return True
        return len(self.valid_ds) == 0

    @property
    def is_empty(self):
        return not ((self.train_dl and len(self.train_ds.items) != 0) or
                    (self.valid_dl and len(self.valid_ds.items) != 0) or
                    (self.test_dl and len(self.test_ds.items) != 0))

    @property
    def batch_size(self): return self.train_dl.batch_size
    @batch_size.setter
    def batch_size(self, v):
        self.train_dl.batch_size, self.valid_dl.batch_size = v, v
        if self.test_dl is not None: self.test_dl.batch_size = v

    # -- saving -----------------------------------------------------------------------------------------
    def save(self, file="data_save.pkl"):
        "Save the `DataBunch` in `self.path/file`. `file` can be file-like (file or buffer)"
        if not getattr(self, "label_list", False):
            warnings.warn("Serializing the `DataBunch` only works when you created it using the data block API.")
            return
        try_save(self.label_list, self.path, file)

    def export(self, file="export.pkl"):
        "Export the minimal state of `self` for inference in `self.path/file`. `file` can be file-like (file or buffer)"
        xtra = dict(normalize=self.norm.keywords) if getattr(self, "norm", False) else {}
        try_save(self.valid_ds.get_state(**xtra), self.path, file)

    @classmethod
    def load_empty(cls, path, fname="export.pkl"):
        "Load an empty `DataBunch` from the exported file in `path/fname` with optional `tfms`."
        from .data_block import LabelLists
        return LabelLists.load_empty(path, fn=fname).databunch()

    def add_test(self, items, label=None, tfms=None, tfm_y=None):
        "Add the `items` as a test set. Pass along `label` otherwise label them with `EmptyLabel`."
        self.label_list.add_test(items, label=label, tfms=tfms, tfm_y=tfm_y)
        vdl = self.valid_dl
        self.test_dl = vdl.new(self.label_list.test, shuffle=False, drop_last=False)

    # -- batches ------------------------------------------------------------------------------------------
    def one_batch(self, ds_type=DatasetType.Train, detach=True, denorm=True, cpu=True):
        "Get one batch from the data loader of `ds_type`. Optionally `detach` and `denorm`."
        dl = self.dl(ds_type)
        x, y = dl.one_batch()
        if detach: x, y = to_detach(x, cpu=cpu), to_detach(y, cpu=cpu)
        norm = getattr(self, "norm", False)
        if denorm and norm:
            x = self.denorm(x)
            if norm.keywords.get("do_y", False): y = self.denorm(y, do_x=True)
        return x, y

    def one_item(self, item, detach=False, denorm=False, cpu=False):
        "Get `item` into a batch. Optionally `detach` and `denorm`."
        ds = self.single_ds
        with ds.set_item(item):
            return self.one_batch(ds_type=DatasetType.Single, detach=detach, denorm=denorm, cpu=cpu)

    def show_batch(self, rows=5, ds_type=DatasetType.Train, reverse=False, **kwargs):
        "Show a batch of data in `ds_type` on a few `rows`."
        x, y = self.one_batch(ds_type, True, True)
        if reverse: x, y = x.flip(0), y.flip(0)
        n_items = rows ** 2 if self.train_ds.x._square_show else rows
        if self.dl(ds_type).batch_size < n_items: n_items = self.dl(ds_type).batch_size
        xs = [self.train_ds.x.reconstruct(grab_idx(x, i)) for i in range(n_items)]
        if has_arg(self.train_ds.y.reconstruct, "x"):
            ys = [self.train_ds.y.reconstruct(grab_idx(y, i), x=x) for i, x in enumerate(xs)]
        else: ys = [self.train_ds.y.reconstruct(grab_idx(y, i)) for i in range(n_items)]
        self.train_ds.x.show_xys(xs, ys, **kwargs)

    def sanity_check(self):
        "Check the underlying data in the training set can be properly loaded."
        final_message = "You can deactivate this warning by passing `no_check=True`."
        if not hasattr(self.train_ds, "items") or len(self.train_ds.items) == 0: return
        dl = self.train_dl
        if len(dl) == 0:
            warnings.warn(f"""Your training dataloader is empty, you have only {len(dl.dataset)} items in your training set.
                 Your batch size is {dl.batch_size}, you should lower it.""")
            print(final_message)
            return
        idx = v1_sanity_draw(dl)
        samples, fails = [], []
        for i in idx:
            try: samples.append(dl.dataset[i])
            except Exception: fails.append(i)
        if len(fails) > 0:
            warn_msg = "There seems to be something wrong with your dataset, for example, in the first batch can't access"
            if len(fails) == len(idx): warn_msg += f" any element of self.train_ds.\nTried: {show_some(idx)}"
            else: warn_msg += f" these elements in self.train_ds: {show_some(fails)}"
            warnings.warn(warn_msg)
            print(final_message)
            return
        try: self.collate_fn(samples)
        except Exception:
            message = "It's not possible to collate samples of your dataset together in a batch."
            try:
                shapes = [[o[i].data.shape for o in samples] for i in range(2)]
                message += f"\nShapes of the inputs/targets:\n{shapes}"
            except Exception: pass
            warnings.warn(message)
            print(final_message)


def load_data(path, file="data_save.pkl", bs=64, val_bs=None, num_workers=None, dl_tfms=None, device=None,
              collate_fn=data_collate, no_check=False, **kwargs):
    "Load a saved `DataBunch` from `path/file`. `file` can be file-like (file or buffer)"
    source = Path(path) / file if is_pathlike(file) else file
    distrib_barrier()
    # a pickled LabelLists (v1's own classes): not a weights-only file
    ll = torch.load(source, map_location="cpu" if defaults.device == torch.device("cpu") else None, weights_only=False)
    return ll.databunch(path=path, bs=bs, val_bs=val_bs, num_workers=num_workers, dl_tfms=dl_tfms, device=device,
                        collate_fn=collate_fn, no_check=no_check, **kwargs)
