"""fastai v1's per-architecture metadata (``vision/learner.py`` in 1.0.61): where to cut the
torchvision model into a body, and the modules at which to split it into layer groups.

fastai 2 changed several of these (squeezenet has 3 groups there, vgg/alexnet cut at -2,
mobilenet_v2 is missing), so they are v1's own, not fastai 2's ``model_meta``.
"""
from . import models

__all__ = ["model_meta", "cnn_config", "default_meta"]


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
