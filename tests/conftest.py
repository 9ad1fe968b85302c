import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fastai_freeze_compat as fv  # noqa: E402
from helpers import image_data, make_image_folder  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def v1_fixture(version=None):
    """What real fastai v1 recorded (tests/fixtures/record_v1.py). On fastai 2 the package reproduces
    1.0.61 (the last v1); on fastai 1.x the installed v1 is compared with its own recording."""
    if version is None:
        version = str(fv.FASTAI_VERSION) if fv.IS_V1 else "1.0.61"
    return json.loads((FIXTURES / f"v1_{version}.json").read_text())


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason=f"tests the fastai 2 backend; fastai {fv.FASTAI_VERSION} is installed, "
                                   "where the package passes the real v1 API through")
    for item in items:
        if "v2only" in item.keywords and fv.IS_V1:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def data12(tmp_path_factory):
    "A 12-class image folder (the seed's class names), as the installed fastai's data object."
    root = tmp_path_factory.mktemp("seedlings")
    return image_data(make_image_folder(root))


