"""`learn.save` / `learn.load` as fastai v1 did them, and real v1 checkpoints read safely.

The v1 files are real fastai v1's (tests/fixtures/checkpoint_record_v1.py, run on 1.0.48 / torch 1.0.1
and on 1.0.61 / torch 2.14): a two-layer-group ``tiny_cnn`` saved after ``freeze()`` (optimizer state
with ``slice`` learning rates), after ``fit(1)`` (``np.float64`` ones) and with ``with_opt=False``,
with the logits v1 computed on a fixed input. On fastai 1.x the same tests run against real v1, and
record what it does on its stack, findings included: fastai 1.0.61 cannot load its own optimizer
checkpoints on torch >= 2.6 (``torch.load`` became weights-only), fastai 1.0.48 on torch 1.0.1 runs
the code a checkpoint carries, and both half-load a checkpoint of another shape.
"""
import io
import json
import os
import pickle
import shutil
import warnings
from functools import partial
from pathlib import Path

import pytest
import torch
from torch import nn, optim

import fastai_freeze_compat as fv
from fixtures.checkpoint_tiny import fixed_input, split_tiny, tiny_cnn

FIXTURES = Path(__file__).resolve().parent / "fixtures"
VERSION = str(fv.FASTAI_VERSION)
ON_1_0_48, ON_1_0_61 = VERSION == "1.0.48", VERSION == "1.0.61"
RECORDED = {v: json.loads((FIXTURES / f"checkpoint_v1_{v}.json").read_text()) for v in ("1.0.48", "1.0.61")}
V1_FILES = [(v, name) for v in ("1.0.48", "1.0.61") for name in ("frozen", "fit", "noopt")]


def tiny_learner(data, models, nc=12, seed=42):
    torch.manual_seed(seed)          # not the recording's seed: loading must bring v1's weights
    learn = fv.Learner(data, tiny_cnn(nc), model_dir=str(models))
    learn.split(split_tiny)
    return learn


def logits(learn):
    learn.model.eval()
    with torch.no_grad():
        return learn.model(fixed_input())


def weights(learn):
    return {k: v.clone() for k, v in learn.model.state_dict().items()}


def same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def read_own_file(path):
    "Unpickle a file this test just wrote, fully (torch 1.0.1 has no `weights_only`)."
    kw = {"weights_only": False} if "weights_only" in torch.load.__code__.co_varnames else {}
    return torch.load(str(path), map_location="cpu", **kw)


def v1_load_fails_on_this_torch(version, name):
    "fastai 1.0.61's `load` is a plain torch.load: weights-only since torch 2.6, no slice / numpy allowed."
    return ON_1_0_61 and name != "noopt"


@pytest.mark.parametrize("version,name", V1_FILES, ids=[f"{v}-{n}" for v, n in V1_FILES])
def test_v1_checkpoint_gives_v1s_logits(data12, tmp_path, version, name):
    rec = RECORDED[version]["files"][name]
    # what v1 put in the file (recorded): slices before any fit, numpy floats after one, no optimizer
    if name == "frozen": assert rec["lr"]["type"] == "builtins.slice"
    elif name == "fit": assert rec["lr"]["type"] == "numpy.float64"
    else: assert rec["lr"] is None and not rec["with_opt"]
    if ON_1_0_48 and version != "1.0.48":
        pytest.skip("written by torch 2.14's zip format, which torch 1.0.1 cannot read (it came in torch 1.6)")
    models = tmp_path / "models"
    models.mkdir()
    shutil.copyfile(str(FIXTURES / rec["file"]), str(models / f"{name}.pth"))
    learn = tiny_learner(data12, models)
    # real fastai 1.0.61 on torch >= 2.6 cannot read its own checkpoints that hold an optimizer state
    # (weights-only unpickling); through the package (its 1.0.61 repair, _v1/load_fix.py) it reads them
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert learn.load(name) is learn
    assert torch.allclose(logits(learn), torch.tensor(rec["logits"]), rtol=0, atol=1e-5)
    if not fv.IS_V1:
        msgs = [str(w.message) for w in caught if "optimizer" in str(w.message)]
        if name == "noopt": assert msgs == []
        else:
            assert len(msgs) == 1 and "holds a fastai v1 optimizer state" in msgs[0] and "with_opt=False" in msgs[0]
        assert learn.opt is None                  # dropped: the next fit builds fastai 2's optimizer


@pytest.mark.parametrize("version", ["1.0.48", "1.0.61"])
def test_v1_checkpoint_with_opt_false(data12, tmp_path, version):
    "Only the weights: on fastai 1.0.61, torch.load still unpickles the whole file first, and fails."
    if ON_1_0_48 and version != "1.0.48":
        pytest.skip("written by torch 2.14's zip format, which torch 1.0.1 cannot read (it came in torch 1.6)")
    rec = RECORDED[version]["files"]["frozen"]
    models = tmp_path / "models"
    models.mkdir()
    shutil.copyfile(str(FIXTURES / rec["file"]), str(models / "frozen.pth"))
    learn = tiny_learner(data12, models)
    # (real fastai 1.0.61 unpickles the whole file first and fails on torch >= 2.6; the package's repair reads it)
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # no warning: the optimizer state was not asked for
        learn.load("frozen", with_opt=False)
    assert torch.allclose(logits(learn), torch.tensor(rec["logits"]), rtol=0, atol=1e-5)


def test_save_path_return_path_and_load_return(data12, tmp_path):
    learn = fv.Learner(data12, tiny_cnn(), path=str(tmp_path), model_dir="models")
    p = learn.save("stage-1", return_path=True)
    assert Path(p) == tmp_path / "models" / "stage-1.pth" and Path(p).is_file()
    assert learn.save("stage-2") is None
    assert sorted(os.listdir(str(tmp_path / "models"))) == ["stage-1.pth", "stage-2.pth"]
    assert learn.load("stage-1") is learn


def test_absolute_model_dir_is_used_as_is(data12, tmp_path):
    "The reference notebook: `cnn_learner(..., model_dir='/kaggle/working/')`, then `learn.save('start')`."
    working = tmp_path / "working"
    learn = fv.Learner(data12, tiny_cnn(), path=str(tmp_path / "data"), model_dir=str(working))
    learn.save("start")
    assert (working / "start.pth").is_file() and not (tmp_path / "data").exists()


def test_file_holds_model_and_optimizer_or_the_bare_state_dict(data12, tmp_path):
    learn = tiny_learner(data12, tmp_path)
    learn.save("no_opt_yet")                     # no optimizer before freeze/fit: v1 saved the bare state dict
    learn.freeze()
    learn.save("with_opt")
    learn.save("weights", with_opt=False)
    keys = list(learn.model.state_dict().keys())
    assert list(read_own_file(tmp_path / "no_opt_yet.pth").keys()) == keys
    assert list(read_own_file(tmp_path / "weights.pth").keys()) == keys
    both = read_own_file(tmp_path / "with_opt.pth")
    assert set(both) == {"model", "opt"} and list(both["model"].keys()) == keys


def test_unwritable_model_dir_says_which_and_what_to_do(data12, tmp_path):
    (tmp_path / "a_file").write_text("")
    learn = tiny_learner(data12, tmp_path)
    learn.model_dir = str(tmp_path / "a_file" / "models")
    with pytest.raises(Exception, match=r"Can't write to '.*a_file/models', set `learn.model_dir` attribute"):
        learn.save("x")


@pytest.mark.skipif(ON_1_0_48, reason="fastai 1.0.48's save/load take a name only: file-like objects came later "
                                      "(1.0.61 has them)")
def test_save_and_load_a_file_like_object(data12, tmp_path):
    learn = tiny_learner(data12, tmp_path)
    buf = io.BytesIO()
    learn.save(buf)
    expected = logits(learn)
    other = tiny_learner(data12, tmp_path, seed=7)
    assert not torch.equal(logits(other), expected)
    buf.seek(0)
    other.load(buf)
    assert torch.equal(logits(other), expected)
    assert os.listdir(str(tmp_path)) == []         # nothing written to model_dir


def test_remove_module_strips_data_parallel_prefix(data12, tmp_path):
    learn = tiny_learner(data12, tmp_path)
    expected = logits(learn)
    torch.save({"module." + k: v for k, v in learn.model.state_dict().items()}, str(tmp_path / "dp.pth"))
    other = tiny_learner(data12, tmp_path, seed=7)
    other.load("dp", remove_module=True)
    assert torch.equal(logits(other), expected)


def test_load_warns_when_the_file_has_no_optimizer_state(data12, tmp_path):
    learn = tiny_learner(data12, tmp_path)
    learn.save("bare", with_opt=False)
    with pytest.warns(UserWarning, match=r"Saved filed? doesn't contain an optimizer state"):
        learn.load("bare", with_opt=True)


def test_checkpoint_for_another_class_count_is_refused(data12, tmp_path):
    tiny_learner(data12, tmp_path, nc=12, seed=1).save("c12", with_opt=False)
    learn = tiny_learner(data12, tmp_path, nc=10)
    before = weights(learn)
    with pytest.raises(RuntimeError, match=r"size mismatch for 1\.2\.weight"):
        learn.load("c12")
    if fv.IS_V1:
        # the finding: torch's load_state_dict copies every tensor that fits before it raises, so real v1
        # is left with the body of the checkpoint and its own head
        after = weights(learn)
        assert not torch.equal(after["0.0.weight"], before["0.0.weight"])
        assert torch.equal(after["1.2.weight"], before["1.2.weight"])
    else:
        assert same(weights(learn), before)


def test_checkpoint_for_another_architecture_is_refused(data12, tmp_path):
    tiny_learner(data12, tmp_path, seed=1).save("tiny", with_opt=False)
    torch.manual_seed(0)
    other = nn.Sequential(nn.Sequential(nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.ReLU()),
                          nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten() if hasattr(nn, "Flatten") else nn.ReLU(),
                                        nn.Linear(4, 12)))
    learn = fv.Learner(data12, other, model_dir=str(tmp_path))
    before = weights(learn)
    with pytest.raises(RuntimeError, match=r"Unexpected key\(s\) in state_dict: \"0\.1\.weight\""):
        learn.load("tiny")
    if not fv.IS_V1: assert same(weights(learn), before)


def test_truncated_checkpoint_is_refused_and_weights_kept(data12, tmp_path):
    learn = tiny_learner(data12, tmp_path)
    learn.save("good", with_opt=False)
    data = (tmp_path / "good.pth").read_bytes()
    (tmp_path / "cut.pth").write_bytes(data[:len(data) // 2])
    other = tiny_learner(data12, tmp_path, seed=7)
    before = weights(other)
    # torch 1.0.1 reads its legacy format with pickle, which reports the cut itself; torch >= 1.6's zip
    # reader raises RuntimeError, and so does the package for any torch format
    expected = (pickle.UnpicklingError, "pickle data was truncated") if ON_1_0_48 else (RuntimeError, "")
    with pytest.raises(expected[0], match=expected[1]) as err:
        other.load("cut")
    if not fv.IS_V1:
        assert "cut.pth is not a complete PyTorch checkpoint (truncated" in str(err.value)
    assert same(weights(other), before)


def test_missing_checkpoint_raises_file_not_found(data12, tmp_path):
    learn = tiny_learner(data12, tmp_path)
    learn.save("stage-1", with_opt=False)
    before = weights(learn)
    with pytest.raises(FileNotFoundError) as err:
        learn.load("stage-2")
    assert "stage-2.pth" in str(err.value)
    if not fv.IS_V1:
        assert "checkpoints there: stage-1" in str(err.value) and "learn.model_dir" in str(err.value)
        with pytest.raises(FileNotFoundError, match=r"did you mean `learn.load\('stage-1'\)`"):
            learn.load("stage-1.pth")
    assert same(weights(learn), before)


class WritesAMarker:
    "Unpickling this calls `open(marker, 'w')`: a checkpoint that runs code."
    def __init__(self, marker): self.marker = str(marker)

    def __reduce__(self): return (open, (self.marker, "w"))


def test_checkpoint_that_carries_code_is_refused_and_never_runs(data12, tmp_path):
    learn = tiny_learner(data12, tmp_path)
    marker = tmp_path / "code_ran"
    state = dict(learn.model.state_dict())
    torch.save({"model": state, "opt": {"state": {}, "param_groups": [], "x": WritesAMarker(marker)}},
               str(tmp_path / "evil.pth"))
    before = weights(learn)
    if ON_1_0_48:
        # the finding: fastai 1.0.48 on torch 1.0.1 unpickles whatever the file holds, so its code runs
        learn.load("evil", with_opt=False)
        assert marker.exists()
        return
    with pytest.raises(pickle.UnpicklingError) as err:
        learn.load("evil")
    assert not marker.exists()
    assert same(weights(learn), before)
    if not fv.IS_V1:
        msg = str(err.value)
        assert msg.startswith("Refusing to load ") and "evil.pth" in msg and "open" in msg
        assert "nothing in this one was run" in msg


# -- the package's own guarantees on fastai 2 -------------------------------------------------------------

def step(learn):
    "One optimizer step on a fixed batch, so the optimizer has state."
    x, y = fixed_input(), torch.tensor([0, 1])
    nn.CrossEntropyLoss()(learn.model.train()(x), y).backward()
    learn.opt.step()
    learn.opt.zero_grad()


def load_weights_only(path):
    return torch.load(str(path), map_location="cpu", weights_only=True)


@pytest.mark.v2only
def test_own_round_trip_restores_weights_and_fastai2_optimizer_state(data12, tmp_path):
    import numpy as np
    learn = tiny_learner(data12, tmp_path)
    learn.freeze()
    step(learn)
    for h in learn.opt.hypers: h["lr"] = np.float64(1e-3)   # schedules leave numpy numbers in fastai 2's hypers
    learn.save("own")
    raw = load_weights_only(tmp_path / "own.pth")    # plain tensors and numbers: no extra globals needed
    assert raw["opt"]["hypers"][0]["lr"] == 1e-3 and type(raw["opt"]["hypers"][0]["lr"]) is float
    expected, state = logits(learn), learn.opt.state_dict()
    other = tiny_learner(data12, tmp_path, seed=7)
    other.freeze()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        other.load("own")
    assert torch.equal(logits(other), expected)
    got = other.opt.state_dict()
    assert [h["lr"] for h in got["hypers"]] == [1e-3, 1e-3]
    for a, b in zip(got["state"], state["state"]):
        assert a.keys() == b.keys()
        assert all(torch.equal(a[k], b[k]) if isinstance(a[k], torch.Tensor) else a[k] == b[k] for k in a)


@pytest.mark.v2only
def test_own_round_trip_with_a_torch_optimizer(data12, tmp_path):
    torch.manual_seed(0)
    learn = fv.Learner(data12, tiny_cnn(), model_dir=str(tmp_path), opt_func=partial(optim.SGD, momentum=0.9))
    learn.split(split_tiny)
    learn.freeze()
    step(learn)
    learn.save("sgd")
    bufs = [learn.opt.opt.state[p]["momentum_buffer"].clone() for p in learn.model[1].parameters()]
    other = fv.Learner(data12, tiny_cnn(), model_dir=str(tmp_path), opt_func=partial(optim.SGD, momentum=0.9))
    other.split(split_tiny)
    other.freeze()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        other.load("sgd")
    got = [other.opt.opt.state[p]["momentum_buffer"] for p in other.model[1].parameters()]
    assert all(torch.equal(a, b) for a, b in zip(got, bufs))


class Interrupt:
    "Pickling this raises KeyboardInterrupt: a save interrupted half-way."
    def __reduce__(self): raise KeyboardInterrupt


@pytest.mark.v2only
def test_interrupted_save_leaves_the_previous_checkpoint_whole(data12, tmp_path):
    """v1's `torch.save(state, path)` truncated the file first, so an interrupted save left a broken
    checkpoint in place of the good one; the package writes a temporary file and replaces."""
    learn = tiny_learner(data12, tmp_path)
    learn.freeze()
    step(learn)
    learn.save("stage-1")
    good = (tmp_path / "stage-1.pth").read_bytes()
    learn.opt.state[next(learn.model.parameters())]["interrupt"] = Interrupt()
    with pytest.raises(KeyboardInterrupt):
        learn.save("stage-1")
    assert (tmp_path / "stage-1.pth").read_bytes() == good
    assert os.listdir(str(tmp_path)) == ["stage-1.pth"]          # no temporary file left behind
    buf = io.BytesIO()
    with pytest.raises(KeyboardInterrupt):
        learn.save(buf)
    assert buf.getvalue() == b""                                 # nothing written half to a stream either


@pytest.mark.v2only
def test_saved_file_gets_the_permissions_torch_save_gives(data12, tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    tiny_learner(data12, tmp_path).save("perm")
    assert (tmp_path / "perm.pth").stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.v2only
def test_save_and_load_need_a_name_or_a_file(data12, tmp_path):
    learn = tiny_learner(data12, tmp_path)
    with pytest.raises(TypeError, match=r"save\(\) takes a name .*learn.save\('stage-1'\)"):
        learn.save()
    with pytest.raises(TypeError, match=r"load\(\) takes the name a checkpoint was saved under"):
        learn.load()


@pytest.mark.v2only
def test_fastai2_callbacks_can_still_save_and_load(data12, tmp_path):
    "fastai 2.8's SaveModelCallback calls `load(name, with_opt=..., weights_only=False)`: still read safely."
    learn = tiny_learner(data12, tmp_path)
    learn.save("model", with_opt=False)
    assert learn.load("model", with_opt=False, weights_only=False) is learn
