"""fastai v1's ``fastai/basic_data.py`` on fastai 2: ``DatasetType``. v1's ``DataBunch`` behaviour lives with
``ImageDataBunch`` (``vision/data.py``), a fastai 2 ``DataLoaders``.
"""
from enum import Enum

__all__ = ["DatasetType"]

#: v1's dataset types (``fastai/basic_data.py``).
DatasetType = Enum("DatasetType", "Train Valid Test Single Fix")
