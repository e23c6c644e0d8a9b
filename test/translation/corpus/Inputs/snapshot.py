#!/usr/bin/python3
"""Prints, for each file of a directory (sorted), its name, mtime in ns and
sha256: two snapshots differ if any file was rewritten."""
import hashlib
import os
import sys

directory = sys.argv[1]
for name in sorted(os.listdir(directory)):
    path = os.path.join(directory, name)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print(name, os.stat(path).st_mtime_ns, digest)
