"""Bad input gets v1's exception type, and (on fastai 2) a message that names the problem and the fix."""
import pytest
from torch import nn

import fastai_freeze_compat as fv


@pytest.mark.parametrize("arch", ["resnet18", 18])
def test_arch_that_is_not_a_callable_architecture(arch, data12):
    with pytest.raises(TypeError) as e:
        fv.cnn_learner(data12, arch, pretrained=False)
    if not fv.IS_V1:
        assert "base_arch" in str(e.value) and "models.resnet18" in str(e.value)


@pytest.mark.v2only
def test_a_model_instance_is_not_an_architecture(data12):
    # v1 called it with `pretrained` and failed inside forward (AttributeError: 'bool' ... 'dim')
    with pytest.raises(TypeError, match="base_arch must be a callable that builds a model"):
        fv.cnn_learner(data12, nn.Linear(2, 2), pretrained=False)


@pytest.mark.v2only
def test_freeze_to_none_is_refused(data12):
    # v1 sliced layer_groups[:None] and silently froze every group
    learn = fv.cnn_learner(data12, fv.models.resnet18, pretrained=False)
    with pytest.raises(TypeError, match="integer index"):
        learn.freeze_to(None)


@pytest.mark.parametrize("n", ["1", 1.0, slice(1)])
def test_freeze_to_needs_an_integer(n, data12):
    learn = fv.cnn_learner(data12, fv.models.resnet18, pretrained=False)
    with pytest.raises(TypeError) as e:
        learn.freeze_to(n)
    if not fv.IS_V1:
        assert "freeze_to" in str(e.value) and "3 groups" in str(e.value)
    learn.freeze()                               # usable afterwards
    assert sum(p.numel() for p in learn.model.parameters() if p.requires_grad) == 543_628


def test_split_on_modules_not_in_the_model(data12):
    learn = fv.cnn_learner(data12, fv.models.resnet18, pretrained=False)
    stranger = nn.Linear(3, 3)
    with pytest.raises(ValueError) as e:
        learn.split([stranger])
    if not fv.IS_V1:
        assert "not in the model" in str(e.value) and "Linear(in_features=3" in str(e.value)
    assert [len(g) for g in learn.layer_groups] == [26, 24, 10]   # unchanged


@pytest.mark.v2only
def test_freeze_on_one_group_message_says_how_to_split(data12):
    learn = fv.Learner(data12, nn.Sequential(nn.Linear(2, 12)))
    with pytest.raises(AssertionError, match="split"):
        learn.freeze()


@pytest.mark.v2only
def test_layer_groups_must_be_modules(data12):
    learn = fv.Learner(data12, nn.Sequential(nn.Linear(2, 12)))
    with pytest.raises(TypeError, match="layer_groups"):
        learn.layer_groups = ["not a module"]
    with pytest.raises(TypeError, match="layer_groups"):
        learn.layer_groups = nn.Linear(2, 2)
    assert len(learn.layer_groups) == 1


@pytest.mark.v2only
def test_wrong_number_of_learning_rates(data12):
    learn = fv.cnn_learner(data12, fv.models.resnet18, pretrained=False)
    with pytest.raises(ValueError, match="2 learning rates for 3 layer groups"):
        learn.create_opt([1e-3, 1e-2])
