"""Test data that every stack in the matrix can read: a generated image folder, and the
`data` object a v1 notebook would pass to `cnn_learner` on the installed fastai.

The folder makers import nothing of fastai or of the package, so v1 recording scripts use them too."""
import numpy as np
from PIL import Image

CLASSES_12 = ["Black-grass", "Charlock", "Cleavers", "Common Chickweed", "Common wheat", "Fat Hen",
              "Loose Silky-bent", "Maize", "Scentless Mayweed", "Shepherds Purse",
              "Small-flowered Cranesbill", "Sugar beet"]


def make_image_folder(root, classes=CLASSES_12, per_class=4, size=40, seed=0):
    "Write `per_class` random RGB PNGs for each class under `root/train/<class>/`; return `root/train`."
    rng = np.random.RandomState(seed)
    train = root / "train"
    for k, c in enumerate(classes):
        d = train / c
        d.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            a = rng.randint(0, 256, size=(size, size, 3)).astype(np.uint8)
            a[..., k % 3] = (a[..., k % 3] // 2 + 20 * (k % 6)).astype(np.uint8)
            Image.fromarray(a).save(str(d / "{}_{}.png".format(c.replace(" ", "_"), i)))
    return train


def make_flat_images(folder, n, size=40, seed=7):
    "`n` unlabelled images directly in `folder` (a test folder)."
    rng = np.random.RandomState(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.fromarray(rng.randint(0, 256, size=(size, size, 3)).astype(np.uint8)).save(
            str(folder / "test_{}.png".format(i)))
    return folder


def image_data(path, size=32, bs=8, valid_pct=0.25, seed=1):
    "The data object of the installed fastai, built the way a notebook of that fastai would."
    import fastai_freeze_compat as fv
    if fv.IS_V1:
        fv.np.random.seed(seed)
        return fv.ImageDataBunch.from_folder(path, valid_pct=valid_pct, size=size, bs=bs, num_workers=0)
    from fastai.vision.all import ImageDataLoaders, Resize
    return ImageDataLoaders.from_folder(path, valid_pct=valid_pct, seed=seed, item_tfms=Resize(size), bs=bs,
                                        num_workers=0)


def run_printing(f, *args, **kwargs):
    "Call `f`, return (its result, the lines it printed)."
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf): res = f(*args, **kwargs)
    return res, buf.getvalue().splitlines()

