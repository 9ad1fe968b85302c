"""Importing and using the package changes nothing in fastai, torch or torchvision (no monkeypatching):
native fastai 2 learners built afterwards behave exactly as fastai 2 does."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from torch import nn

import fastai_freeze_compat as fv

pytestmark = pytest.mark.v2only

SNAPSHOT = textwrap.dedent("""
    import sys, torch
    def snapshot():
        mods = [m for n, m in sorted(sys.modules.items())
                if m is not None and n.split('.')[0] in ('fastai', 'fastcore', 'torch', 'torchvision')]
        state = {}
        for m in mods:
            for k, v in list(vars(m).items()):
                state[(m.__name__, k)] = id(v)
                if isinstance(v, type) and v.__module__ == m.__name__:
                    for a, w in list(vars(v).items()): state[(m.__name__, k, a)] = id(w)
        return state
""")


def test_import_and_use_patch_nothing(tmp_path):
    script = SNAPSHOT + textwrap.dedent(f"""
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from fastai.vision.all import *
        import torchvision
        from helpers import image_data, make_image_folder
        from pathlib import Path
        data = image_data(make_image_folder(Path({str(tmp_path)!r})))
        threads, bench = torch.get_num_threads(), torch.backends.cudnn.benchmark
        before = snapshot()
        import fastai_freeze_compat as fv
        learn = fv.cnn_learner(data, fv.models.resnet18, pretrained=False)
        learn.freeze(); learn.unfreeze(); learn.freeze_to(1)
        after = snapshot()
        changed = sorted(str(k) for k in before if k in after and before[k] != after[k])
        assert not changed, changed[:20]
        assert (threads, bench) == (torch.get_num_threads(), torch.backends.cudnn.benchmark)
        print("OK", len(before))
    """)
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.startswith("OK")


def test_native_vision_learner_keeps_fastai2_numbers(data12):
    from fastai.vision.all import Adam, Learner, vision_learner, resnet18
    ours = fv.cnn_learner(data12, fv.models.resnet18, pretrained=False)
    ours.freeze()
    native = vision_learner(data12, resnet18, pretrained=False)
    native.freeze()
    assert sum(p.numel() for p in native.model.parameters()) == 11_710_016
    assert sum(p.numel() for p in native.model.parameters() if p.requires_grad) == 543_104
    assert native.opt.hypers[0]["eps"] == 1e-5 and native.wd_bn_bias is False
    assert type(native) is Learner and native.opt_func is Adam
    # native fastai 2 still silently does nothing for freeze() on one parameter group
    single = Learner(data12, nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 12)))
    single.freeze()
    assert all(p.requires_grad for p in single.model.parameters())
