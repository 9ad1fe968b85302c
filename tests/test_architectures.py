"""Every architecture of v1's model_meta (and v1's default split for others): layer groups, parameter
counts, state-dict layout and trainable counts per freeze state, equal to real fastai v1's.

Expected values: tests/fixtures/v1_<version>.json, written by tests/fixtures/record_v1.py on real fastai v1.
"""
import pytest
import torch
import torchvision

import fastai_freeze_compat as fv
from conftest import v1_fixture
from fixtures.record_v1 import ARCHS, DEFAULT_SPLIT_ARCHS, describe, variants

EXPECTED = v1_fixture()


def _arch(name):
    arch = getattr(fv.models, name, None) if name in ARCHS else None
    return arch or getattr(torchvision.models, name, None)


@pytest.mark.parametrize("name", ARCHS + DEFAULT_SPLIT_ARCHS)
def test_architecture_matches_real_v1(name, data12):
    if name in EXPECTED["unavailable"]:
        pytest.skip(f"{name} is not in fastai {EXPECTED['recorded_with']['fastai']} / torchvision "
                    f"{EXPECTED['recorded_with']['torchvision']}, so that v1 recorded nothing for it")
    learn = fv.cnn_learner(data12, _arch(name), pretrained=False)
    got = describe(learn)
    want = dict(EXPECTED["archs"][name])
    want.pop("in_model_meta")
    assert got["groups"] == want["groups"]
    assert got == want


def test_squeezenet_has_four_layer_groups_as_in_v1(data12):
    learn = fv.cnn_learner(data12, fv.models.squeezenet1_1, pretrained=False)
    assert len(learn.layer_groups) == 4


def test_every_v1_model_meta_arch_is_exposed():
    recorded = [n for n, a in EXPECTED["archs"].items() if a["in_model_meta"]]
    assert recorded and all(callable(getattr(fv.models, n)) for n in recorded)


@pytest.mark.parametrize("label", list(variants()))
def test_cnn_learner_keywords_match_real_v1(label, data12):
    want = EXPECTED["resnet18_variants"][label]
    kwargs = variants()[label]
    if "error" in want:   # fastai 1.0.48's concat_pool=False doubles nf anyway: the head cannot run
        with pytest.raises(Exception) as e:
            learn = fv.cnn_learner(data12, fv.models.resnet18, pretrained=False, **kwargs)
            learn.model.eval()(torch.zeros(2, 3, 32, 32))
        assert type(e.value).__name__ == want["error"]
        return
    learn = fv.cnn_learner(data12, fv.models.resnet18, pretrained=False, **kwargs)
    got = describe(learn)
    got["output_shape"] = list(learn.model.eval()(torch.zeros(2, 3, 32, 32)).shape)
    assert got == want
