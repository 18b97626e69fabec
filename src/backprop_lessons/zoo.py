"""A zoo of layers with planted bugs, for the exercises of lesson 07.

Each class is a :class:`~backprop_lessons.Dense` layer whose ``backward``
is written out in full, the delta rule in a few lines, with one bug
planted in it. Its docstring is a one-line hint. Forward passes are
untouched, so a network built from them runs, and some even train: the
bug shows only in the gradients.

The correct backward, for comparison (``x1 = [1 | x]``, column 0 of
``W`` the bias)::

    delta = grad_out * f'(z)          # (K,) or (N, K)
    dW = sum over the batch of outer(delta, x1)        # (K, D+1)
    dx = delta @ W[:, 1:]             # (D,) or (N, D)

:data:`ZOO` maps each name to its class; :func:`planted_network` builds
a small network around one of them; :func:`check_fix` says whether a
repaired layer is right.
"""

import textwrap

import numpy as np

from .checks import (DEFAULT_TOLERANCE, check_layer, diagnose, gradcheck)
from .errors import InputError
from .layers import Dense
from .network import Network

__all__ = [
    "BiasLast", "LocalJacobianReturned", "NoActivationDerivative",
    "NoBiasGradient", "Planted", "Scaled", "SignFlipped",
    "SummedOverOutputs", "Transposed", "Verdict",
    "WrongActivationDerivative", "WrongInputGradient", "ZOO", "check_fix",
    "outer_sum", "planted_network",
]


def outer_sum(delta, x1):
    """``outer(delta, x1)`` summed over the batch: ``(K, D+1)``.

    ``delta`` is ``(K,)`` or ``(N, K)``; ``x1`` is ``(D+1,)`` or
    ``(N, D+1)``.
    """
    return np.atleast_2d(delta).T @ np.atleast_2d(x1)


class Planted(Dense):
    """A Dense layer whose backward is spelled out, to plant a bug in.

    Without a bug planted it is correct. Shapes as in
    :class:`~backprop_lessons.Dense`: ``grad_out`` is ``(K,)`` or
    ``(N, K)``; ``backward`` returns ``(D,)`` or ``(N, D)``.
    """

    def backward(self, grad_out):
        """Fill ``grads["W"]`` (K, D+1) and return dL/dx (D,) or (N, D)."""
        grad_out = self._received(grad_out)
        delta = grad_out * self.activation.derivative(self.z)
        self.grads["W"] = outer_sum(delta, self.x1)
        return delta @ self.params["W"][:, 1:]

    def __repr__(self):
        return (f"{type(self).__name__}({self.n_in} -> {self.n_out}, "
                f"{self.activation.name})")


class SignFlipped(Planted):
    """Training with this layer makes the loss go up, not down."""

    def backward(self, grad_out):
        """Fill ``grads["W"]`` (K, D+1) and return dL/dx (D,) or (N, D)."""
        grad_out = self._received(grad_out)
        delta = grad_out * self.activation.derivative(self.z)
        self.grads["W"] = -outer_sum(delta, self.x1)
        return delta @ self.params["W"][:, 1:]


class Transposed(Planted):
    """The weight gradient holds the right numbers in the wrong places."""

    def backward(self, grad_out):
        """Fill ``grads["W"]`` and return dL/dx (D,) or (N, D)."""
        grad_out = self._received(grad_out)
        delta = grad_out * self.activation.derivative(self.z)
        self.grads["W"] = outer_sum(self.x1, delta)
        return delta @ self.params["W"][:, 1:]


class Scaled(Planted):
    """Trains as if its learning rate were not the one you chose."""

    def backward(self, grad_out):
        """Fill ``grads["W"]`` (K, D+1) and return dL/dx (D,) or (N, D)."""
        grad_out = self._received(grad_out)
        delta = grad_out * self.activation.derivative(self.z)
        # The 2 from the derivative of the square, applied a second time.
        self.grads["W"] = 2.0 * outer_sum(delta, self.x1)
        return delta @ self.params["W"][:, 1:]


class NoBiasGradient(Planted):
    """The bias never learns."""

    def backward(self, grad_out):
        """Fill ``grads["W"]`` (K, D+1) and return dL/dx (D,) or (N, D)."""
        grad_out = self._received(grad_out)
        delta = grad_out * self.activation.derivative(self.z)
        dW = np.zeros_like(self.params["W"])
        dW[:, 1:] = outer_sum(delta, self.x1[..., 1:])
        self.grads["W"] = dW
        return delta @ self.params["W"][:, 1:]


class NoActivationDerivative(Planted):
    """The chain rule stops one link short, at the activation."""

    def backward(self, grad_out):
        """Fill ``grads["W"]`` (K, D+1) and return dL/dx (D,) or (N, D)."""
        grad_out = self._received(grad_out)
        delta = grad_out
        self.grads["W"] = outer_sum(delta, self.x1)
        return delta @ self.params["W"][:, 1:]


class WrongActivationDerivative(Planted):
    """Right for one activation, wrong for the one it has (erf_sigmoid)."""

    def __init__(self, n_in, n_out, activation="erf_sigmoid", **kwargs):
        super().__init__(n_in, n_out, activation=activation, **kwargs)

    def backward(self, grad_out):
        """Fill ``grads["W"]`` (K, D+1) and return dL/dx (D,) or (N, D)."""
        grad_out = self._received(grad_out)
        y = self.y
        delta = grad_out * y * (1.0 - y)
        self.grads["W"] = outer_sum(delta, self.x1)
        return delta @ self.params["W"][:, 1:]


class SummedOverOutputs(Planted):
    """The learner's first defect: every row learns the same thing."""

    def backward(self, grad_out):
        """Fill ``grads["W"]`` and return dL/dx (D,) or (N, D)."""
        grad_out = self._received(grad_out)
        slope = self.activation.derivative(self.z)
        # dy_i / dW[i, j] for every i, j: (K, D+1), or (N, K, D+1).
        dy_dW = slope[..., :, None] * self.x1[..., None, :]
        # The learner's contraction, (K,) @ (K, D+1) -> (D+1,), per example.
        dW = grad_out[..., None, :] @ dy_dW
        self.grads["W"] = dW.reshape(-1, dW.shape[-1]).sum(axis=0)
        delta = grad_out * slope
        return delta @ self.params["W"][:, 1:]


class LocalJacobianReturned(Planted):
    """The learner's second defect: the layer below gets a matrix."""

    def backward(self, grad_out):
        """Fill ``grads["W"]`` (K, D+1) and return dy/dx (K, D)."""
        grad_out = self._received(grad_out)
        slope = self.activation.derivative(self.z)
        delta = grad_out * slope
        self.grads["W"] = outer_sum(delta, self.x1)
        dy_dx = slope[..., :, None] * self.params["W"][:, 1:]
        return dy_dx


class WrongInputGradient(Planted):
    """This layer learns well; the layer below it does not."""

    def backward(self, grad_out):
        """Fill ``grads["W"]`` (K, D+1) and return dL/dx (D,) or (N, D)."""
        grad_out = self._received(grad_out)
        delta = grad_out * self.activation.derivative(self.z)
        self.grads["W"] = outer_sum(delta, self.x1)
        return delta @ self.params["W"][:, :-1]


class BiasLast(Planted):
    """Each weight learns from its neighbour's input."""

    def backward(self, grad_out):
        """Fill ``grads["W"]`` (K, D+1) and return dL/dx (D,) or (N, D)."""
        grad_out = self._received(grad_out)
        delta = grad_out * self.activation.derivative(self.z)
        x1 = np.concatenate((self.x1[..., 1:], self.x1[..., :1]), axis=-1)
        self.grads["W"] = outer_sum(delta, x1)
        return delta @ self.params["W"][:, 1:]


ZOO = {cls.__name__: cls for cls in (
    SignFlipped, Transposed, Scaled, NoBiasGradient, NoActivationDerivative,
    WrongActivationDerivative, SummedOverOutputs, LocalJacobianReturned,
    WrongInputGradient, BiasLast)}
"""Every planted bug by name."""


def _resolve(bug):
    if isinstance(bug, str):
        if bug not in ZOO:
            known = ", ".join(ZOO)
            raise InputError(f"unknown bug {bug!r}; expected one of: "
                             f"{known}")
        return ZOO[bug]
    if not callable(bug):
        raise InputError(f"expected a layer class or a name from ZOO, got "
                         f"{bug!r}")
    return bug


def _widths(depth):
    # Input 2 (the gates), hidden 4, output 2: no weight matrix is
    # square, so a transposed gradient also has the wrong shape.
    return [2] + [4] * (depth - 1) + [2]


def planted_network(bug, *, depth=2, position=-1, batch=False, seed=0,
                    activation=None):
    """A small network with one planted layer, and data to check it on.

    Parameters
    ----------
    bug : str or class
        A name from :data:`ZOO`, or any class called as
        ``bug(n_in, n_out, rng=..., [activation=...])``.
    depth : int
        Number of layers, widths 2 -> 4 -> ... -> 4 -> 2.
    position : int
        Index of the planted layer (negative counts from the end).
    batch : bool
        Return the four examples of the AND+OR gates, ``X (4, 2)`` and
        ``Y (4, 2)``, instead of the one example ``X (2,)``, ``Y (2,)``.
    seed : int
        Seed of every layer's weights.
    activation : str, optional
        Activation of the planted layer; default: the class's own.

    Returns
    -------
    (Network, X, Y)
        The network is built with ``strict=False`` so that a misshapen
        gradient is still something gradcheck can measure. The others
        are plain Dense sigmoid layers.
    """
    cls = _resolve(bug)
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise InputError(f"planted_network: depth must be a positive "
                         f"integer, got {depth!r}")
    if not -depth <= position < depth:
        raise InputError(f"planted_network: position {position} is outside "
                         f"a network of {depth} layers")
    position %= depth
    widths = _widths(depth)
    rng = np.random.default_rng(seed)
    layers = []
    for i in range(depth):
        if i == position:
            kw = {} if activation is None else {"activation": activation}
            layers.append(cls(widths[i], widths[i + 1], rng=rng, **kw))
        else:
            layers.append(Dense(widths[i], widths[i + 1], rng=rng))
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 1.0]])
    if not batch:
        X, Y = X[2], Y[2]
    return Network(layers, strict=False), X, Y


class Verdict:
    """Whether a repaired layer is right, in one line.

    Attributes
    ----------
    ok : bool
        True when every check passed; ``bool(verdict)`` is the same.
    message : str
        One line starting with a check mark on success; otherwise a
        cross, the first failing check and what diagnose makes of it.
    findings : Findings
        The diagnosis of the first failing check (empty on success).
    reports : list of (str, GradReport)
        Every check that ran, with a description.
    """

    def __init__(self, ok, message, findings, reports):
        self.ok = ok
        self.message = message
        self.findings = findings
        self.reports = reports

    def __bool__(self):
        return self.ok

    def __str__(self):
        return textwrap.fill(self.message, 79, subsequent_indent="    ",
                             break_on_hyphens=False)

    __repr__ = __str__


def check_fix(layer_cls, *, activation=None, seed=0,
              tolerance=DEFAULT_TOLERANCE):
    """Check a repaired layer class: alone and in networks, one example
    and a batch, first and last in the network.

    Parameters
    ----------
    layer_cls : class
        Called as ``layer_cls(n_in, n_out, rng=...)`` (plus
        ``activation=`` if given); it must follow the layer protocol.
    activation : str, optional
        Activation to build it with; default: the class's own.
    seed : int
    tolerance : float

    Returns
    -------
    Verdict
        ``ok`` and a one-line ``message``: on success, how many checks
        passed and the worst relative error; on failure, the first
        failing check and the first finding of its diagnosis.
    """
    cls = _resolve(layer_cls)
    name = getattr(cls, "__name__", repr(cls))
    kw = {} if activation is None else {"activation": activation}
    # Random inputs and targets: a zero or repeated input entry could
    # hide a bug in the weights it multiplies.
    rng = np.random.default_rng(seed)
    data = {False: (rng.standard_normal(2), rng.random(2)),
            True: (rng.standard_normal((4, 2)), rng.random((4, 2)))}
    checks = []
    for batch, (X, Y) in data.items():
        where = "on a batch" if batch else "on one example"
        layer = cls(2, 3, rng=seed, **kw)
        checks.append((f"checked alone {where}",
                       lambda layer=layer, X=X: check_layer(
                           layer, X, seed=seed, tolerance=tolerance)))
        for position in (0, 1):
            net, _, _ = planted_network(cls, depth=2, position=position,
                                        seed=seed, activation=activation)
            checks.append((f"as layer {position} of 2 {where}",
                           lambda net=net, X=X, Y=Y: gradcheck(
                               net, X, Y, tolerance=tolerance,
                               seed=seed)))
    reports = []
    for what, run in checks:
        report = run()
        reports.append((what, report))
        if not report.ok:
            findings = diagnose(report)
            first = str(findings[0]) if findings else report.summary
            first = " ".join(first.split())
            return Verdict(False, f"\N{BALLOT X} {name} fails {what}: "
                           f"{first}", findings, reports)
    worst = max(r.max_rel_error for _, rep in reports for r in rep.rows)
    return Verdict(True, (
        f"\N{CHECK MARK} {name} passes all {len(reports)} checks (max rel "
        f"error {worst:.1e} < {tolerance:.0e})"),
        diagnose(reports[0][1]), reports)
