"""Lesson 04: the fix, two ways.

:class:`FullJacobian` is the first fix as a derivative strategy: the
learner's idea (numeric derivatives, no calculus) with the row index
kept. It builds the full Jacobian of the layer's outputs with respect to
its weights, shape ``(K, K, D+1)``, one weight moved at a time, and
contracts it with ``tensordot``. The second fix, the delta rule, is the
package's :class:`~backprop_lessons.Analytic`.

The checkers are for exercise 4.1, ``full_jacobian(f, W, step)``;
exercise 4.2, ``contract(error_grad, J)``; and exercise 4.3,
``delta_rule(W, x, grad_out)``. Where an answer's values are wrong, the
checker plugs it into a network and lets
:func:`~backprop_lessons.diagnose` say what the error looks like.
"""

import numpy as np

from ..activations import erf_sigmoid
from ..checks import diagnose, gradcheck
from ..data import gate
from ..derivatives import Analytic
from ..errors import InputError, shape_str
from ..layers import Dense
from ..network import Network
from . import ExerciseError, check_array, not_attempted, success


def _tensordot(grad_out, J):
    # dL/dW[i, j] = sum over k of dL/dy_k * dy_k/dW[i, j]: contract the
    # output axis of J (and the batch axis, for a batch).
    if grad_out.ndim == 1:
        return np.tensordot(grad_out, J, axes=1)
    return np.tensordot(grad_out, J, axes=([0, 1], [0, 1]))


class FullJacobian:
    """Numeric derivatives with the row index kept: the first fix.

    For one example, :meth:`jacobian` moves one weight ``W[i, j]`` at a
    time by ``+-step`` and records the change of every output:
    ``J[k, i, j] = dy_k / dW[i, j]``, shape ``(K, K, D+1)``. The weight
    gradient is ``tensordot(grad_out, J, axes=1)``, shape ``(K, D+1)``,
    like ``W``. The input gradient is chained the same way through the
    numeric ``dy/dx``, shape ``(K, D)``.

    Parameters
    ----------
    step : float
        Step of the centred differences.
    contract : callable, optional
        ``contract(grad_out, J) -> dW`` for one example, replacing the
        ``tensordot``; exercise 4.2 plugs an answer in here.
    """

    def __init__(self, step=1e-6, contract=None):
        if not (isinstance(step, (int, float)) and np.isfinite(step)
                and step > 0):
            raise InputError(f"FullJacobian: step must be a positive "
                             f"finite number, got {step!r}")
        self.step = float(step)
        self.contract = contract
        self._bases = {}

    def _basis(self, shape, drop_first=False):
        # Perturbations, one per entry, stacked: (P, *shape). Cached,
        # because training asks for the same shapes at every step.
        key = (shape, drop_first)
        if key not in self._bases:
            size = int(np.prod(shape))
            E = self.step * np.eye(size).reshape((size,) + shape)
            self._bases[key] = E[1:] if drop_first else E
        return self._bases[key]

    def jacobian(self, layer):
        """``dy/dW`` at the layer's cached input.

        Returns ``(K, K, D+1)`` for one example, ``(N, K, K, D+1)`` for
        a batch: output index first, then the weight's two indices.
        """
        W, x1, h = layer.params["W"], layer.x1, self.step
        size = W.size
        E = self._basis(W.shape)
        out = layer.pure(np.concatenate((W + E, W - E)), x1)
        slopes = (out[:size] - out[size:]) / (2 * h)
        # slopes: (P, K) or (P, N, K), one row per moved weight.
        slopes = slopes.reshape(W.shape + slopes.shape[1:])
        return np.moveaxis(slopes, (0, 1), (-2, -1))

    def input_jacobian(self, layer):
        """``dy/dx`` at the cached input: ``(K, D)`` or ``(N, K, D)``."""
        W, x1, h = layer.params["W"], layer.x1, self.step
        n = x1.shape[-1] - 1
        # x1[0] is the constant one in front of x, not an input.
        E = self._basis((n + 1,), drop_first=True)
        if x1.ndim == 2:
            E = E[:, None, :]
        out = layer.pure(W, np.concatenate((x1 + E, x1 - E)))
        slopes = (out[:n] - out[n:]) / (2 * h)
        # slopes: (D, K) or (D, N, K), one row per moved input.
        return np.moveaxis(slopes, 0, -1)

    def vjp(self, layer, grad_out):
        """Return ``(dW, dx)``: ``(K, D+1)`` and the shape of ``x``."""
        dW = self.weight_grad(layer, grad_out)
        Jx = self.input_jacobian(layer)
        if grad_out.ndim == 1:
            dx = grad_out @ Jx
        else:
            dx = np.einsum("nk,nkd->nd", grad_out, Jx)
        return dW, dx

    def weight_grad(self, layer, grad_out):
        """``dW`` alone, ``(K, D+1)``; training calls it for a first
        layer, whose input gradient nobody reads."""
        J = self.jacobian(layer)
        if self.contract is None:
            return _tensordot(grad_out, J)
        if grad_out.ndim == 1:
            return self.contract(grad_out, J)
        return sum(self.contract(g, Jn) for g, Jn in zip(grad_out, J))

    def __repr__(self):
        return f"FullJacobian(step={self.step:g})"


class _DeltaRule:
    """A strategy whose weight gradient comes from a learner's function
    ``delta_rule(W, x, grad_out)``, one example at a time; the input
    gradient is the package's, so only the weight gradient is judged."""

    def __init__(self, fn):
        self.fn = fn
        self._analytic = Analytic()

    def vjp(self, layer, grad_out):
        W = layer.params["W"]
        x = layer.x1[..., 1:]
        if grad_out.ndim == 1:
            dW = np.asarray(self.fn(W.copy(), x.copy(), grad_out.copy()))
        else:
            dW = sum(np.asarray(self.fn(W.copy(), xn.copy(), g.copy()))
                     for xn, g in zip(x, grad_out))
        return dW, self._analytic.vjp(layer, grad_out)[1]

    def __repr__(self):
        return "delta_rule"


def _findings_text(net, what):
    X, Y = gate("and+or")
    report = gradcheck(net, X, Y)
    if report.ok:
        return None
    findings = diagnose(report)
    kinds = ", ".join(sorted(findings.kinds())) or "unknown"
    text = " ".join(f.message for f in findings)
    return (f"{what}: in a network, gradcheck fails (max rel error "
            f"{report.rows[0].max_rel_error:.2g}); diagnose finds "
            f"[{kinds}]: {text}")


def _layer_case(n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    layer = Dense(n_in, n_out, "erf_sigmoid", rng=seed)
    x = rng.random(n_in)
    layer.forward(x)
    x1 = layer.x1.copy()
    W = layer.params["W"].copy()
    slope = erf_sigmoid.derivative(W @ x1)
    J = np.zeros((n_out, n_out, n_in + 1))
    for k in range(n_out):
        J[k, k] = slope[k] * x1
    return layer, x1, W, J


def _outputs(layer, x1):
    # The layer's outputs as a function of its weights, at input x1.
    return lambda P: layer.pure(P, x1)


def check_full_jacobian(full_jacobian):
    """Check exercise 4.1, ``full_jacobian(f, W, step)``.

    ``f`` maps an array shaped like ``W`` to outputs ``(K,)``; the
    answer must be ``J`` of shape ``(K,) + W.shape`` with
    ``J[k, i, j] = (f(W + h e_ij)[k] - f(W - h e_ij)[k]) / 2h``, and
    leave ``W`` unchanged. Tried on Dense layers of several sizes.
    """
    layer, x1, W, want = _layer_case(2, 2, 0)
    if full_jacobian(_outputs(layer, x1), W.copy(), 1e-6) is None:
        not_attempted("full_jacobian")
        return
    for n_in, n_out, seed in ((2, 2, 0), (3, 4, 1), (2, 1, 2)):
        layer, x1, W, want = _layer_case(n_in, n_out, seed)
        given = W.copy()
        got = full_jacobian(_outputs(layer, x1), given, 1e-6)
        where = f"full_jacobian for a layer with {n_in} inputs and " \
                f"{n_out} outputs"
        if not np.array_equal(given, W):
            raise ExerciseError(f"{where}: W was changed; perturb a copy")
        got = np.asarray(got, dtype=float)
        if got.shape != want.shape:
            hint = ""
            if got.shape == W.shape:
                hint = (": one slope per weight is what the learner's "
                        "helper gave; each weight needs one slope per "
                        "output")
            elif got.shape == W.shape + (n_out,):
                hint = (": the output index must come first, as in "
                        "J[k, i, j] = dy_k / dW[i, j] (np.moveaxis)")
            raise ExerciseError(
                f"{where}: J has shape {shape_str(got.shape)}, expected "
                f"{shape_str(want.shape)} = (outputs,) + W.shape{hint}")
        if n_out > 1:
            off = got.copy()
            for k in range(n_out):
                off[k, k] = 0
            if np.abs(off).max() > 1e-6:
                raise ExerciseError(
                    f"{where}: the shape is right, but J[k, i] is not "
                    "zero for i != k, although output k does not depend "
                    "on row i of W; move one entry of W at a time, not "
                    "a whole column")
        check_array(where, got, want, rtol=1e-6, atol=1e-9)
    success("full_jacobian() gives (K, K, D+1), zero off the diagonal "
            "blocks, at every size")


def _general_J(seed=5):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(3), rng.standard_normal((3, 3, 4))


def check_contract(contract):
    """Check exercise 4.2, ``contract(error_grad, J)``.

    ``error_grad`` is dL/dy ``(K,)``, ``J`` is dy/dW ``(K, K, D+1)``;
    the answer must be dL/dW ``(K, D+1)``, the sum over the first axis
    of J weighted by ``error_grad``. Checked inside a network with
    gradcheck (and diagnose), then on a general Jacobian, whose blocks
    off the diagonal are not zero.
    """
    _, _, _, J = _layer_case(2, 2, 0)
    g = np.array([0.3, -0.7])
    if contract(g, J) is None:
        not_attempted("contract")
        return
    got = np.asarray(contract(g, J))
    if got.shape != (2, 3):
        hint = ""
        if got.shape == (3,):
            hint = (": that is the learner's contraction, which sums "
                    "the outputs away")
        raise ExerciseError(
            f"contract: for error_grad (2,) and J (2, 2, 3) the result "
            f"has shape {shape_str(got.shape)}, expected (2, 3), the "
            f"shape of W{hint}")
    net = Network([Dense(2, 2, "erf_sigmoid",
                         FullJacobian(contract=contract), rng=0)],
                  strict=False)
    text = _findings_text(net, "contract")
    if text:
        raise ExerciseError(text)
    g, J = _general_J()
    got = np.asarray(contract(g, J))
    want = np.tensordot(g, J, axes=1)
    if got.shape == want.shape and not np.allclose(got, want):
        if np.allclose(got, np.einsum("k,ikj->ij", g, J)):
            raise ExerciseError(
                "contract: right for this layer, but for a general "
                "Jacobian (3, 3, 4) it sums over axis 1 of J instead of "
                "axis 0. The dense layer's J is zero off its diagonal "
                "blocks, which hides the mix-up; the output index k of "
                "J[k, i, j] is axis 0: np.tensordot(error_grad, J, "
                "axes=1)")
    check_array("contract (general Jacobian (3, 3, 4))", got, want)
    success("contract() turns (K,) and (K, K, D+1) into a (K, D+1) "
            "gradient that passes gradcheck")


def check_delta_rule(delta_rule):
    """Check exercise 4.3, ``delta_rule(W, x, grad_out)``.

    For the layer ``y = erf_sigmoid(W @ [1 | x])`` with ``W``
    ``(K, D+1)``, ``x`` ``(D,)`` and ``grad_out`` = dL/dy ``(K,)``, the
    answer must be dL/dW ``(K, D+1)``. The shape is checked first; the
    values by gradcheck on networks built with the answer, with
    diagnose naming any pattern in the errors.
    """
    rng = np.random.default_rng(6)
    W = rng.standard_normal((2, 3))
    x = rng.random(2)
    g = rng.standard_normal(2)
    if delta_rule(W.copy(), x.copy(), g.copy()) is None:
        not_attempted("delta_rule")
        return
    for n_in, n_out in ((2, 2), (3, 4)):
        W = rng.standard_normal((n_out, n_in + 1))
        x = rng.random(n_in)
        g = rng.standard_normal(n_out)
        got = np.asarray(delta_rule(W.copy(), x.copy(), g.copy()))
        if got.shape != W.shape:
            hint = ""
            if got.shape == (n_in + 1, n_out):
                hint = ": transposed; outer(delta, x1) has one row per " \
                       "output"
            elif got.shape == (n_out, n_in):
                hint = ": the bias column is missing; use x1 = [1 | x]"
            elif got.shape == (n_in + 1,):
                hint = ": the outputs were summed away"
            raise ExerciseError(
                f"delta_rule: for W {shape_str(W.shape)} and x "
                f"{shape_str(x.shape)} the result has shape "
                f"{shape_str(got.shape)}, expected {shape_str(W.shape)}"
                f"{hint}")
    x1 = np.r_[1.0, x]
    z = W @ x1
    logistic = 1 / (1 + np.exp(-z))
    if np.allclose(got, np.outer(g, x1)):
        raise ExerciseError(
            "delta_rule: the shape is right but the values are "
            "outer(grad_out, x1): the slope of the activation is missing; "
            "delta = grad_out * f'(z), with z = W @ x1")
    if np.allclose(got, np.outer(g * logistic * (1 - logistic), x1)):
        raise ExerciseError(
            "delta_rule: the shape is right but the slope used is the "
            "true logistic's, s * (1 - s); this layer's activation is "
            "erf_sigmoid, whose slope is erf_sigmoid.derivative(z)")
    for seed in (0, 3):
        net = Network([Dense(2, 2, "erf_sigmoid", _DeltaRule(delta_rule),
                             rng=seed)], strict=False)
        text = _findings_text(net, f"delta_rule (seed {seed})")
        if text:
            raise ExerciseError(text)
    success("delta_rule() gives dL/dW of the right shape, and gradcheck "
            "passes")
