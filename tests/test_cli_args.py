"""The CLI validates its arguments (issue 13): a user mistake gets a one-line message naming it and the fix,
exit code 2, never a traceback."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args, cwd=None):
    res = subprocess.run([sys.executable, "-m", "fastai_freeze_compat", *map(str, args)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True, cwd=cwd)
    return res.returncode, res.stdout, res.stderr


@pytest.mark.parametrize("args, message", [
    (["check", "ResNet"], "'ResNet' is not an architecture name: give a torchvision model function in lower case, "
                          "such as resnet18, resnet50 or densenet121 (ResNet is the class"),
    (["check", "__class__"], "'__class__' is not an architecture name"),
    (["check", "--classes", "0"], "argument --classes: '0' is not a number of classes: give an integer >= 2"),
    (["check", "--classes", "twelve"], "'twelve' is not a number of classes"),
    (["demo", "--epochs", "0"], "argument --epochs: '0' is not a number of epochs: give an integer >= 1"),
    (["demo", "--epochs", "-1"], "argument --epochs: '-1' is not a number of epochs"),
    (["demo", "--frozen-epochs", "1.5"], "argument --frozen-epochs: '1.5' is not a number of epochs"),
    (["demo", "--bs", "0"], "argument --bs: '0' is not a batch size: give an integer >= 1"),
    (["demo", "--arch", "ResNet"], "'ResNet' is not an architecture name")])
def test_a_bad_argument_is_named_without_a_traceback(args, message):
    rc, out, err = run(*args)
    assert rc == 2 and message in err and "Traceback" not in err, err


@pytest.mark.v2only
def test_check_of_a_name_that_is_not_a_model_function_is_refused():
    # lower case, but torchvision's `resnet` is a module of model functions, not one
    rc, _, err = run("check", "resnet")
    assert rc == 2 and "unknown architecture 'resnet'" in err and "Traceback" not in err, err


@pytest.mark.v2only
def test_demo_on_a_folder_smaller_than_the_batch_says_to_pass_bs(tmp_path):
    sys.path.insert(0, str(ROOT / "tests"))
    from helpers import make_image_folder
    folder = make_image_folder(tmp_path / "data", classes=["a", "b"], per_class=5).parent
    rc, out, err = run("demo", "--data", folder, "--out", tmp_path / "out")
    assert rc == 2 and "Traceback" not in err, err
    assert "has 8 training images, fewer than the batch size 64" in err and "pass --bs 4 or smaller" in err
    rc, out, _ = run("demo", "--help")
    assert rc == 0 and "--bs BS" in out


def test_make_seedlings_folder_help_writes_nothing(tmp_path):
    res = subprocess.run([sys.executable, str(ROOT / "examples" / "make_seedlings_folder.py"), "--help"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, cwd=str(tmp_path))
    assert res.returncode == 0 and "usage:" in res.stdout and "DEST" in res.stdout.upper()
    assert list(tmp_path.iterdir()) == []
    res = subprocess.run([sys.executable, str(ROOT / "examples" / "make_seedlings_folder.py"), "--size", "0", "x"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, cwd=str(tmp_path))
    assert res.returncode == 2 and "--size must be a positive integer" in res.stderr and list(tmp_path.iterdir()) == []
