"""A v1 notebook's torch optimizer (`opt_func=partial(optim.SGD, momentum=0.9)`, `optim.Adam`) trains as
in fastai v1: weight decay 1e-2 decoupled (`true_wd=True`) or as L2 in the gradient (`true_wd=False`), on
BatchNorm and bias too unless `bn_wd=False`.
Expected weights: real fastai v1 (`tests/fixtures/record_v1_torch_opt.py`)."""
import json
from functools import partial

import pytest
import torch
from torch import nn, optim
from torch.utils.data import TensorDataset

import fastai_freeze_compat as fv
from conftest import FIXTURES

V1 = json.loads((FIXTURES / "torch_opt_v1_{}.json".format(fv.FASTAI_VERSION if fv.IS_V1 else "1.0.61")).read_text())


def _opt_func(case_name):
    "The optimizer the recording used for a case (record_v1_torch_opt.CASES)."
    if case_name.startswith("sgd_momentum"): return partial(optim.SGD, momentum=0.9)
    if case_name.startswith("adam"): return partial(optim.Adam, betas=(0.9, 0.99))
    assert case_name == "sgd", case_name
    return optim.SGD


def _data():
    x, y = torch.tensor(V1["x"]), torch.tensor(V1["y"])
    if fv.IS_V1:
        from torch.utils.data import DataLoader
        from fastai.basic_data import DataBunch
        return DataBunch(DataLoader(TensorDataset(x, y), batch_size=8, shuffle=False, drop_last=True),
                         DataLoader(TensorDataset(x, y), batch_size=8), device=torch.device("cpu"))
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader
    return DataLoaders(DataLoader(TensorDataset(x, y), bs=8, shuffle=False, drop_last=True),
                       DataLoader(TensorDataset(x, y), bs=8), device=torch.device("cpu"))


@pytest.mark.parametrize("name", sorted(V1["cases"]))
def test_torch_optimizer_weight_decay_is_v1s(name):
    case = V1["cases"][name]
    model = nn.Sequential(nn.Linear(5, 4, bias=False), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 3))   # as recorded
    model.load_state_dict({k: torch.tensor(v) for k, v in V1["init"].items()})
    learn = fv.Learner(_data(), model, opt_func=_opt_func(name), loss_func=nn.CrossEntropyLoss(),
                       bn_wd=case["bn_wd"], true_wd=case["true_wd"])
    learn.fit(1, 0.1)
    for k, v in case["weights"].items():
        got, want = model.state_dict()[k].double(), torch.tensor(v, dtype=torch.float64)
        assert torch.allclose(got, want, rtol=0, atol=1e-6), (k, float((got - want).abs().max()))
