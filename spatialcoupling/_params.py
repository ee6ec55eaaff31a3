"""Parameter constraints, declared once per model and checked in ``fit``.

Every analysis object lists the constraints of its settings in a class attribute
``_parameter_constraints`` (in the manner of scikit-learn): a mapping from the name of a
constructor argument to the list of constraints any one of which the value must satisfy::

    class LocalMoran(Model):
        _parameter_constraints = {
            "permutations": [Interval(int, 1, None)],
            "alpha": [Interval(float, 0, 1, closed="neither")],
            "seed": [Seed()],
            "adjust": [Options(None, "fdr", "bonferroni")],
        }

``Model._validate_params`` checks the current values (so a setting changed after
construction, ``m.alpha = 5.0``, is caught by the next ``fit``), and the study file's schema
is generated from the same declarations (:func:`describe`), so the two cannot drift apart.

The seed rule is the same everywhere (:class:`Seed`): ``None`` (fresh entropy, recorded on the
result), a non-negative integer, or a :class:`numpy.random.SeedSequence`. The ``n_jobs`` rule is
the same everywhere (:class:`NJobs`): ``None`` or a non-zero integer, ``-1`` for every core.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

__all__ = [
    "Boolean",
    "Constraint",
    "InstanceOf",
    "Interval",
    "InvalidParameterError",
    "Model",
    "NJobs",
    "Options",
    "Seed",
    "describe",
    "fresh_seed_sequence",
    "validate_params",
]


class InvalidParameterError(ValueError, TypeError):
    """A setting violates its declared constraints (both a ValueError and a TypeError, so that
    callers catching either, as the study runner and the command line do, report it)."""


class Constraint:
    """One admissible kind of value of a parameter."""

    def is_satisfied_by(self, value: Any) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def __str__(self) -> str:
        return self.describe()


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool | np.bool_)


class Interval(Constraint):
    """A number in an interval.

    Parameters
    ----------
    kind : {int, float}
        ``int`` accepts integers only (not booleans); ``float`` accepts any real number.
    left, right : number or None
        Bounds; None for unbounded.
    closed : {"both", "left", "right", "neither"}
        Which bounds belong to the interval.
    """

    def __init__(self, kind: type, left: float | None, right: float | None, *, closed: str = "both") -> None:
        if kind not in (int, float):
            raise TypeError("Interval kind must be int or float")
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"closed must be 'both', 'left', 'right' or 'neither', got {closed!r}")
        self.kind, self.left, self.right, self.closed = kind, left, right, closed

    def is_satisfied_by(self, value: Any) -> bool:
        if _is_bool(value):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        if not isinstance(value, numbers.Real) or not np.isfinite(float(value)):
            return False
        v = float(value)
        if self.left is not None and (v < self.left or (v == self.left and self.closed in ("right", "neither"))):
            return False
        return not (
            self.right is not None and (v > self.right or (v == self.right and self.closed in ("left", "neither")))
        )

    def describe(self) -> str:
        what = "an integer" if self.kind is int else "a number"
        if self.left is None and self.right is None:
            return what
        if self.right is None:
            return f"{what} {'>=' if self.closed in ('both', 'left') else '>'} {self.left:g}"
        if self.left is None:
            return f"{what} {'<=' if self.closed in ('both', 'right') else '<'} {self.right:g}"
        lo = "[" if self.closed in ("both", "left") else "("
        hi = "]" if self.closed in ("both", "right") else ")"
        return f"{what} in {lo}{self.left:g}, {self.right:g}{hi}"


class Options(Constraint):
    """One of a fixed set of values (strings compared exactly; None allowed when listed)."""

    def __init__(self, *values: Any) -> None:
        self.values = tuple(values)

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, list | dict | set):
            return False
        return any(
            value is v if v is None or isinstance(v, bool) else (value == v and not _is_bool(value))
            for v in self.values
        )

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


class Boolean(Constraint):
    """True or False."""

    def is_satisfied_by(self, value: Any) -> bool:
        return _is_bool(value)

    def describe(self) -> str:
        return "True or False"


class Seed(Constraint):
    """The one seed rule: None, a non-negative integer, or a numpy SeedSequence."""

    def is_satisfied_by(self, value: Any) -> bool:
        if value is None or isinstance(value, np.random.SeedSequence):
            return True
        return isinstance(value, numbers.Integral) and not _is_bool(value) and int(value) >= 0

    def describe(self) -> str:
        return "None, a non-negative integer or a numpy SeedSequence"


def fresh_seed_sequence(seed: int | np.random.SeedSequence | None) -> np.random.SeedSequence:
    """A SeedSequence that has spawned nothing yet, for one fit.

    ``SeedSequence.spawn`` counts the children it has handed out, so spawning from a caller's
    SeedSequence would give different streams on every fit. A SeedSequence seed is therefore
    copied (same entropy, spawn key and pool size, no children spawned); an integer or None
    gives ``SeedSequence(seed)`` (None: fresh entropy, which the caller reports).

    Examples
    --------
    >>> ss = np.random.SeedSequence(7)
    >>> a = fresh_seed_sequence(ss).spawn(1)[0].generate_state(1)
    >>> b = fresh_seed_sequence(ss).spawn(1)[0].generate_state(1)
    >>> bool((a == b).all())
    True
    """
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key, pool_size=seed.pool_size)
    return np.random.SeedSequence(seed)


class NJobs(Constraint):
    """The one ``n_jobs`` rule: None (one worker) or a non-zero integer (-1: every core)."""

    def is_satisfied_by(self, value: Any) -> bool:
        if value is None:
            return True
        return isinstance(value, numbers.Integral) and not _is_bool(value) and int(value) != 0

    def describe(self) -> str:
        return "None or a non-zero integer (-1 for every core)"


class InstanceOf(Constraint):
    """An instance of one of ``types`` (described by ``what`` in messages)."""

    def __init__(
        self, types: type | tuple[type, ...], what: str | None = None, check: Callable[[Any], bool] | None = None
    ) -> None:
        self.types = types if isinstance(types, tuple) else (types,)
        self.what = what or " or ".join(t.__name__ for t in self.types)
        self.check = check

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, self.types) and (self.check is None or bool(self.check(value)))

    def describe(self) -> str:
        return self.what


def _as_constraint(c: Any) -> Constraint:
    if isinstance(c, Constraint):
        return c
    if c is None:
        return Options(None)
    if isinstance(c, type):
        return InstanceOf(c)
    raise TypeError(f"unknown constraint {c!r}")


def validate_params(constraints: Mapping[str, Iterable[Any]], params: Mapping[str, Any], owner: str) -> None:
    """Check every parameter against its constraints; raise one error naming all violations.

    Raises
    ------
    InvalidParameterError
        ``"<owner>: alpha must be a number in (0, 1); got 5.0"``, one line per bad parameter.
    """
    problems = []
    for name, options in constraints.items():
        if name not in params:
            continue
        value = params[name]
        allowed = [_as_constraint(c) for c in options]
        if not any(c.is_satisfied_by(value) for c in allowed):
            what = " or ".join(c.describe() for c in allowed)
            problems.append(f"{name} must be {what}; got {value!r}")
    if problems:
        raise InvalidParameterError(f"{owner}: " + "; ".join(problems))


class Model:
    """Base of analysis objects: settings declared once in ``_parameter_constraints``.

    Subclasses store each constructor argument under its own name, call
    ``self._validate_params()`` at the end of ``__init__`` (early errors) and at the top of
    ``fit`` (settings changed after construction).
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {}

    def get_params(self) -> dict[str, Any]:
        """The settings of the object, by constructor argument name."""
        return {name: getattr(self, name) for name in self._parameter_constraints if hasattr(self, name)}

    def _validate_params(self) -> None:
        validate_params(self._parameter_constraints, self.get_params(), type(self).__name__)

    def __repr__(self) -> str:
        defaults = _defaults(type(self))
        shown = [f"{k}={v!r}" for k, v in self.get_params().items() if k not in defaults or not _same(defaults[k], v)]
        return f"{type(self).__name__}({', '.join(shown)})"


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except (TypeError, ValueError):
        return a is b


def _defaults(cls: type) -> dict[str, Any]:
    sig = inspect.signature(cls)  # the constructor's parameters, without self
    return {n: p.default for n, p in sig.parameters.items() if p.default is not inspect.Parameter.empty}


def describe(cls: type, names: Iterable[str] | None = None) -> list[dict[str, str]]:
    """Rows (parameter, allowed values, default) of a model's declared settings, for the
    study-file schema and its documentation."""
    defaults = _defaults(cls)
    rows = []
    for name, options in cls._parameter_constraints.items():  # type: ignore[attr-defined]
        if names is not None and name not in names:
            continue
        allowed = " or ".join(_as_constraint(c).describe() for c in options)
        default = defaults.get(name, inspect.Parameter.empty)
        rows.append(
            {
                "parameter": name,
                "allowed": allowed,
                "default": "(required)" if default is inspect.Parameter.empty else repr(default),
            }
        )
    return rows
