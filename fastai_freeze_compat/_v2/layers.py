"""fastai v1's ``fastai/layers.py`` on fastai 2: v1's layers with v1's parameter layouts and module reprs.

fastai v1 1.0.61's definitions (fastai/layers.py, Apache-2.0). fastai 2 renamed or rewrote most of them
(``ConvLayer`` is a ``nn.Sequential`` subclass whose BatchNorm is initialised (bias 1e-3) and whose activation
comes first or last by ``act_cls``; ``ResBlock`` has another layout; ``LinBnDrop`` drops the Linear bias;
``SelfAttention`` is 2d-only with another parameter count), so a v1 model built with these keeps v1's
``state_dict`` keys and shapes: v1 weights load into it. ``AdaptiveConcatPool2d`` kept v1's definition
(``names.IDENTICAL``).

``Flatten`` prints ``Flatten()`` as v1's did (fastai 2's prints ``Flatten(full=False)``); ``bn_drop_lin`` keeps
the Linear bias and torch's BatchNorm init. The ``*Flat`` losses are ``FlattenedLoss``, a subclass of fastai 2's
``BaseLoss`` (so fastai 2's ``Learner`` finds their activation and decoding) computing v1's loss.
"""
from enum import Enum
from functools import partial

import torch
import torch.nn.functional as F
from fastai.losses import BaseLoss
from fastcore.basics import ifnone
from torch import nn
from torch.nn.utils import spectral_norm, weight_norm

from .core import range_of
from .torch_core import Module, init_default, tensor

__all__ = ["Flatten", "bn_drop_lin", "Lambda", "View", "ResizeBatch", "PoolFlatten", "NormType", "batchnorm_2d",
           "conv1d", "PooledSelfAttention2d", "SelfAttention", "conv2d", "conv2d_trans", "relu", "conv_layer",
           "SequentialEx", "MergeLayer", "res_block", "sigmoid_range", "SigmoidRange", "PartialLayer", "Debugger",
           "icnr", "PixelShuffle_ICNR", "FlattenedLoss", "CrossEntropyFlat", "BCEWithLogitsFlat", "BCEFlat",
           "MSELossFlat", "NoopLoss", "WassersteinLoss", "simple_cnn", "trunc_normal_", "embedding",
           "BatchNorm1dFlat", "LabelSmoothingCrossEntropy"]


class Lambda(Module):
    "Create a layer that simply calls `func` with `x`"
    def __init__(self, func): self.func = func
    def forward(self, x): return self.func(x)


class View(Module):
    "Reshape `x` to `size`"
    def __init__(self, *size): self.size = size
    def forward(self, x): return x.view(self.size)


class ResizeBatch(Module):
    "Reshape `x` to `size`, keeping batch dim the same size"
    def __init__(self, *size): self.size = size
    def forward(self, x): return x.view((x.size(0),) + self.size)


class Flatten(Module):
    "Flatten `x` to a single dimension, often used at the end of a model. `full` for rank-1 tensor"
    # fastai 2's Flatten computes the same, but prints `Flatten(full=False)`; v1's printed `Flatten()` (whatever
    # `full`), as in the reference notebook's head. No parameters or buffers: state_dict keys are unchanged.
    def __init__(self, full=False): self.full = full
    def forward(self, x): return x.view(-1) if self.full else x.view(x.size(0), -1)


def PoolFlatten():
    "Apply `nn.AdaptiveAvgPool2d` to `x` and then flatten the result."
    return nn.Sequential(nn.AdaptiveAvgPool2d(1), Flatten())


NormType = Enum("NormType", "Batch BatchZero Weight Spectral")


def batchnorm_2d(nf, norm_type=NormType.Batch):
    "A batchnorm2d layer with `nf` features initialized depending on `norm_type`."
    bn = nn.BatchNorm2d(nf)
    with torch.no_grad():
        bn.bias.fill_(1e-3)
        bn.weight.fill_(0. if norm_type == NormType.BatchZero else 1.)
    return bn


def bn_drop_lin(n_in, n_out, bn=True, p=0., actn=None):
    "Sequence of batchnorm (if `bn`), dropout (with `p`) and linear (`n_in`,`n_out`) layers followed by `actn`."
    # fastai 2's LinBnDrop drops the Linear bias after a BatchNorm and sets BN bias to 1e-3; v1 did neither.
    layers = [nn.BatchNorm1d(n_in)] if bn else []
    if p != 0: layers.append(nn.Dropout(p))
    layers.append(nn.Linear(n_in, n_out))
    if actn is not None: layers.append(actn)
    return layers


def conv1d(ni, no, ks=1, stride=1, padding=0, bias=False):
    "Create and initialize a `nn.Conv1d` layer with spectral normalization."
    conv = nn.Conv1d(ni, no, ks, stride=stride, padding=padding, bias=bias)
    nn.init.kaiming_normal_(conv.weight)
    if bias: conv.bias.data.zero_()
    # torch's (pre-parametrization) spectral_norm: v1's `weight_orig`, `weight_u`, `weight_v` keys
    return spectral_norm(conv)


class PooledSelfAttention2d(Module):
    "Pooled self attention layer for 2d."
    def __init__(self, n_channels):
        self.n_channels = n_channels
        self.theta = spectral_norm(conv2d(n_channels, n_channels // 8, 1))  # query
        self.phi = spectral_norm(conv2d(n_channels, n_channels // 8, 1))    # key
        self.g = spectral_norm(conv2d(n_channels, n_channels // 2, 1))      # value
        self.o = spectral_norm(conv2d(n_channels // 2, n_channels, 1))
        self.gamma = nn.Parameter(tensor([0.]))

    def forward(self, x):
        theta = self.theta(x)
        phi = F.max_pool2d(self.phi(x), [2, 2])
        g = F.max_pool2d(self.g(x), [2, 2])
        theta = theta.view(-1, self.n_channels // 8, x.shape[2] * x.shape[3])
        phi = phi.view(-1, self.n_channels // 8, x.shape[2] * x.shape[3] // 4)
        g = g.view(-1, self.n_channels // 2, x.shape[2] * x.shape[3] // 4)
        beta = F.softmax(torch.bmm(theta.transpose(1, 2), phi), -1)
        o = self.o(torch.bmm(g, beta.transpose(1, 2)).view(-1, self.n_channels // 2, x.shape[2], x.shape[3]))
        return self.gamma * o + x


class SelfAttention(Module):
    "Self attention layer for nd."
    # fastai 2's SelfAttention has a 2d-only layout (other parameter shapes): v1 weights do not load into it.
    def __init__(self, n_channels):
        self.query = conv1d(n_channels, n_channels // 8)
        self.key = conv1d(n_channels, n_channels // 8)
        self.value = conv1d(n_channels, n_channels)
        self.gamma = nn.Parameter(tensor([0.]))

    def forward(self, x):
        # Notation from https://arxiv.org/pdf/1805.08318.pdf
        size = x.size()
        x = x.view(*size[:2], -1)
        f, g, h = self.query(x), self.key(x), self.value(x)
        beta = F.softmax(torch.bmm(f.permute(0, 2, 1).contiguous(), g), dim=1)
        o = self.gamma * torch.bmm(h, beta) + x
        return o.view(*size).contiguous()


def conv2d(ni, nf, ks=3, stride=1, padding=None, bias=False, init=nn.init.kaiming_normal_):
    "Create and initialize `nn.Conv2d` layer. `padding` defaults to `ks//2`."
    if padding is None: padding = ks // 2
    return init_default(nn.Conv2d(ni, nf, kernel_size=ks, stride=stride, padding=padding, bias=bias), init)


def conv2d_trans(ni, nf, ks=2, stride=2, padding=0, bias=False):
    "Create `nn.ConvTranspose2d` layer."
    return nn.ConvTranspose2d(ni, nf, kernel_size=ks, stride=stride, padding=padding, bias=bias)


def relu(inplace=False, leaky=None):
    "Return a relu activation, maybe `leaky` and `inplace`."
    return nn.LeakyReLU(inplace=inplace, negative_slope=leaky) if leaky is not None else nn.ReLU(inplace=inplace)


def _check_norm_type(norm_type):
    if norm_type is not None and not isinstance(norm_type, NormType):
        raise TypeError(f"norm_type must be a NormType (NormType.Batch, .BatchZero, .Weight, .Spectral) or None, "
                        f"got {norm_type!r}; fastai 2's NormType is another enum: use this module's `NormType`")


def conv_layer(ni, nf, ks=3, stride=1, padding=None, bias=None, is_1d=False, norm_type=NormType.Batch,
               use_activ=True, leaky=None, transpose=False, init=nn.init.kaiming_normal_, self_attention=False):
    "Create a sequence of convolutional (`ni` to `nf`), ReLU (if `use_activ`) and batchnorm (if `bn`) layers."
    # v1's order is conv, ReLU, BatchNorm (fastai 2's ConvLayer: conv, BatchNorm, ReLU) in a plain nn.Sequential.
    _check_norm_type(norm_type)
    if padding is None: padding = (ks - 1) // 2 if not transpose else 0
    bn = norm_type in (NormType.Batch, NormType.BatchZero)
    if bias is None: bias = not bn
    conv_func = nn.ConvTranspose2d if transpose else nn.Conv1d if is_1d else nn.Conv2d
    conv = init_default(conv_func(ni, nf, kernel_size=ks, bias=bias, stride=stride, padding=padding), init)
    if norm_type == NormType.Weight: conv = weight_norm(conv)
    elif norm_type == NormType.Spectral: conv = spectral_norm(conv)
    layers = [conv]
    if use_activ: layers.append(relu(True, leaky=leaky))
    if bn: layers.append((nn.BatchNorm1d if is_1d else nn.BatchNorm2d)(nf))
    if self_attention: layers.append(SelfAttention(nf))
    return nn.Sequential(*layers)


class SequentialEx(Module):
    "Like `nn.Sequential`, but with ModuleList semantics, and can access module input"
    def __init__(self, *layers): self.layers = nn.ModuleList(layers)

    def forward(self, x):
        res = x
        for l in self.layers:
            res.orig = x
            nres = l(res)
            # We have to remove res.orig to avoid hanging refs and therefore memory leaks
            res.orig = None
            res = nres
        return res

    def __getitem__(self, i): return self.layers[i]
    def append(self, l): return self.layers.append(l)
    def extend(self, l): return self.layers.extend(l)
    def insert(self, i, l): return self.layers.insert(i, l)


class MergeLayer(Module):
    "Merge a shortcut with the result of the module by adding them or concatenating them if `dense=True`."
    def __init__(self, dense=False): self.dense = dense
    def forward(self, x): return torch.cat([x, x.orig], dim=1) if self.dense else (x + x.orig)


def res_block(nf, dense=False, norm_type=NormType.Batch, bottle=False, **conv_kwargs):
    "Resnet block of `nf` features. `conv_kwargs` are passed to `conv_layer`."
    norm2 = norm_type
    if not dense and (norm_type == NormType.Batch): norm2 = NormType.BatchZero
    nf_inner = nf // 2 if bottle else nf
    return SequentialEx(conv_layer(nf, nf_inner, norm_type=norm_type, **conv_kwargs),
                        conv_layer(nf_inner, nf, norm_type=norm2, **conv_kwargs),
                        MergeLayer(dense))


def sigmoid_range(x, low, high):
    "Sigmoid function with range `(low, high)`"
    return torch.sigmoid(x) * (high - low) + low


class SigmoidRange(Module):
    "Sigmoid module with range `(low,x_max)`"
    def __init__(self, low, high): self.low, self.high = low, high
    def forward(self, x): return sigmoid_range(x, self.low, self.high)


class PartialLayer(Module):
    "Layer that applies `partial(func, **kwargs)`."
    def __init__(self, func, **kwargs): self.repr, self.func = f"{func}({kwargs})", partial(func, **kwargs)
    def forward(self, x): return self.func(x)
    def __repr__(self): return self.repr


class Debugger(Module):
    "A module to debug inside a model."
    def forward(self, x):
        from IPython.core.debugger import set_trace
        set_trace()
        return x


def icnr(x, scale=2, init=nn.init.kaiming_normal_):
    "ICNR init of `x`, with `scale` and `init` function."
    ni, nf, h, w = x.shape
    ni2 = int(ni / (scale ** 2))
    k = init(torch.zeros([ni2, nf, h, w])).transpose(0, 1)
    k = k.contiguous().view(ni2, nf, -1)
    k = k.repeat(1, 1, scale ** 2)
    k = k.contiguous().view([nf, ni, h, w]).transpose(0, 1)
    x.data.copy_(k)


class PixelShuffle_ICNR(Module):
    "Upsample by `scale` from `ni` filters to `nf` (default `ni`), using `nn.PixelShuffle`, `icnr` init, and `weight_norm`."
    def __init__(self, ni, nf=None, scale=2, blur=False, norm_type=NormType.Weight, leaky=None):
        nf = ifnone(nf, ni)
        self.conv = conv_layer(ni, nf * (scale ** 2), ks=1, norm_type=norm_type, use_activ=False)
        icnr(self.conv[0].weight)
        self.shuf = nn.PixelShuffle(scale)
        # Blurring over (h*w) kernel
        # "Super-Resolution using Convolutional Neural Networks without Any Checkerboard Artifacts"
        # - https://arxiv.org/abs/1806.02658
        self.pad = nn.ReplicationPad2d((1, 0, 1, 0))
        self.blur = nn.AvgPool2d(2, stride=1)
        self.do_blur = blur
        self.relu = relu(True, leaky=leaky)

    def forward(self, x):
        x = self.shuf(self.relu(self.conv(x)))
        return self.blur(self.pad(x)) if self.do_blur else x


# -- losses ---------------------------------------------------------------------------------------
_ACTIVATIONS = {nn.CrossEntropyLoss: partial(F.softmax, dim=-1), nn.BCEWithLogitsLoss: torch.sigmoid}


class FlattenedLoss(BaseLoss):
    "Same as `func`, but flattens input and target."
    # fastai 2's BaseLoss is v1's FlattenedLoss (same arguments, same repr); this adds v1's `weight` property
    # and what fastai 2's `Learner` reads from a loss (activation, decodes) for the losses v1 had.
    def __init__(self, func, *args, axis=-1, floatify=False, is_2d=True, **kwargs):
        if not (isinstance(func, type) or callable(func)):
            raise TypeError(f"FlattenedLoss takes a loss class such as `nn.CrossEntropyLoss`, got {func!r}")
        super().__init__(func, *args, axis=axis, flatten=True, floatify=floatify, is_2d=is_2d, **kwargs)

    @property
    def weight(self): return self.func.weight

    @weight.setter
    def weight(self, v): self.func.weight = v

    def activation(self, x):
        act = _ACTIVATIONS.get(type(self.func))
        return x if act is None else act(x)

    def decodes(self, x):
        if isinstance(self.func, nn.CrossEntropyLoss): return x.argmax(dim=self.axis)
        if isinstance(self.func, nn.BCEWithLogitsLoss): return x > 0.5
        return x


def CrossEntropyFlat(*args, axis=-1, **kwargs):
    "Same as `nn.CrossEntropyLoss`, but flattens input and target."
    return FlattenedLoss(nn.CrossEntropyLoss, *args, axis=axis, **kwargs)


def BCEWithLogitsFlat(*args, axis=-1, floatify=True, **kwargs):
    "Same as `nn.BCEWithLogitsLoss`, but flattens input and target."
    return FlattenedLoss(nn.BCEWithLogitsLoss, *args, axis=axis, floatify=floatify, is_2d=False, **kwargs)


def BCEFlat(*args, axis=-1, floatify=True, **kwargs):
    "Same as `nn.BCELoss`, but flattens input and target."
    return FlattenedLoss(nn.BCELoss, *args, axis=axis, floatify=floatify, is_2d=False, **kwargs)


def MSELossFlat(*args, axis=-1, floatify=True, **kwargs):
    "Same as `nn.MSELoss`, but flattens input and target."
    return FlattenedLoss(nn.MSELoss, *args, axis=axis, floatify=floatify, is_2d=False, **kwargs)


class NoopLoss(Module):
    "Just returns the mean of the `output`."
    def forward(self, output, *args): return output.mean()


class WassersteinLoss(Module):
    "For WGAN."
    def forward(self, real, fake): return real.mean() - fake.mean()


def simple_cnn(actns, kernel_szs=None, strides=None, bn=False):
    "CNN with `conv_layer` defined by `actns`, `kernel_szs` and `strides`, plus batchnorm if `bn`."
    nl = len(actns) - 1
    kernel_szs = ifnone(kernel_szs, [3] * nl)
    strides = ifnone(strides, [2] * nl)
    layers = [conv_layer(actns[i], actns[i + 1], kernel_szs[i], stride=strides[i],
                         norm_type=(NormType.Batch if bn and i < (len(strides) - 1) else None)) for i in range_of(strides)]
    layers.append(PoolFlatten())
    return nn.Sequential(*layers)


def trunc_normal_(x, mean=0., std=1.):
    "Truncated normal initialization."
    # From https://discuss.pytorch.org/t/implementing-truncated-normal-initializer/4778/12
    return x.normal_().fmod_(2).mul_(std).add_(mean)


def embedding(ni, nf):
    "Create an embedding layer."
    emb = nn.Embedding(ni, nf)
    # See https://arxiv.org/abs/1711.09160
    with torch.no_grad(): trunc_normal_(emb.weight, std=0.01)
    return emb


class BatchNorm1dFlat(nn.BatchNorm1d):
    "`nn.BatchNorm1d`, but first flattens leading dimensions"
    def forward(self, x):
        if x.dim() == 2: return super().forward(x)
        *f, l = x.shape
        x = x.contiguous().view(-1, l)
        return super().forward(x).view(*f, l)


class LabelSmoothingCrossEntropy(Module):
    "v1's label smoothing cross entropy: `eps` of the loss spread over the classes."
    def __init__(self, eps=0.1, reduction="mean"): self.eps, self.reduction = eps, reduction

    def forward(self, output, target):
        c = output.size()[-1]
        log_preds = F.log_softmax(output, dim=-1)
        if self.reduction == "sum": loss = -log_preds.sum()
        else:
            loss = -log_preds.sum(dim=-1)
            if self.reduction == "mean": loss = loss.mean()
        return loss * self.eps / c + (1 - self.eps) * F.nll_loss(log_preds, target, reduction=self.reduction)
