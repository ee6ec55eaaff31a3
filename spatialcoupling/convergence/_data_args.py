"""Data given to a convergence model's constructor (0.1's style), now given to ``fit``.

0.1 took the weights, controls and groups in the constructor (``BetaConvergence(w=w).fit(D)``);
they now go to ``fit`` (``BetaConvergence().fit(D, w=w)``). The old style keeps working: the
constructor stores what it is given and warns with a ``DeprecationWarning`` naming the new call,
and ``fit`` uses it when the same argument is not given there. Giving both is an error.
"""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["choose", "warn_deprecated"]


def warn_deprecated(owner: str, given: list[str], stacklevel: int = 3) -> None:
    """Warn that ``given`` (names of data arguments passed to ``owner``'s constructor) belong to ``fit``."""
    if not given:
        return
    args = ", ".join(f"{name}={name}" for name in given)
    names = " and ".join(given) if len(given) < 3 else ", ".join(given[:-1]) + " and " + given[-1]
    warnings.warn(
        f"pass {names} to fit: {owner}(...).fit(series, {args}); giving them to {owner}() is deprecated",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def choose(owner: str, name: str, from_init: Any, from_fit: Any) -> Any:
    """The data argument ``name``: the one given to ``fit``, else the one stored by the constructor.

    Raises
    ------
    ValueError
        When both were given.
    """
    if from_init is not None and from_fit is not None:
        raise ValueError(
            f"{owner}: {name} was given twice, to {owner}() (deprecated) and to fit(); "
            f"pass it to fit only: {owner}(...).fit(series, {name}={name})"
        )
    return from_fit if from_fit is not None else from_init
