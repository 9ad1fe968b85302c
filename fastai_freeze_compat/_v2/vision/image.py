"""fastai v1's ``fastai/vision/image.py`` on fastai 2: v1's image objects and their transform machinery.

The code is fastai v1 1.0.61's (fastai/vision/image.py, Apache-2.0), on today's torch: an ``Image`` holds
a float tensor ``px`` (channels, height, width) in [0, 1] and queues its transforms as v1 did (``logit_px``
for lighting, ``affine_mat`` for affine ones, ``flow`` for coordinate ones), resampled once by
``refresh()`` with ``grid_sample(align_corners=True)`` (what torch 1.0 did, and what 1.0.61 asked for on
torch > 1.2). ``ImageSegment`` (masks, nearest resampling), ``ImagePoints`` and ``ImageBBox`` (coordinates
moved by the inverse transform) follow the image they label, as with v1's ``tfm_y=True``.

What differs from v1 (each in ``fastai_freeze_compat.changes``):

* ``open_image`` of a 16-bit image (PNG ``I;16`` / ``I``) scales it to [0, 1] (divides by 65535); v1's
  ``convert('RGB')`` saturated every value above 255 to 1. With ``div=False`` (``open_mask``) the values
  are kept as they are (v1 clipped them to 255).
* a file PIL cannot read (truncated, not an image) raises the same ``OSError`` with the file's name and
  what to do; v1 raised PIL's message without the name.
* the conversion of fastai 2's images (``image_to_v1_tensor``) never guesses the layout from the shape, so
  a 1-4 pixel image keeps its channels first.
"""
import functools
import inspect
import warnings
from copy import copy
from dataclasses import dataclass, field
from enum import IntEnum
from functools import partial
from io import BytesIO

import numpy as np
import PIL
import PIL.Image
import torch
import torch.nn.functional as F
from fastai.torch_core import TensorBase, TensorImage

from ..core import Category, ItemBase, defaults, is_listy, listify
from ..torch_core import logit_, rand_bool, tensor, to_np

__all__ = ["Image", "ImageSegment", "ImagePoints", "ImageBBox", "FlowField", "ResizeMethod", "Transform",
           "RandTransform", "TfmAffine", "TfmPixel", "TfmCoord", "TfmCrop", "TfmLighting", "pil2tensor", "image2np",
           "bb2hw", "tis2hw", "open_image", "open_mask", "open_mask_rle", "rle_encode", "rle_decode", "show_image",
           "scale_flow", "plot_flat", "plot_multi", "show_multi", "show_all", "image_to_v1_tensor"]


class ResizeMethod(IntEnum):
    "How v1 resized to `size`: `CROP` (default for an int size), `PAD`, `SQUISH` (default for a tuple) or `NO`."
    CROP = 1
    PAD = 2
    SQUISH = 3
    NO = 4


def pil2tensor(image, dtype):
    "Convert PIL style `image` array to torch style image tensor."
    a = np.asarray(image)
    if a.ndim == 2: a = np.expand_dims(a, 2)
    a = np.transpose(a, (1, 0, 2))
    a = np.transpose(a, (2, 1, 0))
    return torch.from_numpy(a.astype(dtype, copy=False))


def image2np(image):
    "Convert from torch style `image` to numpy/matplotlib style."
    res = image.cpu().permute(1, 2, 0).numpy()
    return res[..., 0] if res.shape[2] == 1 else res


def bb2hw(a):
    "Convert bounding box points from (width,height,center) to (height,width,top,left)."
    return np.array([a[1], a[0], a[3] - a[1], a[2] - a[0]])


def tis2hw(size):
    "Convert `int` or `TensorImageSize` to (height,width) of an image."
    if type(size) is str: raise RuntimeError("Expected size to be an int or a tuple, got a string.")
    return listify(size, 2) if isinstance(size, int) else listify(size[-2:], 2)


def _draw_outline(o, lw):
    "Outline bounding box onto image `Patch`."
    from matplotlib import patheffects
    o.set_path_effects([patheffects.Stroke(linewidth=lw, foreground='black'), patheffects.Normal()])


def _draw_rect(ax, b, color='white', text=None, text_size=14):
    "Draw bounding box on `ax`."
    from matplotlib import patches
    patch = ax.add_patch(patches.Rectangle(b[:2], *b[-2:], fill=False, edgecolor=color, lw=2))
    _draw_outline(patch, 4)
    if text is not None:
        patch = ax.text(*b[:2], text, verticalalignment='top', color=color, fontsize=text_size, weight='bold')
        _draw_outline(patch, 1)


def _get_default_args(func):
    return {k: v.default for k, v in inspect.signature(func).parameters.items()
            if v.default is not inspect.Parameter.empty}


@dataclass
class FlowField():
    "Wrap together some coords `flow` with a `size`."
    size: tuple
    flow: torch.Tensor


class Image(ItemBase):
    "Support applying transforms to image data in `px`."
    def __init__(self, px):
        self._px = px
        self._logit_px = None
        self._flow = None
        self._affine_mat = None
        self.sample_kwargs = {}

    def set_sample(self, **kwargs):
        "Set parameters that control how we `grid_sample` the image after transforms are applied."
        self.sample_kwargs = kwargs
        return self

    def clone(self):
        "Mimic the behavior of torch.clone for `Image` objects."
        return self.__class__(self.px.clone())

    @property
    def shape(self): return self._px.shape
    @property
    def size(self): return self.shape[-2:]
    @property
    def device(self): return self._px.device

    def __repr__(self): return f'{self.__class__.__name__} {tuple(self.shape)}'
    __str__ = __repr__
    def _repr_png_(self): return self._repr_image_format('png')
    def _repr_jpeg_(self): return self._repr_image_format('jpeg')

    def __eq__(self, other):
        return (isinstance(other, Image) and tuple(self.shape) == tuple(other.shape)
                and torch.equal(self.data, other.data))
    __hash__ = object.__hash__

    def _repr_image_format(self, format_str):
        import matplotlib.pyplot as plt
        with BytesIO() as str_buffer:
            plt.imsave(str_buffer, image2np(self.px), format=format_str)
            return str_buffer.getvalue()

    def _maybe_add_crop_pad(self, tfms):
        "v1 added a centred `crop_pad()` when a list to apply at a `size` had none."
        from .transform import crop_pad
        tfm_names = [tfm.__name__ for tfm in tfms]
        return [crop_pad()] + tfms if 'crop_pad' not in tfm_names else tfms

    def apply_tfms(self, tfms, do_resolve=True, xtra=None, size=None, resize_method=None, mult=None,
                   padding_mode='reflection', mode='bilinear', remove_out=True, is_x=True, x_frames=1, y_frames=1):
        """Apply all `tfms` to the `Image`, if `do_resolve` picks value for random args.

        (`is_x`, `x_frames`, `y_frames` are accepted for the data block API's calls and change nothing here.)"""
        if not (tfms or xtra or size): return self
        tfms = listify(tfms)
        xtra = {} if xtra is None else xtra
        default_rsz = ResizeMethod.SQUISH if (size is not None and is_listy(size)) else ResizeMethod.CROP
        resize_method = default_rsz if resize_method is None else resize_method
        if resize_method <= 2 and size is not None: tfms = self._maybe_add_crop_pad(tfms)
        tfms = sorted(tfms, key=lambda o: o.tfm.order)
        if do_resolve: _resolve_tfms(tfms)
        x = self.clone()
        x.set_sample(padding_mode=padding_mode, mode=mode, remove_out=remove_out)
        if size is not None:
            crop_target = _get_crop_target(size, mult=mult)
            if resize_method in (ResizeMethod.CROP, ResizeMethod.PAD):
                target = _get_resize_target(x, crop_target, do_crop=(resize_method == ResizeMethod.CROP))
                x.resize(target)
            elif resize_method == ResizeMethod.SQUISH: x.resize((x.shape[0],) + crop_target)
        else: size = x.size
        size_tfms = [o for o in tfms if isinstance(o.tfm, TfmCrop)]
        for tfm in tfms:
            if tfm.tfm in xtra: x = tfm(x, **xtra[tfm.tfm])
            elif tfm in size_tfms:
                if resize_method in (ResizeMethod.CROP, ResizeMethod.PAD):
                    x = tfm(x, size=_get_crop_target(size, mult=mult), padding_mode=padding_mode)
            else: x = tfm(x)
        return x.refresh()

    def refresh(self):
        "Apply any logit, flow, or affine transfers that have been sent to the `Image`."
        if self._logit_px is not None:
            self._px = self._logit_px.sigmoid_()
            self._logit_px = None
        if self._affine_mat is not None or self._flow is not None:
            self._px = _grid_sample(self._px, self.flow, **self.sample_kwargs)
            self.sample_kwargs = {}
            self._flow = None
        return self

    def save(self, fn):
        "Save the image to `fn`."
        x = image2np(self.data * 255).astype(np.uint8)
        PIL.Image.fromarray(x).save(fn)

    @property
    def px(self):
        "Get the tensor pixel buffer."
        self.refresh()
        return self._px
    @px.setter
    def px(self, v): self._px = v

    @property
    def flow(self):
        "Access the flow-field grid after applying queued affine transforms."
        if self._flow is None:
            self._flow = _affine_grid(self.shape)
        if self._affine_mat is not None:
            self._flow = _affine_mult(self._flow, self._affine_mat)
            self._affine_mat = None
        return self._flow
    @flow.setter
    def flow(self, v): self._flow = v

    def lighting(self, func, *args, **kwargs):
        "Equivalent to `image = sigmoid(func(logit(image)))`."
        self.logit_px = func(self.logit_px, *args, **kwargs)
        return self

    def pixel(self, func, *args, **kwargs):
        "Equivalent to `image.px = func(image.px)`."
        self.px = func(self.px, *args, **kwargs)
        return self

    def coord(self, func, *args, **kwargs):
        "Equivalent to `image.flow = func(image.flow, image.size)`."
        self.flow = func(self.flow, *args, **kwargs)
        return self

    def affine(self, func, *args, **kwargs):
        "Equivalent to `image.affine_mat = image.affine_mat @ func()`."
        m = tensor(func(*args, **kwargs)).to(self.device).float()
        self.affine_mat = self.affine_mat @ m
        return self

    def resize(self, size):
        "Resize the image to `size`, size can be a single int."
        assert self._flow is None
        if isinstance(size, int): size = (self.shape[0], size, size)
        if tuple(size) == tuple(self.shape): return self
        self.flow = _affine_grid(size)
        return self

    @property
    def affine_mat(self):
        "Get the affine matrix that will be applied by `refresh`."
        if self._affine_mat is None:
            self._affine_mat = torch.eye(3).to(self.device)
        return self._affine_mat
    @affine_mat.setter
    def affine_mat(self, v): self._affine_mat = v

    @property
    def logit_px(self):
        "Get logit(image.px)."
        if self._logit_px is None: self._logit_px = logit_(self.px)
        return self._logit_px
    @logit_px.setter
    def logit_px(self, v): self._logit_px = v

    @property
    def data(self):
        "Return this images pixels as a tensor."
        return self.px

    def show(self, ax=None, figsize=(3, 3), title=None, hide_axis=True, cmap=None, y=None, **kwargs):
        "Show image on `ax` with `title`, using `cmap` if single-channel, overlaid with optional `y`"
        cmap = defaults.cmap if cmap is None else cmap
        ax = show_image(self, ax=ax, hide_axis=hide_axis, cmap=cmap, figsize=figsize)
        if y is not None: y.show(ax=ax, **kwargs)
        if title is not None: ax.set_title(title)


class ImageSegment(Image):
    "Support applying transforms to segmentation masks data in `px`."
    def lighting(self, func, *args, **kwargs): return self

    def refresh(self):
        self.sample_kwargs['mode'] = 'nearest'
        return super().refresh()

    @property
    def data(self):
        "Return this image pixels as a `LongTensor`."
        return self.px.long()

    def show(self, ax=None, figsize=(3, 3), title=None, hide_axis=True, cmap='tab20', alpha=0.5, **kwargs):
        "Show the `ImageSegment` on `ax`."
        ax = show_image(self, ax=ax, hide_axis=hide_axis, cmap=cmap, figsize=figsize,
                        interpolation='nearest', alpha=alpha, vmin=0, **kwargs)
        if title: ax.set_title(title)

    def save(self, fn):
        "Save the image segment to `fn`."
        x = image2np(self.data).astype(np.uint8)
        PIL.Image.fromarray(x).save(fn)

    def reconstruct(self, t): return ImageSegment(t)


class ImagePoints(Image):
    "Support applying transforms to a `flow` of points."
    def __init__(self, flow, scale=True, y_first=True):
        from fastai.losses import MSELossFlat
        if scale: flow = scale_flow(flow)
        if y_first: flow.flow = flow.flow.flip(1)
        self._flow = flow
        self._affine_mat = None
        self.flow_func = []
        self.sample_kwargs = {}
        self.transformed = False
        self.loss_func = MSELossFlat()

    def clone(self):
        "Mimic the behavior of torch.clone for `ImagePoints` objects."
        return self.__class__(FlowField(self.size, self.flow.flow.clone()), scale=False, y_first=False)

    @property
    def shape(self): return (1, *self._flow.size)
    @property
    def size(self): return self._flow.size
    @size.setter
    def size(self, sz): self._flow.size = sz
    @property
    def device(self): return self._flow.flow.device

    def __repr__(self): return f'{self.__class__.__name__} {tuple(self.size)}'
    __str__ = __repr__
    def _repr_image_format(self, format_str): return None

    def __eq__(self, other):
        return type(self) is type(other) and tuple(self.size) == tuple(other.size) and torch.equal(
            self.flow.flow, other.flow.flow)
    __hash__ = object.__hash__

    @property
    def flow(self):
        "Access the flow-field grid after applying queued affine and coord transforms."
        if self._affine_mat is not None:
            self._flow = _affine_inv_mult(self._flow, self._affine_mat)
            self._affine_mat = None
            self.transformed = True
        if len(self.flow_func) != 0:
            for f in self.flow_func[::-1]: self._flow = f(self._flow)
            self.transformed = True
            self.flow_func = []
        return self._flow
    @flow.setter
    def flow(self, v): self._flow = v

    def coord(self, func, *args, **kwargs):
        "Put `func` with `args` and `kwargs` in `self.flow_func` for later."
        if 'invert' in kwargs: kwargs['invert'] = True
        else: warnings.warn(f"{func.__name__} isn't implemented for {self.__class__}.")
        self.flow_func.append(partial(func, *args, **kwargs))
        return self

    def lighting(self, func, *args, **kwargs): return self

    def pixel(self, func, *args, **kwargs):
        "Equivalent to `self = func_flow(self)`."
        self = func(self, *args, **kwargs)
        self.transformed = True
        return self

    def refresh(self): return self

    def resize(self, size):
        "Resize the image to `size`, size can be a single int."
        if isinstance(size, int): size = (1, size, size)
        self._flow.size = size[1:]
        return self

    @property
    def data(self):
        "Return the points associated to this object."
        flow = self.flow  # This updates flow before we test if some transforms happened
        if self.transformed:
            if 'remove_out' not in self.sample_kwargs or self.sample_kwargs['remove_out']:
                flow = _remove_points_out(flow)
            self.transformed = False
        return flow.flow.flip(1)

    def show(self, ax=None, figsize=(3, 3), title=None, hide_axis=True, **kwargs):
        "Show the `ImagePoints` on `ax`."
        import matplotlib.pyplot as plt
        if ax is None: _, ax = plt.subplots(figsize=figsize)
        pnt = scale_flow(FlowField(self.size, self.data), to_unit=False).flow.flip(1)
        params = {'s': 10, 'marker': '.', 'c': 'r', **kwargs}
        ax.scatter(pnt[:, 0], pnt[:, 1], **params)
        if hide_axis: ax.axis('off')
        if title: ax.set_title(title)


class ImageBBox(ImagePoints):
    "Support applying transforms to a `flow` of bounding boxes."
    def __init__(self, flow, scale=True, y_first=True, labels=None, classes=None, pad_idx=0):
        super().__init__(flow, scale, y_first)
        self.pad_idx = pad_idx
        if labels is not None and len(labels) > 0 and not isinstance(labels[0], Category):
            labels = np.array([Category(l, classes[l]) for l in labels])
        self.labels = labels

    def clone(self):
        "Mimic the behavior of torch.clone for `Image` objects."
        flow = FlowField(self.size, self.flow.flow.clone())
        return self.__class__(flow, scale=False, y_first=False, labels=self.labels, pad_idx=self.pad_idx)

    @classmethod
    def create(cls, h, w, bboxes, labels=None, classes=None, pad_idx=0, scale=True):
        "Create an ImageBBox object from `bboxes`."
        # v1: `np.object` (removed in NumPy 1.24)
        if isinstance(bboxes, np.ndarray) and bboxes.dtype == object: bboxes = np.array([bb for bb in bboxes])
        bboxes = tensor(bboxes).float()
        tr_corners = torch.cat([bboxes[:, 0][:, None], bboxes[:, 3][:, None]], 1)
        bl_corners = bboxes[:, 1:3].flip(1)
        bboxes = torch.cat([bboxes[:, :2], tr_corners, bl_corners, bboxes[:, 2:]], 1)
        flow = FlowField((h, w), bboxes.view(-1, 2))
        return cls(flow, labels=labels, classes=classes, pad_idx=pad_idx, y_first=True, scale=scale)

    def _compute_boxes(self):
        bboxes = self.flow.flow.flip(1).view(-1, 4, 2).contiguous().clamp(min=-1, max=1)
        mins, maxes = bboxes.min(dim=1)[0], bboxes.max(dim=1)[0]
        bboxes = torch.cat([mins, maxes], 1)
        mask = (bboxes[:, 2] - bboxes[:, 0] > 0) * (bboxes[:, 3] - bboxes[:, 1] > 0)
        if len(mask) == 0: return tensor([self.pad_idx] * 4), tensor([self.pad_idx])
        res = bboxes[mask]
        if self.labels is None: return res, None
        return res, self.labels[to_np(mask).astype(bool)]

    @property
    def data(self):
        bboxes, lbls = self._compute_boxes()
        lbls = np.array([o.data for o in lbls]) if lbls is not None else None
        return bboxes if lbls is None else (bboxes, lbls)

    def show(self, y=None, ax=None, figsize=(3, 3), title=None, hide_axis=True, color='white', **kwargs):
        "Show the `ImageBBox` on `ax`."
        import matplotlib.pyplot as plt
        if ax is None: _, ax = plt.subplots(figsize=figsize)
        bboxes, lbls = self._compute_boxes()
        h, w = self.flow.size
        bboxes.add_(1).mul_(torch.tensor([h / 2, w / 2, h / 2, w / 2])).long()
        for i, bbox in enumerate(bboxes):
            text = str(lbls[i]) if lbls is not None else None
            _draw_rect(ax, bb2hw(bbox), text=text, color=color)


# -- opening files -----------------------------------------------------------------------------------
_MODES_16BIT = ("I;16", "I;16B", "I;16L", "I;16N", "I")


def _open_pil(fn, convert_mode):
    "PIL's image of `fn` in `convert_mode`; a 16-bit image as a float array scaled to [0, 255] (see module doc)."
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # EXIF warning from TiffPlugin
            im = PIL.Image.open(fn)
            im.load()
            if im.mode in _MODES_16BIT and convert_mode in ("L", "RGB", "RGBA"): return im
            return im.convert(convert_mode)
    except FileNotFoundError: raise
    except OSError as e:
        raise type(e)(f"{fn}: PIL cannot read this image ({e}). The file is damaged or not an image: open it to check, "
                      "download it again, or remove the unreadable files with `verify_images(path, delete=True)`.") from e


def _from_16bit(im, convert_mode, div):
    "A 16-bit PIL image as v1's float tensor: scaled to [0, 1] with `div`, its own values without."
    a = np.asarray(im).astype(np.float32)
    if div: a = a / 65535.
    x = pil2tensor(a, np.float32)
    if convert_mode != "L": x = x.expand(3, *x.shape[1:]).contiguous()
    if convert_mode == "RGBA": x = torch.cat([x, torch.ones_like(x[:1])], 0)
    return x


def open_image(fn, div=True, convert_mode='RGB', cls=Image, after_open=None):
    "Return `Image` object created from image in file `fn`."
    x = _open_pil(fn, convert_mode)
    if after_open: x = after_open(x)
    if isinstance(x, PIL.Image.Image) and x.mode in _MODES_16BIT and convert_mode in ("L", "RGB", "RGBA"):
        return cls(_from_16bit(x, convert_mode, div))
    x = pil2tensor(x, np.float32)
    if div: x.div_(255)
    return cls(x)


def open_mask(fn, div=False, convert_mode='L', after_open=None):
    "Return `ImageSegment` object create from mask in file `fn`. If `div`, divides pixel values by 255."
    return open_image(fn, div=div, convert_mode=convert_mode, cls=ImageSegment, after_open=after_open)


def open_mask_rle(mask_rle, shape):
    "Return `ImageSegment` object create from run-length encoded string in `mask_lre` with size in `shape`."
    x = torch.FloatTensor(rle_decode(str(mask_rle), shape).astype(np.uint8))
    x = x.view(shape[1], shape[0], -1)
    return ImageSegment(x.permute(2, 0, 1))


def rle_encode(img):
    "Return run-length encoding string from `img`."
    pixels = np.concatenate([[0], img.flatten(), [0]])
    runs = np.where(pixels[1:] != pixels[:-1])[0] + 1
    runs[1::2] -= runs[::2]
    return ' '.join(str(x) for x in runs)


def rle_decode(mask_rle, shape):
    "Return an image array from run-length encoded string `mask_rle` with `shape`."
    s = mask_rle.split()
    starts, lengths = [np.asarray(x, dtype=int) for x in (s[0:][::2], s[1:][::2])]
    starts -= 1
    ends = starts + lengths
    img = np.zeros(shape[0] * shape[1], dtype=np.uint)
    for low, up in zip(starts, ends): img[low:up] = 1
    return img.reshape(shape)


def show_image(img, ax=None, figsize=(3, 3), hide_axis=True, cmap='binary', alpha=None, **kwargs):
    "Display `Image` in notebook."
    import matplotlib.pyplot as plt
    if ax is None: fig, ax = plt.subplots(figsize=figsize)
    xtr = dict(cmap=cmap, alpha=alpha, **kwargs)
    ax.imshow(image2np(img.data), **xtr) if (hasattr(img, 'data')) else ax.imshow(img, **xtr)
    if hide_axis: ax.axis('off')
    return ax


def scale_flow(flow, to_unit=True):
    "Scale the coords in `flow` to -1/1 or the image size depending on `to_unit`."
    s = tensor([flow.size[0] / 2, flow.size[1] / 2])[None]
    # v1 divided whatever `flow.flow` was; a NumPy array (points read from a file) becomes a tensor first
    f = flow.flow if isinstance(flow.flow, torch.Tensor) else torch.as_tensor(np.asarray(flow.flow, dtype=np.float32))
    if to_unit: flow.flow = f / s - 1
    else: flow.flow = (f + 1) * s
    return flow


def _remove_points_out(flow):
    pad_mask = (flow.flow[:, 0] >= -1) * (flow.flow[:, 0] <= 1) * (flow.flow[:, 1] >= -1) * (flow.flow[:, 1] <= 1)
    flow.flow = flow.flow[pad_mask]
    return flow


# -- transforms -----------------------------------------------------------------------------------
class Transform():
    "Utility class for adding probability and wrapping support to transform `func`."
    _wrap = None
    order = 0
    def __init__(self, func, order=None):
        "Create a transform for `func` and assign it an priority `order`, attach to `Image` class."
        if order is not None: self.order = order
        self.func = func
        self.func.__name__ = func.__name__[1:]  # To remove the _ that begins every transform function.
        functools.update_wrapper(self, self.func)
        self.func.__annotations__['return'] = Image
        self.params = copy(func.__annotations__)
        self.def_args = _get_default_args(func)
        setattr(Image, func.__name__, lambda x, *args, **kwargs: self.calc(x, *args, **kwargs))

    def __call__(self, *args, p=1., is_random=True, use_on_y=True, **kwargs):
        "Calc now if `args` passed; else create a transform called prob `p` if `random`."
        if args: return self.calc(*args, **kwargs)
        else: return RandTransform(self, kwargs=kwargs, is_random=is_random, use_on_y=use_on_y, p=p)

    def calc(self, x, *args, **kwargs):
        "Apply to image `x`, wrapping it if necessary."
        if self._wrap: return getattr(x, self._wrap)(self.func, *args, **kwargs)
        else: return self.func(x, *args, **kwargs)

    @property
    def name(self): return self.__class__.__name__

    def __repr__(self): return f'{self.name} ({self.func.__name__})'


@dataclass
class RandTransform():
    "Wrap `Transform` to add randomized execution."
    tfm: Transform
    kwargs: dict
    p: float = 1.0
    resolved: dict = field(default_factory=dict)
    do_run: bool = True
    is_random: bool = True
    use_on_y: bool = True
    def __post_init__(self): functools.update_wrapper(self, self.tfm)

    def resolve(self):
        "Bind any random variables in the transform."
        if not self.is_random:
            self.resolved = {**self.tfm.def_args, **self.kwargs}
            return
        self.resolved = {}
        # for each param passed to tfm...
        for k, v in self.kwargs.items():
            # ...if it's annotated, call that fn...
            if k in self.tfm.params:
                rand_func = self.tfm.params[k]
                self.resolved[k] = rand_func(*listify(v))
            # ...otherwise use the value directly
            else: self.resolved[k] = v
        # use defaults for any args not filled in yet
        for k, v in self.tfm.def_args.items():
            if k not in self.resolved: self.resolved[k] = v
        # anything left over must be callable without params
        for k, v in self.tfm.params.items():
            if k not in self.resolved and k != 'return': self.resolved[k] = v()
        self.do_run = rand_bool(self.p)

    @property
    def order(self): return self.tfm.order

    def __call__(self, x, *args, **kwargs):
        "Randomly execute our tfm on `x`."
        return self.tfm(x, *args, **{**self.resolved, **kwargs}) if self.do_run else x


def _resolve_tfms(tfms):
    "Resolve every tfm in `tfms`."
    for f in listify(tfms): f.resolve()


def _grid_sample(x, coords, mode='bilinear', padding_mode='reflection', remove_out=True):
    "Resample pixels in `coords` from `x` by `mode`, with `padding_mode` in ('reflection','border','zeros')."
    coords = coords.flow.permute(0, 3, 1, 2).contiguous().permute(0, 2, 3, 1)  # optimize layout for grid_sample
    if mode == 'bilinear':  # hack to get smoother downwards resampling
        mn, mx = coords.min(), coords.max()
        # max amount we're affine zooming by (>1 means zooming in)
        z = 1 / (mx - mn).item() * 2
        # amount we're resizing by, with 100% extra margin
        d = min(x.shape[1] / coords.shape[1], x.shape[2] / coords.shape[2]) / 2
        # If we're resizing up by >200%, and we're zooming less than that, interpolate first
        if d > 1 and d > z: x = F.interpolate(x[None], scale_factor=1 / d, mode='area')[0]
    return F.grid_sample(x[None], coords, mode=mode, padding_mode=padding_mode, align_corners=True)[0]


def _affine_grid(size):
    size = ((1,) + tuple(size))
    N, C, H, W = size
    grid = torch.empty(N, H, W, 2)
    linear_points = torch.linspace(-1, 1, W) if W > 1 else tensor([-1.])
    grid[:, :, :, 0] = torch.outer(torch.ones(H), linear_points).expand_as(grid[:, :, :, 0])
    linear_points = torch.linspace(-1, 1, H) if H > 1 else tensor([-1.])
    grid[:, :, :, 1] = torch.outer(linear_points, torch.ones(W)).expand_as(grid[:, :, :, 1])
    return FlowField(size[2:], grid)


def _affine_mult(c, m):
    "Multiply `c` by `m` - can adjust for rectangular shaped `c`."
    if m is None: return c
    size = c.flow.size()
    h, w = c.size
    m[0, 1] *= h / w
    m[1, 0] *= w / h
    c.flow = c.flow.view(-1, 2)
    c.flow = torch.addmm(m[:2, 2], c.flow, m[:2, :2].t()).view(size)
    return c


def _affine_inv_mult(c, m):
    "Applies the inverse affine transform described in `m` to `c`."
    size = c.flow.size()
    h, w = c.size
    m[0, 1] *= h / w
    m[1, 0] *= w / h
    c.flow = c.flow.view(-1, 2)
    a = torch.inverse(m[:2, :2].t())
    c.flow = torch.mm(c.flow - m[:2, 2], a).view(size)
    return c


class TfmAffine(Transform):
    "Decorator for affine tfm funcs."
    order, _wrap = 5, 'affine'
class TfmPixel(Transform):
    "Decorator for pixel tfm funcs."
    order, _wrap = 10, 'pixel'
class TfmCoord(Transform):
    "Decorator for coord tfm funcs."
    order, _wrap = 4, 'coord'
class TfmCrop(TfmPixel):
    "Decorator for crop tfm funcs."
    order = 99
class TfmLighting(Transform):
    "Decorator for lighting tfm funcs."
    order, _wrap = 8, 'lighting'


def _round_multiple(x, mult=None):
    "Calc `x` to nearest multiple of `mult`."
    return (int(x / mult + 0.5) * mult) if mult is not None else x


def _get_crop_target(target_px, mult=None):
    "Calc crop shape of `target_px` to nearest multiple of `mult`."
    target_r, target_c = tis2hw(target_px)
    return _round_multiple(target_r, mult), _round_multiple(target_c, mult)


def _get_resize_target(img, crop_target, do_crop=False):
    "Calc size of `img` to fit in `crop_target` - adjust based on `do_crop`."
    if crop_target is None: return None
    ch, r, c = img.shape
    target_r, target_c = crop_target
    ratio = (min if do_crop else max)(r / target_r, c / target_c)
    return ch, int(round(r / ratio)), int(round(c / ratio))


# -- plotting -----------------------------------------------------------------------------------
def plot_flat(r, c, figsize):
    "Shortcut for `enumerate(subplots.flatten())`"
    import matplotlib.pyplot as plt
    return enumerate(plt.subplots(r, c, figsize=figsize)[1].flatten())


def plot_multi(func, r=1, c=1, figsize=(12, 6)):
    "Call `func` for every combination of `r,c` on a subplot"
    import matplotlib.pyplot as plt
    axes = plt.subplots(r, c, figsize=figsize, squeeze=False)[1]
    for i in range(r):
        for j in range(c): func(i, j, axes[i, j])


def show_multi(func, r=1, c=1, figsize=(9, 9)):
    "Call `func(i,j).show(ax)` for every combination of `r,c`"
    plot_multi(lambda i, j, ax: func(i, j).show(ax), r, c, figsize=figsize)


def show_all(imgs, r=1, c=None, figsize=(12, 6)):
    "Show all `imgs` using `r` rows"
    imgs = listify(imgs)
    if c is None: c = len(imgs) // r
    for i, ax in plot_flat(r, c, figsize): imgs[i].show(ax)


# -- fastai 2's images as v1's tensors ---------------------------------------------------------------
class _V1Pixels(TensorImage):
    "v1's pixels (floats in [0, 1]) times 255, as fastai 2's `IntToFloatTensor` (which divides by 255) expects."


def image_to_v1_tensor(img):
    """A fastai 2 image as v1's float (channels, height, width) tensor in [0, 1]: a PIL image (height, width,
    channels) or a uint8 tensor that fastai 2's `ToTensor` made (channels first already, whatever its size)."""
    if isinstance(img, PIL.Image.Image):
        if img.mode in _MODES_16BIT: return _from_16bit(img, "L", True)
        return pil2tensor(img, np.float32).div_(255.)
    if not isinstance(img, torch.Tensor):   # a NumPy array: PIL's layout
        a = np.asarray(img)
        x = pil2tensor(a, np.float32)
        return x if np.issubdtype(a.dtype, np.floating) else x.div_(255.)
    if isinstance(img, _V1Pixels): return img.as_subclass(torch.Tensor).float() / 255.
    img = img.as_subclass(torch.Tensor) if isinstance(img, TensorBase) else img
    if img.ndim == 2: img = img[None]
    return img.float().div_(255.) if not img.is_floating_point() else img.float()
