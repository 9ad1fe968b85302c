"""fastai 1.0.61 on torch >= 2.6 (weights-only loading by default): through the package, ``learn.save`` ->
``learn.load``, ``export`` -> ``load_learner`` and ``lr_find`` work, still weights-only, while fastai's own
``Learner`` fails as real fastai 1.0.61 does (tests/fixtures/printing_v1_1.0.61.json, "weights_only", recorded by
tests/fixtures/record_v1_printing.py on torch 2.14). The repair is fastai_freeze_compat/_v1/load_fix.py.

Every test here but the last needs fastai 1.0.61 on such a torch; the last checks that elsewhere nothing is
repaired."""
import contextlib
import io
import json
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch

import fastai_freeze_compat as fv
from helpers import make_image_folder

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NO_WEIGHTS_ONLY = "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"


def _load_fix():
    if not fv.IS_V1: return None
    from fastai_freeze_compat._v1 import load_fix
    return load_fix if load_fix.NEEDED else None


needs_repair = pytest.mark.skipif(
    _load_fix() is None,
    reason=f"needs fastai 1.x on torch >= 2.6, whose weights-only default the repair is for; this is fastai "
           f"{fv.FASTAI_VERSION} on torch {torch.__version__}")


def quiet(f, *args, **kwargs):
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return f(*args, **kwargs)


@pytest.fixture
def weights_only(monkeypatch):
    "torch's default: no TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD (which would load anything)."
    monkeypatch.delenv(NO_WEIGHTS_ONLY, raising=False)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    fv.np.random.seed(1)
    return quiet(fv.ImageDataBunch.from_folder, make_image_folder(tmp_path_factory.mktemp("load_fix")), valid_pct=0.25,
                 size=32, bs=8, num_workers=0)


@pytest.fixture
def learn(data, tmp_path):
    "A pretrained learner's first steps (pretrained=False + freeze()), then one cycle: what real v1 cannot reload."
    torch.manual_seed(0)
    learn = quiet(fv.cnn_learner, data, fv.models.resnet18, pretrained=False, metrics=fv.error_rate, path=tmp_path)
    learn.freeze()
    learn.save("frozen")
    quiet(learn.fit_one_cycle, 1)
    return learn


def recorded_failure(call):
    return json.loads((FIXTURES / "printing_v1_1.0.61.json").read_text())["weights_only"][call]


@needs_repair
def test_real_v1_still_fails_as_recorded(learn, weights_only):
    "fastai's own Learner is untouched: its load fails as real fastai 1.0.61's did on this torch."
    import fastai.basic_train
    learn.save("stage-1")
    for call, name in (("load_frozen", "frozen"), ("load", "stage-1")):
        rec = recorded_failure(call)
        assert rec["type"] == "_pickle.UnpicklingError"
        with pytest.raises(pickle.UnpicklingError) as e:
            fastai.basic_train.Learner.load(learn, name)
        assert str(e.value).splitlines()[0] == rec["first_line"]


@needs_repair
def test_save_then_load(learn, weights_only):
    import fastai.basic_train
    assert type(learn) is fv.Learner and issubclass(fv.Learner, fastai.basic_train.Learner)
    before = {k: v.clone() for k, v in learn.model.state_dict().items()}
    learn.save("stage-1")
    for name in ("frozen", "stage-1"):
        assert learn.load(name) is learn
    assert all(torch.equal(v, before[k]) for k, v in learn.model.state_dict().items())
    # the optimizer state came back too: v1's slice / numpy values included
    assert learn.opt.opt.state_dict()["param_groups"][0]["betas"][1] == pytest.approx(0.99)


@needs_repair
def test_export_then_load_learner(learn, weights_only):
    learn.export()
    back = fv.load_learner(learn.path)
    assert type(back) is fv.Learner
    assert all(torch.equal(v, learn.model.state_dict()[k]) for k, v in back.model.state_dict().items())
    assert back.data.classes == learn.data.classes and back.metrics == learn.metrics
    # the file names fastai's own Learner, as fastai's export does: it loads without the package
    names = torch.serialization.get_unsafe_globals_in_checkpoint(learn.path / "export.pkl")
    assert "fastai.basic_train.Learner" in names and not [n for n in names if "fastai_freeze_compat" in n]
    with open(learn.path / "export.pkl", "rb") as f:
        assert type(fv.load_learner(learn.path, f)) is fv.Learner           # a file-like `file` too
    rec = recorded_failure("load_learner")
    with pytest.raises(pickle.UnpicklingError) as e:
        import fastai.basic_train
        fastai.basic_train.load_learner(learn.path)
    assert str(e.value).splitlines()[0] == rec["first_line"]


def my_metric(inp, targ): return (inp.argmax(-1) == targ).float().mean()


@needs_repair
def test_load_learner_refuses_what_v1_exports_are_not_made_of(learn, weights_only):
    "A function of your own (here: a metric of this module) is named and refused; allowed, the file loads."
    learn.metrics = [my_metric]
    learn.export("mine.pkl")
    with pytest.raises(pickle.UnpicklingError, match=r"Refusing to load .*mine.pkl: it names `test_v1_load_fix.my_metric`"
                                                     r".*nothing in it was run"):
        fv.load_learner(learn.path, "mine.pkl")
    with torch.serialization.safe_globals([my_metric]):
        assert fv.load_learner(learn.path, "mine.pkl").metrics == [my_metric]


@needs_repair
def test_lr_find_reloads_its_checkpoint(learn, weights_only):
    before = {k: v.clone() for k, v in learn.model.state_dict().items()}
    assert quiet(learn.lr_find, num_it=6) is None
    assert recorded_failure("lr_find")["type"] == "_pickle.UnpicklingError"     # what real v1 raised here
    assert all(torch.equal(v, before[k]) for k, v in learn.model.state_dict().items())
    assert len(learn.recorder.lrs) >= 1 and (learn.path / "models" / "tmp.pth").is_file()    # v1 left it there


@needs_repair
def test_the_repair_changes_nothing_outside_its_calls(learn, weights_only):
    import fastai.basic_train
    import fastai.vision.learner
    own = dict(vars(fastai.basic_train.Learner))
    allowed = set(torch.serialization.get_safe_globals())     # (torch keeps them in a set: no order)
    learn.save("stage-1")
    learn.load("stage-1")
    learn.export()
    fv.load_learner(learn.path)
    quiet(learn.lr_find, num_it=3)
    assert dict(vars(fastai.basic_train.Learner)) == own
    assert set(torch.serialization.get_safe_globals()) == allowed
    assert fastai.vision.learner.cnn_learner is not fv.cnn_learner
    assert fv.cnn_learner.__wrapped__ is fastai.vision.learner.cnn_learner
    assert fastai.basic_train.load_learner is fv.load_learner.__wrapped__
    # in a fresh process: importing the package (and building a learner) leaves fastai's classes as they were
    script = ("import fastai.basic_train as bt, fastai.vision.learner as vl\n"
              "before = (dict(vars(bt.Learner)), vl.cnn_learner, bt.load_learner, vl.Learner)\n"
              "import fastai_freeze_compat as fv\nfv.Learner, fv.cnn_learner, fv.load_learner\n"
              "assert before == (dict(vars(bt.Learner)), vl.cnn_learner, bt.load_learner, vl.Learner)\nprint('OK')")
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert res.stdout.strip() == "OK", res.stderr[-2000:]


def test_nothing_is_repaired_where_torch_does_not_load_weights_only_by_default():
    if not fv.IS_V1: pytest.skip("the repair is for the fastai 1.x pass-through; fastai 2 is installed")
    import fastai.basic_train
    from fastai_freeze_compat._v1 import load_fix
    if load_fix.NEEDED:
        assert fv.Learner is load_fix.Learner
    else:
        assert load_fix.__all__ == [] and fv.Learner is fastai.basic_train.Learner
        assert fv.load_learner is fastai.basic_train.load_learner
