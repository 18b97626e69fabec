"""The checkers of lesson 07 confirm names and fixes of the mysteries."""

import pytest

from backprop_lessons import zoo
from backprop_lessons.checks import diagnose, gradcheck
from backprop_lessons.exercises import ExerciseError, lesson07

LETTERS = ("0", "A", "B", "C", "D", "E", "F")


def repaired(letter):
    """The mystery with the correct backward, as a learner would write it."""
    class Fixed(lesson07.mystery(letter)):
        def backward(self, grad_out):
            grad_out = self._received(grad_out)
            delta = grad_out * self.activation.derivative(self.z)
            self.grads["W"] = zoo.outer_sum(delta, self.x1)
            return delta @ self.params["W"][:, 1:]
    return Fixed


def test_at_least_six_exercise_mysteries_each_a_different_bug():
    bugs = {lesson07.mystery(k).__mro__[1] for k in LETTERS[1:]}
    assert len(bugs) == 6
    assert bugs <= set(zoo.ZOO.values())


@pytest.mark.parametrize("letter", LETTERS)
def test_mysteries_are_anonymous_but_fail_the_checks(letter):
    cls = lesson07.mystery(letter)
    assert cls.__name__ == f"Mystery{letter}"
    net, X, Y = zoo.planted_network(cls, batch=True)
    report = gradcheck(net, X, Y)
    assert not report.ok
    text = str(report) + str(diagnose(report))
    for name in lesson07.NAMES:
        assert name not in text


@pytest.mark.parametrize("letter", LETTERS)
def test_each_mystery_has_one_right_name(letter, capsys):
    accepted = []
    for name in lesson07.NAMES:
        try:
            lesson07.check_name(letter, name)
            accepted.append(name)
        except ExerciseError as err:
            assert "That bug would show" in str(err)
    assert len(accepted) == 1
    assert capsys.readouterr().out.startswith("\N{CHECK MARK}")


def test_name_not_attempted_and_unknown(capsys):
    lesson07.check_name("A", None)
    assert "not attempted" in capsys.readouterr().out
    with pytest.raises(ExerciseError, match="not a bug in the zoo"):
        lesson07.check_name("A", "Typo")
    with pytest.raises(ExerciseError, match="no mystery 'Z'"):
        lesson07.check_name("Z", "Scaled")


@pytest.mark.parametrize("letter", LETTERS)
def test_repair_passes(letter, capsys):
    lesson07.check_fix(letter, repaired(letter))
    out = capsys.readouterr().out
    assert out.startswith("\N{CHECK MARK} fix of mystery")
    assert out.count("\N{CHECK MARK}") == 1


@pytest.mark.parametrize("letter", LETTERS)
def test_the_unrepaired_mystery_fails(letter):
    cls = lesson07.mystery(letter)

    class Unchanged(cls):
        pass

    with pytest.raises(ExerciseError, match=f"fix of mystery {letter}"):
        lesson07.check_fix(letter, Unchanged)


def test_fix_must_build_on_the_mystery(capsys):
    with pytest.raises(ExerciseError, match="build the fix on the mystery"):
        lesson07.check_fix("A", zoo.Planted)
    with pytest.raises(ExerciseError, match="build the fix on the mystery"):
        lesson07.check_fix("A", repaired("B"))


def test_fix_not_attempted(capsys):
    class Starter(lesson07.mystery("C")):
        def backward(self, grad_out):
            return None

    lesson07.check_fix("C", None)
    lesson07.check_fix("C", Starter)
    assert capsys.readouterr().out.count("not attempted") == 2
