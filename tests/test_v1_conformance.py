"""fastai v1's own freeze tests, run against the package.

Ported from fastai v1 1.0.61, tests/test_basic_train.py (test_freeze_to, test_freeze, test_unfreeze),
tests/test_torch_core.py (test_requires_grad, test_requires_grad_set, test_split_model) and
tests/test_core.py (test_even_mults). v1's `fake_learner(layer_group_count=n)` is rebuilt here on the
installed fastai: a model of n one-Linear groups whose layer groups are set by hand.
"""
import numpy as np
from torch import nn

import fastai_freeze_compat as fv


def fake_learner(data, layer_group_count, n_in=5, n_out=4):
    groups = [nn.Sequential(nn.Linear(n_in, n_in)) for _ in range(layer_group_count - 1)]
    groups.append(nn.Sequential(nn.Linear(n_in, n_out)))
    model = nn.Sequential(*groups)
    learn = fv.Learner(data, model)
    learn.layer_groups = groups
    return learn


def test_freeze_to(data12):
    learn = fake_learner(data12, layer_group_count=3)
    learn.freeze_to(1)
    for i, param in enumerate(learn.model.parameters()):
        # params 0 and 1 are the weight and bias of layer group 0: only those are frozen
        assert param.requires_grad == (i >= 2)


def test_freeze(data12):
    learn = fake_learner(data12, layer_group_count=3)
    learn.freeze()
    for i, param in enumerate(learn.model.parameters()):
        # the first two layer groups (one weight and one bias each) are frozen
        assert param.requires_grad == (i >= 4)


def test_unfreeze(data12):
    learn = fake_learner(data12, layer_group_count=4)
    for param in learn.model.parameters(): param.requires_grad = False
    learn.unfreeze()
    for param in learn.model.parameters(): assert param.requires_grad


def _simple_cnn():
    return nn.Sequential(nn.Sequential(nn.Conv2d(3, 6, 3, stride=2, padding=1), nn.ReLU()),
                         nn.Sequential(nn.Conv2d(6, 6, 3, stride=2, padding=1), nn.ReLU()),
                         nn.Sequential(nn.Conv2d(6, 6, 3, stride=2, padding=1), nn.AdaptiveAvgPool2d(1)))


def test_requires_grad():
    m = _simple_cnn()
    assert fv.requires_grad(m)
    for p in m.parameters(): p.requires_grad = False
    assert not fv.requires_grad(m)


def test_requires_grad_set():
    m = _simple_cnn()
    fv.requires_grad(m, False)
    assert not any(p.requires_grad for p in m.parameters())
    fv.requires_grad(m, True)
    assert all(p.requires_grad for p in m.parameters())


def test_split_model():
    m = _simple_cnn()
    pool = fv.split_model(m, [m[2][0]])[1][0]
    assert pool is m[2][0]


def test_even_mults():
    assert np.all(fv.even_mults(1, 8, 4) == [1, 2, 4, 8])
