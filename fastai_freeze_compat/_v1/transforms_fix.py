"""fastai 1.0.61's perspective warps (``get_transforms()``'s default ``max_warp=0.2``) on today's torch.

fastai 1.0.61 solves for its warp coefficients with ``torch.solve`` (``fastai/vision/transform.py``:
``_solve_func = getattr(torch, 'solve', None)``, used by ``_find_coeffs``). torch deprecated
``torch.solve`` in 1.9 (pytorch/pytorch#57741) and removed it (pytorch/pytorch#70986): on torch >= 1.13
the name is a stub that raises ``RuntimeError``, so every batch that draws ``symmetric_warp``,
``perspective_warp``, ``tilt`` or ``skew`` crashes (with ``get_transforms()``, already when the
``DataBunch`` is built, in v1's transform check).

The fix is targeted: only when the solver fastai chose does not work, and only ``_find_coeffs`` (the
one function that calls it) is replaced, by the same computation with ``torch.linalg.solve(A, B)``
(``torch.solve(B, A)`` with its arguments reversed). torch itself, and everything else in fastai, is
left as it is. fastai 1.0.48 calls ``torch.gesv``, which its own torch (1.0.1) has: nothing to do there.
"""
import torch

import fastai.vision.transform as _transform

__all__ = []

#: True when this module replaced fastai's ``_find_coeffs`` (for tests and bug reports).
APPLIED = False


def _find_coeffs(orig_pts, targ_pts):
    "Find 8 coeff mentioned [here](https://web.archive.org/web/20150222120106/xenia.media.mit.edu/~cwren/interpolator/)."  # noqa: E501
    matrix = []
    #The equations we'll need to solve.
    for p1, p2 in zip(targ_pts, orig_pts):
        matrix.append([p1[0], p1[1], 1, 0, 0, 0, -p2[0]*p1[0], -p2[0]*p1[1]])
        matrix.append([0, 0, 0, p1[0], p1[1], 1, -p2[1]*p1[0], -p2[1]*p1[1]])

    A = torch.FloatTensor(matrix)
    B = torch.FloatTensor(orig_pts).view(8, 1)
    #The 8 scalars we seek are solution of AX = B
    # torch >= 1.13 removed torch.solve(B, A); torch.linalg.solve(A, B) returns the solution alone.
    return torch.linalg.solve(A, B)[:, 0]


def _solver_works(solve):
    try:
        solve(torch.ones(1, 1), torch.ones(1, 1))
        return True
    except (RuntimeError, AttributeError, TypeError):
        return False


if hasattr(_transform, "_solve_func") and not _solver_works(_transform._solve_func) \
        and hasattr(torch, "linalg") and hasattr(torch.linalg, "solve"):
    _transform._find_coeffs = _find_coeffs
    APPLIED = True
