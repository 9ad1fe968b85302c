"""fastai v1's ``fastai/imports/core.py`` on fastai 2: ``try_import``, ``pd_max_colwidth``, ``have_min_pkg_version``.

The ported helpers are fastai v1 1.0.61's definitions (fastai/imports/core.py, Apache-2.0).
"""
import importlib

__all__ = ["try_import", "pd_max_colwidth", "have_min_pkg_version"]


def pd_max_colwidth():
    "pandas' `display.max_colwidth` for no limit: None from pandas 1.0 (-1 before)."
    import pandas as pd
    return None if pd.__version__ >= "1.0.0" else -1


def try_import(module):
    "Try to import `module`. Returns module's object on success, None on failure"
    try: return importlib.import_module(module)
    except Exception: return None


def have_min_pkg_version(package, version):
    "Check whether we have at least `version` of `package`. Returns True on success, False otherwise."
    # v1 asked `pkg_resources.require(f"{package}>={version}")`; setuptools 81 removed pkg_resources. The installed
    # distribution's version, compared as a version, gives v1's answer (v1 also checked the package's own
    # requirements were installed, which pip ensures).
    from importlib import metadata

    from packaging.version import Version
    try: return Version(metadata.version(package)) >= Version(version)
    except Exception: return False
