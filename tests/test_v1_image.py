"""v1's image objects and transforms (`_v2/vision/image.py`, `_v2/vision/transform.py`) against real fastai v1's
numbers, recorded by tests/fixtures/record_v1_image.py on 1.0.48 (warps included) and 1.0.61."""
import json
import os

import numpy as np
import PIL.Image
import pytest
import torch

import fastai_freeze_compat as ffc
import fastai_freeze_compat.vision as fv
from fixtures.record_v1_image import base, cases

HERE = os.path.join(os.path.dirname(__file__), "fixtures")


def rec(version):
    with open(os.path.join(HERE, f"image_v1_{version}.json")) as f: return json.load(f)


@pytest.mark.parametrize("version", ["1.0.48", "1.0.61"])
def test_deterministic_transforms_give_v1s_pixels(version):
    r = rec(version)["tfms"]
    built = cases(fv, warps=True)
    assert set(r) <= set(built) and len(r) >= 19
    for name, got in r.items():
        tfms, kw = built[name]
        x = fv.Image(base().clone()).apply_tfms(tfms, **kw)
        assert list(x.shape) == got["shape"], name
        assert torch.allclose(x.px.reshape(-1), torch.tensor(got["px"]), atol=2e-5), name


def test_points_follow_the_image_as_in_v1():
    pts = fv.ImagePoints(fv.FlowField((8, 8), torch.tensor([[1., 2.], [4., 4.], [6., 1.]])))
    tfms = [fv.rotate(is_random=False, degrees=20.), fv.flip_lr()]
    fv.Image(base()).apply_tfms(tfms)
    got = pts.apply_tfms(tfms, do_resolve=False).data
    assert torch.allclose(got.reshape(-1), torch.tensor(rec("1.0.61")["points"]), atol=1e-5)


def test_opening_files_and_helpers_as_v1(tmp_path):
    # on fastai 1.x the installed v1 against its own recording (1.0.48's Pillow < 7 converts to 'L' otherwise)
    r = rec(str(ffc.FASTAI_VERSION) if ffc.IS_V1 else "1.0.61")
    a = (np.arange(5 * 7 * 3) * 2 % 256).astype(np.uint8).reshape(5, 7, 3)
    PIL.Image.fromarray(a).save(tmp_path / "rgb.png")
    PIL.Image.fromarray((np.arange(4 * 6) % 5).astype(np.uint8).reshape(4, 6)).save(tmp_path / "mask.png")
    im, mk = fv.open_image(tmp_path / "rgb.png"), fv.open_mask(tmp_path / "mask.png")
    assert list(im.shape) == r["open_image"]["shape"]
    assert torch.allclose(im.px.reshape(-1), torch.tensor(r["open_image"]["px"]), atol=1e-5)
    assert torch.allclose(fv.open_image(tmp_path / "rgb.png", convert_mode='L').px.reshape(-1),
                          torch.tensor(r["open_image_L"]), atol=1e-5)
    assert list(mk.shape) == r["open_mask"]["shape"] and str(mk.data.dtype) == r["open_mask"]["dtype"]
    assert mk.data.reshape(-1).tolist() == [int(v) for v in r["open_mask"]["data"]]
    assert list(fv.pil2tensor(PIL.Image.fromarray(a), np.float32).shape) == r["pil2tensor"]
    assert list(fv.image2np(im.px).shape) == r["image2np"]
    assert [fv.tis2hw(5), fv.tis2hw((3, 4, 6)), fv.tis2hw((4, 6))] == r["tis2hw"]
    assert fv.rle_encode(np.array([[0, 1, 1], [0, 0, 1], [1, 1, 0]])) == r["rle_encode"]


@pytest.mark.v2only
def test_bad_images(tmp_path):
    "16-bit PNGs are scaled to [0, 1] (v1 saturated them); a truncated file is named; tiny images stay (c, h, w)."
    a = np.array([[0, 1000], [30000, 65535]], dtype=np.uint16)
    PIL.Image.fromarray(a).save(tmp_path / "g16.png")
    x = fv.open_image(tmp_path / "g16.png")
    assert x.shape == (3, 2, 2) and torch.allclose(x.px[0], torch.tensor(a / 65535., dtype=torch.float32))
    PIL.Image.fromarray((np.arange(27) % 256).astype(np.uint8).reshape(3, 3, 3)).save(tmp_path / "tiny.png")
    assert fv.open_image(tmp_path / "tiny.png").shape == (3, 3, 3)
    from fastai_freeze_compat._v2.vision.image import image_to_v1_tensor
    assert image_to_v1_tensor(PIL.Image.open(tmp_path / "tiny.png").convert("RGB").resize((1, 4))).shape == (3, 4, 1)
    good = tmp_path / "big.jpg"
    PIL.Image.fromarray((np.arange(64 * 64 * 3) % 256).astype(np.uint8).reshape(64, 64, 3)).save(good)
    (tmp_path / "cut.jpg").write_bytes(good.read_bytes()[:300])
    with pytest.raises(OSError, match="cut.jpg"):
        fv.open_image(tmp_path / "cut.jpg")


@pytest.mark.v2only
def test_rand_pad_in_a_factory_runs_v1s_transforms_per_item():
    from fastai_freeze_compat._v2.vision.transform import V1ItemTfms, split_tfms
    item, batch = split_tfms(fv.rand_pad(2, 28))
    assert len(item) == 1 and isinstance(item[0], V1ItemTfms) and not batch
    item, batch = split_tfms(fv.get_transforms()[0], size=32)
    assert not any(isinstance(t, V1ItemTfms) for t in item) and len(batch) > 0
