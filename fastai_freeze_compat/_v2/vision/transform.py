"""fastai v1's ``get_transforms`` (``fastai/vision/transform.py``) as fastai 2 augmentations.

v1 applied its augmentations to each image on the CPU, resampling once at the final ``size``; fastai 2
resizes each image with PIL (an item transform) and augments whole batches on the device. The
distributions are v1's; where fastai 2's own transform draws differently, the v1 one is written here:

====================================  ==============================  =====================================
v1 (``get_transforms`` argument)      v1 transform                    here (fastai 2)
====================================  ==============================  =====================================
(always, train)                       ``rand_crop()``: crop at a      ``Resize(size, method='crop')`` with a
                                      random position                 random position (v1's resize + crop)
(always, valid / test)                ``crop_pad()``: centre crop     the same ``Resize``, centred
``do_flip=True``                      ``flip_lr(p=0.5)``              ``Flip(p=0.5)``
``do_flip, flip_vert=True``           ``dihedral_affine()``, **p=1**  ``Dihedral(p=1.)`` (fastai 2's
                                      (one of 8, identity included)   ``aug_transforms`` uses p=0.5)
``max_warp=0.2``                      ``symmetric_warp``: **4**       :class:`SymmetricWarp` (v1's 4
                                      magnitudes U(-w, w), p_affine   magnitudes; fastai 2's ``Warp`` draws
                                                                      2, each with its own p)
``max_rotate=10.``                    ``rotate`` U(-10, 10) degrees   ``Rotate(max_deg=10, p=p_affine)``
``max_zoom=1.1``                      ``rand_zoom`` U(1, 1.1), random ``Zoom(1., 1.1, p=p_affine)``
                                      centre
``max_lighting=0.2``                  ``brightness`` U(0.4, 0.6),     ``Brightness(0.2, p=p_lighting)``,
                                      ``contrast`` log-U(0.8, 1.25)   ``Contrast(0.2, p=p_lighting)``
``p_affine=.75``, ``p_lighting=.75``  per transform, per image        per transform, per image
``xtra_tfms``                         v1 transforms                   fastai 2 batch transforms
====================================  ==============================  =====================================

The affine and warp transforms are composed into one resampling (as v1 did) with ``padding_mode`` and
``mode`` of the factory. Pixel values are not identical to v1's: v1 resized with ``grid_sample``, fastai
2 with PIL, and the random streams differ.
"""
import copy
import random

import torch
from fastai.vision.augment import (AffineCoordTfm, Brightness, Contrast, Dihedral, Flip, Resize, Rotate, Zoom,
                                   _WarpCoord, setup_aug_tfms)
# fastai 2.8 moved Transform from fastcore to fasttransform; fastai.data.transforms re-exports it in both.
from fastai.data.transforms import Transform
from fastai.vision.augment import ResizeMethod as _V2ResizeMethod

from ..._warn import warn_bridged
from .image import ResizeMethod

__all__ = ["get_transforms", "SymmetricWarp", "V1Crop", "rand_crop", "crop_pad", "split_tfms"]


class V1Crop(Transform):
    """v1's `rand_crop()` / `crop_pad()` in a transform list: where the crop to `size` is taken.

    It does nothing by itself; `ImageDataBunch` turns it into the item `Resize` at the factory's `size`."""
    order = 0

    def __init__(self, rand=False, row_pct=0.5, col_pct=0.5, padding_mode="reflection"):
        super().__init__()
        self.rand, self.row_pct, self.col_pct, self.padding_mode = rand, row_pct, col_pct, padding_mode

    def __repr__(self):
        return "rand_crop()" if self.rand else f"crop_pad(row_pct={self.row_pct}, col_pct={self.col_pct})"


def rand_crop(padding_mode="reflection"):
    "Randomized version of `crop_pad`."
    return V1Crop(rand=True, padding_mode=padding_mode)


def crop_pad(row_pct=0.5, col_pct=0.5, padding_mode="reflection"):
    "Crop (or pad) to `size` at the position (`row_pct`, `col_pct`), centred by default."
    return V1Crop(rand=False, row_pct=row_pct, col_pct=col_pct, padding_mode=padding_mode)


class _SymmetricWarpCoord(_WarpCoord):
    "v1's `_symmetric_warp`: four magnitudes per image, the whole warp applied with probability `p`."
    def __init__(self, magnitude=(-0.2, 0.2), p=0.75, draw=None):
        super().__init__(magnitude=max(abs(magnitude[0]), abs(magnitude[1])), p=p)
        self.low, self.high, self.draw = float(magnitude[0]), float(magnitude[1]), draw

    def before_call(self, x):
        n, kw = x.size(0), dict(dtype=x.dtype, device=x.device)
        # plain tensors: fastai 2 refuses to mix TensorImage with the TensorFlowField coordinates
        if self.draw is None: m = torch.empty(n, 4, **kw).uniform_(self.low, self.high)
        else: m = torch.as_tensor(self.draw, **kw).reshape(-1, 4).expand(n, 4)
        if self.p < 1.: m = m * torch.empty(n, 1, **kw).bernoulli_(self.p)
        m0, m1, m2, m3 = m.unbind(1)
        orig = torch.tensor([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=x.dtype, device=x.device)
        self.orig_pts = orig.unsqueeze(0).expand(n, 4, 2)
        # v1: targ_pts = [[-1-m[3],-1-m[1]], [-1-m[2],1+m[1]], [1+m[3],-1-m[0]], [1+m[2],1+m[0]]]
        self.targ_pts = torch.stack([torch.stack([-1 - m3, -1 - m1], 1), torch.stack([-1 - m2, 1 + m1], 1),
                                     torch.stack([1 + m3, -1 - m0], 1), torch.stack([1 + m2, 1 + m0], 1)], 1)


class SymmetricWarp(AffineCoordTfm):
    """v1's `symmetric_warp(magnitude=(-w, w), p)` as a fastai 2 batch transform.

    The four corners move by four independent magnitudes drawn from U(`magnitude`) (fastai 2's `Warp`
    moves them by two, each switched on with its own probability). `draw` fixes the four magnitudes."""
    def __init__(self, magnitude=(-0.2, 0.2), p=0.75, draw=None, size=None, mode="bilinear", pad_mode="reflection",
                 align_corners=True):
        if isinstance(magnitude, (int, float)): magnitude = (-magnitude, magnitude)
        self.magnitude, self.p_warp = tuple(magnitude), p
        super().__init__(coord_fs=_SymmetricWarpCoord(magnitude, p, draw), size=size, mode=mode, pad_mode=pad_mode,
                         align_corners=align_corners)


def get_transforms(do_flip=True, flip_vert=False, max_rotate=10., max_zoom=1.1, max_lighting=0.2, max_warp=0.2,
                   p_affine=0.75, p_lighting=0.75, xtra_tfms=None):
    """Utility func to easily create a list of flip, rotate, `zoom`, warp, lighting transforms.

    Returns v1's pair `(train_tfms, valid_tfms)`; the transforms are fastai 2's (see the module docstring
    for the mapping): pass the pair as `ds_tfms=` to an `ImageDataBunch` factory."""
    warn_bridged("name.get_transforms")
    res = [rand_crop()]
    if do_flip: res.append(Dihedral(p=1.) if flip_vert else Flip(p=0.5))
    if max_warp: res.append(SymmetricWarp(magnitude=(-max_warp, max_warp), p=p_affine))
    if max_rotate: res.append(Rotate(max_deg=max_rotate, p=p_affine))
    if max_zoom > 1: res.append(Zoom(min_zoom=1., max_zoom=max_zoom, p=p_affine))
    if max_lighting:
        res.append(Brightness(max_lighting=max_lighting, p=p_lighting))
        res.append(Contrast(max_lighting=max_lighting, p=p_lighting))
    xtra = [] if xtra_tfms is None else list(xtra_tfms) if isinstance(xtra_tfms, (list, tuple)) else [xtra_tfms]
    return (res + xtra, [crop_pad()])


class _V1Resize(Resize):
    "fastai 2's `Resize` at v1's crop position: random only where v1 had `rand_crop()`, else `crop_pad`'s."
    def __init__(self, size, method, pad_mode, crop):
        super().__init__(size, method=method, pad_mode=pad_mode)
        self.crop = crop

    def before_call(self, b, split_idx):
        if self.method == _V2ResizeMethod.Squish: return
        if self.crop is not None and self.crop.rand and not split_idx: self.pcts = (random.random(), random.random())
        elif self.crop is not None: self.pcts = (self.crop.col_pct, self.crop.row_pct)
        else: self.pcts = (0.5, 0.5)


def _round_multiple(x, mult=None):
    "Calc `x` to nearest multiple of `mult`."
    return (int(x / mult + 0.5) * mult) if mult is not None else x


def _resize_target(size, mult):
    h, w = (size, size) if isinstance(size, int) else tuple(size)
    return _round_multiple(h, mult), _round_multiple(w, mult)


def split_tfms(tfms, size=None, resize_method=None, mult=None, padding_mode="reflection", mode="bilinear"):
    """One split's v1 transform list -> (item transforms, batch transforms) for fastai 2 loaders.

    The v1 crop marker (`rand_crop()` / `crop_pad()`) becomes the item `Resize` to `size` (v1 added a centred
    one when a list had none); the others are copied (a `get_transforms()` result can be reused) with the
    factory's `padding_mode` / `mode`, and the affine ones composed into one resampling as in v1."""
    tfms = [] if tfms is None else list(tfms)
    bad = [t for t in tfms if not isinstance(t, Transform)]
    if bad:
        raise TypeError(f"ds_tfms must hold fastai 2 transforms (as `fv.get_transforms()` returns), got "
                        f"{type(bad[0]).__name__} {bad[0]!r:.60}; v1 transform objects cannot run on fastai 2")
    crops = [t for t in tfms if isinstance(t, V1Crop)]
    crop = crops[-1] if crops else None
    if resize_method is None:
        resize_method = ResizeMethod.SQUISH if isinstance(size, (tuple, list)) else ResizeMethod.CROP
    item = []
    if size is not None and resize_method != ResizeMethod.NO:
        method = {ResizeMethod.CROP: _V2ResizeMethod.Crop, ResizeMethod.PAD: _V2ResizeMethod.Pad,
                  ResizeMethod.SQUISH: _V2ResizeMethod.Squish}[ResizeMethod(resize_method)]
        pad = crop.padding_mode if crop is not None else padding_mode
        item.append(_V1Resize(_resize_target(size, mult), method, pad, crop))
    batch = []
    for t in tfms:
        if isinstance(t, V1Crop): continue
        t = copy.deepcopy(t)
        if isinstance(t, AffineCoordTfm): t.pad_mode, t.mode = padding_mode, mode
        batch.append(t)
    return item, setup_aug_tfms(batch)
