"""What fastai v1 notebooks see of a dataset: ``data.train_ds`` as a v1 ``LabelList`` over fastai 2 data.

v1's ``LabelList`` had ``.x`` (an ``ImageList`` with ``.items``, the file names) and ``.y`` (a
``CategoryList`` with ``.items``, the class indices, and ``.classes``), returned ``(Image, Category)``
pairs and printed itself the v1 way (``LabelList (36 items)`` / ``x: ImageList`` / ``Image (3, 128, 128)``
...). Here that object is a *view* on the fastai 2 ``Datasets`` a loader reads: it shares its
``TfmdLists``, so it still is a fastai 2 ``Datasets`` (``learn.predict``, ``dls.test_dl`` and every
attribute fastai 2 reads keep working); only indexing, ``len`` and ``repr`` speak v1. Indexing applies
the loader's per-item transforms (v1's resize / crop); v1's other augmentations are batch transforms on
fastai 2 and run when batches are drawn.
"""
import numpy as np
import torch
from fastai.data.core import Datasets
from fastai.torch_core import TensorBase

__all__ = ["show_some", "ItemBase", "Image", "Category", "MultiCategory", "EmptyLabel", "ItemList", "ImageList",
           "CategoryList", "MultiCategoryList", "EmptyLabelList", "LabelList"]


def show_some(items, n_max=5, sep=","):
    "Return the representation of the first  `n_max` elements in `items`."
    if items is None or len(items) == 0: return ""
    res = sep.join([f"{o}" for o in items[:n_max]])
    if len(items) > n_max: res += "..."
    return res


# -- v1's items ---------------------------------------------------------------------------------
class ItemBase:
    "Base item type in the fastai library."
    def __init__(self, data): self.data = self.obj = data
    def __repr__(self): return f"{self.__class__.__name__} {str(self)}"
    def __eq__(self, other): return type(self) is type(other) and str(self) == str(other)
    def __hash__(self): return hash(str(self))


class Image(ItemBase):
    "An image as v1 held it: a float tensor `px` (channels, height, width) with values in [0, 1]."
    def __init__(self, px): self.px = self.data = self.obj = px
    @property
    def shape(self): return self.px.shape
    @property
    def size(self): return self.shape[-2:]
    @property
    def device(self): return self.px.device
    def __repr__(self): return f"{self.__class__.__name__} {tuple(self.shape)}"
    __str__ = __repr__
    def __eq__(self, other): return isinstance(other, Image) and torch.equal(self.px, other.px)
    __hash__ = object.__hash__

    def show(self, ax=None, figsize=(3, 3), title=None, hide_axis=True, y=None, **kwargs):
        "Show image on `ax` with `title`, using `cmap` if single-channel, overlaid with optional `y`"
        from fastai.torch_core import show_image
        ax = show_image(self.px, ax=ax, figsize=figsize, **kwargs)
        if y is not None: title = str(y)
        if title is not None: ax.set_title(title)
        if not hide_axis: ax.axis("on")
        return ax


class Category(ItemBase):
    "Basic class for single classification labels."
    def __init__(self, data, obj): self.data, self.obj = data, obj
    def __int__(self): return int(self.data)
    def __str__(self): return str(self.obj)


class MultiCategory(ItemBase):
    "Basic class for multi-classification labels."
    def __init__(self, data, obj, raw): self.data, self.obj, self.raw = data, obj, raw
    def __str__(self): return ";".join([str(o) for o in self.obj])


class EmptyLabel(ItemBase):
    "Should be used for a dummy label."
    def __init__(self): self.obj, self.data = 0, 0
    def __str__(self): return ""


# -- v1's lists (views) -------------------------------------------------------------------------------
class ItemList:
    "A list of `items` (a NumPy object array, as in v1) read from `path`."
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
        return f"{self.__class__.__name__} ({len(self.items)} items)\n{show_some(items)}\nPath: {self.path}"


class ImageList(ItemList):
    "`ItemList` of image files; an item is the v1 `Image` of the file, as opened (no transforms)."
    def __init__(self, items, path, open_fn):
        super().__init__(items, path)
        self._open = open_fn

    def get(self, i): return Image(_to_float(self._open(self.items[i])))


class CategoryList(ItemList):
    "`ItemList` of class indices (`items`) and the class names (`classes`)."
    def __init__(self, items, path, classes):
        super().__init__(items, path)
        self.classes = classes

    @property
    def c(self): return len(self.classes)
    def get(self, i):
        o = self.items[i]
        return Category(int(o), self.classes[int(o)])


class MultiCategoryList(CategoryList):
    "`ItemList` of multi-label targets: `items` holds the class indices of each item."
    def get(self, i):
        o = self.items[i]
        oh = torch.zeros(self.c)
        oh[list(o)] = 1.
        return MultiCategory(oh, [self.classes[p] for p in o], list(o))


class EmptyLabelList(ItemList):
    "Basic `ItemList` for dummy labels."
    def get(self, i): return EmptyLabel()


def _to_float(img):
    "A fastai 2 image (PIL or uint8 tensor) as v1's float (channels, height, width) tensor in [0, 1]."
    if not isinstance(img, torch.Tensor): img = torch.from_numpy(np.array(img))
    img = img.as_subclass(torch.Tensor) if isinstance(img, TensorBase) else img
    if img.ndim == 2: img = img[None]
    elif img.ndim == 3 and img.shape[-1] in (1, 3, 4) and img.shape[0] not in (1, 3, 4): img = img.permute(2, 0, 1)
    return img.float().div_(255.) if not img.is_floating_point() else img.float()


class LabelList(Datasets):
    """A list of inputs `x` and labels `y` (fastai v1), viewing the fastai 2 `Datasets` a loader reads.

    `x` / `y` are v1's lists; `ll[i]` is v1's `(Image, Category)` pair after the loader's per-item transforms."""
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
        return ImageList(items, self._path, self._ds.tls[0])

    @property
    def y(self):
        "The targets: v1's `CategoryList` (`.items` are class indices), or `EmptyLabelList` for a test set."
        if len(self._ds.tls) < 2:
            return EmptyLabelList(np.zeros(len(self._ds.tls[0].items), dtype=np.int64), self._path)
        tl = self._ds.tls[1]
        classes = list(tl.vocab)
        o2i = {v: k for k, v in enumerate(classes)}
        if self._multi:
            items = np.empty(len(tl.items), dtype=object)
            items[:] = [[o2i[o] for o in l] for l in tl.items]
            return MultiCategoryList(items, self._path, classes)
        return CategoryList(np.array([o2i[o] for o in tl.items], dtype=np.int64), self._path, classes)

    @property
    def items(self): return self.x.items
    @property
    def classes(self): return self.y.classes if len(self._ds.tls) > 1 else None
    @property
    def c(self): return self.y.c if len(self._ds.tls) > 1 else None

    def __len__(self): return len(self._ds)
    def __iter__(self): return (self[i] for i in range(len(self)))

    def __getitem__(self, i):
        if not isinstance(i, (int, np.integer)): return [self[int(j)] for j in np.arange(len(self))[i]]
        i = int(i)
        sample = self._ds[i]
        if self._after_item is not None: sample = self._after_item(sample)
        x = Image(_to_float(sample[0]))
        y = self.y[i]
        return x, y

    def __repr__(self):
        items = [self[i] for i in range(min(5, len(self)))]
        res = f"{self.__class__.__name__} ({len(self)} items)\n"
        res += f"x: {self.x.__class__.__name__}\n{show_some([i[0] for i in items])}\n"
        res += f"y: {self.y.__class__.__name__}\n{show_some([i[1] for i in items])}\n"
        return res + f"Path: {self.path}"
