"""fastai v1's ``untar_data`` / ``URLs`` on fastai 2, with a local-data switch for offline runs.

``untar_data(url)`` is fastai 2's (same URLs, same extraction), unless ``FASTAI_FREEZE_COMPAT_DATA_ROOT``
names a folder (``fastai-freeze-compat run --data-root DIR`` sets it): then it returns ``DIR/<dataset>``
without any download, as v1 notebooks expect ``untar_data`` to return the dataset folder.
"""
import os
from pathlib import Path

from fastai.data.external import untar_data as _untar_data

__all__ = ["untar_data", "DATA_ROOT_VAR"]

DATA_ROOT_VAR = "FASTAI_FREEZE_COMPAT_DATA_ROOT"


def untar_data(url, fname=None, dest=None, data=True, force_download=False):
    "Download `url` to `fname` if it doesn't exist, and un-tgz to folder `dest` (v1's signature)."
    root = os.environ.get(DATA_ROOT_VAR)
    name = url.rstrip("/").split("/")[-1]
    for ext in (".tgz", ".tar.gz", ".zip", ".tar"):
        if name.endswith(ext): name = name[:-len(ext)]
    if root:
        local = Path(root) / name
        if not local.exists():
            raise FileNotFoundError(f"untar_data({url!r}): {local} does not exist; {DATA_ROOT_VAR} points at "
                                    f"{root}, so nothing is downloaded: put the extracted '{name}' folder there")
        return local
    # fastai 2 renamed v1's `dest` to `data`/`base` and `fname` to `archive`
    return _untar_data(url, archive=fname, data=dest, force_download=force_download)
