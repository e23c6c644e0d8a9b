"""Runs a command and succeeds iff it exits with the expected status.

  exit_status.py STATUS COMMAND [ARGS...]

The command's stdout and stderr pass through unchanged, so the output can be
piped to FileCheck. A crash (death by a signal) never matches.
"""
import subprocess
import sys

expected = int(sys.argv[1])
result = subprocess.run(sys.argv[2:])
if result.returncode != expected:
    sys.stderr.write(f"exit_status.py: expected exit status {expected}, got {result.returncode}\n")
    sys.exit(1)
