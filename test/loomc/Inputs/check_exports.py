"""check_exports.py WORKDIR SPEC...: compiles each spec into WORKDIR/<name>,
compares the dynamic symbols of lib<name>.so with the functions <name>.h
declares, and links a C program that takes the address of each declared
function. Prints "<name>: <sorted exports>"; exits non-zero on a mismatch."""
import os
import re
import subprocess
import sys


def run(*argv):
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{p.stderr}")
    return p.stdout


work = sys.argv[1]
for spec in sys.argv[2:]:
    name = os.path.splitext(os.path.basename(spec))[0]
    out = os.path.join(work, name)
    run("loomc", "compile", spec, "-o", out)
    header = open(os.path.join(out, f"{name}.h")).read()
    declared = sorted(set(re.findall(rf"\b({name}_\w+)\(", header)))
    symbols = run("nm", "-D", "--defined-only", os.path.join(out, f"lib{name}.so"))
    exported = sorted(line.split()[-1] for line in symbols.splitlines()
                      if line.split()[-1].startswith(name + "_"))
    if declared != exported:
        sys.exit(f"{name}: header declares {declared}, library exports {exported}")
    program = os.path.join(out, "uses_all.c")
    with open(program, "w") as f:
        f.write(f'#include "{name}.h"\n#include <stdio.h>\nint main(void) {{\n')
        for fn in declared:
            f.write(f'  printf("%p\\n", (void *)&{fn});\n')
        f.write("  return 0;\n}\n")
    run("cc", "-std=c99", "-Wall", "-Werror", "-I", out, program, "-o",
        os.path.join(out, "uses_all"), "-L", out, f"-l{name}", f"-Wl,-rpath,{out}")
    run(os.path.join(out, "uses_all"))
    print(f"{name}: {' '.join(exported)}")
