"""The names a v1 notebook reaches through `fv.`, and which of them are fastai's own objects."""
import inspect
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import fastai_freeze_compat as fv

V1_NAMES = ["cnn_learner", "create_cnn", "Learner", "models", "bn_types", "requires_grad", "flatten_model",
            "split_model", "error_rate", "accuracy", "np", "Path", "torch", "nn", "defaults"]
V1_MODELS = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "densenet121", "densenet161",
             "densenet169", "densenet201", "vgg16_bn", "vgg19_bn", "squeezenet1_0", "squeezenet1_1", "alexnet"]


@pytest.mark.parametrize("name", V1_NAMES)
def test_v1_names_are_available(name):
    assert hasattr(fv, name)


def test_star_import_gives_the_v1_names():
    ns = {}
    exec("from fastai_freeze_compat import *", ns)
    missing = [n for n in V1_NAMES if n not in ns]
    assert not missing


@pytest.mark.parametrize("name", V1_MODELS)
def test_models_are_torchvision_builders(name):
    import torchvision
    assert getattr(fv.models, name) is getattr(torchvision.models, name)


def test_reexports_are_the_libraries_own_objects():
    assert fv.np is np and fv.torch is torch and fv.nn is nn and fv.Path is Path
    assert fv.bn_types == (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


def test_cnn_learner_has_v1s_signature():
    params = inspect.signature(fv.cnn_learner).parameters
    assert list(params)[:12] == ["data", "base_arch", "cut", "pretrained", "lin_ftrs", "ps", "custom_head",
                                 "split_on", "bn_final", "init", "concat_pool", "kwargs"]
    defaults = {k: p.default for k, p in params.items() if p.default is not inspect.Parameter.empty}
    assert defaults == {"cut": None, "pretrained": True, "lin_ftrs": None, "ps": 0.5, "custom_head": None,
                        "split_on": None, "bn_final": False, "init": nn.init.kaiming_normal_, "concat_pool": True}


def test_learner_has_v1s_arguments():
    params = inspect.signature(fv.Learner).parameters
    for name in ["data", "model", "opt_func", "loss_func", "metrics", "true_wd", "bn_wd", "wd", "train_bn",
                 "path", "model_dir", "callback_fns", "callbacks", "layer_groups"]:
        assert name in params, name
    assert params["train_bn"].default is True and params["wd"].default == 1e-2
    assert params["true_wd"].default is True and params["bn_wd"].default is True


def test_v1_defaults():
    assert fv.defaults.lr == slice(3e-3) and fv.defaults.wd == 1e-2


def test_requires_grad_reads_and_sets_like_v1():
    m = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    assert fv.requires_grad(m) is True
    assert fv.requires_grad(m, False) is None
    assert fv.requires_grad(m) is False and not any(p.requires_grad for p in m.parameters())
    assert fv.requires_grad(nn.ReLU()) is None


def test_split_model_returns_sequentials_sharing_the_layers():
    m = nn.Sequential(nn.Conv2d(3, 6, 3), nn.ReLU(), nn.Sequential(nn.Conv2d(6, 6, 3), nn.ReLU()))
    groups = fv.split_model(m, [m[2][0]])
    assert len(groups) == 2 and groups[1][0] is m[2][0] and len(groups[0]) == 2


def test_flatten_model_keeps_loose_parameters():
    class WithParam(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)
            self.gamma = nn.Parameter(torch.zeros(1))
    leaves = fv.flatten_model(WithParam())
    assert sum(p.numel() for l in leaves for p in l.parameters()) == 7


def test_create_cnn_still_works_and_warns(data12):
    with pytest.warns(UserWarning, match="cnn_learner"):
        learn = fv.create_cnn(data12, fv.models.resnet18, pretrained=False)
    assert len(learn.layer_groups) == 3


@pytest.mark.v2only
def test_names_needing_no_bridge_are_fastais_own_objects():
    import fastai.callback.training
    import fastai.layers
    import fastai.metrics
    assert fv.flatten_model is fastai.layers.flatten_model
    assert fv.children_and_parameters is fastai.layers.children_and_parameters
    assert fv.bn_types is fastai.callback.training.bn_types
    assert fv.error_rate is fastai.metrics.error_rate and fv.accuracy is fastai.metrics.accuracy
    from fastai.learner import Learner
    assert issubclass(fv.Learner, Learner)


@pytest.mark.v2only
def test_v1_only_architectures_say_what_to_use_instead():
    from fastai_freeze_compat._namespace import FastaiV1NotBridgedError
    with pytest.raises(FastaiV1NotBridgedError, match="fastai v1's own architectures.*fastai.vision.models.xresnet"):
        fv.models.xresnet18(pretrained=False)
    assert issubclass(FastaiV1NotBridgedError, NotImplementedError)
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        fv.models.nonexistent


@pytest.mark.v2only
def test_fastai2_methods_still_work(data12):
    learn = fv.cnn_learner(data12, fv.models.resnet18, pretrained=False, metrics=fv.error_rate)
    learn.freeze()
    preds, targs = learn.get_preds()
    assert preds.shape == (len(targs), 12)
    assert learn.data is learn.dls
    assert len(learn.opt.param_lists) == len(learn.layer_groups) == 3
