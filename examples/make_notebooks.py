"""Write the reference notebook (../shared/seed/000_37f74ceecb9debb7.txt, a fastai 1.0.48 Kaggle run) as
runnable notebooks:

* ``seedlings_v1.ipynb``: the v1 notebook as it was, except ``pretrained=False`` followed by
  ``learn.freeze()`` (no weights offline; v1 froze pretrained learners). Run it unmodified with
  ``python -m fastai_freeze_compat run examples/seedlings_v1.ipynb --data-root /kaggle/input=DATA ...``.
* ``reference_notebook.ipynb``: the same with the one-line change this package asks for,
  ``import fastai_freeze_compat as fv``.

The Kaggle paths (/kaggle/input, /kaggle/working) stay; map them to local folders with ``--data-root``
(``examples/make_seedlings_folder.py`` writes a 12-class folder of the seed's size).
Re-run: ``python examples/make_notebooks.py``; tests/test_reference_notebook.py checks the files are current.
"""
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

CELLS = [
    ("markdown", "The `freeze_to` source code can be understood as the following pseudo-code:\n"
                 "```python\ndef freeze_to(self, n:int)->None:\n    for g in self.layer_groups[:n]: freeze \n"
                 "    for g in self.layer_groups[n:]: unfreeze\n```\n"
                 "Both `freeze` and `unfreeze` are defined using `freeze_to`. You can experiment `freeze_to`, "
                 "`freeze` and `unfreeze` with the following experiment.\n\n#### 所需library"),
    ("code", "import fastai.vision as fv"),
    ("code", "fv.__version__"),
    ("markdown", "#### 数据地址"),
    ("code", "path_test =  fv.Path('/kaggle/input/test');\npath_train = fv.Path('/kaggle/input/train'); path_train.ls()"),
    ("markdown", "#### 创建DataBunch"),
    ("code", "fv.np.random.seed(1)\n\n### 创建DataBunch\n\ndata = fv.ImageDataBunch.from_folder(path_train,\n"
             "                                  test=path_test, \n                                  ds_tfms=fv.get_transforms(),\n"
             "                                  valid_pct=0.25,\n                                  size=128, \n"
             "                                  bs=32,\n                                  num_workers=0)\n"
             "data.normalize(fv.imagenet_stats)\ndata"),
    ("markdown", "#### 构建模型\n\nChanged from the reference: `pretrained=False` (no weights offline), then "
                 "`learn.freeze()`, which v1 did for pretrained learners."),
    ("code", "learn = fv.cnn_learner(data, \n                      fv.models.resnet18, \n"
             "                      pretrained=False,\n                      metrics=fv.error_rate,\n"
             "                      model_dir=\"/kaggle/working/\")\nlearn.freeze()"),
    ("code", "learn.save('start')\n!ls ."),
    ("markdown", "#### freeze_to 源代码"),
    ("code", "learn.freeze_to??"),
    ("markdown", "#### 探查Resnet18 的layer groups和BN与其他含参数层的数量"),
    ("code", "print('there are ', len(learn.layer_groups), 'layer_groups in this leaner object')"),
    ("code", "\nfor g in learn.layer_groups[:]: # 打开所有layer groups\n    print(len(g), 'layers')\n"
             "    # 找出所有含weights的layers\n    num_trainables = fv.np.array([hasattr(l, 'weight') for l in g]).sum() \n"
             "    print(num_trainables, 'layers with weights')\n    # 找出所有BN layers\n"
             "    num_bn = fv.np.array([isinstance(l, fv.bn_types) for l in g]).sum()\n"
             "    print(num_bn, \"BN layers Not be frozen\")\n    print(num_trainables - num_bn, 'layers which can be frozen')\n"
             "    print('')\n    print(g)"),
    ("code", "learn.summary()"),
    ("markdown", "#### 查看某一个layer"),
    ("code", "l = learn.layer_groups[0][0]; l "),
    ("code", "learn.train_bn"),
    ("markdown", "#### BN classes"),
    ("code", "print(fv.bn_types)\nisinstance(l, fv.bn_types)"),
    ("markdown", "#### requires_grad如何使用"),
    ("code", "fv.requires_grad?"),
    ("code", "fv.requires_grad(l, False)"),
    ("markdown", "#### freeze_to(0) == unfreeze()"),
    ("code", "learn.freeze_to(0) # freeze layer group before group 0\nlearn.summary()"),
    ("code", "learn.freeze_to(1) # freeze layer group before group 1\nlearn.summary()"),
    ("markdown", "#### freeze的源代码"),
    ("code", "learn.freeze??"),
    ("code", "len(learn.layer_groups)"),
    ("markdown", "#### assert的用法"),
    ("code", "assert(len([1,2])>1)\n# assert(len([2])>1)"),
    ("markdown", "#### unfreeze的源代码"),
    ("code", "learn.create_opt?"),
    ("code", "learn.unfreeze??"),
]


def notebook(import_line): return from_cells(CELLS, {"import fastai.vision as fv": import_line})


def from_cells(cells_src, replace=None):
    "A notebook of `(kind, source)` cells, each source in `replace` replaced by its value."
    cells = []
    for kind, src in cells_src:
        src = (replace or {}).get(src, src)
        cell = {"cell_type": kind, "metadata": {}, "source": src.splitlines(keepends=True)}
        if kind == "code": cell.update(execution_count=None, outputs=[])
        cells.append(cell)
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 4,
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                         "language_info": {"name": "python"}}}


def render(nb): return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


NOTEBOOKS = {"seedlings_v1.ipynb": "import fastai.vision as fv",
             "reference_notebook.ipynb": "import fastai_freeze_compat as fv"}

if __name__ == "__main__":
    for name, line in NOTEBOOKS.items():
        (HERE / name).write_text(render(notebook(line)), encoding="utf-8")
        print("wrote", HERE / name)
