"""Data sets made in the repository: logic gates and 2-D point sets.

Nothing is downloaded. The gates have the four inputs ``(0, 0)``,
``(0, 1)``, ``(1, 0)``, ``(1, 1)``; the point sets are drawn from a
seeded generator, so the same call always gives the same points.

Every loader returns a :class:`Dataset`, which unpacks as ``X, Y``.
"""

import inspect
import numbers
from dataclasses import dataclass

import numpy as np

from .errors import InputError

_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)

_GATES = {
    "and": (("AND",), [[0], [0], [0], [1]]),
    "or": (("OR",), [[0], [1], [1], [1]]),
    "xor": (("XOR",), [[0], [1], [1], [0]]),
    "and+or": (("AND", "OR"), [[0, 0], [0, 1], [0, 1], [1, 1]]),
    "half-adder": (("sum", "carry"), [[0, 0], [1, 0], [1, 0], [0, 1]]),
}


@dataclass(frozen=True)
class Dataset:
    """Inputs ``X`` (N, 2) and 0/1 targets ``Y`` (N, K), with names.

    Unpacks as ``X, Y = dataset``.
    """

    X: np.ndarray
    Y: np.ndarray
    name: str
    outputs: tuple

    def __iter__(self):
        return iter((self.X, self.Y))

    def __len__(self):
        return len(self.X)


def gate(name):
    """A logic gate: ``"and"``, ``"or"``, ``"xor"``, ``"and+or"`` (two
    outputs) or ``"half-adder"`` (sum and carry)."""
    key = str(name).lower()
    if key not in _GATES:
        known = ", ".join(_GATES)
        raise InputError(f"unknown gate {name!r}; expected one of: {known}")
    outputs, targets = _GATES[key]
    return Dataset(_INPUTS.copy(), np.array(targets, dtype=float), key,
                   outputs)


def _check_points(where, n, noise, seed):
    # Returns the seeded generator once the arguments are known good.
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) \
            or n < 2:
        raise InputError(f"{where}: n must be an integer >= 2, got {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) \
            or not (np.isfinite(noise) and noise >= 0):
        raise InputError(f"{where}: noise must be a finite number >= 0, "
                         f"got {noise!r}")
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError):
        raise InputError(f"{where}: seed must be None, an integer >= 0 or "
                         f"a numpy Generator, got {seed!r}") from None


def _dataset(X, labels, name):
    return Dataset(X, labels.astype(float)[:, None], name, ("class",))


def moons(n=100, noise=0.1, seed=0):
    """Two interleaved half circles, ``n`` points in all, class 0 and 1."""
    rng = _check_points("moons", n, noise, seed)
    n0 = n // 2
    t0 = np.pi * rng.random(n0)
    t1 = np.pi * rng.random(n - n0)
    upper = np.column_stack((np.cos(t0), np.sin(t0)))
    lower = np.column_stack((1 - np.cos(t1), 0.5 - np.sin(t1)))
    X = np.vstack((upper, lower)) + noise * rng.standard_normal((n, 2))
    labels = np.r_[np.zeros(n0), np.ones(n - n0)]
    return _dataset(X, labels, "moons")


def circles(n=100, noise=0.05, factor=0.5, seed=0):
    """A disc of class 1 inside a ring of class 0, radii ``factor``, 1."""
    rng = _check_points("circles", n, noise, seed)
    if not (isinstance(factor, numbers.Real) and 0 < factor < 1):
        raise InputError("circles: factor must be between 0 and 1, got "
                         f"{factor!r}")
    n0 = n // 2
    t = 2 * np.pi * rng.random(n)
    radius = np.r_[np.ones(n0), np.full(n - n0, factor)]
    X = radius[:, None] * np.column_stack((np.cos(t), np.sin(t)))
    X = X + noise * rng.standard_normal((n, 2))
    labels = np.r_[np.zeros(n0), np.ones(n - n0)]
    return _dataset(X, labels, "circles")


def spirals(n=100, noise=0.05, turns=1.0, seed=0):
    """Two interleaved spirals of ``turns`` turns, class 0 and 1."""
    rng = _check_points("spirals", n, noise, seed)
    if isinstance(turns, bool) or not isinstance(turns, numbers.Real) \
            or not (np.isfinite(turns) and turns > 0):
        raise InputError("spirals: turns must be a positive finite number, "
                         f"got {turns!r}")
    n0 = n // 2
    t = np.sqrt(rng.random(n)) * turns * 2 * np.pi
    sign = np.r_[np.ones(n0), -np.ones(n - n0)]
    r = t / (turns * 2 * np.pi)
    X = sign[:, None] * r[:, None] * np.column_stack((np.cos(t),
                                                      np.sin(t)))
    X = X + noise * rng.standard_normal((n, 2))
    labels = np.r_[np.zeros(n0), np.ones(n - n0)]
    return _dataset(X, labels, "spirals")


_POINTS = {"moons": moons, "circles": circles, "spirals": spirals}

TASKS = tuple(_GATES) + tuple(_POINTS)
"""Every data set name :func:`load` knows."""


def load(name, **kwargs):
    """Load any task in :data:`TASKS` by name; keywords go to point sets."""
    key = str(name).lower()
    if key in _GATES:
        if kwargs:
            raise InputError(f"gate {name!r} takes no options, got "
                             f"{sorted(kwargs)}")
        return gate(key)
    if key in _POINTS:
        loader = _POINTS[key]
        known = list(inspect.signature(loader).parameters)
        unknown = sorted(set(kwargs) - set(known))
        if unknown:
            raise InputError(f"{key}: unknown options {unknown}; expected "
                             f"some of {known}")
        return loader(**kwargs)
    known = ", ".join(TASKS)
    raise InputError(f"unknown task {name!r}; expected one of: {known}")
