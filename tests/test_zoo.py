"""Tests of the bug zoo: every planted bug is named, at its layer and
parameter, in networks of 2 and 3 layers; repaired layers pass."""

import numpy as np
import pytest

from backprop_lessons import Dense, InputError, Network, zoo
from backprop_lessons.checks import KINDS, check_layer, diagnose, gradcheck

# What each bug does to the layer it is planted in ("own") and whether
# the input gradient it returns is wrong, which the layers before it
# then see as "upstream".
OWN = {
    "SignFlipped": {"sign-flipped"},
    "Transposed": {"wrong-shape", "transposed"},
    "Scaled": {"scaled"},
    "NoBiasGradient": {"zero"},
    "NoActivationDerivative": {"scaled"},
    "WrongActivationDerivative": {"scaled"},
    "SummedOverOutputs": {"wrong-shape", "summed-over-outputs"},
    "LocalJacobianReturned": set(),
    "WrongInputGradient": set(),
    "BiasLast": {"unknown"},
}
BREAKS_INPUT_GRADIENT = {"NoActivationDerivative",
                         "WrongActivationDerivative",
                         "LocalJacobianReturned", "WrongInputGradient"}
# On a batch, a wrong factor per example is no longer one per row.
BATCH_OWN = dict(OWN, NoActivationDerivative={"unknown"},
                 WrongActivationDerivative={"unknown"})

CASES = [(name, depth, position)
         for name in zoo.ZOO for depth in (2, 3)
         for position in range(depth)]


def expected(name, depth, position, own):
    """The findings, as (kind, layer, param), for one planted network."""
    found = {(kind, position, "W") for kind in own[name]}
    if name in BREAKS_INPUT_GRADIENT and position > 0:
        if name == "LocalJacobianReturned":
            # The layer below raises on the matrix it receives; the
            # layers before that are not reached.
            found.add(("upstream", position - 1, "W"))
        else:
            found |= {("upstream", i, "W") for i in range(position)}
    return found


def test_zoo_contents():
    assert len(zoo.ZOO) >= 8
    assert set(OWN) == set(zoo.ZOO)
    for name, cls in zoo.ZOO.items():
        assert cls.__name__ == name
        doc = cls.__doc__.strip()
        assert doc and "\n" not in doc, f"{name}: one-line hint"
        layer = cls(2, 3, rng=0)
        for attr in ("params", "grads", "forward", "backward"):
            assert hasattr(layer, attr)


def test_planted_bugs_leave_forward_alone():
    x = np.array([0.3, -0.7])
    for cls in zoo.ZOO.values():
        planted = cls(2, 3, rng=5, activation="tanh")
        np.testing.assert_array_equal(
            planted.forward(x), Dense(2, 3, "tanh", rng=5).forward(x))


@pytest.mark.parametrize("name,depth,position", CASES)
def test_every_bug_is_named_on_one_example(name, depth, position):
    net, X, Y = zoo.planted_network(name, depth=depth, position=position)
    report = gradcheck(net, X, Y)
    findings = diagnose(report)
    want = expected(name, depth, position, OWN)
    assert {(f.kind, f.layer, f.param) for f in findings} == want
    assert report.ok == (not want)


@pytest.mark.parametrize("name,depth,position", CASES)
def test_every_bug_is_named_on_a_batch(name, depth, position):
    net, X, Y = zoo.planted_network(name, depth=depth, position=position,
                                    batch=True)
    findings = diagnose(gradcheck(net, X, Y))
    want = expected(name, depth, position, BATCH_OWN)
    assert {(f.kind, f.layer, f.param) for f in findings} == want


def test_every_kind_is_produced_by_a_planted_bug():
    kinds = set()
    for name, depth, position in CASES:
        net, X, Y = zoo.planted_network(name, depth=depth,
                                        position=position)
        kinds |= diagnose(gradcheck(net, X, Y)).kinds()
    assert kinds == set(KINDS)


def test_input_gradient_bugs_are_named_alone():
    # As the first layer nothing reads their input gradient; alone,
    # check_layer still blames them.
    x = np.array([0.4, -1.1])
    for name in ("LocalJacobianReturned", "WrongInputGradient"):
        net, X, Y = zoo.planted_network(name, depth=2, position=0)
        assert gradcheck(net, X, Y).ok
        report = check_layer(zoo.ZOO[name](2, 3, rng=0), x)
        assert not report.row(None, "input").ok
        assert "input" in {f.param for f in diagnose(report)}


def test_local_jacobian_is_recognised():
    report = check_layer(zoo.LocalJacobianReturned(2, 3, rng=0),
                         np.array([0.4, -1.1]))
    (finding,) = diagnose(report)
    assert finding.kind == "wrong-shape" and finding.param == "input"
    assert "local Jacobian" in finding.message


def test_transposed_square_gradient_has_the_right_shape():
    # W is (3, 3): the transpose has the parameter's shape.
    net = Network([zoo.Transposed(2, 3, rng=0), Dense(3, 2, rng=1)])
    report = gradcheck(net, np.array([0.5, -0.3]), np.array([0.0, 1.0]))
    assert report.row(0, "W").grad_shape == (3, 3)
    findings = diagnose(report)
    assert {(f.kind, f.layer) for f in findings} == {("transposed", 0)}


def test_scaled_reports_its_factor():
    net, X, Y = zoo.planted_network("Scaled", batch=True)
    (finding,) = diagnose(gradcheck(net, X, Y))
    assert finding.factor == pytest.approx(2.0, rel=1e-6)
    assert "2 times" in finding.message


def test_missing_activation_derivative_reports_one_factor_per_row():
    net, X, Y = zoo.planted_network("NoActivationDerivative", position=1)
    finding = [f for f in diagnose(gradcheck(net, X, Y)) if f.layer == 1][0]
    slope = net.layers[1].activation.derivative(net.layers[1].z)
    np.testing.assert_allclose(finding.factor, 1 / slope, rtol=1e-5)


def test_zero_names_the_bias_column():
    net, X, Y = zoo.planted_network("NoBiasGradient", batch=True)
    (finding,) = diagnose(gradcheck(net, X, Y))
    assert "column 0" in finding.message and "bias" in finding.message


def test_upstream_names_the_suspect():
    net, X, Y = zoo.planted_network("NoActivationDerivative", depth=3,
                                    position=2)
    findings = diagnose(gradcheck(net, X, Y))
    upstream = [f for f in findings if f.kind == "upstream"]
    assert {f.suspect for f in upstream} == {2}
    assert all("layer 2 (NoActivationDerivative)" in f.message
               for f in upstream)


# -- check_fix --------------------------------------------------------------

class FixedSignFlipped(zoo.SignFlipped):
    """A learner's repair: the minus sign removed."""

    def backward(self, grad_out):
        grad_out = self._received(grad_out)
        delta = grad_out * self.activation.derivative(self.z)
        self.grads["W"] = zoo.outer_sum(delta, self.x1)
        return delta @ self.params["W"][:, 1:]


@pytest.mark.parametrize("cls", [zoo.Planted, Dense, FixedSignFlipped])
def test_check_fix_passes_correct_layers(cls):
    verdict = zoo.check_fix(cls)
    assert verdict.ok and bool(verdict)
    assert verdict.message.startswith("\N{CHECK MARK}")
    assert "\n" not in str(verdict) and len(str(verdict)) <= 79
    assert len(verdict.reports) == 6 and verdict.findings == []


@pytest.mark.parametrize("name", list(zoo.ZOO))
def test_check_fix_fails_every_bug(name):
    verdict = zoo.check_fix(name)
    assert not verdict.ok and not bool(verdict)
    assert verdict.message.startswith("\N{BALLOT X} " + name)
    assert verdict.findings
    kind = verdict.findings[0].kind
    assert f"[{kind}]" in verdict.message
    assert all(len(line) <= 79 for line in str(verdict).splitlines())


def test_check_fix_of_the_erf_layer_uses_its_activation():
    # The logistic slope is right for a sigmoid unit, wrong for erf.
    assert zoo.check_fix(zoo.WrongActivationDerivative,
                         activation="sigmoid").ok
    assert not zoo.check_fix(zoo.WrongActivationDerivative).ok


def test_planted_network_rejects_bad_arguments():
    with pytest.raises(InputError, match="SignFlipped"):
        zoo.planted_network("SignFliped")
    with pytest.raises(InputError, match="position 2"):
        zoo.planted_network("Scaled", depth=2, position=2)
    with pytest.raises(InputError, match="depth"):
        zoo.planted_network("Scaled", depth=0)
