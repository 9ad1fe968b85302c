"""fastai v1's ``fastai/layers.py`` on fastai 2: ``Flatten`` (v1's repr, ``Flatten()``) and ``bn_drop_lin`` (v1's head
block: its ``Linear`` keeps its bias, its BatchNorm torch's default init).
"""
from torch import nn

__all__ = ["Flatten", "bn_drop_lin"]


class Flatten(nn.Module):
    "Flatten `x` to a single dimension, often used at the end of a model. `full` for rank-1 tensor"
    # fastai 2's Flatten computes the same, but prints `Flatten(full=False)`; v1's printed `Flatten()` (whatever
    # `full`), as in the reference notebook's head. No parameters or buffers: state_dict keys are unchanged.
    def __init__(self, full=False):
        super().__init__()
        self.full = full

    def forward(self, x): return x.view(-1) if self.full else x.view(x.size(0), -1)


def bn_drop_lin(n_in, n_out, bn=True, p=0., actn=None):
    "Sequence of batchnorm (if `bn`), dropout (with `p`) and linear (`n_in`,`n_out`) layers followed by `actn`."
    # fastai 2's LinBnDrop drops the Linear bias after a BatchNorm and sets BN bias to 1e-3; v1 did neither.
    layers = [nn.BatchNorm1d(n_in)] if bn else []
    if p != 0: layers.append(nn.Dropout(p))
    layers.append(nn.Linear(n_in, n_out))
    if actn is not None: layers.append(actn)
    return layers
