"""Measure the course's speed targets in one run; write bench/RESULTS.md.

Usage (from the repository root)::

    python bench/run.py              # the per-step and explorer figures
    python bench/run.py --course     # also the whole course under nbval
    python bench/run.py --rounds 5   # a quick look (fewer rounds)

The machine this runs on is usually shared, so no single time means
much. The variants are therefore *interleaved*: each round runs every
variant once, in an order rotated from round to round, and a ratio is
taken between two variants of the same round before the median over
rounds is reported. Load that comes and goes then slows both sides of
a ratio alike. Everything is timed in CPU time of this process, so
time spent waiting for a core that other work holds does not count;
the explorer update is also shown on the wall clock, which is what its
user waits for on an idle machine.

What is timed:

- One per-example SGD step on AND+OR with ``Dense(2, 2,
  "erf_sigmoid")`` and the learner's loss: the library's forward,
  backward and step exactly as ``train`` calls them, for each
  derivative strategy, in the same loop, on the same data order, as a
  hand-written numpy step of the same network (and PyTorch autograd
  when torch is installed; optional, never a dependency).
- Whole ``train(..., batch_size=1)`` runs per example, which add the
  full-data loss that ``train`` records after every epoch: the ratio
  of ``CentralDifference()`` to ``Analytic()`` here is the target's
  (training AND+OR); the learner's own network
  (``backprop_lessons.question``) against the library's version of
  the learner's rule; and a network with a hidden layer, for
  information.
- One update of the slider explorer at its default settings, through
  its pure ``compute`` and ``draw`` functions.
- With ``--course``: the whole course under strict nbval, wall time.
"""

import argparse
import datetime
import gc
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy
from scipy.special import erf

import backprop_lessons as bl
from backprop_lessons import (Analytic, CentralDifference, ColumnDifference,
                              ComplexStep, Dense, Network, question, train)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
COMMAND = "python bench/run.py"

SEED = 0
LR = 1.0
X, Y = bl.data.gate("and+or")
clock = time.process_time

TARGETS = {
    "step": 1.3,
    "central": 1.5,
    "explorer_ms": 150.0,
    "course_s": 180.0,
}


# The timed variants. Each builds its state, then times `epochs`
# epochs of per-example SGD and returns the CPU seconds taken; setup is
# not timed. With `out`, it appends its final weights for checking.

def _initial_weights():
    return Dense(2, 2, "erf_sigmoid", rng=SEED).params["W"].copy()


def numpy_step(epochs, out=None):
    """The floor: the same network and data order, written by hand."""
    W = _initial_weights()
    X1 = np.hstack([np.ones((len(X), 1)), X])
    rng = np.random.default_rng(SEED)
    scale = 1 / np.sqrt(np.pi)
    start = clock()
    for _ in range(epochs):
        for i in rng.permutation(len(X)):
            x1 = X1[i]
            z = W @ x1
            y = 0.5 * (1.0 + erf(z))
            dy = 2.0 * (y - Y[i])
            delta = dy * (np.exp(-z * z) * scale)
            W -= LR * np.outer(delta, x1)
    elapsed = clock() - start
    if out is not None:
        out.append(W)
    return elapsed


def _network(strategy, hidden=False):
    if hidden:
        rng = np.random.default_rng(SEED)
        layers = [Dense(2, 3, "tanh", derivative=strategy(), rng=rng),
                  Dense(3, 2, "erf_sigmoid", derivative=strategy(),
                        rng=rng)]
    else:
        layers = [Dense(2, 2, "erf_sigmoid", derivative=strategy(),
                        rng=SEED)]
    return Network(layers, strict=strategy is not ColumnDifference)


def library_step(strategy):
    """The library's step, called as train() calls it, in numpy's loop.
    """
    def run(epochs, out=None):
        net = _network(strategy)
        forward = net._forward_prepared
        backward, step = net._backward, net._step
        rows = net._training_inputs(X)
        rng = np.random.default_rng(SEED)
        start = clock()
        for _ in range(epochs):
            for i in rng.permutation(len(X)):
                forward(rows[i])
                backward(Y[i])
                step(LR)
        elapsed = clock() - start
        if out is not None:
            out.append(net.layers[0].params["W"])
        return elapsed
    return run


def library_train(strategy, hidden=False):
    """A whole ``train`` run, per-epoch loss record included."""
    def run(epochs, out=None):
        net = _network(strategy, hidden)
        start = clock()
        train(net, X, Y, epochs=epochs, lr=LR, seed=SEED, batch_size=1)
        elapsed = clock() - start
        if out is not None:
            out.append(net.layers[0].params["W"])
        return elapsed
    return run


def question_train(epochs, out=None):
    """The learner's own network: numeric, updating inside backward."""
    nn = question.NN([question.Layer(2, 2, rng=SEED)])
    start = clock()
    question.train(nn, epochs, X, Y, seed=SEED)
    return clock() - start


def torch_step():
    """PyTorch autograd on the same network, or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)

    def run(epochs, out=None):
        W = torch.tensor(_initial_weights(), requires_grad=True)
        X1 = torch.tensor(np.hstack([np.ones((len(X), 1)), X]))
        T = torch.tensor(Y)
        rng = np.random.default_rng(SEED)
        start = clock()
        for _ in range(epochs):
            for i in rng.permutation(len(X)):
                y = 0.5 * (1.0 + torch.erf(W @ X1[i]))
                loss = ((y - T[i]) ** 2).sum()
                loss.backward()
                with torch.no_grad():
                    W -= LR * W.grad
                    W.grad.zero_()
        elapsed = clock() - start
        if out is not None:
            out.append(W.detach().numpy())
        return elapsed
    return run


def explorer_update():
    """One explorer update at its defaults.

    Returns (compute, draw) seconds twice: wall clock, then CPU time.
    """
    from backprop_lessons import widgets
    wall, cpu = [time.perf_counter()], [clock()]
    result = widgets.compute(widgets.Settings())
    wall.append(time.perf_counter())
    cpu.append(clock())
    png = widgets.draw(result)
    wall.append(time.perf_counter())
    cpu.append(clock())
    assert result.error is None and png[:4] == b"\x89PNG"
    return (wall[1] - wall[0], wall[2] - wall[1],
            cpu[1] - cpu[0], cpu[2] - cpu[1])


# Running the rounds.

class Variant:
    """A timed variant: name, run(epochs) and epochs per round."""

    def __init__(self, key, label, run, epochs, steps_per_epoch=4):
        self.key = key
        self.label = label
        self.run = run
        self.epochs = epochs
        self.steps = epochs * steps_per_epoch
        self.times = []

    def reset(self):
        self.times = []

    def once(self):
        gc.collect()
        gc.disable()
        try:
            seconds = self.run(self.epochs)
        finally:
            gc.enable()
        self.times.append(seconds / self.steps)

    @property
    def median(self):
        return statistics.median(self.times)


def paired(a, b):
    """Median over rounds of a's time over b's time in the same round."""
    return statistics.median(x / y for x, y in zip(a.times, b.times))


def variants(epochs):
    found = [
        Variant("numpy", "hand-written numpy", numpy_step, epochs),
        Variant("analytic", "`Analytic()`", library_step(Analytic),
                epochs),
        Variant("central", "`CentralDifference()`",
                library_step(CentralDifference), epochs),
        Variant("complex", "`ComplexStep()`", library_step(ComplexStep),
                epochs),
        Variant("column", "`ColumnDifference()`",
                library_step(ColumnDifference), epochs),
        Variant("t_analytic", "`Analytic()`", library_train(Analytic),
                epochs),
        Variant("t_central", "`CentralDifference()`",
                library_train(CentralDifference), epochs),
        Variant("t_complex", "`ComplexStep()`",
                library_train(ComplexStep), epochs),
        Variant("t_column", "`ColumnDifference()` (strict=False)",
                library_train(ColumnDifference), epochs),
        Variant("question", "the learner's code (`question.train`)",
                question_train, max(epochs // 20, 5)),
        Variant("h_analytic", "hidden layer: `Analytic()`",
                library_train(Analytic, hidden=True), epochs // 2),
        Variant("h_central", "hidden layer: `CentralDifference()`",
                library_train(CentralDifference, hidden=True),
                epochs // 2),
        Variant("h_complex", "hidden layer: `ComplexStep()`",
                library_train(ComplexStep, hidden=True), epochs // 2),
    ]
    torch_run = torch_step()
    if torch_run is not None:
        found.append(Variant("torch", "PyTorch autograd", torch_run,
                             max(epochs // 4, 5)))
    return found


class Explorer:
    """The explorer update as one more variant of a round."""

    key = "explorer"

    def __init__(self):
        self.reset()

    def reset(self):
        self.parts = {"compute": [], "draw": [], "total": [],
                      "compute_cpu": [], "draw_cpu": [], "total_cpu": []}

    def once(self):
        gc.collect()
        c, d, c_cpu, d_cpu = explorer_update()
        for key, value in (("compute", c), ("draw", d), ("total", c + d),
                           ("compute_cpu", c_cpu), ("draw_cpu", d_cpu),
                           ("total_cpu", c_cpu + d_cpu)):
            self.parts[key].append(value)

    def ms(self, key):
        return statistics.median(self.parts[key]) * 1e3


def same_network_check():
    """The baseline trains the library's network: largest difference
    between its final weights and the library's, after 50 epochs."""
    found = []
    numpy_step(50, found)
    library_step(Analytic)(50, found)
    library_train(Analytic)(50, found)
    torch_run = torch_step()
    if torch_run is not None:
        torch_run(50, found)
    return max(float(np.abs(W - found[0]).max()) for W in found[1:])


def run_rounds(rounds, epochs, progress):
    items = variants(epochs) + [Explorer()]
    # One untimed round first: imports, caches and first-call costs.
    for item in items:
        item.once()
        item.reset()
    for r in range(rounds):
        k = r % len(items)
        for item in items[k:] + items[:k]:
            item.once()
        if progress:
            print(f"round {r + 1}/{rounds}", file=sys.stderr)
    return {item.key: item for item in items}


def run_course():
    """Strict nbval over the notebooks; (seconds, exit code, summary)."""
    nbs = ROOT / "notebooks"
    if not any(nbs.glob("*.ipynb")):
        return None
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           "--nbval", "--nbval-current-env", "--nbval-sanitize-with",
           "notebooks/sanitize.cfg", "notebooks/"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    lines = [s for s in proc.stdout.splitlines() if s.strip()]
    return seconds, proc.returncode, lines[-1] if lines else ""


# The report.

def _cpu():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _us(seconds):
    return f"{seconds * 1e6:.1f}"


def _verdict(ok):
    return "met" if ok else "**not met**"


def _ratio(a, b):
    return f"{paired(a, b):.2f}x"


def report(found, rounds, epochs, check, course, load):
    v = found
    ex = v["explorer"]
    step = paired(v["analytic"], v["numpy"])
    central = paired(v["t_central"], v["t_analytic"])
    bare = paired(v["central"], v["analytic"])
    explorer_ms = ex.ms("total_cpu")
    rows = [
        ("library `Analytic()` step / hand-written numpy step",
         f"{step:.2f}x", f"<= {TARGETS['step']}x",
         _verdict(step <= TARGETS["step"])),
        ("`CentralDifference()` / `Analytic()`, training AND+OR with "
         "`train`",
         f"{central:.2f}x (bare step: {bare:.2f}x)",
         f"<= {TARGETS['central']}x",
         _verdict(central <= TARGETS["central"])),
        ("explorer update at defaults (median CPU time; wall clock "
         "below)",
         f"{explorer_ms:.0f} ms", f"<= {TARGETS['explorer_ms']:.0f} ms",
         _verdict(explorer_ms <= TARGETS["explorer_ms"])),
    ]
    if course is None:
        rows.append(("whole course under strict nbval", "not measured",
                     f"< {TARGETS['course_s']:.0f} s",
                     f"run `{COMMAND} --course`"))
    else:
        seconds, code, summary = course
        ok = seconds < TARGETS["course_s"] and code == 0
        rows.append(("whole course under strict nbval (wall clock)",
                     f"{seconds:.0f} s ({summary})",
                     f"< {TARGETS['course_s']:.0f} s", _verdict(ok)))

    out = ["# Benchmark results", "",
           f"Written by `{COMMAND}"
           + (" --course" if course is not None else "")
           + f"` on {datetime.date.today().isoformat()}.", "",
           "## Targets", "",
           "| measure | this run | target | verdict |",
           "| --- | --- | --- | --- |"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]

    out += ["", "## One SGD step, per example", "",
            "AND+OR, `Dense(2, 2, \"erf_sigmoid\")`, squared error "
            "summed over outputs,",
            "learning rate 1, one example per step, the same shuffled "
            "order for every",
            "variant. The library's step is the three calls `train` "
            "makes per example:",
            "`net._forward_prepared(x)`, `net._backward(y)`, "
            "`net._step(lr)`. Both it and",
            "the hand-written numpy step prepare the inputs with their "
            "leading ones once.",
            "Microseconds of CPU time per step, medians over rounds; "
            "ratios are medians",
            "of same-round ratios.", "",
            "| variant | us per step | / numpy | / `Analytic()` |",
            "| --- | ---: | ---: | ---: |"]
    for key in ("numpy", "analytic", "central", "complex", "column",
                "torch"):
        if key in v:
            a = v[key]
            out.append(f"| {a.label} | {_us(a.median)} | "
                       f"{_ratio(a, v['numpy'])} | "
                       f"{_ratio(a, v['analytic'])} |")
    if "torch" not in v:
        out += ["", "PyTorch is not installed here, so its row is left "
                "out (it is optional)."]

    out += ["", "## Whole training runs, per example", "",
            "`train(net, X, Y, epochs, lr=1, batch_size=1)`, which also "
            "records the",
            "full-data loss after every epoch (one batch forward pass "
            "and one loss",
            "value per four steps). The learner's code "
            "(`question.train`) updates inside",
            "its backward; it is set against the library's version of "
            "its rule,",
            "`ColumnDifference()`. The hidden-layer rows train "
            "`Dense(2, 3, \"tanh\") ->",
            "Dense(3, 2, \"erf_sigmoid\")` on the same data; there the "
            "second layer's",
            "input gradient is computed, the first layer's is not.", "",
            "| variant | us per example | / numpy step | / `Analytic()` | "
            "/ learner's code |",
            "| --- | ---: | ---: | ---: | ---: |"]
    for key in ("t_analytic", "t_central", "t_complex", "t_column",
                "question"):
        a = v[key]
        out.append(f"| {a.label} | {_us(a.median)} | "
                   f"{_ratio(a, v['numpy'])} | "
                   f"{_ratio(a, v['t_analytic'])} | "
                   f"{_ratio(a, v['question'])} |")
    for key in ("h_analytic", "h_central", "h_complex"):
        a = v[key]
        out.append(f"| {a.label} | {_us(a.median)} | | "
                   f"{_ratio(a, v['h_analytic'])} (hidden) | |")
    per_run = 4e4  # steps in 10,000 epochs of the four examples
    out += ["",
            "At these rates 10,000 epochs of AND+OR take about "
            f"{v['t_analytic'].median * per_run:.1f} s with "
            "`Analytic()`,",
            f"{v['t_central'].median * per_run:.1f} s with "
            "`CentralDifference()` and "
            f"{v['question'].median * per_run:.1f} s with the "
            "learner's code.",
            "",
            "Same network, same data order: after 50 epochs the "
            "hand-written step, the",
            "library's step and `train` (and PyTorch, when installed) "
            f"agree to {check:.1e}",
            "in every weight."]

    out += ["", "## Explorer update", "",
            "`widgets.compute(widgets.Settings())` then "
            "`widgets.draw(result)`, medians. CPU",
            "time is what the update costs; the wall clock adds the "
            "time spent waiting",
            "for a core that other work was using.", "",
            "| part | CPU ms | wall-clock ms |", "| --- | ---: | ---: |",
            f"| compute (train, evaluate the output field) | "
            f"{ex.ms('compute_cpu'):.1f} | {ex.ms('compute'):.1f} |",
            f"| draw (PNG bytes) | {ex.ms('draw_cpu'):.1f} | "
            f"{ex.ms('draw'):.1f} |",
            f"| one update | {ex.ms('total_cpu'):.1f} | "
            f"{ex.ms('total'):.1f} |"]

    out += ["", "## Machine", "",
            f"- CPU: {_cpu()}, {os.cpu_count()} cores, shared with other "
            "work while this ran",
            f"- load average before / after: {load[0]:.2f} / {load[1]:.2f}",
            f"- Python {platform.python_version()}, numpy {np.__version__}"
            f", scipy {scipy.__version__}, {platform.system()} "
            f"{platform.release()}",
            f"- {rounds} rounds of {epochs} epochs (the learner's code "
            f"{max(epochs // 20, 5)}), each round running every",
            "  variant once in rotated order",
            "", "## How to rerun", "",
            "From the repository root, with the package installed "
            "(`make bench` does both):", "",
            "```bash",
            f"{COMMAND}            # a few minutes",
            f"{COMMAND} --course   # also the course under strict nbval",
            "```", "",
            "Absolute times move with the machine and its load; the "
            "ratios are what",
            "the targets are about.", ""]
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Measure the speed targets; write bench/RESULTS.md.")
    parser.add_argument("--rounds", type=int, default=21,
                        help="interleaved rounds (default 21)")
    parser.add_argument("--epochs", type=int, default=400,
                        help="AND+OR epochs per timed run (default 400)")
    parser.add_argument("--course", action="store_true",
                        help="also time the course under strict nbval")
    parser.add_argument("--out", type=Path, default=RESULTS,
                        help="where to write the table")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.epochs < 20:
        parser.error("--rounds must be >= 1 and --epochs >= 20")

    load_before = os.getloadavg()[0]
    check = same_network_check()
    found = run_rounds(args.rounds, args.epochs, not args.quiet)
    course = run_course() if args.course else None
    if args.course and course is None:
        print("no notebooks found; course time not measured",
              file=sys.stderr)
    text = report(found, args.rounds, args.epochs, check, course,
                  (load_before, os.getloadavg()[0]))
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
