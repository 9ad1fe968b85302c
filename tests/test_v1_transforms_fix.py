"""fastai 1.0.61's get_transforms() on torch without torch.solve (fastai_freeze_compat/_v1/transforms_fix.py).

fastai 1.0.61 solves for its perspective-warp coefficients with torch.solve, which torch removed (a stub
that raises RuntimeError); importing the package on fastai 1.0.61 replaces that one function
(`fastai.vision.transform._find_coeffs`) and nothing else. On fastai 1.0.48 (torch 1.0.1, torch.gesv)
there is nothing to repair; on fastai 2 the package does not touch fastai v1 at all.
"""
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import torch

import fastai_freeze_compat as fv
from helpers import CLASSES_12, make_image_folder

v1_only = pytest.mark.skipif(not fv.IS_V1, reason=f"fastai {fv.FASTAI_VERSION} is installed: the repair concerns "
                                                  "fastai 1.0.61's fastai.vision.transform, absent on fastai 2")


def _solver_broken():
    "What the test expects, found independently of the package: fastai's chosen solver fails on this torch."
    import fastai.vision.transform as T
    if not hasattr(T, "_solve_func"): return False          # fastai 1.0.48 calls torch.gesv directly
    try:
        T._solve_func(torch.ones(1, 1), torch.ones(1, 1))
        return False
    except RuntimeError:
        return True


@v1_only
def test_repair_is_applied_exactly_where_the_solver_is_broken():
    import fastai.vision.transform as T
    from fastai_freeze_compat._v1 import transforms_fix
    broken = _solver_broken()
    assert transforms_fix.APPLIED is broken
    assert (T._find_coeffs is transforms_fix._find_coeffs) is broken
    if str(fv.FASTAI_VERSION) == "1.0.61" and not hasattr(torch, "gesv"):
        assert broken            # fastai 1.0.61 on the matrix's torch 2.x: the case the repair exists for


@v1_only
@pytest.mark.parametrize("invert", [False, True])
def test_coefficients_solve_v1s_system(invert):
    "`_find_coeffs` (repaired or v1's own) returns the solution of v1's 8x8 system, checked with NumPy."
    import fastai.vision.transform as T
    orig = [[-1, -1], [-1, 1], [1, -1], [1, 1]]
    targ = [[-1.1, -0.95], [-1.05, 1.2], [1.15, -1.0], [0.9, 1.1]]
    p_from, p_to = (targ, orig) if invert else (orig, targ)
    A = []
    for p1, p2 in zip(p_to, p_from):
        A.append([p1[0], p1[1], 1, 0, 0, 0, -p2[0] * p1[0], -p2[0] * p1[1]])
        A.append([0, 0, 0, p1[0], p1[1], 1, -p2[1] * p1[0], -p2[1] * p1[1]])
    expected = np.linalg.solve(np.array(A, dtype=np.float64), np.array(p_from, dtype=np.float64).reshape(8))
    got = T._find_coeffs(p_from, p_to)
    assert tuple(got.shape) == (8,)
    assert np.allclose(got.numpy(), expected, atol=1e-5)


@v1_only
def test_get_transforms_batches_work(tmp_path):
    path = make_image_folder(tmp_path, classes=CLASSES_12[:3], per_class=4)
    fv.np.random.seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # p_affine=1.: every image is warped (v1 already applies the transforms once when building the data)
        data = fv.ImageDataBunch.from_folder(path, ds_tfms=fv.get_transforms(p_affine=1.), valid_pct=0.25, size=32,
                                             bs=4, num_workers=0)
        x, y = data.one_batch()
    assert tuple(x.shape) == (4, 3, 32, 32) and torch.isfinite(x).all()


@pytest.mark.skipif(not fv.IS_V1 or not _solver_broken(),
                    reason=f"fastai {fv.FASTAI_VERSION} on torch {torch.__version__} needs no repair: "
                           + ("fastai 1.0.61's solver is absent on fastai 2" if not fv.IS_V1 else
                              "this torch still has fastai's solver (torch.gesv / torch.solve)"))
def test_without_the_package_the_same_batch_fails(tmp_path):
    "Proof that the repair is what makes the batch above work: real fastai 1.0.61 alone fails on torch.solve."
    path = make_image_folder(tmp_path, classes=CLASSES_12[:3], per_class=4)
    script = textwrap.dedent("""
        import warnings, sys
        warnings.simplefilter("ignore")
        import numpy as np
        import fastai.vision as v1
        np.random.seed(0)
        try:
            data = v1.ImageDataBunch.from_folder(sys.argv[1], ds_tfms=v1.get_transforms(p_affine=1.),
                                                 valid_pct=0.25, size=32, bs=4, num_workers=0)
            data.one_batch()
        except Exception as e:
            print("FAILED", type(e).__name__, str(e).replace("\\n", " ")[:300])
        else:
            print("WORKED")
    """)
    res = subprocess.run([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True)
    assert res.stdout.startswith("FAILED"), res.stdout + res.stderr[-2000:]
    assert "torch.solve" in res.stdout


def test_importing_the_package_leaves_torch_unchanged():
    """torch (every attribute of torch, torch.linalg, torch.nn.functional and torch.Tensor) is the same object
    graph before and after the import; in fastai v1's vision.transform only `_find_coeffs` may change."""
    script = textwrap.dedent("""
        import sys, warnings
        warnings.simplefilter("ignore")
        import torch, torch.nn.functional
        import fastai
        if fastai.__version__.startswith("1."):
            import fastai.vision, fastai.vision.transform
            fastai_mods = [fastai.vision.transform]
        else:
            import fastai.vision.all
            fastai_mods = []

        def snapshot(mods):
            return {(m.__name__, k): id(v) for m in mods for k, v in list(vars(m).items())}
        torch_mods = [torch, torch.nn.functional] + ([torch.linalg] if hasattr(torch, "linalg") else [])  # torch >= 1.8
        t_before, f_before = snapshot(torch_mods), snapshot(fastai_mods)
        tensor_before = {k: id(v) for k, v in vars(torch.Tensor).items()}
        solve_before = getattr(torch, "solve", None)
        from fastai_freeze_compat import *   # the names are built (and the repair applied) when asked for
        t_after, f_after = snapshot(torch_mods), snapshot(fastai_mods)
        assert t_after == t_before, sorted(k for k in set(t_before) | set(t_after) if t_before.get(k) != t_after.get(k))
        assert {k: id(v) for k, v in vars(torch.Tensor).items()} == tensor_before
        assert getattr(torch, "solve", None) is solve_before
        changed = sorted(k[1] for k in set(f_before) | set(f_after) if f_before.get(k) != f_after.get(k))
        print("CHANGED:" + ",".join(changed))
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    res = subprocess.run([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    changed = res.stdout.strip().splitlines()[-1]
    if fv.IS_V1 and _solver_broken():
        assert changed == "CHANGED:_find_coeffs"
    else:
        assert changed == "CHANGED:"
