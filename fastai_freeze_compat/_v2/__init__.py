"""fastai v1 semantics on fastai 2.x.

One concept per module: ``torch_core`` (v1's layer helpers), ``models`` / ``model_meta`` (v1's
architectures, cuts and splits), ``optim`` (v1's optimizer defaults), ``learner`` (v1's ``Learner``
as a fastai 2 subclass, with ``train`` / ``summary`` / ``checkpoint`` mixed in), ``vision_learner``
(v1's ``cnn_learner`` and model head), ``data`` (v1's data API on fastai 2 ``DataLoaders``).
"""
from pathlib import Path

import numpy as np
import torch
from fastai.metrics import accuracy, error_rate
from torch import nn, optim

from . import data as _data
from . import external as _external
from . import models
from . import train as _train
from .learner import Learner
from .model_meta import cnn_config, model_meta
from .optim import AdamW, defaults
from .torch_core import (apply_init, bias_types, bn_types, children_and_parameters, even_mults, first_layer,
                         flatten_model, last_layer, listify, no_wd_types, requires_grad, split_model,
                         split_model_idx, split_no_wd_params)
from .vision_learner import (bn_drop_lin, cnn_learner, create_body, create_cnn, create_cnn_model, create_head,
                             has_pool_type, num_features_model, v1_pretrained_weights)

__all__ = [
    # v1's learner API
    "Learner", "cnn_learner", "create_cnn", "create_cnn_model", "create_body", "create_head", "bn_drop_lin",
    "num_features_model", "has_pool_type", "cnn_config", "model_meta", "models", "v1_pretrained_weights",
    # v1's layer helpers
    "bn_types", "bias_types", "no_wd_types", "requires_grad", "flatten_model", "children_and_parameters",
    "first_layer", "last_layer", "split_model", "split_model_idx", "split_no_wd_params", "apply_init",
    "listify", "even_mults",
    # v1's defaults and optimizer
    "defaults", "AdamW",
    # what `from fastai.vision import *` also gave notebooks
    "error_rate", "accuracy", "np", "Path", "torch", "nn", "optim",
] + _data.__all__ + _train.__all__ + _external.__all__

globals().update({name: getattr(_data, name) for name in _data.__all__})
globals().update({name: getattr(_external, name) for name in _external.__all__})
globals().update({name: getattr(_train, name) for name in _train.__all__})
