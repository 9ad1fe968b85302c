"""The weights v1 gave: the head's initialisation under a fixed seed, and the pretrained weights
v1 loaded (torchvision's IMAGENET1K_V1, also for resnet50, where today's default is V2)."""
import importlib
import os
import re

import pytest
import torch

import fastai_freeze_compat as fv
from conftest import v1_fixture


def test_seeded_initialisation_equals_v1s(data12):
    # recorded by fastai 1.0.61 under torch 2.14.1 (fastai 2.7.19's torch 2.6 draws the same numbers),
    # and by fastai 1.0.48 under torch 1.0.1 for the seed's stack
    expected = v1_fixture()
    torch.manual_seed(0)
    learn = fv.cnn_learner(data12, fv.models.resnet18, pretrained=False)
    sd = learn.model.state_dict()
    sums, abs_sums = expected["resnet18"]["seed0_sums"], expected["resnet18"]["seed0_abs_sums"]
    assert sorted(sums) == sorted(k for k, v in sd.items() if v.is_floating_point())
    for k, want in sums.items():
        got = sd[k].double()
        assert float(got.sum()) == pytest.approx(want, rel=1e-9, abs=1e-9), k
        assert float(got.abs().sum()) == pytest.approx(abs_sums[k], rel=1e-9, abs=1e-9), k


def _plant_imagenet_v1_weights(name, torch_home):
    "Put a fake copy of the weights v1 downloads for `name` where torch looks for them first."
    import torchvision
    builder = getattr(torchvision.models, name)
    try:
        from torchvision.models import get_model_weights
        url = get_model_weights(builder).IMAGENET1K_V1.url
        folder = torch_home / "hub" / "checkpoints"           # torch >= 1.1
        model = builder(weights=None)
    except ImportError:                                       # torchvision 0.2 (the seed's stack)
        family = importlib.import_module("torchvision.models." + re.match("[a-z]+", name).group())
        url = family.model_urls[name]
        folder = torch_home / "models"
        model = builder(pretrained=False)
    gen = torch.Generator().manual_seed(1234)
    sd = {k: (torch.randn(v.shape, generator=gen) if v.is_floating_point() else v)
          for k, v in model.state_dict().items()}
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(sd, str(folder / os.path.basename(url)))
    return sd


@pytest.mark.parametrize("name", ["resnet18", "resnet50"])
def test_pretrained_loads_imagenet1k_v1_and_freezes(name, data12, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    planted = _plant_imagenet_v1_weights(name, tmp_path)
    learn = fv.cnn_learner(data12, getattr(fv.models, name), pretrained=True)
    body = learn.model[0]
    assert torch.equal(body[0].weight.detach(), planted["conv1.weight"])
    assert torch.equal(body[7][-1].bn2.running_var if name == "resnet18" else body[7][-1].bn3.running_var,
                       planted["layer4.%d.%s.running_var" % (len(body[7]) - 1,
                                                            "bn2" if name == "resnet18" else "bn3")])
    want = v1_fixture()["archs"][name]["trainable"]["freeze"]
    assert sum(p.numel() for p in learn.model.parameters() if p.requires_grad) == want
    if not fv.IS_V1:   # fastai 2's vision_learner adds ImageNet Normalize for pretrained models; v1 never did
        assert not any(type(t).__name__ == "Normalize" for t in learn.dls.after_batch.fs)


@pytest.mark.v2only
def test_v1_weights_enum_for_resnet50_is_not_todays_default():
    from torchvision.models import ResNet50_Weights
    assert fv.v1_pretrained_weights(fv.models.resnet50) is ResNet50_Weights.IMAGENET1K_V1
    assert ResNet50_Weights.DEFAULT is ResNet50_Weights.IMAGENET1K_V2
