"""`fastai-freeze-compat demo`: the v1 workflow on scikit-learn's digits, offline, far below chance."""
import pytest

import fastai_freeze_compat as fv

pytestmark = pytest.mark.v2only


def test_demo_trains_far_below_chance_and_plots(tmp_path):
    from fastai_freeze_compat.demo import run_demo
    lines = []
    res = run_demo(out=tmp_path / "demo", epochs=(1, 2), print_fn=lines.append)
    text = "\n".join(lines)
    assert "1437 training and 360 validation images, 10 classes" in text or "1438 training" in text
    assert [s["stage"] for s in res["stages"]] == ["freeze()", "unfreeze()"]
    frozen, unfrozen = res["stages"]
    assert frozen["trainable"] < unfrozen["trainable"] == 11_709_514      # resnet18, v1 head, 10 classes
    assert unfrozen["error_rate"] < 0.3                                     # chance: 0.9
    assert (tmp_path / "demo" / "demo.png").stat().st_size > 10_000
    assert "group 0:  26 layers" in text and "total trainable: 11,709,514" in text


def test_demo_on_your_own_folder_and_bad_input(tmp_path):
    from fastai_freeze_compat.demo import run_demo
    with pytest.raises(ValueError, match="is not a folder"):
        run_demo(data=tmp_path / "nope", out=tmp_path / "o", print_fn=lambda *a: None)
    with pytest.raises(ValueError, match="unknown architecture"):
        run_demo(arch="resnet9000", out=tmp_path / "o", print_fn=lambda *a: None)


def test_demo_is_reproducible(tmp_path):
    "The demo seeds NumPy and torch as a v1 notebook does; the factory shuffles with torch (v1's RandomSampler), "\
        "so two runs train on the same batches and give the same losses and error rates"
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from helpers import make_image_folder
    from fastai_freeze_compat.demo import run_demo
    folder = make_image_folder(tmp_path, classes=["a", "b", "c"], per_class=8, size=24)
    runs = [run_demo(data=folder, out=tmp_path / f"o{i}", epochs=(1, 1), bs=4, size=24, print_fn=lambda *a: None)
            for i in range(2)]
    a, b = ([(s["losses"], s["error_rate"]) for s in r["stages"]] for r in runs)
    assert len(a[0][0]) == 5 and a == b     # 20 training images, bs=4
