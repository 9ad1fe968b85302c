"""fastai v1's ``fastai/callbacks/fp16.py`` on fastai 2: ``MixedPrecision`` with v1's constructor, as torch's
automatic mixed precision (fastai 2's ``fp16.MixedPrecision``).
"""
import torch
from fastai.callback.fp16 import MixedPrecision as _MixedPrecision

from ..callback import _LearnerCallback

__all__ = ["MixedPrecision"]

class MixedPrecision(_LearnerCallback, _MixedPrecision):
    """v1's mixed precision (`learn.to_fp16()`) as fastai 2's, torch's automatic mixed precision: the
    model keeps fp32 master weights (v1: `model2half` plus fp32 master copies), the loss is computed in
    fp32 (v1's `loss_fp32=True`), the loss scale starts at `loss_scale` (v1: 2**16) and doubles after
    `max_noskip` steps without overflow."""
    def __init__(self, learn, loss_scale=None, max_noskip=1000, dynamic=True, clip=None, flat_master=False,
                 max_scale=2 ** 24, loss_fp32=True):
        self._check_learn(learn)
        if not dynamic:
            raise ValueError("fastai 2's mixed precision (torch AMP) always scales the loss dynamically, so "
                             "`dynamic=False` (a fixed loss scale) has no equivalent: pass `dynamic=True`, or use "
                             "fastai.callback.fp16.NonNativeMixedPrecision(dynamic=False, loss_scale=...)")
        init_scale = float(2 ** 16 if loss_scale is None else loss_scale)
        super().__init__(init_scale=init_scale, growth_interval=max_noskip)
        self.loss_scale, self.max_noskip, self.dynamic, self.clip = init_scale, max_noskip, dynamic, clip
        self.flat_master, self.max_scale, self.loss_fp32 = flat_master, max_scale, loss_fp32

    def before_step(self):
        if self.clip is not None:
            # v1 clipped the unscaled fp32 gradients; torch AMP unscales in place first.
            self.scaler.unscale_(self)
            torch.nn.utils.clip_grad_norm_([p for pg in self.opt.param_lists for p in pg], self.clip)
        super().before_step()
