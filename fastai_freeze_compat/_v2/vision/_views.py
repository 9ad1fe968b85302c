"""What fastai v1 notebooks see of an ``ImageDataBunch``'s datasets: ``data.train_ds`` as a v1 ``LabelList``.

v1's ``LabelList`` had ``.x`` (an ``ImageList`` with ``.items``, the file names) and ``.y`` (a
``CategoryList`` with ``.items``, the class indices, and ``.classes``), returned ``(Image, Category)``
pairs and printed itself the v1 way (``LabelList (36 items)`` / ``x: ImageList`` / ``Image (3, 128, 128)``
...). Here that object is a read-only *view* on the fastai 2 ``Datasets`` a loader reads: it shares its
``TfmdLists``, so it still is a fastai 2 ``Datasets`` (``learn.predict``, ``dls.test_dl`` and every
attribute fastai 2 reads keep working); only indexing, ``len`` and ``repr`` speak v1. Indexing applies
the loader's per-item transforms (v1's resize / crop); v1's other augmentations are batch transforms on
fastai 2 and run when batches are drawn.

The classes are named ``...View`` (``LabelListView``, ``ImageListView``, ...): the v1 names belong to v1's
data block API. Each prints the v1 name it stands for (``v1_name``), as v1 printed it.
"""
import numpy as np
import torch
from fastai.data.core import Datasets

from ..core import Category, EmptyLabel, MultiCategory, show_some
from ..data_block import CategoryList, EmptyLabelList, ItemList, MultiCategoryList
from .image import Image, image_to_v1_tensor

__all__ = ["ItemListView", "ImageListView", "CategoryListView", "MultiCategoryListView", "EmptyLabelListView",
           "LabelListView"]


class ItemListView(ItemList):
    """A list of `items` (a NumPy object array, as in v1) read from `path`; a v1 `ItemList` (its `analyze_pred`,
    `reconstruct`), not built by v1's constructor (no processing: the fastai 2 datasets did that)."""
    v1_name = 'ItemList'
    def __init__(self, items, path):
        self.items, self.path = items, path

    def __len__(self): return len(self.items)
    def get(self, i): return self.items[i]

    def __getitem__(self, i):
        if isinstance(i, (int, np.integer)): return self.get(int(i))
        return [self.get(int(j)) for j in np.arange(len(self.items))[i]]

    def __iter__(self): return (self.get(i) for i in range(len(self.items)))

    def __repr__(self):
        items = [self.get(i) for i in range(min(5, len(self.items)))]
        return f"{self.v1_name} ({len(self.items)} items)\n{show_some(items)}\nPath: {self.path}"


class ImageListView(ItemListView):
    "`ItemList` of image files; an item is the v1 `Image` of the file, as opened (no transforms)."
    v1_name = 'ImageList'
    def __init__(self, items, path, open_fn):
        super().__init__(items, path)
        self._open = open_fn

    _square_show, _square_show_res = True, True
    def get(self, i): return Image(image_to_v1_tensor(self._open(self.items[i])))

    def reconstruct(self, t): return Image(t.float().clamp(min=0, max=1))

    def show_xys(self, xs, ys, imgsize=4, figsize=None, **kwargs):
        "Show the `xs` (inputs) and `ys` (targets) on a figure of `figsize`."
        from .data import ImageList
        return ImageList.show_xys(self, xs, ys, imgsize=imgsize, figsize=figsize, **kwargs)

    def show_xyzs(self, xs, ys, zs, imgsize=4, figsize=None, **kwargs):
        "Show `xs` (inputs), `ys` (targets) and `zs` (predictions) on a figure of `figsize`."
        from .data import ImageList
        return ImageList.show_xyzs(self, xs, ys, zs, imgsize=imgsize, figsize=figsize, **kwargs)


class CategoryListView(ItemListView, CategoryList):
    "`ItemList` of class indices (`items`, NumPy int64 as in v1) and the class names (`classes`)."
    v1_name = 'CategoryList'
    def __init__(self, items, path, classes):
        super().__init__(items, path)
        self.classes = classes

    @property
    def c(self): return len(self.classes)
    def get(self, i):
        o = self.items[i]
        return Category(o, self.classes[int(o)])


class MultiCategoryListView(CategoryListView, MultiCategoryList):
    "`ItemList` of multi-label targets: `items` holds the class indices of each item."
    v1_name = 'MultiCategoryList'
    # CategoryList's come first in the method order
    analyze_pred, reconstruct = MultiCategoryList.analyze_pred, MultiCategoryList.reconstruct

    def get(self, i):
        o = self.items[i]
        oh = torch.zeros(self.c)
        oh[list(o)] = 1.
        return MultiCategory(oh, [self.classes[p] for p in o], list(o))


class EmptyLabelListView(ItemListView, EmptyLabelList):
    "Basic `ItemList` for dummy labels."
    v1_name = 'EmptyLabelList'
    def get(self, i): return EmptyLabel()


class LabelListView(Datasets):
    """A list of inputs `x` and labels `y` (fastai v1), viewing the fastai 2 `Datasets` a loader reads.

    `x` / `y` are v1's lists; `ll[i]` is v1's `(Image, Category)` pair after the loader's per-item transforms."""
    v1_name = 'LabelList'
    def __init__(self, dataset, after_item=None, path=None, multi=False):
        super().__init__(tls=dataset.tls, n_inp=dataset.n_inp)
        self._ds, self._after_item, self._multi = dataset, after_item, multi
        self._path = path

    @property
    def path(self): return self._path

    @property
    def x(self):
        "The inputs: v1's `ImageList` (`.items` are the file names, in v1's order)."
        items = np.empty(len(self._ds.tls[0].items), dtype=object)
        items[:] = list(self._ds.tls[0].items)
        return ImageListView(items, self._path, self._ds.tls[0])

    @property
    def y(self):
        "The targets: v1's `CategoryList` (`.items` are class indices), or `EmptyLabelList` for a test set."
        if len(self._ds.tls) < 2:
            return EmptyLabelListView(np.zeros(len(self._ds.tls[0].items), dtype=np.int64), self._path)
        tl = self._ds.tls[1]
        classes = list(tl.vocab)
        o2i = {v: k for k, v in enumerate(classes)}
        if self._multi:
            items = np.empty(len(tl.items), dtype=object)
            items[:] = [[o2i[o] for o in l] for l in tl.items]
            return MultiCategoryListView(items, self._path, classes)
        return CategoryListView(np.array([o2i[o] for o in tl.items], dtype=np.int64), self._path, classes)

    @property
    def items(self): return self.x.items
    @property
    def classes(self): return self.y.classes if len(self._ds.tls) > 1 else None
    @property
    def c(self): return self.y.c if len(self._ds.tls) > 1 else None

    def __len__(self): return len(self._ds)
    def __iter__(self): return (self[i] for i in range(len(self)))

    def reconstruct(self, t, x=None):
        "v1's `LabelList.reconstruct` (its `x`'s)."
        return self.x.reconstruct(t)

    def __getitem__(self, i):
        if not isinstance(i, (int, np.integer)): return [self[int(j)] for j in np.arange(len(self))[i]]
        i = int(i)
        sample = self._ds[i]
        if self._after_item is not None: sample = self._after_item(sample)
        x = Image(image_to_v1_tensor(sample[0]))
        y = self.y[i]
        return x, y

    def __repr__(self):
        items = [self[i] for i in range(min(5, len(self)))]
        res = f"{self.v1_name} ({len(self)} items)\n"
        res += f"x: {self.x.v1_name}\n{show_some([i[0] for i in items])}\n"
        res += f"y: {self.y.v1_name}\n{show_some([i[1] for i in items])}\n"
        return res + f"Path: {self.path}"
