"""Write a stand-in for Kaggle's plant-seedlings data, the reference notebook's: 12 class folders with
the seed's class names and 4,750 training images (so valid_pct=0.25 gives the seed's 3,563 / 1,187
split), plus 794 unlabeled test images. The pixels are random (no download is possible here).

    python examples/make_seedlings_folder.py DEST      # writes DEST/train/<class>/*.png, DEST/test/*.png
    python examples/make_seedlings_folder.py --help
"""
import argparse
from pathlib import Path

import numpy as np
from PIL import Image

CLASSES = ["Black-grass", "Charlock", "Cleavers", "Common Chickweed", "Common wheat", "Fat Hen",
           "Loose Silky-bent", "Maize", "Scentless Mayweed", "Shepherds Purse", "Small-flowered Cranesbill",
           "Sugar beet"]
# the seedlings' class sizes (263 ... 654 images), which add up to 4,750
COUNTS = [263, 390, 287, 611, 221, 475, 654, 221, 516, 231, 496, 385]


def make_seedlings_folder(dest, size=24, seed=0, n_test=794):
    dest, rng = Path(dest), np.random.RandomState(seed)
    for c, n in zip(CLASSES, COUNTS):
        (dest / "train" / c).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            Image.fromarray(rng.randint(0, 256, (size, size, 3)).astype(np.uint8)).save(
                str(dest / "train" / c / f"{i:04d}.png"))
    (dest / "test").mkdir(parents=True, exist_ok=True)
    for i in range(n_test):
        Image.fromarray(rng.randint(0, 256, (size, size, 3)).astype(np.uint8)).save(str(dest / "test" / f"{i:04d}.png"))
    return dest


def main(argv=None):
    p = argparse.ArgumentParser(description="Write a stand-in for Kaggle's plant-seedlings data (random pixels): "
                                            "DEST/train/<class>/*.png (4,750 images) and DEST/test/*.png (794).")
    p.add_argument("dest", nargs="?", default="seedlings", help="folder to write (default: seedlings)")
    p.add_argument("--size", type=int, default=24, help="image side in pixels (default 24)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.dest.startswith("-"): p.error(f"DEST {args.dest!r} looks like an option: name a folder")
    if args.size < 1: p.error(f"--size must be a positive integer, got {args.size}")
    print(make_seedlings_folder(args.dest, size=args.size, seed=args.seed))


if __name__ == "__main__":
    main()
