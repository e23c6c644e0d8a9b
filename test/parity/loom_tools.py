"""Finding and running Loom's command-line tools (loomc, loom-run) from the Python tests."""
import os
import shlex
import subprocess

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tool_path(explicit, env_var, default_rel):
    """The tool given on the command line, else in $env_var, else build/bin/... of the repo;
    $LOOM_BUILD_DIR names another build directory than build/ (relative to the repo, or
    absolute), e.g. build-asan for the sanitizer lane (test/run-sanitizers.sh)."""
    if explicit:
        return explicit
    if os.environ.get(env_var):
        return os.environ[env_var]
    build_dir = os.environ.get("LOOM_BUILD_DIR")
    if build_dir and default_rel.startswith("build/"):
        return os.path.join(REPO_ROOT, build_dir, default_rel[len("build/"):])
    return os.path.join(REPO_ROOT, default_rel)


def add_tool_arguments(parser):
    """Adds --loomc and --loom-run to an argparse parser."""
    parser.add_argument("--loomc", help="path to loomc (default: $LOOMC or build/bin/loomc, "
                        "$LOOM_BUILD_DIR/bin/loomc if set)")
    parser.add_argument("--loom-run", dest="loom_run",
                        help="path to loom-run (default: $LOOM_RUN or build/bin/loom-run, "
                        "$LOOM_BUILD_DIR/bin/loom-run if set)")


class Result:
    """What a finished tool process left: exit status, stdout and stderr text."""

    def __init__(self, argv, returncode, stdout, stderr, timed_out=False):
        self.argv, self.returncode, self.stdout, self.stderr = argv, returncode, stdout, stderr
        self.timed_out = timed_out

    @property
    def command(self):
        return " ".join(shlex.quote(a) for a in self.argv)

    def describe(self, lines=6):
        """A short account of a failure: status and the last lines of stderr."""
        tail = "".join(f"\n      {line}" for line in self.stderr.strip().splitlines()[-lines:])
        status = ("timed out" if self.timed_out else
                  "could not start" if self.returncode is None else f"exit {self.returncode}")
        return f"{status}: {self.command}{tail}"


# Seconds between one side's timing and the other's: idle threads of the side that
# just ran keep spinning for a while (OpenBLAS's workers busy-wait about 2^28 cycles,
# ~70 ms, after a GEMM), and on 2 cores one of them takes a core from the other side's
# first timed runs. Measured: a d2l forward in loom-run right after PyTorch forwards
# in the same parent (bench_inference) took 1.35-1.50 ms, 0.76-0.83 ms after a 0.1 s
# pause. Not longer: after 0.5 s idle the machine is slow to come back (a d2l train
# step's median 7.8 ms, against 5.8 ms after 0.1 s).
SETTLE_SECONDS = 0.1


def run_tool(argv, timeout):
    """Runs a command without a shell; never raises for a failing or hanging command."""
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout, errors="replace")
        return Result(argv, p.returncode, p.stdout, p.stderr)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        return Result(argv, None, out, err, timed_out=True)
    except OSError as e:
        return Result(argv, None, "", str(e))


class Compiler:
    """Compiles specs with `loomc compile SPEC -o DIR`, once per spec name.

    With tune_seconds > 0, first tunes the kernels of `tune_functions` for that long at
    the shapes the first compilation of the spec names (`loomc tune --shapes`), then compiles
    with those records; the Result's `tuned` line says how many instances got a
    tuned schedule."""

    def __init__(self, loomc, timeout=900, tune_seconds=0, tune_functions="forward"):
        self.loomc, self.timeout, self.cache = loomc, timeout, {}
        self.tune_seconds, self.tune_functions = tune_seconds, tune_functions

    def compile(self, spec_path, name, out_dir, shapes=None):
        """Returns (path of lib<name>.so or None, Result). Reuses an earlier compilation."""
        if name in self.cache:
            return self.cache[name]
        os.makedirs(out_dir, exist_ok=True)
        argv = [self.loomc, "compile", spec_path, "-o", out_dir]
        if self.tune_seconds and shapes:
            records = os.path.join(out_dir, "tuning.jsonl")
            functions = f"--tune-functions={self.tune_functions}"
            tuned = run_tool([self.loomc, "tune", spec_path, f"--records={records}",
                              f"--budget-seconds={self.tune_seconds}", f"--shapes={shapes}",
                              functions], self.timeout + 2 * self.tune_seconds)
            if tuned.returncode != 0:
                self.cache[name] = (None, tuned)
                return self.cache[name]
            argv += [f"--tuning-records={records}", f"--shapes={shapes}", functions]
        result = run_tool(argv, self.timeout)
        lib = os.path.join(out_dir, f"lib{name}.so")
        ok = result.returncode == 0 and os.path.exists(lib) and \
            os.path.exists(os.path.join(out_dir, f"{name}.h"))
        self.cache[name] = (lib if ok else None, result)
        return self.cache[name]


def loom_run_argv(loom_run, module, weights, function, inputs, outputs, extra=()):
    """loom-run's command line (INTERFACES.md §4)."""
    argv = [loom_run, f"--module={module}", f"--weights={weights}", f"--function={function}"]
    argv += [f"--input=@{p}" for p in inputs]
    argv += [f"--output=@{p}" for p in outputs]
    return argv + list(extra)


def run_cases(cases, run_one):
    """Runs `run_one(case)` -> (ok, line) for every case and prints each line.
    A harness error fails that case only. Returns (passed, failed)."""
    passed = failed = 0
    for case in cases:
        try:
            ok, line = run_one(case)
        except Exception as e:  # a broken case must not hide the others
            ok, line = False, f"FAIL {case.name} harness error: {type(e).__name__}: {e}"
        print(line, flush=True)
        passed += ok
        failed += not ok
    return passed, failed


def finish(passed, failed):
    """Prints the closing line the test command reads; returns the exit status."""
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0
