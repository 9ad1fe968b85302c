"""fastai v1's layers and losses (fastai/layers.py), through `fastai_freeze_compat.layers`.

Expected values: real fastai v1 (tests/fixtures/record_v1_layers.py -> layers_v1_<version>.json). On fastai 2
the package must build 1.0.61's modules (the last v1, recorded on the torch the fastai 2 envs run): the same
repr, state_dict keys and shapes and parameter count, and, built after the same seed, the same outputs; and
1.0.48's parameter layout (its repr and random init are torch 1.0's). On fastai 1.x the installed v1 must
give its own recording.
"""
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import fastai_freeze_compat as fv
import fastai_freeze_compat.layers as L

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
from record_v1_layers import LAYER_CASES, LOSS_CASES, describe, loss_inputs  # noqa: E402

VERSION = str(fv.FASTAI_VERSION) if fv.IS_V1 else "1.0.61"
RECORDED = json.loads((FIXTURES / f"layers_v1_{VERSION}.json").read_text())
R48 = json.loads((FIXTURES / "layers_v1_1.0.48.json").read_text())
#: torch's own reprs (BatchNorm's `bias=True` since 2.x) and random init differ between torch versions: those are
#: compared only on the torch the recording was made on; the parameter layout on every torch.
SAME_TORCH = torch.__version__.split("+")[0] == RECORDED["torch"].split("+")[0]
NS = {**{n: getattr(L, n) for n in L.__all__}, "nn": nn, "torch": torch}


def _build(expr):
    torch.manual_seed(0)
    return eval(expr, NS)


@pytest.mark.parametrize("name,expr,shape", [c[:3] for c in LAYER_CASES], ids=[c[0] for c in LAYER_CASES])
def test_layer_is_v1s(name, expr, shape):
    if name not in RECORDED["layers"]: pytest.skip(f"fastai {VERSION} has no {expr}")
    rec, got = RECORDED["layers"][name], describe(_build(expr), torch, shape)
    assert got["state_dict"] == rec["state_dict"]
    assert got["n_params"] == rec["n_params"]
    if not SAME_TORCH: return
    assert got["repr"] == rec["repr"]
    if shape is not None:
        assert got["out_shape"] == rec["out_shape"]
        np.testing.assert_allclose(got["out_first"], rec["out_first"], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(got["out_sum"], rec["out_sum"], rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("name,expr", [c[:2] for c in LAYER_CASES if c[0] in R48["layers"]],
                         ids=[c[0] for c in LAYER_CASES if c[0] in R48["layers"]])
def test_layer_has_1_0_48s_parameter_layout(name, expr):
    "A model built on 1.0.48 loads into the package's: same state_dict keys and shapes."
    rec = R48["layers"][name]
    m = _build(expr)
    assert [[k, list(v.shape)] for k, v in m.state_dict().items()] == rec["state_dict"]


@pytest.mark.parametrize("name,expr,shape,kind", [c[:4] for c in LOSS_CASES], ids=[c[0] for c in LOSS_CASES])
def test_loss_is_v1s(name, expr, shape, kind):
    if name not in RECORDED["losses"]: pytest.skip(f"fastai {VERSION} has no {expr}")
    rec = RECORDED["losses"][name]
    loss = _build(expr)
    pred, targ = loss_inputs(shape, kind)
    assert repr(loss) == rec["repr"]
    np.testing.assert_allclose(float(loss(torch.from_numpy(pred), torch.from_numpy(targ))), rec["value"], rtol=1e-6)


def test_v1_model_weights_load():
    "A state_dict saved from v1's simple_cnn (recorded layout) loads strictly into the package's."
    m = _build("simple_cnn([3,6,6], bn=True)")
    sd = {k: torch.zeros(s) for k, s in RECORDED["layers"]["simple_cnn_bn"]["state_dict"]}
    m.load_state_dict(sd, strict=True)


@pytest.mark.skipif(fv.IS_V1, reason="the v1-only errors are the package's; real v1 raised its own")
def test_conv_layer_refuses_fastai2s_normtype():
    from fastai.layers import NormType as V2NormType
    with pytest.raises(TypeError, match="use this module's `NormType`"):
        L.conv_layer(3, 4, norm_type=V2NormType.Batch)


@pytest.mark.skipif(fv.IS_V1, reason="fastai 2's Learner reads the activation of the package's losses")
def test_flat_losses_give_fastai2_their_activation():
    x = torch.tensor([[0., 1., 2.]])
    torch.testing.assert_close(L.CrossEntropyFlat().activation(x), torch.softmax(x, -1))
    torch.testing.assert_close(L.BCEWithLogitsFlat().activation(x), torch.sigmoid(x))
    torch.testing.assert_close(L.MSELossFlat().activation(x), x)
