"""`upgrade` of the package's example notebook and of v1's data API, executed on native fastai 2 (issue 13).

The upgraded code runs in a subprocess where the package cannot be imported (an import hook refuses it and the
subprocess asserts it never was), on tiny generated data with pretrained=False. With --keep-v1-semantics the
run must give real v1's numbers: the trainable counts after freeze() / freeze_to(0) / freeze_to(1)
(tests/fixtures/summary_v1_1.0.61.json, v1's own summary), the split of the reference notebook's cell
(data_v1_1.0.61.json, `notebook_from_folder`: the positions of v1's listing), the per-batch learning rate
and momentum of every layer group of fit_one_cycle (schedule_v1_1.0.61.json), and the layer counts the seed
notebook printed (26 / 24 / 10, tests/fixtures/summary_seed_000_37f74ceecb9debb7.txt).
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fastai_freeze_compat.upgrade import upgrade_file, upgrade_source

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
pytestmark = pytest.mark.skipif(sys.version_info < (3, 8), reason="upgrade reads source positions from ast, which "
                                "Python 3.7 (the seed's stack) does not record")

# Runs a notebook's code cells with IPython (magics and `obj??` as Jupyter runs them), the package refused.
RUNNER = r'''
import json, sys
class _Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "fastai_freeze_compat": raise ImportError("the package is not importable here")
sys.meta_path.insert(0, _Refuse())
import os
sys.path = [p for p in sys.path if os.path.abspath(p or ".") not in (os.getcwd(), sys.argv[2])]
from IPython.core.interactiveshell import InteractiveShell
sh = InteractiveShell.instance()
nb = json.load(open(sys.argv[1], encoding="utf-8"))
res = {"failed": [], "trainable": [], "total": None}
sh.run_cell("""
from fastai.callback.core import Callback as _Cb
class _Probe(_Cb):
    "every layer group's lr and mom at each training batch, as the optimizer used them"
    def before_fit(self): self.lrs, self.moms = [], []
    def after_batch(self):
        if self.training:
            self.lrs.append([h['lr'] for h in self.opt.hypers]); self.moms.append([h['mom'] for h in self.opt.hypers])
""")
for i, cell in enumerate(nb["cells"]):
    if cell["cell_type"] != "code": continue
    src = "".join(cell["source"])
    if "fit_one_cycle" in src: sh.run_cell("learn.add_cb(_Probe())")
    r = sh.run_cell(src)
    if not r.success: res["failed"].append([i, src, repr(r.error_in_exec or r.error_before_exec)])
    learn = sh.user_ns.get("learn")
    if learn is not None:
        res["trainable"].append([src, sum(p.numel() for p in learn.model.parameters() if p.requires_grad)])
        res["total"] = sum(p.numel() for p in learn.model.parameters())
ns = sh.user_ns
if "data" in ns:
    from fastai.vision.all import get_image_files
    base = ns["path_train"] if "path_train" in ns else ns["data"].path
    rel = lambda ps: [p.relative_to(base).as_posix() for p in ps]
    res.update(listing=rel(get_image_files(base)), valid=rel(ns["data"].valid_ds.items), train=rel(ns["data"].train_ds.items))
probe = [cb for cb in getattr(ns.get("learn"), "cbs", []) if type(cb).__name__ == "_Probe"]
if probe: res.update(lrs=probe[0].lrs, moms=probe[0].moms)
assert "fastai_freeze_compat" not in sys.modules
import fastai; res["fastai"] = fastai.__version__
print("RESULT " + json.dumps(res))
'''


def _run_native(nb_path, cwd):
    (cwd / "runner.py").write_text(RUNNER)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env.update(OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    res = subprocess.run([sys.executable, str(cwd / "runner.py"), str(nb_path), str(ROOT)], cwd=str(cwd), env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=1200)
    assert res.returncode == 0, res.stdout[-4000:]
    line = next(l for l in res.stdout.splitlines() if l.startswith("RESULT "))
    return json.loads(line[len("RESULT "):]), res.stdout


def _seedlings(tmp_path, keep):
    "The example notebook, its Kaggle paths on a generated 12 x 4 folder, a 2-epoch fit_one_cycle appended, upgraded."
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from helpers import make_flat_images, make_image_folder
    make_image_folder(tmp_path / "input")
    make_flat_images(tmp_path / "input" / "test", 6)
    (tmp_path / "working").mkdir()
    text = (ROOT / "examples" / "seedlings_v1.ipynb").read_text(encoding="utf-8")
    text = text.replace("/kaggle/input", str(tmp_path / "input")).replace("/kaggle/working", str(tmp_path / "working"))
    nb = json.loads(text)
    nb["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                        "source": ["learn.fit_one_cycle(2)"]})
    (tmp_path / "v1.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    report = upgrade_file(tmp_path / "v1.ipynb", tmp_path / "up.ipynb", keep_v1_semantics=keep)
    assert not [f for _, f in report if f.level == "ERROR"], report
    return _run_native(tmp_path / "up.ipynb", tmp_path)


def _recorded(name):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _trainable_after(res, call):
    return [n for src, n in res["trainable"] if call in src][-1]


def _summary_count(text, what):
    return int(re.search(rf"^Total {what}params: ([\d,]+)", text, re.M).group(1).replace(",", ""))


@pytest.mark.v2only
def test_upgraded_seedlings_notebook_runs_on_native_fastai_2(tmp_path):
    res, out = _seedlings(tmp_path, keep=False)
    import fastai
    assert res["failed"] == [] and res["fastai"] == fastai.__version__
    # v1's layer groups as the seed notebook printed them: 26 / 24 / 10 layers
    assert re.findall(r"^(\d+) layers$", out, re.M) == ["26", "24", "10"]
    assert "there are  3 layer_groups in this leaner object" in out
    assert len(res["valid"]) == 12 and len(res["lrs"]) == 2


@pytest.mark.v2only
def test_keep_v1_semantics_gives_v1s_counts_split_and_schedule(tmp_path):
    res, out = _seedlings(tmp_path, keep=True)
    assert res["failed"] == []
    summ = _recorded("summary_v1_1.0.61.json")["resnet18"]
    assert res["total"] == _summary_count(summ["freeze()"]["summary"], "")
    for call, key in [("learn.freeze()", "freeze()"), ("learn.freeze_to(0)", "freeze_to(0)"),
                      ("learn.freeze_to(1)", "freeze_to(1)")]:
        assert _trainable_after(res, call) == _summary_count(summ[key]["summary"], "trainable "), call
    # the reference notebook's split: v1's positions in the listing, applied to this filesystem's listing
    rec = _recorded("data_v1_1.0.61.json")["notebook_from_folder"]
    pos = lambda names: [rec["listing"].index(n) for n in names]
    assert res["valid"] == [res["listing"][i] for i in pos(rec["valid"])]
    assert res["train"] == [res["listing"][i] for i in pos(rec["train"])]
    # fit_one_cycle(2) with one batch per epoch: every group's learning rate and momentum at each batch
    sched = _recorded("schedule_v1_1.0.61.json")["schedules"]["fit_one_cycle(2),one_batch_per_epoch"]["steps"][0]
    import numpy as np
    assert np.array(res["lrs"]) == pytest.approx(np.array(sched["lrs"]), rel=1e-6)
    assert np.array(res["moms"]) == pytest.approx(np.array(sched["moms"]), rel=1e-6)
    assert re.findall(r"^(\d+) layers$", out, re.M) == ["26", "24", "10"]


CHAIN = '''from fastai.vision import *
import sys
sys.path.insert(0, {helpers!r})
from helpers import make_image_folder
path = make_image_folder(Path("imgs"), classes=["a", "b", "c"], per_class=6)
np.random.seed(3)
data = (ImageList.from_folder(path)
        .split_by_rand_pct(0.25)
        .label_from_folder()
        .transform(get_transforms(max_warp=0.), size=32)
        .databunch(bs=4, num_workers=0)
        .normalize(imagenet_stats))
learn = cnn_learner(data, models.resnet18, pretrained=False, metrics=error_rate)
learn.fit_one_cycle(1, max_lr=1e-3)
'''


@pytest.mark.v2only
@pytest.mark.parametrize("keep", [False, True])
def test_data_block_chain_becomes_a_datablock_that_runs(tmp_path, keep):
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                     "source": CHAIN.format(helpers=str(Path(__file__).resolve().parent))}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    (tmp_path / "v1.ipynb").write_text(json.dumps(nb))
    report = upgrade_file(tmp_path / "v1.ipynb", tmp_path / "up.ipynb", keep_v1_semantics=keep)
    assert not [f for _, f in report if f.level == "ERROR"], report
    cell = "".join(json.loads((tmp_path / "up.ipynb").read_text())["cells"][0]["source"])
    assert "DataBlock(blocks=(ImageBlock, CategoryBlock), get_items=get_image_files, splitter=" in cell
    assert "batch_tfms=[*aug_transforms(max_warp=0.), Normalize.from_stats(*imagenet_stats)]" in cell
    res, out = _run_native(tmp_path / "up.ipynb", tmp_path)
    assert res["failed"] == [], res["failed"]
    assert len(res["valid"]) == 4 and len(res["train"]) == 14
    if keep:
        # v1's split_by_rand_pct: the first int(0.25 * 18) positions of np.random.permutation(18) under seed 3
        import numpy as np
        np.random.seed(3)
        assert res["valid"] == [res["listing"][i] for i in np.random.permutation(18)[:4]]


def test_factories_become_image_dataloaders():
    cases = {
        "ImageDataBunch.from_df(path, df, folder='train', suffix='.png', valid_pct=0.1, size=64, bs=8)":
            "ImageDataLoaders.from_df(df, path=path, folder='train', suff='.png', valid_pct=0.1, bs=8, "
            "item_tfms=Resize(64))",
        "ImageDataBunch.from_csv(path, csv_labels='l.csv', ds_tfms=get_transforms(do_flip=False), size=32)":
            "ImageDataLoaders.from_csv(path, csv_fname='l.csv', item_tfms=Resize(32), "
            "batch_tfms=aug_transforms(do_flip=False))",
        "ImageDataBunch.from_name_re(path, fnames, pat, ds_tfms=get_transforms(), size=224).normalize(imagenet_stats)":
            "ImageDataLoaders.from_name_re(path, fnames, pat, item_tfms=Resize(224), "
            "batch_tfms=[*aug_transforms(), Normalize.from_stats(*imagenet_stats)])",
        "ImageDataBunch.from_name_func(path, fnames, label_func=f, valid_pct=0.3, seed=2)":
            "ImageDataLoaders.from_name_func(path, fnames, f, valid_pct=0.3, seed=2)",
        "ImageDataBunch.from_lists(path, fnames, labels, bs=16)": "ImageDataLoaders.from_lists(path, fnames, labels, bs=16)",
    }
    for v1, v2 in cases.items():
        new, findings = upgrade_source("from fastai.vision import *\ndata = " + v1 + "\n")
        assert new == "from fastai.vision.all import *\ndata = " + v2 + "\n", v1
        assert not [f for f in findings if f.level == "ERROR"], v1
    # transforms bound to a name first (in an earlier cell)
    state = {}
    upgrade_source("from fastai.vision import *\ntfms = get_transforms(max_rotate=5.)\n", state=state)
    new, _ = upgrade_source("data = ImageDataBunch.from_folder(p, ds_tfms=tfms)\n", state=state)
    assert new == "data = ImageDataLoaders.from_folder(p, batch_tfms=tfms)\n"
    assert upgrade_source("tfms = get_transforms(max_rotate=5.)\n")[0] == "tfms = aug_transforms(max_rotate=5.)\n"
    # data.normalize(stats) on a later line folds into the factory's batch_tfms
    new, _ = upgrade_source("from fastai.vision import *\ndata = ImageDataBunch.from_folder(p, size=8)\n"
                            "data.normalize(imagenet_stats)\n")
    assert new.endswith("from_folder(p, item_tfms=Resize(8), batch_tfms=Normalize.from_stats(*imagenet_stats))\ndata\n")
    # ... and in another cell: added to the DataLoaders' after_batch
    state = {}
    upgrade_source("from fastai.vision import *\ndata = ImageDataBunch.from_folder(p, size=8)\n", state=state)
    new, _ = upgrade_source("data.normalize(imagenet_stats)\n", state=state)
    assert new == "data.add_tfms([Normalize.from_stats(*imagenet_stats)], 'after_batch')\n"


def test_what_cannot_be_converted_exactly_is_an_error_and_left_as_it_is():
    cases = {"data = ImageDataBunch.from_folder(path, ds_tfms=my_tfms, size=8)\n": "are not get_transforms",
             "data = ImageDataBunch.from_folder(path, dl_tfms=[f])\n": "dl_tfms",
             "data = ImageDataBunch.from_folder(*args)\n": "cannot be mapped",
             "data = ImageDataBunch.from_folder(path, ds_tfms=get_transforms(xtra_tfms=[t]))\n": "xtra_tfms",
             "src = ImageList.from_folder(path).split_by_rand_pct()\n": "does not end in .databunch()",
             "data = ImageList.from_folder(path).split_none().label_from_folder().databunch()\n": "split_none",
             "data = ImageList.from_folder(path).split_by_rand_pct().label_from_df().databunch()\n": "not a DataFrame",
             "x = requires_grad(m, False)\n": "value is used",
             "data = (PointsItemList.from_folder(p).split_by_rand_pct().label_from_func(f).databunch())\n":
                 "ImageList chains only",
             "src = ImageList.from_folder(p).split_by_rand_pct().label_from_folder()\n"
             "data = src.transform(get_transforms(), size=8).databunch()\n": "continued from src",
             "print(learn.layer_groups)\n": "architecture is not known",
             "learn = cnn_learner(data, models.vgg16_bn)\nlearn.layer_groups[0]\n": "no native rewrite for vgg16_bn"}
    for src, why in cases.items():
        new, findings = upgrade_source(src)
        errors = [f for f in findings if f.level == "ERROR"]
        assert len(errors) == src.count("\n") - src.count("learn = ") and why in errors[-1].message, (src, findings)
        assert new.splitlines()[-1] == src.splitlines()[-1], src           # the line is left as it is


def test_unet_learner_layer_groups_are_not_cnn_learners():
    new, findings = upgrade_source("learn = unet_learner(data, models.resnet18)\nprint(learn.layer_groups)\n")
    assert [f.level for f in findings] == ["ERROR"] and "architecture is not known" in findings[0].message


def test_len_of_layer_groups_of_an_unknown_learner_counts_fastai2s_parameter_groups():
    new, findings = upgrade_source("n = len(learn.layer_groups)\n")
    assert new == "n = len(learn.splitter(learn.model))\n"
    assert [f.level for f in findings] == ["WARNING"] and "squeezenet" in findings[0].message


def test_keep_v1_semantics_inserted_names_are_in_scope():
    "Every name the --keep-v1-semantics output uses is bound by the imports it has (the issue's partial(Adam, ...))."
    import ast
    src = ("from fastai.vision import ImageDataBunch, cnn_learner, models, get_transforms, imagenet_stats\n"
           "data = ImageDataBunch.from_folder('p', ds_tfms=get_transforms(), valid_pct=0.2, size=32)\n"
           "data.normalize(imagenet_stats)\n"
           "learn = cnn_learner(data, models.resnet34)\nlearn.fit_one_cycle(1)\nprint(len(learn.layer_groups))\n")
    new, findings = upgrade_source(src, keep_v1_semantics=True)
    assert not [f for f in findings if f.level == "ERROR"], findings
    tree = ast.parse(new)
    bound = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    bound |= {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    bound |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.Lambda) for a in n.args.args}
    bound |= {n.target.id for n in ast.walk(tree) if isinstance(n, ast.comprehension)}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    import builtins
    assert used - bound - set(dir(builtins)) == set()


@pytest.mark.v2only
def test_every_name_a_spec_inserts_is_in_fastai_vision_all():
    "`from fastai.vision.all import *` and `import fastai.vision.all as fv` bring every name a rewrite writes."
    import fastai.vision.all as fva
    from fastai_freeze_compat import _upgrade_specs as S
    templates = json.dumps([S.CALLS, S.CHAIN, S.LAYER_GROUPS_EXPR, S.V1_HEAD, S.KEEP_V1_LEARNER], default=str)
    names = set(re.findall(r"\{F\}(\w+)", templates)) | set(S.INSERTED_NAMES)
    assert set(re.findall(r"\{F\}(\w+)", templates)) <= set(S.INSERTED_NAMES)
    assert [n for n in sorted(names) if not hasattr(fva, n)] == []
    assert [n for n in S.IMPORT_RENAMES.values() if not hasattr(fva, n)] == []


@pytest.mark.v2only
@pytest.mark.parametrize("arch", ["resnet18", "resnet50", "densenet121"])
def test_layer_groups_spec_cuts_the_layers_of_v1s_groups(arch, tmp_path):
    "The spec's slices of fastai 2's model give the layers of v1's groups (the package's cnn_learner, which "
    "tests/test_architectures.py compares with real v1)."
    import warnings
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from helpers import make_image_folder
    import fastai_freeze_compat as fv
    import fastai.vision.all as fva
    from fastai_freeze_compat._upgrade_specs import LAYER_GROUPS
    p = make_image_folder(tmp_path, classes=["a", "b"], per_class=4, size=16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v1 = fv.cnn_learner(fv.ImageDataBunch.from_folder(p, valid_pct=0.5, seed=0, size=16, bs=2, num_workers=0),
                            getattr(fv.models, arch), pretrained=False)
        v2 = fva.vision_learner(fva.ImageDataLoaders.from_folder(p, valid_pct=0.5, seed=0, item_tfms=fva.Resize(16), bs=2,
                                                                 num_workers=0), getattr(fva.models, arch), pretrained=False)
    new, _ = upgrade_source("groups = learn.layer_groups", state={"star": True, "alias": None, "learners": {"learn": arch},
                                                                  "datas": set(), "tfms": set(), "partial": set()})
    ns = dict(vars(fva), learn=v2)
    exec(new, ns)
    names = lambda groups: [[type(l).__name__ for l in g] for g in groups]
    assert names(ns["groups"]) == names(v1.layer_groups)


def test_the_kaggle_examples_inference_calls_are_errors_not_left_silently(tmp_path):
    """examples/kaggle_v1.ipynb's second half has no native fastai 2 rewrite (v1's get_preds(ds_type=...), TTA,
    load_learner(folder) of a v1 export, open_image): each is an ERROR naming the table entry, and the command
    exits 1, rather than emitting code that fails on fastai 2."""
    out = tmp_path / "kaggle_fastai2.ipynb"
    res = subprocess.run([sys.executable, "-m", "fastai_freeze_compat", "upgrade", str(ROOT / "examples" / "kaggle_v1.ipynb"),
                          "-o", str(out), "--report", str(tmp_path / "report.txt")], capture_output=True, text=True)
    assert res.returncode == 1, res.stdout + res.stderr
    errors = [l for l in (tmp_path / "report.txt").read_text().splitlines() if ": ERROR: " in l]
    assert [l.split(": ERROR: ")[1].split("(")[0] for l in errors] == ["get_preds", "TTA", "load_learner", "open_image"]
    assert "DatasetType.Valid" in errors[0] and "8 passes" in errors[1] and "restricted unpickler" in errors[2]
    for src, level in {"preds, y = learn.get_preds()\n": [], "learn.get_preds(DatasetType.Test)\n": ["ERROR"],
                       "learn = cnn_learner(data, models.resnet18)\nlearn.destroy()\n": None}.items():
        new, findings = upgrade_source(src)
        got = [f.level for f in findings if f.level == "ERROR"]
        assert got == (level if level is not None else ["ERROR"]), (src, findings)
