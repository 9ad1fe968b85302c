"""freeze_to / freeze / unfreeze / train_bn / split / layer_groups, as fastai v1 does them.

The resnet18 numbers are the reference notebook's and real fastai v1's (see the fixtures); the same
assertions run on fastai 1.x (the real v1, passed through) and on fastai 2.x (the package).
"""
import pytest
import torch
from torch import nn

import fastai_freeze_compat as fv


def trainable(learn):
    return sum(p.numel() for p in learn.model.parameters() if p.requires_grad)


def total(learn):
    return sum(p.numel() for p in learn.model.parameters())


@pytest.fixture
def r18(data12):
    return fv.cnn_learner(data12, fv.models.resnet18, pretrained=False, metrics=fv.error_rate)


def test_resnet18_layer_groups_as_in_reference_notebook(r18):
    assert total(r18) == 11_710_540
    assert len(r18.layer_groups) == 3
    assert [len(g) for g in r18.layer_groups] == [26, 24, 10]
    assert [sum(hasattr(l, "weight") for l in g) for g in r18.layer_groups] == [20, 20, 4]
    assert [sum(isinstance(l, fv.bn_types) for l in g) for g in r18.layer_groups] == [10, 10, 2]
    assert all(isinstance(g, nn.Sequential) for g in r18.layer_groups)
    assert r18.train_bn is True
    # layer groups share the model's own leaf modules
    assert r18.layer_groups[0][0] is r18.model[0][0]
    assert isinstance(r18.layer_groups[0][0], nn.Conv2d)
    assert not isinstance(r18.layer_groups[0][0], fv.bn_types)


def test_resnet18_state_dict_keys_are_v1s(r18):
    keys = list(r18.model.state_dict().keys())
    from conftest import v1_fixture
    assert keys == v1_fixture()["resnet18"]["keys"]
    assert len(keys) == 134 and keys[0] == "0.0.weight" and keys[-1] == "1.8.bias"


def test_resnet18_trainable_counts(r18):
    assert trainable(r18) == 11_710_540          # pretrained=False: nothing frozen
    r18.freeze()
    assert trainable(r18) == 543_628
    r18.freeze_to(1)
    assert trainable(r18) == 11_029_388
    r18.unfreeze()
    assert trainable(r18) == 11_710_540
    r18.freeze_to(3)
    assert trainable(r18) == 12_672              # only the BatchNorm layers stay trainable
    r18.freeze_to(0)
    assert trainable(r18) == 11_710_540


def test_negative_and_out_of_range_n_slice_like_v1(r18):
    r18.freeze_to(-1)
    frozen_minus1 = trainable(r18)
    r18.freeze()
    assert trainable(r18) == frozen_minus1 == 543_628
    r18.freeze_to(-2)
    assert trainable(r18) == 11_029_388          # [:-2] is group 0
    r18.freeze_to(-10)
    assert trainable(r18) == 11_710_540          # [:-10] is empty
    r18.freeze_to(10)
    assert trainable(r18) == 12_672              # everything but BatchNorm, no error


def test_train_bn_is_read_at_each_call(r18):
    r18.train_bn = False
    r18.freeze()
    assert trainable(r18) == 543_628 - 9_600     # group 0/1 BatchNorm params now frozen too
    bn = r18.layer_groups[0][1]
    assert isinstance(bn, nn.BatchNorm2d) and not bn.weight.requires_grad
    r18.train_bn = True
    r18.freeze()
    # v1 leaves frozen-group BatchNorm untouched: it does not switch it back on
    assert not bn.weight.requires_grad
    r18.unfreeze()
    r18.freeze()
    assert bn.weight.requires_grad and trainable(r18) == 543_628


def test_unfreeze_is_freeze_to_0(r18):
    r18.freeze()
    r18.unfreeze()
    a = [p.requires_grad for p in r18.model.parameters()]
    r18.freeze()
    r18.freeze_to(0)
    assert a == [p.requires_grad for p in r18.model.parameters()] and all(a)


class _Flatten(nn.Module):   # torch 1.0 (the seed's stack) has no nn.Flatten
    def forward(self, x): return x.view(x.size(0), -1)


def _norm_model():
    return nn.Sequential(nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.InstanceNorm2d(4, affine=True),
                                       _Flatten(), nn.LayerNorm(4 * 30 * 30)),
                         nn.Sequential(nn.Linear(4 * 30 * 30, 12)))


def test_only_batchnorm_stays_trainable_layernorm_and_instancenorm_freeze(data12):
    model = _norm_model()
    learn = fv.Learner(data12, model)
    learn.split(lambda m: (m[1],))
    learn.freeze()
    conv, bn, inorm, _, lnorm = model[0]
    assert bn.weight.requires_grad and bn.bias.requires_grad
    assert not inorm.weight.requires_grad and not lnorm.weight.requires_grad
    assert not conv.weight.requires_grad
    assert model[1][0].weight.requires_grad


def test_freeze_on_one_layer_group_raises_assertion_error(data12):
    learn = fv.Learner(data12, _norm_model())
    assert len(learn.layer_groups) == 1
    with pytest.raises(AssertionError):
        learn.freeze()
    learn.freeze_to(0)                           # still usable afterwards
    assert all(p.requires_grad for p in learn.model.parameters())


def test_generic_learner_default_layer_group_is_all_leaves(data12):
    model = _norm_model()
    learn = fv.Learner(data12, model)
    assert [len(g) for g in learn.layer_groups] == [len(fv.flatten_model(model))] == [6]


def test_layer_groups_argument_and_assignment_drive_freezing(data12):
    model = _norm_model()
    learn = fv.Learner(data12, model, layer_groups=[model[0], model[1]])
    learn.freeze()
    assert not model[0][0].weight.requires_grad and model[1][0].weight.requires_grad
    learn.layer_groups = [nn.Sequential(model[0][0]), nn.Sequential(*list(model[0])[1:]), model[1]]
    learn.freeze_to(1)
    assert not model[0][0].weight.requires_grad
    assert model[0][2].weight.requires_grad and model[0][4].weight.requires_grad


def test_split_with_modules_and_with_function(data12):
    model = _norm_model()
    learn = fv.Learner(data12, model)
    assert learn.split([model[0][2], model[1]]) is learn
    assert [len(g) for g in learn.layer_groups] == [2, 3, 1]
    learn.split(lambda m: (m[0][3],))
    assert [len(g) for g in learn.layer_groups] == [3, 3]
    learn.split([[model[0][0]], [model[0][1], model[1][0]]])   # v1 also took lists of modules
    assert [len(g) for g in learn.layer_groups] == [1, 2]


def test_split_on_argument_of_cnn_learner(data12):
    learn = fv.cnn_learner(data12, fv.models.resnet18, pretrained=False, split_on=lambda m: (m[1],))
    assert [len(g) for g in learn.layer_groups] == [50, 10]


def test_pretrained_false_leaves_everything_trainable(data12):
    learn = fv.cnn_learner(data12, fv.models.resnet18, pretrained=False)
    assert trainable(learn) == total(learn)


def test_layer_shared_by_two_trainable_groups_is_refused_as_in_v1(data12):
    shared = nn.Linear(4, 4)
    model = nn.Sequential(nn.Sequential(nn.Linear(4, 4), shared), nn.Sequential(shared, nn.Linear(4, 12)))
    learn = fv.Learner(data12, model, layer_groups=[model[0], model[1]])
    # v1 sets the frozen groups first, then the trainable ones: the shared layer ends up trainable in
    # both groups, and v1's optimizer refuses a parameter in two groups.
    with pytest.raises(ValueError):
        learn.freeze()
    assert shared.weight.requires_grad and not model[0][0].weight.requires_grad


def _first_batch(learn):
    xb, yb = learn.data.one_batch()[:2]
    return xb, yb


def _train_steps(learn, n=2, lr=1e-2, wd=0.1):
    "A few optimizer steps through the learner's own optimizer, as fit would do them."
    xb, yb = _first_batch(learn)
    if getattr(learn, "opt", None) is None:      # as v1's fit: an optimizer over the layer groups
        learn.create_opt(fv.defaults.lr, learn.wd)
    learn.model.train()
    for _ in range(n):
        loss = learn.loss_func(learn.model(xb), yb)
        loss.backward()
        if fv.IS_V1:
            learn.opt.lr, learn.opt.wd = lr, wd
        else:
            learn.opt.set_hypers(lr=lr, wd=wd)
        learn.opt.step()
        learn.opt.zero_grad()


def test_frozen_weights_are_not_updated_after_unfreeze_fit_freeze(r18):
    r18.unfreeze()
    _train_steps(r18)
    r18.freeze()
    conv = r18.layer_groups[0][0]
    before = conv.weight.detach().clone()
    _train_steps(r18)
    assert torch.equal(before, conv.weight.detach())   # no update, no weight decay


def _opt_has_state(learn):
    if fv.IS_V1:
        return len(learn.opt.opt.state) > 0
    return any("grad_avg" in s for s in learn.opt.state.values())


def test_freeze_to_resets_optimizer_state(r18):
    _train_steps(r18, n=1)
    assert _opt_has_state(r18)
    r18.freeze_to(1)
    assert not _opt_has_state(r18)


def test_create_opt_takes_v1_signature(r18):
    r18.create_opt(slice(1e-5, 1e-3), 0.1)
    if fv.IS_V1:
        assert r18.opt.wd == 0.1     # v1 keeps the slice as given until fit applies lr_range
    else:
        assert [h["lr"] for h in r18.opt.hypers] == pytest.approx([1e-5, 1e-4, 1e-3])
        assert [h["wd"] for h in r18.opt.hypers] == [0.1] * 3


def test_lr_range_as_v1(r18):
    from conftest import v1_fixture
    expected = v1_fixture()["resnet18"]["lr_range"]
    assert list(r18.lr_range(slice(1e-5, 1e-3))) == pytest.approx(expected["slice(1e-5,1e-3)"], rel=1e-12)
    assert list(r18.lr_range(slice(1e-3))) == pytest.approx(expected["slice(1e-3)"], rel=1e-12)
    assert r18.lr_range(0.01) == expected["0.01"]
