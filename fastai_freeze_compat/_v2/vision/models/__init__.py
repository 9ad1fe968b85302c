"""fastai v1's ``fastai/vision/models``: nothing to bridge.

The torchvision builders v1's ``models`` exposed (``models.resnet18``, ...) are torchvision's own functions,
as in v1: identical names, bound from their recorded origin. v1's own fastai architectures (XResNet,
Darknet, WideResNet, Xception, DynamicUnet) have no fastai 2 counterpart with the same layers and weights:
they are unsupported names (``fastai_freeze_compat.names``), whose errors say where fastai 2's nearest lives.
"""
__all__ = []
