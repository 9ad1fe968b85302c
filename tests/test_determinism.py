"""The same seed gives the same split, the same layer groups and the same counts across runs and across
processes (two fresh interpreters compared)."""
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

SCRIPT = """
import json, sys, pathlib, warnings
warnings.simplefilter('ignore')
sys.path.insert(0, {tests!r})
import torch
import fastai_freeze_compat as fv
fv.np.random.seed(7)            # as v1 notebooks seeded (1.0.48's from_folder has no seed argument)
data = fv.ImageDataBunch.from_folder({folder!r}, valid_pct=0.25, size=32, bs=8, num_workers=0)
torch.manual_seed(0)
learn = fv.cnn_learner(data, fv.models.resnet18, pretrained=False)
learn.freeze()
out = {{
    "valid": [str(p) for p in data.valid_ds.x.items],
    "train": [str(p) for p in data.train_ds.x.items],
    "groups": [[type(l).__name__ for l in g] for g in learn.layer_groups],
    "trainable": sum(p.numel() for p in learn.model.parameters() if p.requires_grad),
    "head_sum": float(sum(p.double().sum() for p in learn.model[1].parameters())),
}}
print(json.dumps(out))
"""


def _run(folder):
    code = SCRIPT.format(tests=str(HERE), folder=str(folder))
    res = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True)
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_same_seed_same_split_groups_and_counts_across_processes(tmp_path):
    from helpers import make_image_folder
    folder = make_image_folder(tmp_path)
    a, b = _run(folder), _run(folder)
    assert a == b
    assert len(a["valid"]) == 12 and len(a["train"]) == 36          # int(0.25 * 48) files in valid
    assert [len(g) for g in a["groups"]] == [26, 24, 10] and a["trainable"] == 543_628
