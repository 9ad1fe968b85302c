"""fastai v1's U-Net (fastai/vision/models/unet.py, `unet_learner`), through `fastai_freeze_compat.vision`.

Expected values: real fastai v1 (tests/fixtures/record_v1_unet.py -> unet_v1_<version>.json), with
pretrained=False: parameter count, state_dict keys and shapes, layer groups, what `freeze()` leaves trainable,
and, built after `torch.manual_seed(0)`, the output for a seeded input. On fastai 2 the package must give
1.0.61's (recorded on the torch the fastai 2 envs run; 1.0.48's random init is torch 1.0's, so only its
layout is compared); on fastai 1.x the installed v1 must give its own recording.
"""
import json
import sys
import warnings
from pathlib import Path

import pytest
import torch

import fastai_freeze_compat as fv
import fastai_freeze_compat.vision as ns

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
import record_v1_unet as rec  # noqa: E402

VERSION = str(fv.FASTAI_VERSION) if fv.IS_V1 else "1.0.61"
RECORDED = json.loads((FIXTURES / f"unet_v1_{VERSION}.json").read_text())
R48 = json.loads((FIXTURES / "unet_v1_1.0.48.json").read_text())["cases"]
SAME_TORCH = torch.__version__.split("+")[0] == RECORDED["torch"].split("+")[0]
#: what depends on torch's random draws and reprs (compared on the recording's torch only)
_TORCH_DEPENDENT = ("out_sum", "out_abs_sum", "out_first", "repr_sha")


@pytest.fixture(scope="module")
def got(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rec.run_cases(ns, VERSION, rec.make_segmentation_folder(tmp_path_factory.mktemp("seg")))


@pytest.mark.parametrize("case", sorted(RECORDED["cases"]))
def test_unet_is_v1s(got, case):
    exp, res = RECORDED["cases"][case], got[case]
    for key in exp:
        if key in _TORCH_DEPENDENT and not SAME_TORCH: continue
        if key in ("out_sum", "out_abs_sum", "out_first"):
            assert res[key] == pytest.approx(exp[key], rel=1e-4, abs=1e-4), key
        else:
            assert res[key] == exp[key], key


@pytest.mark.parametrize("case", sorted(R48))
def test_unet_layout_is_1048s(got, case):
    "1.0.48's unet_learner passed the NormType class as norm_type (no BatchNorm in the decoder): 1.0.61's layout."
    for key in ("n_params", "state_dict", "layer_types", "out_shape", "loss_func", "group_sizes", "group_params",
                "trainable_frozen"):
        if key in R48[case]: assert got[case][key] == R48[case][key], key


@pytest.mark.v2only
def test_1048s_default_norm_type_builds_1048s_unet(tmp_path):
    "1.0.48's notebooks may pass its default, `norm_type=NormType` (the class): 1.0.48 built no BatchNorm from it."
    data = rec.segmentation_data(ns, rec.make_segmentation_folder(tmp_path / "seg"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        learn = ns.unet_learner(data, ns.models.resnet18, pretrained=False, norm_type=ns.NormType)
    sd = [[k, list(v.shape)] for k, v in learn.model.state_dict().items()]
    assert sd == R48["unet_learner"]["state_dict"]


@pytest.mark.v2only
def test_unet_learner_trains_and_predicts_masks(tmp_path):
    data = rec.segmentation_data(ns, rec.make_segmentation_folder(tmp_path / "seg"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        learn = ns.unet_learner(data, ns.models.resnet18, pretrained=False)
        learn.fit(1, 1e-3)
    assert len(learn.recorder.losses) == 1 and torch.isfinite(torch.tensor(learn.recorder.losses)).all()
    x, y = next(iter(data.valid_dl))
    with torch.no_grad(): out = learn.model.eval()(x)
    assert out.shape == (x.shape[0], 3) + tuple(x.shape[-2:]) and y.shape == (x.shape[0], 1) + tuple(x.shape[-2:])


@pytest.mark.v2only
def test_bad_input_is_a_clear_error():
    with pytest.raises(TypeError, match="encoder must be an nn.Module"):
        ns.models.unet.DynamicUnet("resnet18", n_classes=2)
    with pytest.raises(TypeError, match="model function such as `models.resnet18`"):
        ns.unet_learner(None, "resnet18", pretrained=False)
