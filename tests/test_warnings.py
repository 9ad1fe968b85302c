"""Bridged v1 APIs warn with the package's own category, once per call site, with text from the
table of changes; an environment variable and a function silence them."""
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

import fastai_freeze_compat as fv

pytestmark = pytest.mark.v2only
HERE = Path(__file__).resolve().parent


def test_category_is_a_filterable_futurewarning():
    assert issubclass(fv.FastaiV1APIWarning, FutureWarning)


def test_cnn_learner_warns_with_the_native_way(data12):
    with pytest.warns(fv.FastaiV1APIWarning, match=r"Native fastai 2: `vision_learner\(dls, arch"):
        fv.cnn_learner(data12, fv.models.resnet18, pretrained=False)


def test_silence_warnings_function(data12, recwarn):
    fv.silence_warnings()
    try:
        fv.cnn_learner(data12, fv.models.resnet18, pretrained=False)
    finally:
        fv.silence_warnings(False)
    assert not [w for w in recwarn if issubclass(w.category, fv.FastaiV1APIWarning)]


def _run(code, tmp_path, **env):
    script = textwrap.dedent(f"""
        import sys, warnings, pathlib
        sys.path.insert(0, {str(HERE)!r})
        from helpers import image_data, make_image_folder
        data = image_data(make_image_folder(pathlib.Path({str(tmp_path)!r})))
        import fastai_freeze_compat as fv
        warnings.resetwarnings()          # Python's default filters only
        warnings.simplefilter("ignore")
        warnings.simplefilter("default", fv.FastaiV1APIWarning)
    """) + textwrap.dedent(code)
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env={**os.environ, **env})
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stderr.count("FastaiV1APIWarning")


def test_once_per_call_site(tmp_path):
    code = """
        for _ in range(3):
            fv.cnn_learner(data, fv.models.resnet18, pretrained=False)   # one call site
        fv.cnn_learner(data, fv.models.resnet18, pretrained=False)       # another
    """
    assert _run(code, tmp_path) == 2


def test_environment_variable_silences(tmp_path):
    code = "fv.cnn_learner(data, fv.models.resnet18, pretrained=False)\n"
    assert _run(code, tmp_path, FASTAI_FREEZE_COMPAT_NO_WARNINGS="1") == 0


def _tiny(data):
    "A two-group learner on a tiny model: a body Linear and a head Linear."
    from torch import nn
    model = nn.Sequential(nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 8)), nn.Sequential(nn.ReLU(), nn.Linear(8, 12)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fv.Learner(data, model).split(lambda m: (m[1],))


# (the table entry the warning is written from, a v1 call a notebook makes)
BRIDGED_CALLS = [
    ("default.adam_eps", lambda l, d: fv.Learner(d, l.model)),
    ("name.data", lambda l, d: l.data),
    ("behaviour.layer_groups", lambda l, d: l.layer_groups),
    ("kw.split_on", lambda l, d: l.split(lambda m: (m[1],))),
    ("behaviour.freeze_one_group", lambda l, d: l.freeze()),
    ("default.train_bn_types", lambda l, d: l.freeze_to(1)),
    ("kw.epochs", lambda l, d: l.fit(1, 1e-3)),
    ("default.pct_start", lambda l, d: l.fit_one_cycle(1)),
    ("default.pct_start", lambda l, d: fv.fit_one_cycle(l, 1)),
    ("behaviour.lr_find", lambda l, d: l.lr_find(num_it=2)),
    ("behaviour.summary", lambda l, d: l.summary()),
    ("name.requires_grad", lambda l, d: fv.requires_grad(l.model[1], True)),
    ("name.create_cnn_model", lambda l, d: fv.create_cnn_model(fv.models.resnet18, 12, pretrained=False)),
    ("name.recorder.plot", lambda l, d: (l.fit(1, 1e-3), l.recorder.plot_losses())),
]


@pytest.mark.parametrize("key,call", BRIDGED_CALLS, ids=[k for k, _ in BRIDGED_CALLS])
def test_each_bridged_v1_call_warns_once_from_the_callers_line(key, call, data12, tmp_path, capsys):
    import matplotlib
    matplotlib.use("Agg")
    from fastai_freeze_compat.changes import by_key
    learn = _tiny(data12)
    learn.path = tmp_path
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", fv.FastaiV1APIWarning)
        call(learn, data12)
    ours = [w for w in seen if issubclass(w.category, fv.FastaiV1APIWarning)]
    # exactly one, written from the table, pointing at the notebook's line (here: this file), not at the
    # package's or fastai's own calls (fit_one_cycle calling fit, freeze calling freeze_to, save/load ...)
    first = [w for w in ours if str(w.message).startswith("`{}` is fastai v1's API".format(by_key(key).v1))]
    assert len(first) == 1, [str(w.message)[:80] for w in ours]
    assert all(Path(w.filename) == Path(__file__) for w in ours), [w.filename for w in ours]
    assert "Native fastai 2: `{}`".format(by_key(key).v2) in str(first[0].message)


def test_the_bridge_calling_itself_does_not_warn(data12):
    # cnn_learner builds a Learner, splits it and reads layer_groups: the user made one v1 call
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", fv.FastaiV1APIWarning)
        fv.cnn_learner(data12, fv.models.resnet18, pretrained=False)
    assert [str(w.message)[:40] for w in seen if issubclass(w.category, fv.FastaiV1APIWarning)] == \
        ["`cnn_learner(data, base_arch, ...)` is f"]
