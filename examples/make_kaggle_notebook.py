"""Write ``kaggle_v1.ipynb``: a Kaggle-style fastai v1 kernel, the second half of a v1 notebook: train,
interpret, TTA on the test set, write ``submission.csv``, then ``export`` / ``load_learner`` / ``predict``
one image as a deployed v1 app does.

It is written in fastai v1 (``from fastai.vision import *``) and runs unmodified on real fastai v1 and,
through ``python -m fastai_freeze_compat run``, on fastai 2:

    python -m fastai_freeze_compat run examples/kaggle_v1.ipynb \
        --data-root /kaggle/input=DATA --data-root /kaggle/working=OUT --cwd OUT

with ``DATA/train/<class>/*.png`` and ``DATA/test/*.png`` (``examples/make_seedlings_folder.py`` writes
such a folder). ``pretrained=False``: no weights offline. tests/test_kaggle_example.py runs it on every
stack; re-run ``python examples/make_kaggle_notebook.py`` after editing the cells.
"""
from pathlib import Path

from make_notebooks import from_cells, render

HERE = Path(__file__).resolve().parent

CELLS = [
    ("markdown", "# Plant seedlings: a fastai v1 submission kernel"),
    ("code", "%matplotlib inline\nfrom fastai.vision import *\nfrom fastai.metrics import error_rate"),
    ("code", "path = Path('/kaggle/input')\npath.ls()"),
    ("code", "np.random.seed(42)\n"
             "data = ImageDataBunch.from_folder(path/'train', test=path/'test', valid_pct=0.25,\n"
             "                                  ds_tfms=get_transforms(), size=32, bs=16,\n"
             "                                  num_workers=0).normalize(imagenet_stats)\ndata"),
    ("code", "print(data.classes)\nprint(data.c, len(data.train_ds), len(data.valid_ds), len(data.test_ds))"),
    ("code", "learn = cnn_learner(data, models.resnet18, pretrained=False, metrics=error_rate,\n"
             "                    model_dir='/kaggle/working')\nlearn.freeze()\nlearn.fit_one_cycle(1, 1e-3)"),
    ("markdown", "## How did it do?"),
    ("code", "preds, y = learn.get_preds(ds_type=DatasetType.Valid)\npreds.shape, y.shape"),
    ("code", "interp = ClassificationInterpretation.from_learner(learn)\n"
             "losses, idxs = interp.top_losses()\nlen(data.valid_ds) == len(losses) == len(idxs)"),
    ("code", "interp.plot_confusion_matrix(figsize=(8, 8))"),
    ("code", "interp.most_confused(min_val=1)[:3]"),
    ("markdown", "## Submission: TTA on the test set"),
    ("code", "test_preds, _ = learn.TTA(ds_type=DatasetType.Test)\ntest_preds.shape"),
    ("code", "labels = [data.classes[i] for i in test_preds.argmax(dim=1)]\n"
             "sub = pd.DataFrame({'file': [f.name for f in data.test_ds.items], 'species': labels})\n"
             "sub.to_csv('/kaggle/working/submission.csv', index=False)\nsub.head()"),
    ("markdown", "## Deploy: export, load_learner, predict one image"),
    ("code", "learn.export('/kaggle/working/export.pkl')"),
    ("code", "learn_inf = load_learner('/kaggle/working')\n"
             "img = open_image(data.test_ds.items[0])\n"
             "pred_class, pred_idx, outputs = learn_inf.predict(img)\npred_class"),
    ("code", "pred_class2, pred_idx2, outputs2 = learn.predict(img)\n"
             "print(str(pred_class) == str(pred_class2), int(pred_idx) == int(pred_idx2),\n"
             "      float((outputs - outputs2).abs().max()) < 1e-5, round(float(outputs.sum()), 4))"),
]


if __name__ == "__main__":
    (HERE / "kaggle_v1.ipynb").write_text(render(from_cells(CELLS)), encoding="utf-8")
    print("wrote", HERE / "kaggle_v1.ipynb")
