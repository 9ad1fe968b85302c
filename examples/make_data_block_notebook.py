"""Write ``data_block_v1.ipynb``: a fastai v1 notebook that builds three DataBunches with v1's data block API
(a multi-label one from a CSV, a regression-points one, a segmentation one) from images it generates itself,
and trains one epoch on each (``cnn_learner`` twice, ``unet_learner`` once), all with ``pretrained=False``.

v1 calls only; the one line this package asks to change is the import, ``from fastai_freeze_compat.vision import *``
(``from fastai.vision import *`` in the v1 original: ``python -m fastai_freeze_compat run`` runs that one too).
Run it with ``python -m fastai_freeze_compat run examples/data_block_v1.ipynb --cwd SOMEWHERE`` (it writes its
images under ``data_block_example/`` there). tests/test_data_block_notebook.py runs it and compares what it prints
with real fastai v1 running the same cells (tests/fixtures/record_v1_data_block_notebook.py).
Re-run: ``python examples/make_data_block_notebook.py``.
"""
from pathlib import Path

from make_notebooks import from_cells, render

HERE = Path(__file__).resolve().parent
NAME = "data_block_v1.ipynb"
IMPORT = "from fastai_freeze_compat.vision import *"
V1_IMPORT = "from fastai.vision import *"

MAKE_IMAGES = '''import PIL.Image
path = Path('data_block_example')
rng = np.random.RandomState(0)
def save_rgb(fn, h, w): PIL.Image.fromarray((rng.rand(h, w, 3) * 255).astype(np.uint8)).save(fn)

# multi-label: 40 images, a CSV of space-separated tags (as Kaggle's planet)
planet = path/'planet'; (planet/'train').mkdir(parents=True, exist_ok=True)
tags, rows = ['clear', 'cloudy', 'haze', 'road', 'water'], []
for i in range(40):
    save_rgb(planet/'train'/f'img_{i:02d}.jpg', 40, 40)
    rows.append(f"img_{i:02d},{' '.join(t for t in tags if rng.rand() < 0.35) or 'clear'}")
(planet/'labels.csv').write_text('image_name,tags\\n' + '\\n'.join(rows) + '\\n')

# points: 24 images, one point each (as BIWI head pose's centre)
biwi = path/'biwi'; biwi.mkdir(exist_ok=True)
for i in range(24): save_rgb(biwi/f'{i:02d}.jpg', 40, 48)

# segmentation: 20 images and their masks, a codes.txt (as CamVid)
camvid = path/'camvid'; (camvid/'images').mkdir(parents=True, exist_ok=True); (camvid/'labels').mkdir(exist_ok=True)
for i in range(20):
    save_rgb(camvid/'images'/f'{i:02d}.png', 40, 40)
    PIL.Image.fromarray(rng.randint(0, 3, (40, 40)).astype(np.uint8)).save(camvid/'labels'/f'{i:02d}_P.png')
(camvid/'codes.txt').write_text('Void\\nSky\\nRoad\\n')
sorted(p.name for p in path.ls())'''

ML_DATA = '''np.random.seed(42)
src = (ImageList.from_csv(planet, 'labels.csv', folder='train', suffix='.jpg')
       .split_by_rand_pct(0.2, seed=42)
       .label_from_df(label_delim=' '))
data = (src.transform(get_transforms(), size=32)
        .databunch(bs=8, num_workers=0).normalize(imagenet_stats))
data'''
ML_INFO = "data.classes, data.c, data.loss_func, len(data.train_ds), len(data.valid_ds)"
ML_VALID = "[Path(o).name for o in data.valid_ds.x.items]"
ML_LEARN = '''acc_02 = partial(accuracy_thresh, thresh=0.2)
f_score = partial(fbeta, thresh=0.2)
learn = cnn_learner(data, models.resnet18, pretrained=False, metrics=[acc_02, f_score])
len(learn.layer_groups), learn.loss_func'''
ML_FIT = "learn.fit_one_cycle(1, 1e-2)"

PT_DATA = '''def get_ctr(f):
    i = int(f.stem)
    return tensor([[8. + i, 10. + i]])

data = (PointsItemList.from_folder(biwi)
        .split_by_valid_func(lambda o: int(o.stem) % 5 == 0)
        .label_from_func(get_ctr)
        .transform(get_transforms(), tfm_y=True, size=(32, 40))
        .databunch(bs=8, num_workers=0).normalize(imagenet_stats))
data'''
PT_INFO = "data.c, data.loss_func, len(data.train_ds), len(data.valid_ds), [Path(o).name for o in data.valid_ds.x.items]"
PT_LEARN = '''learn = cnn_learner(data, models.resnet18, pretrained=False)
len(learn.layer_groups), learn.loss_func'''
PT_FIT = "learn.fit_one_cycle(1, 2e-2)"

SG_DATA = '''codes = np.loadtxt(camvid/'codes.txt', dtype=str)
get_y = lambda x: camvid/'labels'/f'{x.stem}_P{x.suffix}'
data = (SegmentationItemList.from_folder(camvid/'images')
        .split_by_rand_pct(seed=1)
        .label_from_func(get_y, classes=codes)
        .transform(get_transforms(), tfm_y=True, size=32)
        .databunch(bs=4, num_workers=0).normalize(imagenet_stats))
data'''
SG_INFO = "data.classes, data.c, data.loss_func, [Path(o).name for o in data.valid_ds.x.items]"
SG_LEARN = '''def acc_seg(input, target):
    target = target.squeeze(1)
    return (input.argmax(dim=1) == target).float().mean()

learn = unet_learner(data, models.resnet18, pretrained=False, metrics=acc_seg)
len(learn.layer_groups), sum(p.numel() for p in learn.model.parameters()), learn.loss_func'''
SG_FIT = "learn.fit_one_cycle(1, 1e-3)"

#: cells whose output tests/test_data_block_notebook.py compares with real v1's: {name: source}
PROBES = {"make_images": MAKE_IMAGES, "ml_data": ML_DATA, "ml_info": ML_INFO, "ml_valid": ML_VALID,
          "ml_learn": ML_LEARN, "ml_fit": ML_FIT, "pt_data": PT_DATA, "pt_info": PT_INFO, "pt_learn": PT_LEARN,
          "pt_fit": PT_FIT, "sg_data": SG_DATA, "sg_info": SG_INFO, "sg_learn": SG_LEARN, "sg_fit": SG_FIT}

CELLS = [
    ("markdown", "# fastai v1's data block API\n\nThree DataBunches built with v1's data block API, from images "
                 "this notebook generates (tiny, so it runs on a CPU in seconds), and one epoch of training on each. "
                 "`pretrained=False`: no weights offline."),
    ("code", IMPORT),
    ("code", MAKE_IMAGES),
    ("markdown", "## Multi-label classification (a CSV of space-separated tags)"),
    ("code", ML_DATA), ("code", ML_INFO), ("code", ML_VALID), ("code", ML_LEARN), ("code", ML_FIT),
    ("markdown", "## Regression: one point per image, transformed with the image (`tfm_y=True`)"),
    ("code", PT_DATA), ("code", PT_INFO), ("code", PT_LEARN), ("code", PT_FIT),
    ("markdown", "## Segmentation: masks from a function of the image's name, a U-Net"),
    ("code", SG_DATA), ("code", SG_INFO), ("code", SG_LEARN), ("code", SG_FIT),
]


def notebook(import_line=IMPORT): return from_cells(CELLS, {IMPORT: import_line})


if __name__ == "__main__":
    (HERE / NAME).write_text(render(notebook()), encoding="utf-8")
    print("wrote", HERE / NAME)
