"""Generate, offline, the datasets fastai v1's tests ask `untar_data` for, in v1's folder layout.

    python tests/v1_suite/make_data.py --dest ROOT [--fastai-home HOME] [--suite DIR]

writes ROOT/<dataset> for every dataset below (emptied and written again on each run). The counts are the
ones v1's tests assert on the real downloads (mnist_tiny: 346 + 363 train, 346 + 353 valid, 20 test, 1,428
images in all, train/3/867.png; planet_tiny: 200 images, 14 tags; camvid_tiny and coco_tiny: 100 and 200
images); the images are small synthetic ones (3s and 7s drawn with jitter, so v1's "accuracy > 0.9 after
fit_one_cycle(3)" holds), seeded, so every run writes the same files.

How the two stacks find them (nothing is downloaded):
* real fastai 1.0.61: `untar_data(url)` returns `Config.data_path()/<name>` without downloading when that
  folder exists (fastai/datasets.py: `if not dest.exists(): download...`); `--fastai-home HOME` writes
  HOME/config.yml with data_path = ROOT, and FASTAI_HOME=HOME must be set when the tests run;
* fastai_freeze_compat on fastai 2: its `untar_data` returns $FASTAI_FREEZE_COMPAT_DATA_ROOT/<name>: set it to ROOT.

`--suite DIR` also writes DIR/data/test/images/ (a few image files of several formats, among them the
16-bit grayscale gray_16bit.png), which test_vision_data's pil2tensor tests read next to the test file;
the sdist does not ship them. `--torch-home DIR` writes seeded random weights in torchvision's checkpoint
files for resnet18 and squeezenet1_1, which v1's tests build with pretrained=True (see pretrained_weights).
"""
import argparse
import csv
import json
import math
import shutil
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

# ------------------------------------------------------------------------------------------------ digits

_STROKES = {
    # in a 28x28 box; a polyline each
    7: [[(7, 6), (21, 6), (13, 23)], [(10, 14), (19, 14)]],
    3: [[(14 + 6 * math.cos(math.radians(a)), 9.5 + 4.5 * math.sin(math.radians(a))) for a in range(-160, 91, 15)],
        [(14 + 7 * math.cos(math.radians(a)), 18.5 + 5 * math.sin(math.radians(a))) for a in range(-90, 171, 15)]],
}


def digit(d, rng, size=28):
    "A 28x28 grayscale image of the digit `d` (3 or 7), drawn with a random shift, scale, rotation and stroke."
    img = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(img)
    s = rng.uniform(0.8, 1.05) * size / 28
    a = math.radians(rng.uniform(-12, 12))
    dx, dy = rng.uniform(-2.5, 2.5), rng.uniform(-2.5, 2.5)
    c = size / 2

    def tf(p):
        x, y = (p[0] - 14) * s, (p[1] - 14) * s
        return (c + dx + x * math.cos(a) - y * math.sin(a), c + dy + x * math.sin(a) + y * math.cos(a))

    width = int(rng.integers(2, 4)) * max(1, size // 28)
    fill = int(rng.integers(190, 256))
    for stroke in _STROKES[d]:
        draw.line([tf(p) for p in stroke], fill=fill, width=width, joint="curve")
    arr = np.asarray(img, dtype=np.float32) + rng.normal(0, 12, (size, size))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")


def _write_digits(root, layout, rng, names, size=None, force=()):
    """`layout`: {folder: (digit or None, count)}. Writes <folder>/<n>.png with unique numeric names; returns
    labels.csv's rows (folder/n.png, digit) for the labelled folders. `force`: (folder, n) names to use."""
    rows = []
    forced = {}
    for folder, n in force: forced.setdefault(folder, []).append(n)
    for folder, (d, count) in layout.items():
        out = root / folder
        out.mkdir(parents=True, exist_ok=True)
        own = forced.get(folder, [])
        picks = own + [next(names) for _ in range(count - len(own))]
        for i, n in enumerate(picks):
            dd = d if d is not None else (3, 7)[i % 2]
            img = digit(dd, rng)
            if size is not None: img = img.resize(size(rng), Image.BILINEAR)
            img.save(out / f"{n}.png")
            if d is not None: rows.append((f"{folder}/{n}.png", d))
    return rows


def _names(rng, exclude=()):
    "Unique 'MNIST index' file names, in a seeded order."
    for n in rng.permutation(70000):
        if int(n) not in exclude: yield int(n)


def _labels_csv(path, rows, header=("name", "label")):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def mnist_tiny(root, rng):
    "v1's mnist_tiny: 709 train (346 3s, 363 7s), 699 valid (346, 353), 20 test, labels.csv of train + valid."
    layout = {"train/3": (3, 346), "train/7": (7, 363), "valid/3": (3, 346), "valid/7": (7, 353), "test": (None, 20)}
    rows = _write_digits(root, layout, rng, _names(rng, exclude={867}), force=[("train/3", 867)])
    _labels_csv(root / "labels.csv", rows)


def mnist_sample(root, rng):
    "v1's mnist_sample layout (train/3, train/7, valid/3, valid/7, labels.csv), fewer images than the real one."
    layout = {"train/3": (3, 60), "train/7": (7, 60), "valid/3": (3, 20), "valid/7": (7, 20)}
    rows = _write_digits(root, layout, rng, _names(rng))
    _labels_csv(root / "labels.csv", rows)


def mnist_var_size_tiny(root, rng):
    "mnist_tiny's layout with images of varying sizes, all larger than 28x28."
    layout = {"train/3": (3, 20), "train/7": (7, 20), "valid/3": (3, 10), "valid/7": (7, 10), "test": (None, 6)}
    size = lambda r: (int(r.integers(29, 65)), int(r.integers(29, 65)))
    rows = _write_digits(root, layout, rng, _names(rng), size=size)
    _labels_csv(root / "labels.csv", rows)


PLANET_TAGS = ["agriculture", "artisinal_mine", "bare_ground", "clear", "cloudy", "cultivation", "habitation",
               "haze", "partly_cloudy", "primary", "road", "selective_logging", "slash_burn", "water"]


def planet_tiny(root, rng):
    "v1's planet_tiny: train/<image_name>.jpg, 200 RGB images, labels.csv (image_name, tags): 14 tags."
    (root / "train").mkdir(parents=True)
    rows = []
    for i in range(200):
        name = f"train_{int(rng.integers(0, 40000)):05d}_{i}"
        k = int(rng.integers(1, 4))
        tags = sorted({PLANET_TAGS[i % 14]} | set(rng.choice(PLANET_TAGS, k, replace=False)))
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8), "RGB").save(root / "train" / f"{name}.jpg")
        rows.append((name, " ".join(tags)))
    _labels_csv(root / "labels.csv", rows, header=("image_name", "tags"))


CAMVID_CODES = ["Animal", "Archway", "Bicyclist", "Bridge", "Building", "Car", "CartLuggagePram", "Child",
                "Column_Pole", "Fence", "LaneMkgsDriv", "LaneMkgsNonDriv", "Misc_Text", "MotorcycleScooter",
                "OtherMoving", "ParkingBlock", "Pedestrian", "Road", "RoadShoulder", "Sidewalk", "SignSymbol",
                "Sky", "SUVPickupTruck", "TrafficCone", "TrafficLight", "Train", "Tree", "Truck_Bus", "Tunnel",
                "VegetationMisc", "Void", "Wall"]


def camvid_tiny(root, rng):
    "v1's camvid_tiny: images/<stem>.png, labels/<stem>_P.png (codes' indices), codes.txt: 100 images."
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    h, w = 48, 64
    for i in range(100):
        stem = f"0001TP_{6690 + 30 * i:06d}"
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), "RGB").save(root / "images" / f"{stem}.png")
        mask = np.zeros((h, w), np.uint8)
        for _ in range(4):
            y0, x0 = int(rng.integers(0, h - 8)), int(rng.integers(0, w - 8))
            mask[y0:y0 + int(rng.integers(6, 20)), x0:x0 + int(rng.integers(6, 30))] = int(rng.integers(0, len(CAMVID_CODES)))
        Image.fromarray(mask, "L").save(root / "labels" / f"{stem}_P.png")
    (root / "codes.txt").write_text("\n".join(CAMVID_CODES) + "\n")


COCO_CATEGORIES = ["chair", "couch", "tv", "remote", "book", "vase"]


def coco_tiny(root, rng):
    "v1's coco_tiny: train/<id>.jpg, 200 RGB images of one size, train.json (COCO: images, annotations, categories)."
    (root / "train").mkdir(parents=True)
    size = 64
    images, annotations = [], []
    cats = [{"id": 62 + i, "name": n} for i, n in enumerate(COCO_CATEGORIES)]
    for i in range(200):
        img_id = 100000 + 37 * i
        fname = f"{img_id:012d}.jpg"
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8), "RGB").save(root / "train" / fname)
        images.append({"file_name": fname, "height": size, "width": size, "id": img_id})
        for _ in range(int(rng.integers(1, 4))):
            x, y = int(rng.integers(0, size - 16)), int(rng.integers(0, size - 16))
            bw, bh = int(rng.integers(6, size - x)), int(rng.integers(6, size - y))
            x, y, bw, bh = float(x), float(y), float(bw), float(bh)
            annotations.append({"image_id": img_id, "bbox": [x, y, bw, bh], "category_id": cats[int(rng.integers(0, 6))]["id"],
                                "id": len(annotations) + 1, "area": bw * bh, "iscrowd": 0})
    (root / "train.json").write_text(json.dumps({"images": images, "annotations": annotations, "categories": cats}))


def adult_sample(root, rng):
    "v1's adult_sample: adult.csv with the census columns, 1,200 rows (the tests split rows 800-999 off), a few NaNs."
    root.mkdir(parents=True)
    cols = ["age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
            "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week", "native-country", "salary"]
    choices = {
        "workclass": [" Private", " Self-emp-not-inc", " Local-gov", " State-gov", " Federal-gov"],
        "education": [" HS-grad", " Some-college", " Bachelors", " Masters", " 11th", " Doctorate"],
        "marital-status": [" Married-civ-spouse", " Never-married", " Divorced", " Widowed"],
        "occupation": [" Prof-specialty", " Craft-repair", " Exec-managerial", " Adm-clerical", " Sales"],
        "relationship": [" Husband", " Not-in-family", " Own-child", " Unmarried", " Wife"],
        "race": [" White", " Black", " Asian-Pac-Islander", " Other"],
        "sex": [" Male", " Female"], "native-country": [" United-States", " Mexico", " India"],
        "salary": [">=50k", "<50k"],
    }
    with open(root / "adult.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for i in range(1200):
            row = {c: choices[c][int(rng.integers(0, len(choices[c])))] for c in choices}
            row.update({"age": int(rng.integers(17, 90)), "fnlwgt": int(rng.integers(20000, 900000)),
                        "education-num": float(rng.integers(1, 17)), "capital-gain": int(rng.integers(0, 2) * rng.integers(0, 9999)),
                        "capital-loss": 0, "hours-per-week": int(rng.integers(10, 80))})
            if i % 50 == 7: row["education-num"] = ""
            if i % 40 == 3: row["occupation"] = ""
            w.writerow([row[c] for c in cols])


def movie_lens_sample(root, rng):
    "v1's movie_lens_sample: ratings.csv (userId, movieId, rating, timestamp), 1,000 ratings."
    root.mkdir(parents=True)
    with open(root / "ratings.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["userId", "movieId", "rating", "timestamp"])
        for _ in range(1000):
            w.writerow([int(rng.integers(1, 101)), int(rng.integers(1, 61)) * 7, float(rng.integers(1, 11)) / 2,
                        int(rng.integers(800000000, 1500000000))])


_WORDS = ("the a movie film was is great bad terrible wonderful plot actor acting story boring fun loved hated "
          "scene ending music and but very not really quite").split()


def imdb_sample(root, rng):
    "v1's imdb_sample: texts.csv (label, text, is_valid), 100 reviews of random words."
    root.mkdir(parents=True)
    with open(root / "texts.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["label", "text", "is_valid"])
        for i in range(100):
            text = " ".join(rng.choice(_WORDS, int(rng.integers(20, 60)))).capitalize() + "."
            w.writerow([("negative", "positive")[i % 2], text, i >= 80])


DATASETS = {
    "mnist_tiny": mnist_tiny, "mnist_sample": mnist_sample, "mnist_var_size_tiny": mnist_var_size_tiny,
    "planet_tiny": planet_tiny, "camvid_tiny": camvid_tiny, "coco_tiny": coco_tiny,
    "adult_sample": adult_sample, "movie_lens_sample": movie_lens_sample, "imdb_sample": imdb_sample,
}


def suite_images(suite):
    "DIR/data/test/images: image files of several formats and modes, for test_vision_data's pil2tensor tests."
    out = Path(suite) / "data" / "test" / "images"
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    Image.fromarray(rgb, "RGB").save(out / "rgb.jpg")
    Image.fromarray(rgb, "RGB").save(out / "rgb.png")
    Image.fromarray(rgb, "RGB").save(out / "rgb.tif")
    Image.fromarray(rgb[..., 0], "L").save(out / "gray_8bit.png")
    Image.fromarray(np.dstack([rgb, rng.integers(0, 256, (24, 32, 1), dtype=np.uint8)]), "RGBA").save(out / "rgba.png")
    Image.fromarray(rgb, "RGB").convert("P").save(out / "palette.png")
    g16 = (rng.integers(0, 4096, (24, 32)) * 16).astype(np.uint16)
    Image.fromarray(g16).save(out / "gray_16bit.png")
    assert Image.open(out / "gray_16bit.png").mode.startswith("I")
    return out


# the torchvision architectures v1's tests build with pretrained=True (cnn_learner's default)
PRETRAINED = ("resnet18", "squeezenet1_1")


def pretrained_weights(torch_home, archs=PRETRAINED):
    """TORCH_HOME/hub/checkpoints/<file of IMAGENET1K_V1>: seeded random weights in torchvision's file for
    each architecture, where `resnet18(pretrained=True)` (fastai 1.0.61) and `weights=IMAGENET1K_V1` (the
    package) look before downloading; torch.hub checks a file's hash only when it downloads it. No test
    asserts what the weights are, only that they load (and, test_create_body, that both loads agree)."""
    import torch
    import torchvision
    out = Path(torch_home).resolve() / "hub" / "checkpoints"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in archs:
        url = torchvision.models.get_model_weights(name)["IMAGENET1K_V1"].url
        torch.manual_seed(0)
        model = torchvision.models.get_model(name, weights=None)
        path = out / url.rsplit("/", 1)[-1]
        torch.save(model.state_dict(), path)
        written.append(path.name)
    return written


def make(dest, fastai_home=None, suite=None, only=None, torch_home=None):
    dest = Path(dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    for i, (name, fn) in enumerate(DATASETS.items()):
        if only and name not in only: continue
        root = dest / name
        if root.exists(): shutil.rmtree(root)
        fn(root, np.random.default_rng(1000 + i))
    if fastai_home:
        home = Path(fastai_home).resolve()
        home.mkdir(parents=True, exist_ok=True)
        # fastai 1.0.61's Config: yaml with these three keys (datasets.py, Config.DEFAULT_CONFIG)
        (home / "config.yml").write_text(f"data_archive_path: {dest}\ndata_path: {dest}\nmodel_path: {home / 'models'}\n")
    if suite: suite_images(suite)
    if torch_home: print(f"make_data.py: {torch_home}: random pretrained weights " + ", ".join(pretrained_weights(torch_home)))
    counts = {n: sum(1 for p in (dest / n).rglob("*") if p.is_file()) for n in DATASETS if not only or n in only}
    print(f"make_data.py: {dest}: " + ", ".join(f"{n} ({c} files)" for n, c in counts.items()))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dest", required=True, help="the data root: datasets are written to DEST/<name>")
    p.add_argument("--fastai-home", help="also write FASTAI_HOME/config.yml pointing fastai 1.0.61's data_path at DEST")
    p.add_argument("--suite", help="the suite folder prepare.py wrote: also write its data/test/images/")
    p.add_argument("--torch-home", help="also write seeded random 'pretrained' weights where torchvision looks "
                                        "(set TORCH_HOME to it when the tests run)")
    p.add_argument("--only", nargs="*", choices=sorted(DATASETS), help="only these datasets")
    a = p.parse_args(argv)
    make(a.dest, a.fastai_home, a.suite, a.only, a.torch_home)


if __name__ == "__main__":
    main()
