"""fastai v1's ``fastai/vision/transform.py`` on fastai 2: v1's transform functions, and how the
``ImageDataBunch`` factories run them.

The transforms are fastai v1 1.0.61's (fastai/vision/transform.py, Apache-2.0) on the package's
``Image`` (``image.py``): ``rotate(degrees=10)``, ``flip_lr(p=0.5)``, ``rand_pad(2, 28)``,
``get_transforms()`` return v1's ``RandTransform`` objects (``get_transforms`` the pair of lists), and
``img.apply_tfms(tfms, size=...)`` applies them as v1 did (v1's random draws from Python's ``random`` and
torch's generator, one ``grid_sample`` at the final size). The one repair: v1 solved for the perspective
coefficients (``perspective_warp``, ``symmetric_warp``, ``skew``, ``tilt``) with ``torch.solve``, removed
in torch 1.9 (real 1.0.61 crashes there); here ``torch.linalg.solve``, the same solution.

How the factories (``ImageDataBunch.from_folder(..., ds_tfms=...)``) run a split's list:

* a list made only of what ``get_transforms()`` builds (below) becomes fastai 2 augmentations, as before:
  the crop to ``size`` an item ``Resize``, the others batch transforms on the device, composed into one
  resampling (the distributions are v1's; pixel values and random streams are not);
* any other v1 transform in a list (``rand_pad``, ``crop``, ``pad``, ``dihedral``, ``cutout``, a ``rotate``
  with a fixed angle, ...) makes that split run v1's ``apply_tfms`` on each item (v1's pixels exactly,
  on the CPU); fastai 2 transforms in a list stay batch transforms.

====================================  ==============================  =====================================
v1 (``get_transforms`` argument)      v1 transform                    fastai 2 augmentation in the factories
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
``xtra_tfms``                         v1 transforms                   v1's per item, or fastai 2 batch
                                                                      transforms as given
====================================  ==============================  =====================================
"""
import copy
import math
import random
from functools import partial

import numpy as np
import scipy.special
import torch
import torch.nn.functional as F
from fastai.vision.augment import (AffineCoordTfm, Brightness, Contrast, Dihedral, Flip, Resize, Rotate, Zoom,
                                   _WarpCoord, setup_aug_tfms)
from fastai.vision.augment import ResizeMethod as _V2ResizeMethod
from fastai.torch_core import TensorImage
# fastai 2.8 moved Transform from fastcore to fasttransform; fastai.data.transforms re-exports it in both.
from fastai.data.transforms import Transform as _V2Transform

from ..._warn import warn_bridged
from ..core import listify
from ..torch_core import log_uniform, rand_bool, uniform, uniform_int
from .image import (FlowField, Image, ImagePoints, RandTransform, ResizeMethod, TfmAffine, TfmCoord, TfmCrop,
                    TfmLighting, TfmPixel, _V1Pixels, _affine_mult, _round_multiple, image_to_v1_tensor, tis2hw)

__all__ = ["brightness", "contrast", "crop", "crop_pad", "cutout", "dihedral", "dihedral_affine", "flip_affine",
           "flip_lr", "get_transforms", "jitter", "pad", "perspective_warp", "rand_pad", "rand_crop", "rand_zoom",
           "rgb_randomize", "rotate", "skew", "squish", "rand_resize_crop", "symmetric_warp", "tilt", "zoom",
           "zoom_crop", "zoom_squish", "SymmetricWarp", "V1Crop", "V1ItemTfms", "split_tfms"]

_pad_mode_convert = {'reflection': 'reflect', 'zeros': 'constant', 'border': 'replicate'}


def _brightness(x, change: uniform):
    "Apply `change` in brightness of image `x`."
    return x.add_(scipy.special.logit(change))
brightness = TfmLighting(_brightness)


def _contrast(x, scale: log_uniform):
    "Apply `scale` to contrast of image `x`."
    return x.mul_(scale)
contrast = TfmLighting(_contrast)


def _rotate(degrees: uniform):
    "Rotate image by `degrees`."
    angle = degrees * math.pi / 180
    return [[math.cos(angle), -math.sin(angle), 0.],
            [math.sin(angle), math.cos(angle), 0.],
            [0., 0., 1.]]
rotate = TfmAffine(_rotate)


def _get_zoom_mat(sw, sh, c, r):
    "`sw`,`sh` scale width,height - `c`,`r` focus col,row."
    return [[sw, 0, c],
            [0, sh, r],
            [0, 0, 1.]]


def _zoom(scale: uniform = 1.0, row_pct: uniform = 0.5, col_pct: uniform = 0.5):
    "Zoom image by `scale`. `row_pct`,`col_pct` select focal point of zoom."
    s = 1 - 1 / scale
    col_c = s * (2 * col_pct - 1)
    row_c = s * (2 * row_pct - 1)
    return _get_zoom_mat(1 / scale, 1 / scale, col_c, row_c)
zoom = TfmAffine(_zoom)


def _squish(scale: uniform = 1.0, row_pct: uniform = 0.5, col_pct: uniform = 0.5):
    "Squish image by `scale`. `row_pct`,`col_pct` select focal point of zoom."
    if scale <= 1:
        col_c = (1 - scale) * (2 * col_pct - 1)
        return _get_zoom_mat(scale, 1, col_c, 0.)
    else:
        row_c = (1 - 1 / scale) * (2 * row_pct - 1)
        return _get_zoom_mat(1, 1 / scale, 0., row_c)
squish = TfmAffine(_squish)


def _jitter(c, magnitude: uniform):
    "Replace pixels by random neighbors at `magnitude`."
    c.flow.add_((torch.rand_like(c.flow) - 0.5) * magnitude * 2)
    return c
jitter = TfmCoord(_jitter)


def _flip_lr(x):
    "Flip `x` horizontally."
    if isinstance(x, ImagePoints):
        x.flow.flow[..., 0] *= -1
        return x
    return torch.from_numpy(np.ascontiguousarray(np.array(x)[..., ::-1]))
flip_lr = TfmPixel(_flip_lr)


def _flip_affine():
    "Flip `x` horizontally."
    return [[-1, 0, 0.],
            [0, 1, 0],
            [0, 0, 1.]]
flip_affine = TfmAffine(_flip_affine)


def _dihedral(x, k: partial(uniform_int, 0, 7)):
    "Randomly flip `x` image based on `k`."
    flips = []
    if k & 1: flips.append(1)
    if k & 2: flips.append(2)
    if flips: x = torch.flip(x, flips)
    if k & 4: x = x.transpose(1, 2)
    return x.contiguous()
dihedral = TfmPixel(_dihedral)


def _dihedral_affine(k: partial(uniform_int, 0, 7)):
    "Randomly flip `x` image based on `k`."
    x = -1 if k & 1 else 1
    y = -1 if k & 2 else 1
    if k & 4: return [[0, x, 0.],
                      [y, 0, 0],
                      [0, 0, 1.]]
    return [[x, 0, 0.],
            [0, y, 0],
            [0, 0, 1.]]
dihedral_affine = TfmAffine(_dihedral_affine)


def _pad_coord(x, row_pad, col_pad, mode='zeros'):
    h, w = x.size
    pad = torch.Tensor([w / (w + 2 * col_pad), h / (h + 2 * row_pad)])
    x.flow = FlowField((h + 2 * row_pad, w + 2 * col_pad), x.flow.flow * pad[None])
    return x


def _pad_default(x, padding, mode='reflection'):
    "Pad `x` with `padding` pixels. `mode` fills in space ('zeros','reflection','border')."
    mode = _pad_mode_convert[mode]
    return F.pad(x[None], (padding,) * 4, mode=mode)[0]


def _pad_image_points(x, padding, mode='reflection'):
    return _pad_coord(x, padding, padding, mode)


def _pad(x, padding: int, mode='reflection'):
    f_pad = _pad_image_points if isinstance(x, ImagePoints) else _pad_default
    return f_pad(x, padding, mode)
pad = TfmPixel(_pad, order=-10)


def _cutout(x, n_holes: uniform_int = 1, length: uniform_int = 40):
    "Cut out `n_holes` number of square holes of size `length` in image at random locations."
    h, w = x.shape[1:]
    for n in range(n_holes):
        h_y = np.random.randint(0, h)
        h_x = np.random.randint(0, w)
        y1 = int(np.clip(h_y - length / 2, 0, h))
        y2 = int(np.clip(h_y + length / 2, 0, h))
        x1 = int(np.clip(h_x - length / 2, 0, w))
        x2 = int(np.clip(h_x + length / 2, 0, w))
        x[:, y1:y2, x1:x2] = 0
    return x
cutout = TfmPixel(_cutout, order=20)


def _rgb_randomize(x, channel: int = None, thresh: float = 0.3):
    "Randomize one of the channels of the input image"
    if channel is None: channel = np.random.randint(0, x.shape[0] - 1)
    x[channel] = torch.rand(x.shape[1:]) * np.random.uniform(0, thresh)
    return x
rgb_randomize = TfmPixel(_rgb_randomize)


def _minus_epsilon(row_pct, col_pct, eps=1e-7):
    if row_pct == 1.: row_pct -= 1e-7
    if col_pct == 1.: col_pct -= 1e-7
    return row_pct, col_pct


def _crop_default(x, size, row_pct: uniform = 0.5, col_pct: uniform = 0.5):
    "Crop `x` to `size` pixels. `row_pct`,`col_pct` select focal point of crop."
    rows, cols = tis2hw(size)
    row_pct, col_pct = _minus_epsilon(row_pct, col_pct)
    row = int((x.size(1) - rows + 1) * row_pct)
    col = int((x.size(2) - cols + 1) * col_pct)
    return x[:, row:row + rows, col:col + cols].contiguous()


def _crop_image_points(x, size, row_pct=0.5, col_pct=0.5):
    h, w = x.size
    rows, cols = tis2hw(size)
    row_pct, col_pct = _minus_epsilon(row_pct, col_pct)
    x.flow.flow.mul_(torch.Tensor([w / cols, h / rows])[None])
    row = int((h - rows + 1) * row_pct)
    col = int((w - cols + 1) * col_pct)
    x.flow.flow.add_(-1 + torch.Tensor([w / cols - 2 * col / cols, h / rows - 2 * row / rows])[None])
    x.size = (rows, cols)
    return x


def _crop(x, size, row_pct: uniform = 0.5, col_pct: uniform = 0.5):
    f_crop = _crop_image_points if isinstance(x, ImagePoints) else _crop_default
    return f_crop(x, size, row_pct, col_pct)
crop = TfmPixel(_crop)


def _crop_pad_default(x, size, padding_mode='reflection', row_pct: uniform = 0.5, col_pct: uniform = 0.5):
    "Crop and pad tfm - `row_pct`,`col_pct` sets focal point."
    padding_mode = _pad_mode_convert[padding_mode]
    size = tis2hw(size)
    if x.shape[1:] == torch.Size(size): return x
    rows, cols = size
    row_pct, col_pct = _minus_epsilon(row_pct, col_pct)
    if x.size(1) < rows or x.size(2) < cols:
        row_pad = max((rows - x.size(1) + 1) // 2, 0)
        col_pad = max((cols - x.size(2) + 1) // 2, 0)
        x = F.pad(x[None], (col_pad, col_pad, row_pad, row_pad), mode=padding_mode)[0]
    row = int((x.size(1) - rows + 1) * row_pct)
    col = int((x.size(2) - cols + 1) * col_pct)
    x = x[:, row:row + rows, col:col + cols]
    return x.contiguous()  # without this, get NaN later - don't know why


def _crop_pad_image_points(x, size, padding_mode='reflection', row_pct=0.5, col_pct=0.5):
    size = tis2hw(size)
    rows, cols = size
    if x.size[0] < rows or x.size[1] < cols:
        row_pad = max((rows - x.size[0] + 1) // 2, 0)
        col_pad = max((cols - x.size[1] + 1) // 2, 0)
        x = _pad_coord(x, row_pad, col_pad)
    return crop(x, (rows, cols), row_pct, col_pct)


def _crop_pad(x, size, padding_mode='reflection', row_pct: uniform = 0.5, col_pct: uniform = 0.5):
    f_crop_pad = _crop_pad_image_points if isinstance(x, ImagePoints) else _crop_pad_default
    return f_crop_pad(x, size, padding_mode, row_pct, col_pct)
crop_pad = TfmCrop(_crop_pad)

rand_pos = {'row_pct': (0, 1), 'col_pct': (0, 1)}


def rand_pad(padding, size, mode='reflection'):
    "Fixed `mode` `padding` and random crop of `size`"
    return [pad(padding=padding, mode=mode),
            crop(size=size, **rand_pos)]


def rand_zoom(scale: uniform = 1.0, p=1.):
    "Randomized version of `zoom`."
    return zoom(scale=scale, **rand_pos, p=p)


def rand_crop(*args, padding_mode='reflection', p=1.):
    "Randomized version of `crop_pad`."
    return crop_pad(*args, **rand_pos, padding_mode=padding_mode, p=p)


def zoom_crop(scale, do_rand=False, p=1.0):
    "Randomly zoom and/or crop."
    zoom_fn = rand_zoom if do_rand else zoom
    crop_fn = rand_crop if do_rand else crop_pad
    return [zoom_fn(scale=scale, p=p), crop_fn()]


def _coeff_rows(p1, p2):
    "The two equations a target point `p1` and its original `p2` give for the 8 perspective coefficients."
    return ([p1[0], p1[1], 1, 0, 0, 0, -p2[0] * p1[0], -p2[0] * p1[1]],
            [0, 0, 0, p1[0], p1[1], 1, -p2[1] * p1[0], -p2[1] * p1[1]])


def _find_coeffs(orig_pts, targ_pts):
    "Find 8 coeff mentioned [here](https://web.archive.org/web/20150222120106/xenia.media.mit.edu/~cwren/interpolator/)."
    A = torch.FloatTensor([row for p1, p2 in zip(targ_pts, orig_pts) for row in _coeff_rows(p1, p2)])
    B = torch.FloatTensor(orig_pts).view(8, 1)
    # The 8 scalars we seek are solution of AX = B. v1: `torch.solve(B, A)[0]` (torch.gesv on 1.0.48), removed
    # in torch 1.9, so real 1.0.61 crashes here on today's torch; torch.linalg.solve(A, B) is the same solution.
    return torch.linalg.solve(A, B)[:, 0]


def _apply_perspective(coords, coeffs):
    "Transform `coords` with `coeffs`."
    size = coords.flow.size()
    # compress all the dims expect the last one ang adds ones, coords become N * 3
    coords.flow = coords.flow.view(-1, 2)
    # Transform the coeffs in a 3*3 matrix with a 1 at the bottom left
    coeffs = torch.cat([coeffs, torch.FloatTensor([1])]).view(3, 3)
    coords.flow = torch.addmm(coeffs[:, 2], coords.flow, coeffs[:, :2].t())
    coords.flow.mul_(1 / coords.flow[:, 2].unsqueeze(1))
    coords.flow = coords.flow[:, :2].view(size)
    return coords


_orig_pts = [[-1, -1], [-1, 1], [1, -1], [1, 1]]


def _do_perspective_warp(c, targ_pts, invert=False):
    "Apply warp to `targ_pts` from `_orig_pts` to `c` `FlowField`."
    if invert: return _apply_perspective(c, _find_coeffs(targ_pts, _orig_pts))
    return _apply_perspective(c, _find_coeffs(_orig_pts, targ_pts))


def _perspective_warp(c, magnitude: partial(uniform, size=8) = 0, invert=False):
    "Apply warp of `magnitude` to `c`."
    magnitude = magnitude.view(4, 2)
    targ_pts = [[x + m for x, m in zip(xs, ms)] for xs, ms in zip(_orig_pts, magnitude)]
    return _do_perspective_warp(c, targ_pts, invert)
perspective_warp = TfmCoord(_perspective_warp)


def _symmetric_warp(c, magnitude: partial(uniform, size=4) = 0, invert=False):
    "Apply symmetric warp of `magnitude` to `c`."
    m = listify(magnitude, 4)
    targ_pts = [[-1 - m[3], -1 - m[1]], [-1 - m[2], 1 + m[1]], [1 + m[3], -1 - m[0]], [1 + m[2], 1 + m[0]]]
    return _do_perspective_warp(c, targ_pts, invert)
symmetric_warp = TfmCoord(_symmetric_warp)


def _tilt(c, direction: uniform_int, magnitude: uniform = 0, invert=False):
    "Tilt `c` field with random `direction` and `magnitude`."
    if direction == 0: targ_pts = [[-1, -1], [-1, 1], [1, -1 - magnitude], [1, 1 + magnitude]]
    elif direction == 1: targ_pts = [[-1, -1 - magnitude], [-1, 1 + magnitude], [1, -1], [1, 1]]
    elif direction == 2: targ_pts = [[-1, -1], [-1 - magnitude, 1], [1, -1], [1 + magnitude, 1]]
    elif direction == 3: targ_pts = [[-1 - magnitude, -1], [-1, 1], [1 + magnitude, -1], [1, 1]]
    coeffs = _find_coeffs(targ_pts, _orig_pts) if invert else _find_coeffs(_orig_pts, targ_pts)
    return _apply_perspective(c, coeffs)
tilt = TfmCoord(_tilt)


def _skew(c, direction: uniform_int, magnitude: uniform = 0, invert=False):
    "Skew `c` field with random `direction` and `magnitude`."
    if direction == 0: targ_pts = [[-1 - magnitude, -1], [-1, 1], [1, -1], [1, 1]]
    elif direction == 1: targ_pts = [[-1, -1 - magnitude], [-1, 1], [1, -1], [1, 1]]
    elif direction == 2: targ_pts = [[-1, -1], [-1 - magnitude, 1], [1, -1], [1, 1]]
    elif direction == 3: targ_pts = [[-1, -1], [-1, 1 + magnitude], [1, -1], [1, 1]]
    elif direction == 4: targ_pts = [[-1, -1], [-1, 1], [1 + magnitude, -1], [1, 1]]
    elif direction == 5: targ_pts = [[-1, -1], [-1, 1], [1, -1 - magnitude], [1, 1]]
    elif direction == 6: targ_pts = [[-1, -1], [-1, 1], [1, -1], [1 + magnitude, 1]]
    elif direction == 7: targ_pts = [[-1, -1], [-1, 1], [1, -1], [1, 1 + magnitude]]
    coeffs = _find_coeffs(targ_pts, _orig_pts) if invert else _find_coeffs(_orig_pts, targ_pts)
    return _apply_perspective(c, coeffs)
skew = TfmCoord(_skew)


def get_transforms(do_flip=True, flip_vert=False, max_rotate=10., max_zoom=1.1, max_lighting=0.2, max_warp=0.2,
                   p_affine=0.75, p_lighting=0.75, xtra_tfms=None):
    """Utility func to easily create a list of flip, rotate, `zoom`, warp, lighting transforms.

    v1's pair `(train_tfms, valid_tfms)` of v1 transforms: for `transform(...)` / `apply_tfms`, or `ds_tfms=`
    of an `ImageDataBunch` factory (which runs them as fastai 2 augmentations, see the module docstring)."""
    warn_bridged("name.get_transforms")
    res = [rand_crop()]
    if do_flip: res.append(dihedral_affine() if flip_vert else flip_lr(p=0.5))
    if max_warp: res.append(symmetric_warp(magnitude=(-max_warp, max_warp), p=p_affine))
    if max_rotate: res.append(rotate(degrees=(-max_rotate, max_rotate), p=p_affine))
    if max_zoom > 1: res.append(rand_zoom(scale=(1., max_zoom), p=p_affine))
    if max_lighting:
        res.append(brightness(change=(0.5 * (1 - max_lighting), 0.5 * (1 + max_lighting)), p=p_lighting))
        res.append(contrast(scale=(1 - max_lighting, 1 / (1 - max_lighting)), p=p_lighting))
    #       train                   , valid
    return (res + listify(xtra_tfms), [crop_pad()])


def _compute_zs_mat(sz, scale, squish, invert, row_pct, col_pct):
    "Utility routine to compute zoom/squish matrix."
    orig_ratio = math.sqrt(sz[1] / sz[0])
    for s, r, i in zip(scale, squish, invert):
        s, r = 1 / math.sqrt(s), math.sqrt(r)
        if s * r <= 1 and s / r <= 1:  # Test if we are completely inside the picture
            w, h = (s / r, s * r) if i else (s * r, s / r)
            col_c = (1 - w) * (2 * col_pct - 1)
            row_c = (1 - h) * (2 * row_pct - 1)
            return _get_zoom_mat(w, h, col_c, row_c)
    # Fallback, hack to emulate a center crop without cropping anything yet.
    if orig_ratio > 1: return _get_zoom_mat(1 / orig_ratio ** 2, 1, 0, 0.)
    else: return _get_zoom_mat(1, orig_ratio ** 2, 0, 0.)


def _zoom_squish(c, scale: uniform = 1.0, squish: uniform = 1.0, invert: rand_bool = False,
                 row_pct: uniform = 0.5, col_pct: uniform = 0.5):
    # This is intended for scale, squish and invert to be of size 10 (or whatever) so that the transform
    # can try a few zoom/squishes before falling back to center crop (like torchvision.RandomResizedCrop)
    m = _compute_zs_mat(c.size, scale, squish, invert, row_pct, col_pct)
    return _affine_mult(c, torch.FloatTensor(m))
zoom_squish = TfmCoord(_zoom_squish)


def rand_resize_crop(size, max_scale=2., ratios=(0.75, 1.33)):
    "Randomly resize and crop the image to a ratio in `ratios` after a zoom of `max_scale`."
    return [zoom_squish(scale=(1., max_scale, 8), squish=(*ratios, 8), invert=(0.5, 8), row_pct=(0., 1.),
                        col_pct=(0., 1.)),
            crop(size=size)]


# -- the factories: v1 lists as fastai 2 augmentations, or v1's apply_tfms per item ---------------------
class V1Crop(_V2Transform):
    """v1's `rand_crop()` / `crop_pad()` in a factory's list: where the crop to `size` is taken.

    It does nothing by itself; `split_tfms` turns it into the item `Resize` at the factory's `size`."""
    order = 0

    def __init__(self, rand=False, row_pct=0.5, col_pct=0.5, padding_mode="reflection"):
        super().__init__()
        self.rand, self.row_pct, self.col_pct, self.padding_mode = rand, row_pct, col_pct, padding_mode

    def __repr__(self):
        return "rand_crop()" if self.rand else f"crop_pad(row_pct={self.row_pct}, col_pct={self.col_pct})"


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


def _pair(v):
    "`v` as a (low, high) pair of numbers, or None."
    if isinstance(v, (tuple, list)) and len(v) == 2 and all(isinstance(o, (int, float)) for o in v):
        return float(v[0]), float(v[1])
    return None


def _as_v2(t):
    """The fastai 2 augmentation of the v1 transform `t` where `get_transforms()` builds one like it, else None."""
    f, kw, p = t.tfm, t.kwargs, t.p
    if not t.is_random: return None
    keys = set(kw)
    if f is crop_pad:
        if p != 1 or not keys <= {'row_pct', 'col_pct', 'padding_mode'}: return None
        pm = kw.get('padding_mode', 'reflection')
        if _pair(kw.get('row_pct')) == (0., 1.) and _pair(kw.get('col_pct')) == (0., 1.):
            return V1Crop(rand=True, padding_mode=pm)
        r, c = kw.get('row_pct', 0.5), kw.get('col_pct', 0.5)
        if isinstance(r, (int, float)) and isinstance(c, (int, float)): return V1Crop(False, r, c, pm)
        return None
    if f is flip_lr and not keys: return Flip(p=p)
    if f is dihedral_affine and not keys: return Dihedral(p=p)
    if f is symmetric_warp and keys == {'magnitude'} and _pair(kw['magnitude']):
        return SymmetricWarp(magnitude=_pair(kw['magnitude']), p=p)
    if f is rotate and keys == {'degrees'}:
        d = _pair(kw['degrees'])
        if d and d[0] == -d[1]: return Rotate(max_deg=d[1], p=p)
    if f is zoom and keys == {'scale', 'row_pct', 'col_pct'} and _pair(kw['scale']) and \
            _pair(kw['row_pct']) == (0., 1.) and _pair(kw['col_pct']) == (0., 1.):
        lo, hi = _pair(kw['scale'])
        return Zoom(min_zoom=lo, max_zoom=hi, p=p)
    if f is brightness and keys == {'change'}:
        c = _pair(kw['change'])
        if c and math.isclose(c[0] + c[1], 1.) and c[1] >= c[0]: return Brightness(max_lighting=c[1] - c[0], p=p)
    if f is contrast and keys == {'scale'}:
        s = _pair(kw['scale'])
        if s and 0 < s[0] <= 1 and math.isclose(s[0] * s[1], 1.): return Contrast(max_lighting=1 - s[0], p=p)
    return None


class V1ItemTfms(_V2Transform):
    """v1's `apply_tfms(tfms, size=..., ...)` on each item of a fastai 2 loader (after `ToTensor`).

    The image is v1's `Image` of the item (`uint8 / 255`, as `open_image`); the result is handed on times 255
    (`IntToFloatTensor` divides again), so the batch holds v1's pixels up to float rounding."""
    order = 6

    def __init__(self, tfms, size=None, resize_method=None, mult=None, padding_mode='reflection', mode='bilinear'):
        super().__init__()
        self.tfms, self.kwargs = list(tfms), dict(size=size, resize_method=resize_method, mult=mult,
                                                 padding_mode=padding_mode, mode=mode)

    def encodes(self, x: TensorImage):
        out = Image(image_to_v1_tensor(x)).apply_tfms(self.tfms, **self.kwargs).px
        return _V1Pixels(out * 255.)

    def __repr__(self): return f"V1ItemTfms({[t.__name__ for t in self.tfms]})"


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


def _resize_target(size, mult):
    h, w = (size, size) if isinstance(size, int) else tuple(size)
    return _round_multiple(h, mult), _round_multiple(w, mult)



def checked_tfms(tfms):
    "One split's transforms (None, one or a list) as a list, each a v1 transform or a fastai 2 one."
    tfms = [] if tfms is None else listify(tfms)
    bad = [t for t in tfms if not isinstance(t, (_V2Transform, RandTransform))]
    if bad:
        raise TypeError(f"ds_tfms must hold v1 transforms (`get_transforms()`, `rand_pad(2, 28)`, `flip_lr(p=0.5)`, "
                        f"...) or fastai 2 transforms, got {type(bad[0]).__name__} {bad[0]!r:.60}")
    return tfms


def split_tfms(tfms, size=None, resize_method=None, mult=None, padding_mode="reflection", mode="bilinear",
               v1_pixels=False):
    """One split's transform list -> (item transforms, batch transforms) for fastai 2 loaders.

    v1 transforms that `get_transforms()` builds become fastai 2 augmentations: the crop marker (`rand_crop()`
    / `crop_pad()`) the item `Resize` to `size` (v1 added a centred one when a list had none), the others
    batch transforms with the factory's `padding_mode` / `mode`, the affine ones composed into one resampling
    as in v1. A list holding any other v1 transform runs v1's `apply_tfms` per item instead (`V1ItemTfms`).
    fastai 2 transforms in the list are batch transforms (copied: a list can be reused). `v1_pixels`: always
    v1's `apply_tfms` per item (the validation and test sets: their pixels are v1's, as after `load_learner`)."""
    tfms = checked_tfms(tfms)
    v1 = [t for t in tfms if isinstance(t, RandTransform)]
    as_v2 = [_as_v2(t) for t in v1]
    v2 = [t for t in tfms if isinstance(t, _V2Transform)]
    if resize_method is None:
        resize_method = ResizeMethod.SQUISH if isinstance(size, (tuple, list)) else ResizeMethod.CROP
    if v1_pixels or any(t is None for t in as_v2):   # v1's own arithmetic, item by item
        item = [V1ItemTfms(v1, size=size, resize_method=resize_method, mult=mult, padding_mode=padding_mode,
                           mode=mode)] if (v1 or size is not None) else []
        return item, setup_aug_tfms([copy.deepcopy(t) for t in v2])
    tfms = as_v2 + v2
    crops = [t for t in tfms if isinstance(t, V1Crop)]
    crop = crops[-1] if crops else None
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
