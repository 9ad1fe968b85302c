"""fastai v1's ``cnn_learner`` (``fastai/vision/learner.py`` in 1.0.61) on fastai 2.

The body is cut with fastai 2's ``create_body`` (same cut rules as 1.0.61) at v1's cut; the head is
v1's (``Linear`` layers with bias, BatchNorm with torch's default init); features are counted the way
v1 counted them (a 64x64 dummy batch, so the random stream matches v1's); layer groups, freezing and
head init follow v1's order: split, freeze if pretrained, then init the head.
"""
import inspect
import warnings

from fastai.data.transforms import get_c
from fastai.layers import AdaptiveConcatPool2d
from fastai.vision.learner import create_body as _v2_create_body
from torch import nn

from ..._warn import warn_bridged
from ..basic_train import Learner
from ..callbacks.hooks import num_features_model
from ..core import listify
from ..layers import Flatten, NormType, bn_drop_lin
from ..torch_core import apply_init, to_device
from torchvision import models

__all__ = ["cnn_learner", "create_cnn", "create_cnn_model", "create_body", "create_head",
           "v1_pretrained_weights", "model_meta", "cnn_config", "default_meta", "unet_learner"]

from fastai.vision.learner import has_pool_type  # noqa: E402,F401  fv.has_pool_type: fastai 2 fixed it as 1.0.61 did


# -- v1's per-architecture metadata -------------------------------------------------------------
# fastai v1's per-architecture metadata (``vision/learner.py`` in 1.0.61): where to cut the
# torchvision model into a body, and the modules at which to split it into layer groups.
# 
# fastai 2 changed several of these (squeezenet has 3 groups there, vgg/alexnet cut at -2,
# mobilenet_v2 is missing), so they are v1's own, not fastai 2's ``model_meta``.
def _default_split(m): return (m[1],)
def _resnet_split(m): return (m[0][6], m[1])
def _squeezenet_split(m): return (m[0][0][5], m[0][0][8], m[1])
def _densenet_split(m): return (m[0][0][7], m[1])
def _vgg_split(m): return (m[0][0][22], m[1])
def _alexnet_split(m): return (m[0][0][6], m[1])
def _mobilenetv2_split(m): return (m[0][0][10], m[1])


default_meta = {"cut": None, "split": _default_split}
_resnet_meta = {"cut": -2, "split": _resnet_split}
_squeezenet_meta = {"cut": -1, "split": _squeezenet_split}
_densenet_meta = {"cut": -1, "split": _densenet_split}
_vgg_meta = {"cut": -1, "split": _vgg_split}
_alexnet_meta = {"cut": -1, "split": _alexnet_split}
_mobilenetv2_meta = {"cut": -1, "split": _mobilenetv2_split}

model_meta = {
    models.resnet18: {**_resnet_meta}, models.resnet34: {**_resnet_meta},
    models.resnet50: {**_resnet_meta}, models.resnet101: {**_resnet_meta},
    models.resnet152: {**_resnet_meta},
    models.squeezenet1_0: {**_squeezenet_meta}, models.squeezenet1_1: {**_squeezenet_meta},
    models.densenet121: {**_densenet_meta}, models.densenet169: {**_densenet_meta},
    models.densenet201: {**_densenet_meta}, models.densenet161: {**_densenet_meta},
    models.vgg11_bn: {**_vgg_meta}, models.vgg13_bn: {**_vgg_meta}, models.vgg16_bn: {**_vgg_meta},
    models.vgg19_bn: {**_vgg_meta},
    models.alexnet: {**_alexnet_meta},
    models.mobilenet_v2: {**_mobilenetv2_meta},
}


def cnn_config(arch):
    "Get the metadata associated with `arch` (v1's default split for any other architecture)."
    # v1 also set torch.backends.cudnn.benchmark = True here, process-wide; we leave it alone.
    return model_meta.get(arch, default_meta)


def _check_arch(arch):
    if isinstance(arch, str):
        raise TypeError(f"base_arch must be a model function such as `models.resnet18`, got the string {arch!r}; "
                        f"use `getattr(fv.models, {arch!r})`")
    if isinstance(arch, nn.Module) or not callable(arch):
        raise TypeError(f"base_arch must be a callable that builds a model (e.g. `models.resnet18`), "
                        f"got {type(arch).__name__} {arch!r:.80}")


def v1_pretrained_weights(arch):
    """The torchvision weights v1 loaded for `arch` with `pretrained=True`, or None if `arch` is not a
    torchvision builder with an `IMAGENET1K_V1` entry."""
    # torchvision 0.13 replaced `pretrained=True` with `weights=`: the legacy flag mapped to
    # IMAGENET1K_V1, while `weights='DEFAULT'` (fastai 2) is IMAGENET1K_V2 for resnet50+ and mobilenet_v2.
    try:
        from torchvision.models import get_model_weights
        enum = get_model_weights(arch)
    except Exception:
        return None
    return getattr(enum, "IMAGENET1K_V1", None)


def _build_arch(arch, pretrained):
    _check_arch(arch)
    try: takes_weights = "weights" in inspect.signature(arch).parameters
    except (TypeError, ValueError): takes_weights = False
    if takes_weights:
        weights = v1_pretrained_weights(arch) if pretrained else None
        if pretrained and weights is None:
            raise ValueError(f"{getattr(arch, '__name__', arch)} has no IMAGENET1K_V1 weights, which fastai v1 "
                             "loaded with pretrained=True; pass pretrained=False")
        return arch(weights=weights)
    # A v1-style architecture function: v1 called `arch(pretrained)` positionally.
    return arch(pretrained)


def create_body(arch, pretrained=True, cut=None):
    "Cut off the body of a typically pretrained `model` at `cut` (int) or cut the model as specified by `cut(model)` (function)."
    model = _build_arch(arch, pretrained)
    cut = cut if cut is not None else cnn_config(arch)["cut"]
    return _v2_create_body(model, n_in=3, pretrained=pretrained, cut=cut)


def create_head(nf, nc, lin_ftrs=None, ps=0.5, concat_pool=True, bn_final=False):
    "Model head that takes `nf` features (already doubled for concat pooling, as in v1), runs through `lin_ftrs`, and about `nc` classes."
    lin_ftrs = [nf, 512, nc] if lin_ftrs is None else [nf] + list(lin_ftrs) + [nc]
    ps = listify(ps)
    if len(ps) == 1: ps = [ps[0] / 2] * (len(lin_ftrs) - 2) + ps
    actns = [nn.ReLU(inplace=True)] * (len(lin_ftrs) - 2) + [None]
    pool = AdaptiveConcatPool2d() if concat_pool else nn.AdaptiveAvgPool2d(1)
    layers = [pool, Flatten()]
    for ni, no, p, actn in zip(lin_ftrs[:-1], lin_ftrs[1:], ps, actns):
        layers += bn_drop_lin(ni, no, True, p, actn)
    if bn_final: layers.append(nn.BatchNorm1d(lin_ftrs[-1], momentum=0.01))
    return nn.Sequential(*layers)


def create_cnn_model(base_arch, nc, cut=None, pretrained=True, lin_ftrs=None, ps=0.5, custom_head=None,
                     bn_final=False, concat_pool=True):
    "Create custom convnet architecture"
    warn_bridged("name.create_cnn_model", "default.head_bias")
    body = create_body(base_arch, pretrained, cut)
    if custom_head is None:
        nf = num_features_model(nn.Sequential(*body.children())) * (2 if concat_pool else 1)
        head = create_head(nf, nc, lin_ftrs, ps=ps, concat_pool=concat_pool, bn_final=bn_final)
    else: head = custom_head
    return nn.Sequential(body, head)


def _n_classes(data):
    c = getattr(data, "c", None)
    if c is None:
        try: c = get_c(data)
        except Exception: c = None
    if c is None:
        raise ValueError("cannot tell the number of classes from `data`: pass DataLoaders for a "
                         "classification task (with a vocab) or set `data.c`")
    return c


def cnn_learner(data, base_arch, cut=None, pretrained=True, lin_ftrs=None, ps=0.5, custom_head=None,
                split_on=None, bn_final=False, init=nn.init.kaiming_normal_, concat_pool=True, **kwargs):
    "Build convnet style learner."
    warn_bridged("name.cnn_learner", "default.head_bias", "default.normalize")
    return _cnn_learner(data, base_arch, cut, pretrained, lin_ftrs, ps, custom_head, split_on, bn_final, init,
                        concat_pool, **kwargs)


def _cnn_learner(data, base_arch, cut, pretrained, lin_ftrs, ps, custom_head, split_on, bn_final, init,
                 concat_pool, **kwargs):
    _check_arch(base_arch)
    meta = cnn_config(base_arch)
    model = create_cnn_model(base_arch, _n_classes(data), cut, pretrained, lin_ftrs, ps=ps,
                             custom_head=custom_head, bn_final=bn_final, concat_pool=concat_pool)
    learn = Learner(data, model, **kwargs)
    learn.split(split_on or meta["split"])
    if pretrained: learn.freeze()
    if init: apply_init(model[1], init)
    return learn


def create_cnn(data, base_arch, **kwargs):
    "Deprecated v1 name of `cnn_learner`."
    warnings.warn("`create_cnn` is deprecated and is now named `cnn_learner`.")   # v1's own warning
    warn_bridged("name.create_cnn")
    return _cnn_learner(data, base_arch, **{**_CNN_DEFAULTS, **kwargs})


_CNN_DEFAULTS = {name: p.default for name, p in inspect.signature(cnn_learner).parameters.items()
                 if p.default is not inspect.Parameter.empty}


def _unet_size(data):
    "v1's `img_size` for the U-Net: the first training image's size, else the first batch's."
    try: return tuple(data.train_ds[0][0].size)
    except Exception: pass
    try: return tuple(next(iter(data.train_dl))[0].shape[-2:])
    except Exception as e:
        raise ValueError("unet_learner needs the image size: `data.train_ds[0][0].size` or a first training batch; "
                         f"`data` has neither ({type(e).__name__}: {e})") from None


def unet_learner(data, arch, pretrained=True, blur_final=True, norm_type=None, split_on=None, blur=False,
                 self_attention=False, y_range=None, last_cross=True, bottle=False, cut=None, **learn_kwargs):
    "Build Unet learner from `data` and `arch`."
    from .models.unet import DynamicUnet
    warn_bridged("name.unet_learner")
    _check_arch(arch)
    # 1.0.48's default was the enum class itself (`norm_type=NormType`), which conv_layer took for no BatchNorm
    if norm_type is NormType: norm_type = None
    meta = cnn_config(arch)
    body = create_body(arch, pretrained, cut)
    size = _unet_size(data)
    model = to_device(DynamicUnet(body, n_classes=_n_classes(data), img_size=size, blur=blur, blur_final=blur_final,
                                  self_attention=self_attention, y_range=y_range, norm_type=norm_type,
                                  last_cross=last_cross, bottle=bottle), getattr(data, "device", None))
    learn = Learner(data, model, **learn_kwargs)
    learn.split(split_on if split_on is not None else meta["split"])
    if pretrained: learn.freeze()
    apply_init(model[2], nn.init.kaiming_normal_)
    return learn
