"""The case in a terminal: ``python -m backprop_lessons``.

Trains one layer on AND, OR and AND+OR, as the learner did, with three
ways of getting its gradient: the learner's column rule (which sums the
outputs' gradients and ties the rows of ``W``) and two corrected
strategies, central differences and the analytic delta rule. It does
so for each activation and seed, prints the predictions of one seed and
the success rate of each combination, and says why every corrected run
that still fails is stuck.

The learner's rule runs as ``Dense`` with :class:`ColumnDifference` and
``strict=False``: the tests show it ends with the same weights as
:class:`backprop_lessons.question.Layer`, and it is faster.
"""

import argparse
import sys
import time
from dataclasses import dataclass

import numpy as np

from . import data
from .activations import get_activation
from .derivatives import Analytic, CentralDifference, ColumnDifference
from .layers import Dense
from .network import Network
from .training import train

TASKS = ("and", "or", "and+or")
ACTIVATIONS = ("erf_sigmoid", "sigmoid")
LABELS = {"and": "AND", "or": "OR", "and+or": "AND+OR"}

NETWORKS = {
    "learner": ("learner's rule", ColumnDifference, False),
    "central": ("central diff.", CentralDifference, True),
    "analytic": ("analytic", Analytic, True),
}
"""Short name -> (label, strategy class, strict) of each network."""

TOL = 0.1
"""A run has learned when every prediction is within TOL of its target."""

SLOPE_STUCK = 1e-3
"""A unit whose slope is below this wherever it is wrong is saturated."""

LR = 1.0
"""The learner's learning rate."""


@dataclass
class Run:
    """One training run and what it ended with.

    ``predictions`` is (N, K); ``z`` the pre-activations (N, K) at the
    end; ``W0``, ``W`` the weights (K, D+1) at the start and the end.
    """

    task: str
    network: str
    activation: str
    seed: int
    learned: bool
    epochs_run: int
    diverged: bool
    predictions: np.ndarray
    z: np.ndarray
    W0: np.ndarray
    W: np.ndarray


def run(task, network, activation, seed, epochs, check_every=100):
    """Train one layer on a gate; stop once it has learned.

    Weights are drawn from seed ``seed`` and the examples shuffled with
    a generator seeded the same, as in the learner's setting (learning
    rate 1, per-example SGD). Training goes in chunks of
    ``check_every`` epochs that share one shuffling generator, so the
    sample order is that of a single call of :func:`train`.
    """
    X, Y = data.gate(task)
    _, strategy, strict = NETWORKS[network]
    layer = Dense(X.shape[1], Y.shape[1], activation=activation,
                  derivative=strategy(), rng=seed)
    net = Network([layer], strict=strict)
    W0 = layer.params["W"].copy()
    rng = np.random.default_rng(seed)
    done, learned, diverged = 0, False, False
    while done < epochs and not learned and not diverged:
        chunk = min(check_every, epochs - done)
        history = train(net, X, Y, epochs=chunk, lr=LR, seed=rng)
        done += history.epochs_run
        learned = history.succeeded(Y, tol=TOL)
        diverged = history.diverged
    predictions = net.forward(X).copy()
    return Run(task, network, activation, seed, learned, done, diverged,
               predictions, layer.z.copy(), W0, layer.params["W"].copy())


def stuck_unit(run_):
    """Index of the output unit farthest from its targets."""
    Y = data.gate(run_.task).Y
    return int(np.abs(run_.predictions - Y).max(axis=0).argmax())


def _fmt_row(values, width=4):
    return " ".join(f"{v:{width}.2f}" for v in values)


def _header(args, out):
    seeds = f"0-{args.seeds - 1}" if args.seeds > 1 else "0"
    out(f"backprop_lessons: one layer y = f(W @ [1 | x]) learns "
        f"{', '.join(LABELS[t] for t in args.tasks)}")
    out("  networks  learner's rule  ColumnDifference(), strict=False: "
        "the learner's")
    out("                            column rule, run through Dense "
        "(the tests show")
    out("                            it ends with question.Layer's "
        "weights, to 1e-12)")
    out("            central diff.   CentralDifference(step=1e-06), "
        "strict=True")
    out("            analytic        Analytic() (delta rule), strict=True")
    out(f"  settings  W ~ N(0, 1) from the seed, lr {LR:.1f}, per-example "
        f"SGD, seeds {seeds},")
    note = " (the case ran 10000)" if args.epochs != 10000 else ""
    out(f"            up to {args.epochs} epochs{note}")
    out(f"  learned   every prediction within {TOL:.1f} of its target, "
        f"checked every {args.check_every}")
    out("            epochs; a run stops once it has learned")


def _predictions(task, runs, args, out):
    dataset = data.gate(task)
    K = dataset.Y.shape[1]
    cell = 5 * K + 1
    names = " ".join(dataset.outputs)
    out("")
    out(f"{LABELS[task]}, seed 0: predictions ({names}) after training")
    head = "  activation    x1 x2  target"
    head += "".join(f"  {NETWORKS[n][0]:>{max(cell, 14)}}"
                    for n in NETWORKS)
    out(head)
    for activation in args.activations:
        for i, (x, y) in enumerate(zip(dataset.X, dataset.Y)):
            name = activation if i == 0 else ""
            line = f"  {name:<12} {x[0]:3.0f}{x[1]:3.0f}  "
            line += " ".join(f"{v:.0f}" for v in y).ljust(6)
            for n in NETWORKS:
                r = runs[task, n, activation, 0]
                line += f"  {_fmt_row(r.predictions[i]):>{max(cell, 14)}}"
            out(line)


def _rates(runs, args, out):
    n = args.seeds
    out("")
    out(f"Success rate over {n} seed{'s' if n > 1 else ''} "
        "(learned / seeds)")
    out("  task    activation   " + "".join(
        f"{NETWORKS[k][0]:>16}" for k in NETWORKS))
    for task in args.tasks:
        for activation in args.activations:
            line = f"  {LABELS[task]:<7} {activation:<12}"
            for k in NETWORKS:
                hits = sum(runs[task, k, activation, s].learned
                           for s in range(n))
                line += f"{f'{hits}/{n} {100 * hits / n:3.0f}%':>16}"
            out(line)


def _tied_rows(runs, args, out):
    two = [t for t in args.tasks if len(data.gate(t).outputs) > 1]
    for task in two:
        drift = max(np.abs((r.W[0] - r.W[1]) - (r.W0[0] - r.W0[1])).max()
                    for (t, k, _, _), r in runs.items()
                    if t == task and k == "learner")
        wins = [r for (t, k, _, _), r in sorted(runs.items())
                if t == task and k == "learner" and r.learned]
        out("")
        out(f"{LABELS[task]} under the learner's rule: both rows of W get "
            "the same update, so")
        out(f"W[0] - W[1] never changes (largest drift over all runs: "
            f"{drift:.1e}).")
        for r in wins:
            diff = r.W0[0] - r.W0[1]
            out(f"  seed {r.seed:2d} {r.activation:<12} learned: its "
                f"fixed W[0] - W[1] = [{_fmt_row(diff, 5)}]")
            out("                       happens to suit both gates")


def _saturation(runs, args, out):
    failed = {}
    for (task, k, activation, seed), r in sorted(runs.items()):
        if k != "learner" and not r.learned:
            failed.setdefault((task, activation, seed), []).append(r)
    out("")
    if not failed:
        out("Every corrected run learned.")
        return
    out("Corrected runs that still fail, and why. z: the stuck unit's "
        "pre-activations")
    out("on the four inputs, * where it is wrong; slope: the largest "
        "f'(z) there.")
    out("  task   activation  seed  network  unit  z on inputs"
        "                  slope")
    all_saturated = True
    for (task, activation, seed), rs in sorted(failed.items(),
                                               key=_task_order):
        r = rs[-1]
        k = stuck_unit(r)
        z = r.z[:, k]
        wrong = np.abs(r.predictions[:, k] - data.gate(task).Y[:, k]) \
            >= TOL
        slope = float(get_activation(activation).derivative(z[wrong])
                      .max())
        all_saturated = all_saturated and slope < SLOPE_STUCK
        who = "both" if len(rs) > 1 else r.network
        zs = "".join(f"{v:6.2f}{'*' if w else ' '}"
                     for v, w in zip(z, wrong))
        out(f"  {LABELS[task]:<6} {activation:<11} {seed:4d}  {who:<8} "
            f"{data.gate(task).outputs[k]:<4} {zs} {slope:7.1e}")
    if all_saturated:
        out(f"  Where each unit is wrong its slope is below "
            f"{SLOPE_STUCK:.0e}: it is saturated.")
        out("  Its gradient is right (the tests check it against scipy) "
            "but too small")
        out("  to move it, and the inputs it gets right pull the other "
            "way. The erf")
        out("  tail flattens as exp(-z**2), far faster than the "
            "logistic's exp(-|z|).")
    else:
        out(f"  Some unit above has a slope of {SLOPE_STUCK:.0e} or more "
            "where it is wrong:")
        out("  that run is not only saturated; train it longer or "
            "inspect it.")
    if _same_as_and(runs, failed):
        out("  With a correct gradient the AND unit of AND+OR starts from "
            "AND's weights")
        out("  (the same draws) and does not depend on the OR unit, so it "
            "fails on")
        out("  the same seeds.")


def _same_as_and(runs, failed):
    # True when every failing AND+OR run ends where AND alone ends.
    pairs = [(runs["and+or", r.network, a, s], runs["and", r.network, a, s])
             for (t, a, s), rs in failed.items() if t == "and+or"
             for r in rs if ("and", r.network, a, s) in runs]
    return bool(pairs) and all(
        np.allclose(both.z[:, 0], alone.z[:, 0], atol=1e-6)
        and stuck_unit(both) == 0 for both, alone in pairs)


def _task_order(item):
    (task, activation, seed), _ = item
    return TASKS.index(task), ACTIVATIONS.index(activation), seed


def _word(hits, n):
    # A majority of seeds decides the verdict; the counts stay beside it.
    return "learns" if 2 * hits > n else "fails"


def _verdict(runs, args, out):
    if "and+or" not in args.tasks:
        return
    n = args.seeds
    out("")
    out("Verdict on AND+OR (by the majority of seeds)")
    for activation in args.activations:
        rates = {k: sum(runs["and+or", k, activation, s].learned
                        for s in range(n)) for k in NETWORKS}
        best = max(("central", "analytic"), key=rates.get)
        a, b = rates["learner"], rates[best]
        out(f"  {activation:<12} learner's rule {_word(a, n)} ({a}/{n} "
            f"learned), corrected {_word(b, n)} ({b}/{n})")


def parse_args(argv=None):
    """Parse the command line; see ``python -m backprop_lessons -h``."""
    parser = argparse.ArgumentParser(
        prog="python -m backprop_lessons",
        description="Reproduce the case: one layer learns AND and OR "
        "but not AND+OR under the learner's gradient rule, and learns "
        "all three with a corrected gradient, except on seeds where a "
        "unit saturates.")
    parser.add_argument("--seeds", type=int, default=20,
                        help="seeds 0..N-1 to run (default 20)")
    parser.add_argument("--epochs", type=int, default=1000,
                        help="most epochs per run (default 1000; the "
                        "case ran 10000, which takes several minutes)")
    parser.add_argument("--check-every", type=int, default=100,
                        help="epochs between checks for success "
                        "(default 100)")
    parser.add_argument("--tasks", nargs="+", choices=TASKS,
                        default=list(TASKS), help="gates to learn")
    parser.add_argument("--activations", nargs="+", choices=ACTIVATIONS,
                        default=list(ACTIVATIONS),
                        help="activations to try")
    args = parser.parse_args(argv)
    for name in ("seeds", "epochs", "check_every"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, "
                         f"got {getattr(args, name)}")
    return args


def main(argv=None):
    """Run the reproduction and print it; returns the exit status 0."""
    args = parse_args(argv)
    out = print
    start = time.perf_counter()
    _header(args, out)
    runs = {}
    for task in args.tasks:
        for activation in args.activations:
            for network in NETWORKS:
                for seed in range(args.seeds):
                    runs[task, network, activation, seed] = run(
                        task, network, activation, seed, args.epochs,
                        args.check_every)
        _predictions(task, runs, args, out)
    _rates(runs, args, out)
    _tied_rows(runs, args, out)
    _saturation(runs, args, out)
    _verdict(runs, args, out)
    out("")
    out(f"({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
