"""``fv.models``: the architectures fastai v1's ``fastai.vision.models`` exposed.

The torchvision builders are torchvision's own functions, as in v1. v1's own fastai
architectures (its XResNet, Darknet, WideResNet, Xception, DynamicUnet) have no fastai 2
counterpart with the same layers and weights; asking for one raises an ``AttributeError`` that
says so and where fastai 2's nearest model lives.
"""
from torchvision.models import (ResNet, SqueezeNet, alexnet, densenet121, densenet161, densenet169,
                                densenet201, mobilenet_v2, resnet18, resnet34, resnet50, resnet101,
                                resnet152, squeezenet1_0, squeezenet1_1, vgg11_bn, vgg13_bn, vgg16_bn,
                                vgg19_bn)
from torchvision.models.resnet import BasicBlock

__all__ = ["BasicBlock", "ResNet", "SqueezeNet", "alexnet", "densenet121", "densenet161", "densenet169",
           "densenet201", "mobilenet_v2", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
           "squeezenet1_0", "squeezenet1_1", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn"]

# v1 names that are fastai v1's own architectures -> where fastai 2's nearest model lives.
_V1_ONLY = {
    **{n: "fastai.vision.models.xresnet." + n
       for n in ["xresnet18", "xresnet34", "xresnet50", "xresnet101", "xresnet152",
                 "xresnet18_deep", "xresnet34_deep", "xresnet50_deep"]},
    "XResNet": "fastai.vision.models.xresnet.XResNet", "xresnet": "fastai.vision.models.xresnet",
    "DynamicUnet": "fastai.vision.models.unet.DynamicUnet", "UnetBlock": "fastai.vision.models.unet.UnetBlock",
    "unet": "fastai.vision.models.unet",
    "Darknet": None, "darknet": None, "ResLayer": None, "WideResNet": None, "wrn": None, "wrn_22": None,
    "xception": None,
}


def __getattr__(name):
    if name in _V1_ONLY:
        where = _V1_ONLY[name]
        hint = (f"fastai 2's nearest is `{where}`, a different architecture with other layers and weights"
                if where else "fastai 2 has no counterpart; define the model yourself and pass it to `Learner`")
        raise AttributeError(f"`models.{name}` is one of fastai v1's own architectures and is not "
                             f"available on fastai 2: {hint}.")
    raise AttributeError(f"module 'fastai_freeze_compat.models' has no attribute '{name}'")
