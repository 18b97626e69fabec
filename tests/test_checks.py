"""Tests of the checks: shapes, gradcheck, check_layer, diagnose, sweeps.

The planted bugs of the zoo are exercised in test_zoo.py; here the
checks meet correct networks, the learner's network, float32 networks
and layers written from scratch with their own parameter names.
"""

import re
import warnings

import numpy as np
import pytest

from backprop_lessons import (ColumnDifference, Dense, InputError, Network,
                              ShapeError, zoo)
from backprop_lessons.checks import (DEFAULT_TOLERANCE, KINDS, GradReport,
                                     PrecisionWarning, check_layer,
                                     check_shapes, diagnose, gradcheck,
                                     step_size_sweep)

ACTIVATIONS = ("sigmoid", "erf_sigmoid", "tanh", "relu", "identity")
GATES_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
AND_OR = np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 1.0]])


def learner_network(seed=0):
    """The learner's one-layer network: erf units, column differences."""
    layer = Dense(2, 2, activation="erf_sigmoid",
                  derivative=ColumnDifference(), rng=seed)
    return Network([layer], loss="squared_error", strict=False)


def random_network(seed):
    """A correct network of random depth, width, activations and loss,
    with a batch of random data: (net, X (N, D), Y (N, K))."""
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(1, 5))
    widths = [int(w) for w in rng.integers(1, 7, size=depth + 1)]
    layers = [Dense(widths[i], widths[i + 1],
                    activation=ACTIVATIONS[rng.integers(len(ACTIVATIONS))],
                    rng=rng)
              for i in range(depth)]
    loss = ("squared_error", "mean_squared_error")[rng.integers(2)]
    n = int(rng.integers(2, 7))
    X = rng.standard_normal((n, widths[0]))
    Y = rng.random((n, widths[-1]))
    return Network(layers, loss=loss), X, Y


def snapshot(net_or_layer):
    layers = getattr(net_or_layer, "layers", [net_or_layer])
    return [(layer, name, p, p.dtype, p.tobytes())
            for layer in layers for name, p in layer.params.items()]


def assert_unchanged(saved):
    for layer, name, p, dtype, raw in saved:
        assert layer.params[name] is p, f"{name} was replaced"
        assert p.dtype == dtype
        assert p.tobytes() == raw, f"{name} changed"


def findings_at(findings):
    return {(f.kind, f.layer, f.param) for f in findings}


# -- the learner's network --------------------------------------------------

def test_learner_network_wrong_shape_and_summed():
    net = learner_network()
    report = gradcheck(net, GATES_X[2], AND_OR[2])
    assert not report.ok
    (row,) = report.rows
    assert (row.layer, row.param, row.shape) == (0, "W", (2, 3))
    assert row.grad_shape == (3,)
    assert row.status == "shape" and row.verdict == "WRONG SHAPE"
    # Measured as numpy broadcasts it: every row gets the summed vector.
    assert 0.5 < row.max_rel_error <= 1.0
    np.testing.assert_allclose(np.broadcast_to(row.backprop, (2, 3)),
                               np.tile(row.numeric.sum(axis=0), (2, 1)),
                               rtol=1e-6, atol=1e-9)
    findings = diagnose(report)
    assert findings.kinds(0, "W") == {"wrong-shape", "summed-over-outputs"}
    assert findings_at(findings) == {("wrong-shape", 0, "W"),
                                     ("summed-over-outputs", 0, "W")}
    assert "(3,)" in findings[0].message and "(2, 3)" in findings[0].message


def test_learner_network_on_a_batch():
    report = gradcheck(learner_network(1), GATES_X, AND_OR)
    assert diagnose(report).kinds(0, "W") == {"wrong-shape",
                                              "summed-over-outputs"}


def test_learner_network_with_one_output_right_values_wrong_shape():
    # With one output nothing is summed: the numbers are right, and only
    # the (3,) shape of a (1, 3) gradient is wrong.
    layer = Dense(2, 1, activation="erf_sigmoid",
                  derivative=ColumnDifference(), rng=0)
    net = Network([layer], strict=False)
    report = gradcheck(net, GATES_X, AND_OR[:, 1:])
    (row,) = report.rows
    assert row.status == "shape" and row.max_rel_error < 1e-6
    assert findings_at(diagnose(report)) == {("wrong-shape", 0, "W")}


def test_check_shapes_flags_the_learner_gradient():
    report = check_shapes(learner_network(), GATES_X[0], AND_OR[0])
    assert not report.ok
    (row,) = report.rows
    assert row.params == {"W": (2, 3)} and row.grads == {"W": (3,)}
    assert (row.input, row.output) == ((2,), (2,))
    assert (row.grad_out, row.grad_in) == ((2,), (2,))
    assert len(report.problems) == 1
    assert "(3,)" in report.problems[0] and "(2, 3)" in report.problems[0]
    assert "MISMATCH" in str(report) and "MISMATCH" in report._repr_html_()


# -- no false alarms --------------------------------------------------------

@pytest.mark.parametrize("seed", range(60))
def test_correct_networks_pass(seed):
    net, X, Y = random_network(seed)
    for x, y in ((X[0], Y[0]), (X, Y)):
        report = gradcheck(net, x, y)
        assert report.ok, report
        assert report.tolerance == DEFAULT_TOLERANCE
        assert diagnose(report) == []
        assert report.local_checks == {} and report.received == {}
    for layer, x in zip(net.layers, _inputs(net, X)):
        local = check_layer(layer, x, seed=seed)
        assert local.ok, local
        assert diagnose(local) == []


def _inputs(net, X):
    out, a = [], X
    for layer in net.layers:
        out.append(a)
        a = layer.forward(a)
    return out


def test_check_shapes_passes_correct_networks():
    for seed in range(10):
        net, X, Y = random_network(seed)
        report = check_shapes(net, X, Y)
        assert report.ok, report
        for row, layer in zip(report.rows, net.layers):
            assert row.grads == row.params
            assert row.grad_in == row.input
            assert row.output == (len(X), layer.n_out)


def test_binary_cross_entropy_with_sigmoid_output():
    net = Network([Dense(2, 3, "tanh", rng=0), Dense(3, 2, rng=1)],
                  loss="binary_cross_entropy")
    assert gradcheck(net, GATES_X, AND_OR).ok


# -- parameters untouched ---------------------------------------------------

@pytest.mark.parametrize("bug", [None, "SignFlipped", "Transposed",
                                 "SummedOverOutputs",
                                 "LocalJacobianReturned"])
def test_parameters_bit_identical(bug):
    if bug is None:
        net, X, Y = random_network(3)
    else:
        net, X, Y = zoo.planted_network(bug, depth=3, position=-1,
                                        batch=True)
    saved = snapshot(net)
    gradcheck(net, X, Y)
    assert_unchanged(saved)
    for layer, x in zip(net.layers, _inputs(net, X)):
        saved = snapshot(layer)
        check_layer(layer, x)
        assert_unchanged(saved)
    saved = snapshot(net)
    check_shapes(net, X, Y)
    if bug is None:
        step_size_sweep(net, X, Y, steps=[1e-3, 1e-6])
    assert_unchanged(saved)


def test_parameters_identical_with_negative_zero_and_tiny_values():
    layer = Dense(2, 2, rng=0)
    layer.params["W"][0, 0] = -0.0
    layer.params["W"][1, 2] = 5e-324
    net = Network([layer])
    saved = snapshot(net)
    gradcheck(net, GATES_X, AND_OR)
    check_layer(layer, GATES_X)
    assert_unchanged(saved)


def test_caches_and_gradients_fresh_after_gradcheck():
    net, X, Y = random_network(5)
    gradcheck(net, X, Y)
    np.testing.assert_array_equal(net.layers[-1].y, net.forward(X))


# -- float32 ----------------------------------------------------------------

def float32_network(last=Dense):
    return Network([Dense(2, 3, "tanh", rng=0, dtype=np.float32),
                    last(3, 2, rng=1, dtype=np.float32)])


def test_float32_network_warns_and_passes():
    net = float32_network()
    saved = snapshot(net)
    X = GATES_X.astype(np.float32)
    with pytest.warns(PrecisionWarning) as caught:
        report = gradcheck(net, X, AND_OR)
    message = str(caught[0].message)
    assert "float32" in message and "float64" in message
    assert "digits" in message  # it says why
    assert report.ok, report
    assert report.notes == [message]
    assert "note:" in str(report)
    # Checked in float64: far below what float32 differences could reach.
    assert max(r.max_rel_error for r in report.rows) < 1e-7
    assert_unchanged(saved)
    assert all(la.params["W"].dtype == np.float32 for la in net.layers)


def test_float32_network_with_a_bug_gets_the_right_verdict():
    net = float32_network(zoo.SignFlipped)
    with pytest.warns(PrecisionWarning):
        report = gradcheck(net, GATES_X, AND_OR)
    assert [r.ok for r in report.rows] == [True, False]
    assert findings_at(diagnose(report)) == {("sign-flipped", 1, "W")}


def test_float32_layer_alone_warns():
    layer = Dense(2, 3, rng=0, dtype=np.float32)
    saved = snapshot(layer)
    with pytest.warns(PrecisionWarning):
        report = check_layer(layer, GATES_X)
    assert report.ok
    assert_unchanged(saved)


def test_float64_network_does_not_warn():
    net, X, Y = random_network(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gradcheck(net, X, Y)
        check_layer(net.layers[0], X)


# -- layers of one's own ----------------------------------------------------

class Affine:
    """``y = tanh(x @ A + b)``; parameters ``weight`` (D, K) and ``bias``
    (K,), also held as attributes, as hand-written layers often do."""

    def __init__(self, n_in, n_out, rng, bug=None):
        self.A = rng.standard_normal((n_in, n_out))
        self.b = rng.standard_normal(n_out)
        self.params = {"weight": self.A, "bias": self.b}
        self.grads = {}
        self.bug = bug

    def forward(self, x):
        self.x = x
        self.y = np.tanh(x @ self.A + self.b)
        return self.y

    def backward(self, grad_out):
        delta = np.atleast_2d(grad_out * (1 - self.y ** 2))
        self.grads["weight"] = np.atleast_2d(self.x).T @ delta
        self.grads["bias"] = delta.sum(axis=0)
        if self.bug == "no bias":
            self.grads["bias"] = np.zeros_like(self.b)
        if self.bug == "flip weight":
            self.grads["weight"] = -self.grads["weight"]
        if self.bug == "bias not summed":
            self.grads["bias"] = delta
        if self.bug == "transposed weight":
            self.grads["weight"] = self.grads["weight"].T
        if self.bug == "no bias key":
            del self.grads["bias"]
        if self.bug == "returns grad_out":
            return grad_out
        dx = delta @ self.A.T
        return dx.reshape(np.shape(self.x))


class Tanh:
    """An activation layer with no parameters at all."""

    def __init__(self, bug=None):
        self.params, self.grads = {}, {}
        self.bug = bug

    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, grad_out):
        if self.bug == "returns grad_out":
            return grad_out
        return grad_out * (1 - self.y ** 2)


def test_own_layer_with_its_own_parameter_names():
    rng = np.random.default_rng(0)
    net = Network([Affine(2, 3, rng), Affine(3, 2, rng)])
    for x, y in ((GATES_X[1], AND_OR[1]), (GATES_X, AND_OR)):
        report = gradcheck(net, x, y)
        assert report.ok, report
        assert [(r.layer, r.param) for r in report.rows] == [
            (0, "weight"), (0, "bias"), (1, "weight"), (1, "bias")]
    assert check_shapes(net, GATES_X, AND_OR).ok


def test_own_layer_bugs_are_named():
    rng = np.random.default_rng(0)
    net = Network([Affine(2, 3, rng, bug="flip weight"),
                   Affine(3, 2, rng, bug="no bias")])
    findings = diagnose(gradcheck(net, GATES_X, AND_OR))
    assert findings_at(findings) == {("sign-flipped", 0, "weight"),
                                     ("zero", 1, "bias")}


def test_own_layer_not_summed_over_the_batch_is_named():
    rng = np.random.default_rng(0)
    net = Network([Affine(2, 3, rng, bug="bias not summed"),
                   Affine(3, 2, rng)])
    findings = diagnose(gradcheck(net, GATES_X, AND_OR))
    assert findings_at(findings) == {("wrong-shape", 0, "bias")}
    assert "summed over its first axis (N = 4) it is the right" \
        in findings[0].message
    assert "sum the gradient over the batch" in findings[0].message


def test_own_layer_transposed_weight_is_named():
    rng = np.random.default_rng(0)
    net = Network([Affine(2, 3, rng, bug="transposed weight"),
                   Affine(3, 2, rng)])
    kinds = diagnose(gradcheck(net, GATES_X, AND_OR)).kinds(0, "weight")
    assert kinds == {"wrong-shape", "transposed"}


def test_own_layer_missing_gradient_key_says_which_key():
    rng = np.random.default_rng(0)
    layer = Affine(2, 3, rng, bug="no bias key")
    report = check_layer(layer, GATES_X)
    assert report.row(None, "bias").verdict == "NO GRADIENT"
    (finding,) = diagnose(report)
    assert "grads['bias']" in finding.message
    assert "(3,)" in finding.message
    # The old hint sent the reader to check_layer for an error to read.
    assert "read the error" not in finding.message


def test_parameterless_layer_returning_grad_out_is_blamed():
    rng = np.random.default_rng(0)
    net = Network([Affine(2, 3, rng), Tanh(bug="returns grad_out"),
                   Affine(3, 2, rng)])
    report = gradcheck(net, GATES_X, AND_OR)
    findings = diagnose(report)
    assert findings.kinds() == {"upstream"}
    assert {f.suspect for f in findings} == {1}
    assert "(Tanh)" in findings[0].message
    assert "is the gradient it received, unchanged" in findings[0].message
    (alone,) = diagnose(check_layer(Tanh(bug="returns grad_out"), GATES_X))
    assert alone.param == "input"
    assert "the gradient the layer received (dL/dy)" in alone.message


def test_layer_returning_grad_out_of_another_shape_is_named():
    rng = np.random.default_rng(0)
    layer = Affine(2, 3, rng, bug="returns grad_out")
    (finding,) = diagnose(check_layer(layer, GATES_X))
    assert finding.kind == "wrong-shape"
    assert "(4, 3) but the input has shape (4, 2)" in finding.message
    assert "the gradient the layer received (dL/dy)" in finding.message


def test_network_without_parameters_says_nothing_was_compared():
    report = gradcheck(Network([Tanh()]), GATES_X, AND_OR)
    assert report.rows == []
    assert any("no gradient was compared" in n for n in report.notes)
    assert "check_layer" in str(report)


def test_gradcheck_of_a_layer_swapped_in_after_construction():
    rng = np.random.default_rng(0)
    net = Network([Dense(2, 3, "tanh", rng=0), Dense(3, 2, rng=1)])
    net.layers[1] = Affine(3, 2, rng)
    assert gradcheck(net, GATES_X, AND_OR).ok


def test_own_float32_layer_held_as_attribute():
    rng = np.random.default_rng(0)
    layer = Affine(2, 3, rng)
    layer.A = layer.A.astype(np.float32)
    layer.params["weight"] = layer.A
    saved = snapshot(layer)
    with pytest.warns(PrecisionWarning):
        report = check_layer(layer, GATES_X)
    assert report.ok, report
    assert layer.A is layer.params["weight"]
    assert_unchanged(saved)


# -- reports ----------------------------------------------------------------

def _assert_printable(obj):
    text = str(obj)
    assert text == repr(obj)
    assert all(len(line) <= 79 for line in text.splitlines()), text
    assert not re.search(r"0x[0-9a-f]{6,}", text)
    return text


def test_report_text_and_html():
    net, X, Y = zoo.planted_network("SignFlipped", batch=True)
    report = gradcheck(net, X, Y)
    text = _assert_printable(report)
    lines = text.splitlines()
    header = lines[1]
    for word in ("layer", "param", "shape", "max rel error", "tolerance",
                 "verdict"):
        assert word in header
    assert lines[2].split()[-1] == "ok" and lines[3].split()[-1] == "WRONG"
    assert lines[2].count("1.0e-05") == 1  # each row states the tolerance
    assert lines[2].index("1.0e-05") == lines[3].index("1.0e-05")
    assert "FAILED" in lines[-2] + lines[-1]
    html = report._repr_html_()
    assert html.count("<tr>") == 3 and "WRONG" in html
    assert str(gradcheck(net, X, Y)) == text  # deterministic


def test_success_summary_is_one_line():
    net, X, Y = random_network(2)
    report = gradcheck(net, X, Y)
    assert "\n" not in report.summary and len(report.summary) <= 79
    assert report.summary.startswith("gradcheck ok")
    assert str(report).splitlines()[-1] == report.summary
    assert str(diagnose(report)).startswith("no findings")


def test_findings_print_within_79_columns():
    for name in zoo.ZOO:
        net, X, Y = zoo.planted_network(name, depth=3, position=-1)
        findings = diagnose(gradcheck(net, X, Y))
        _assert_printable(findings)
        assert "<table" in findings._repr_html_()
        for f in findings:
            assert f.kind in KINDS
            assert "Hint:" in f.message


def test_worst_entries():
    net, X, Y = zoo.planted_network("NoBiasGradient", batch=True)
    report = gradcheck(net, X, Y)
    # Layer 1 has 2 rows, so 2 bias entries: both fully wrong.
    worst = report.worst(2)
    assert len(worst) == 2
    errors = [e.rel_error for e in worst]
    assert errors == sorted(errors, reverse=True)
    for e in worst:
        row = report.row(e.layer, e.param)
        assert e.backprop == row.backprop[e.index]
        assert e.numeric == row.numeric[e.index]
        assert e.index[1] == 0 and e.rel_error == 1.0
    _assert_printable(worst)
    assert report.row(1, "W").worst(2)[0].rel_error == errors[0]


def test_rows_carry_arrays_for_plots():
    net, X, Y = zoo.planted_network("Scaled", batch=True)
    report = gradcheck(net, X, Y)
    for row, layer in zip(report.rows, net.layers):
        assert row.backprop.shape == row.numeric.shape == row.shape
        assert row.tolerance == report.tolerance
        np.testing.assert_allclose(row.backprop, layer.grads["W"])
    np.testing.assert_allclose(report.row(0, "W").norm_error, 0.0,
                               atol=1e-8)
    np.testing.assert_allclose(report.row(1, "W").norm_error, 1.0,
                               rtol=1e-6)


# -- check_layer ------------------------------------------------------------

def test_check_layer_rows_and_random_upstream():
    layer = Dense(3, 2, "tanh", rng=0)
    x = np.array([0.5, -1.0, 2.0])
    report = check_layer(layer, x, seed=4)
    assert isinstance(report, GradReport) and report.kind == "check_layer"
    assert [(r.param, r.shape) for r in report.rows] == [
        ("W", (2, 4)), ("input", (3,))]
    assert report.ok, report
    g = report.grad_out
    assert g.shape == (2,) and not np.allclose(g, g[0])
    np.testing.assert_array_equal(g, check_layer(layer, x, seed=4).grad_out)
    assert not np.array_equal(g, check_layer(layer, x, seed=5).grad_out)
    _assert_printable(report)


def test_check_layer_blames_one_layer_alone():
    report = check_layer(zoo.SignFlipped(3, 2, rng=0), np.ones((4, 3)))
    assert [r.ok for r in report.rows] == [False, True]
    assert findings_at(diagnose(report)) == {("sign-flipped", None, "W")}


def test_check_layer_catches_local_jacobian_returned():
    report = check_layer(zoo.LocalJacobianReturned(3, 2, rng=0),
                         np.array([0.1, 0.2, 0.3]))
    row = report.row(None, "input")
    assert row.grad_shape == (2, 3) and row.status == "shape"
    (finding,) = diagnose(report)
    assert (finding.kind, finding.param) == ("wrong-shape", "input")
    assert "local Jacobian" in finding.message


def test_check_layer_reports_a_raising_backward():
    class Broken(Dense):
        def backward(self, grad_out):
            raise RuntimeError("not written yet")

    report = check_layer(Broken(2, 2, rng=0), GATES_X[1])
    assert not report.ok
    assert all(r.status == "raised" for r in report.rows)
    assert "not written yet" in report.rows[0].problem
    assert diagnose(report).kinds() == {"unknown"}


# -- upstream ---------------------------------------------------------------

def test_upstream_never_blames_a_layer_with_its_own_bug():
    # Layer 0 has its own bug, and also receives a wrong gradient.
    net = Network([zoo.SignFlipped(2, 4, rng=0),
                   zoo.WrongInputGradient(4, 2, rng=1)], strict=False)
    report = gradcheck(net, GATES_X, AND_OR)
    findings = diagnose(report)
    assert findings.kinds(0, "W") == {"sign-flipped"}
    assert "upstream" not in findings.kinds()
    # The wrong input gradient of layer 1 is still reported.
    assert findings.kinds(1, "input") == {"unknown"}


def test_upstream_names_the_layer_that_returned_the_wrong_gradient():
    net, X, Y = zoo.planted_network("WrongInputGradient", depth=3,
                                    position=2)
    findings = diagnose(gradcheck(net, X, Y))
    assert findings_at(findings) == {("upstream", 0, "W"),
                                     ("upstream", 1, "W")}
    assert {f.suspect for f in findings} == {2}
    assert "layer 2" in findings[0].message
    assert "Layer 1 passes its own check" in findings[0].message


def test_upstream_from_a_wrong_loss_gradient():
    from backprop_lessons.losses import Loss
    bad = Loss("bad", lambda y_hat, y: ((y_hat - y) ** 2).sum(axis=-1),
               lambda y_hat, y: (y_hat - y))
    net = Network([Dense(2, 3, rng=0), Dense(3, 2, rng=1)], loss=bad)
    findings = diagnose(gradcheck(net, GATES_X, AND_OR))
    assert findings_at(findings) == {("upstream", 0, "W"),
                                     ("upstream", 1, "W")}
    assert {f.suspect for f in findings} == {"loss"}


def test_raising_backward_is_reported_not_raised():
    net, X, Y = zoo.planted_network("LocalJacobianReturned", depth=3,
                                    position=2)
    report = gradcheck(net, X, Y)
    assert [r.status for r in report.rows] == ["not reached", "raised",
                                               "ok"]
    assert report.failure[0] == 1 and "ShapeError" in report.failure[1]
    (finding,) = diagnose(report)
    assert (finding.kind, finding.layer, finding.suspect) == (
        "upstream", 1, 2)
    assert "(2, 4)" in finding.message


# -- bad input --------------------------------------------------------------

def test_gradcheck_of_a_layer_points_to_check_layer():
    with pytest.raises(InputError, match="check_layer"):
        gradcheck(Dense(2, 2), GATES_X, AND_OR)


def test_gradcheck_names_mismatched_targets():
    net = Network([Dense(2, 3, rng=0)])
    with pytest.raises(ShapeError, match=r"\(4, 2\).*\(4, 3\)"):
        gradcheck(net, GATES_X, AND_OR)


def test_gradcheck_names_the_layer_of_a_bad_input():
    net = Network([Dense(3, 2, rng=0)])
    with pytest.raises(ShapeError, match="layer 0"):
        gradcheck(net, GATES_X, AND_OR)


@pytest.mark.parametrize("kw", [{"step": 0}, {"tolerance": -1.0},
                                {"floor": float("nan")}, {"step": "big"}])
def test_bad_settings(kw):
    net, X, Y = random_network(0)
    with pytest.raises(InputError, match=next(iter(kw))):
        gradcheck(net, X, Y, **kw)


def test_nonfinite_input():
    net, X, Y = random_network(0)
    X[0, 0] = np.nan
    with pytest.raises(InputError, match="NaN"):
        gradcheck(net, X, Y)


def test_not_a_layer():
    with pytest.raises(InputError, match="layer protocol"):
        check_layer(object(), GATES_X)


def test_diagnose_needs_a_report():
    with pytest.raises(InputError, match="report"):
        diagnose([1, 2])


# -- step sizes -------------------------------------------------------------

def test_step_size_sweep_shapes_of_the_error_curve():
    net = Network([Dense(2, 3, "erf_sigmoid", rng=0), Dense(3, 2, rng=1)])
    sweep = step_size_sweep(net, GATES_X, AND_OR)
    steps = sweep.steps
    assert steps.shape == sweep.central.shape == sweep.complex.shape
    at = {float(h): k for k, h in enumerate(steps)}
    central, cplx = sweep.central, sweep.complex
    # Truncation error falls as h**2 at large steps...
    np.testing.assert_allclose(central[at[1e-2]] / central[at[1e-3]], 100,
                               rtol=0.05)
    # ...rounding error grows as 1/h at small ones...
    assert central[at[1e-10]] > 100 * central[at[1e-6]]
    # ...with the best step in between.
    assert 1e-7 <= sweep.best_step <= 1e-4
    assert central.min() < 1e-9
    # A step lost in rounding leaves nothing: error 1.
    assert central[at[1e-20]] == pytest.approx(1.0)
    # The complex step stays at machine precision for tiny steps.
    assert np.all(cplx[steps <= 1e-8] < 1e-14)
    assert sweep.complex_note is None
    _assert_printable(sweep)
    assert "<table" in sweep._repr_html_()


def test_step_size_sweep_in_float32():
    net = Network([Dense(2, 3, "erf_sigmoid", rng=0), Dense(3, 2, rng=1)])
    sweep = step_size_sweep(net, GATES_X, AND_OR, dtype=np.float32,
                            steps=[1e-1, 1e-2, 1e-3, 1e-4, 1e-5])
    assert sweep.dtype == "float32"
    assert sweep.central.min() > 1e-6  # float32 cannot do better
    assert sweep.best_step >= 1e-3


def test_step_size_sweep_without_complex_step():
    net = Network([Dense(2, 3, "relu", rng=0), Dense(3, 2, rng=1)])
    sweep = step_size_sweep(net, GATES_X, AND_OR, steps=[1e-4, 1e-6])
    assert np.isnan(sweep.complex).all()
    assert "relu" in sweep.complex_note
    assert "n/a" in str(sweep)


def test_step_size_sweep_draws():
    from backprop_lessons import plots
    net = Network([Dense(2, 3, "erf_sigmoid", rng=0), Dense(3, 2, rng=1)])
    sweep = step_size_sweep(net, GATES_X, AND_OR, steps=[1e-2, 1e-5, 1e-9])
    assert list(sweep.errors) == list(sweep.methods)
    np.testing.assert_array_equal(sweep.errors["complex step"],
                                  sweep.complex)
    fig = plots.step_size_curve(sweep)
    assert len(fig.axes[0].lines) >= 2


def test_step_size_sweep_refuses_a_wrong_reference():
    with pytest.raises(ShapeError, match="gradcheck"):
        step_size_sweep(learner_network(), GATES_X, AND_OR)


def test_large_batch_samples_the_received_gradient():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((150, 2)), rng.random((150, 2))
    net = Network([Dense(2, 4, "tanh", rng=0),
                   zoo.WrongInputGradient(4, 2, rng=1)])
    report = gradcheck(net, X, Y)
    received = report.received[0]
    assert received.checked == 200 and not received.ok
    (finding,) = diagnose(report)
    assert finding.kind == "upstream" and finding.suspect == 1
    assert "200 of its 600 entries" in finding.message


def test_a_missing_gradient_is_reported():
    class Forgetful(Dense):
        def backward(self, grad_out):
            dx = super().backward(grad_out)
            del self.grads["W"]
            return dx

    net = Network([Forgetful(2, 2, rng=0)])
    report = gradcheck(net, GATES_X, AND_OR)
    (row,) = report.rows
    assert row.status == "missing" and row.verdict == "NO GRADIENT"
    assert row.backprop is None and row.numeric.shape == (2, 3)
    assert diagnose(report).kinds() == {"unknown"}
    assert "no gradient" in str(diagnose(report))


def test_failing_reports_draw():
    from backprop_lessons import plots
    for name in ("LocalJacobianReturned", "SummedOverOutputs"):
        net, X, Y = zoo.planted_network(name, depth=3, position=2)
        fig = plots.gradient_comparison(gradcheck(net, X, Y))
        assert len(fig.axes) >= 9
