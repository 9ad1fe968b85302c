"""Bridged v1 APIs warn with the package's own category, once per call site, with text from the
table of changes; an environment variable and a function silence them."""
import os
import subprocess
import sys
import textwrap
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
