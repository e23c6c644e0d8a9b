"""For each spec: loomc --emit=plan, then check with loom-opt that the plan
parses and prints back identically, that re-running the planning passes on it
changes nothing, and that --loom-lower-to-emitc of the parsed plan equals
loomc --emit=emitc. Prints one line per spec; exits non-zero on a mismatch."""
import subprocess
import sys


def run(*argv, stdin=None):
    p = subprocess.run(argv, input=stdin, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{p.stderr}")
    return p.stdout


def check(spec):
    plan = run("loomc", "compile", spec, "--emit=plan")
    once = run("loom-opt", stdin=plan)
    if run("loom-opt", stdin=once) != once or once.strip() != plan.strip():
        sys.exit(f"{spec}: the plan does not print back the same")
    replanned = run("loom-opt", "--loom-derive-decoding", "--loom-derive-cross-attention",
                    "--loom-select-kernels",
                    "--loom-plan-buffers", stdin=plan)
    if replanned != once:
        sys.exit(f"{spec}: re-planning the plan changed it")
    if run("loom-opt", "--loom-lower-to-emitc", stdin=plan) != \
            run("loomc", "compile", spec, "--emit=emitc"):
        sys.exit(f"{spec}: emitc of the parsed plan differs from loomc's")
    name = spec.rsplit("/", 1)[-1]
    print(f"{name}: plan round-trips, re-planning is a no-op, emitc agrees")


for spec in sys.argv[1:]:
    check(spec)
