"""fastai v1's ``fastai/vision/image.py`` on fastai 2: v1's ``Image`` (a float tensor ``px``, channels first, in
[0, 1]) and the conversion of fastai 2's images (PIL or uint8 tensors) to it.
"""
from enum import IntEnum

import numpy as np
import torch
from fastai.torch_core import TensorBase

from ..core import ItemBase

__all__ = ["Image", "ResizeMethod", "image_to_v1_tensor"]


class ResizeMethod(IntEnum):
    "How v1 resized to `size`: `CROP` (default for an int size), `PAD`, `SQUISH` (default for a tuple) or `NO`."
    CROP = 1
    PAD = 2
    SQUISH = 3
    NO = 4

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

def image_to_v1_tensor(img):
    "A fastai 2 image (PIL or uint8 tensor) as v1's float (channels, height, width) tensor in [0, 1]."
    if not isinstance(img, torch.Tensor): img = torch.from_numpy(np.array(img))
    img = img.as_subclass(torch.Tensor) if isinstance(img, TensorBase) else img
    if img.ndim == 2: img = img[None]
    elif img.ndim == 3 and img.shape[-1] in (1, 3, 4) and img.shape[0] not in (1, 3, 4): img = img.permute(2, 0, 1)
    return img.float().div_(255.) if not img.is_floating_point() else img.float()
