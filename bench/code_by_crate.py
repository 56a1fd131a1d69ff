"""Bytes of code (.text) per source crate, for bench/firmware.sh.

Usage: python3 bench/code_by_crate.py BASELINE_ELF PROGRAM_ELF

Prints a Markdown table: for each crate, its bytes in each program and what
the second adds. Every instruction (or literal word) of the disassembly is
charged to the first frame of its inlining chain, innermost out, that is
not in `core`, as llvm-symbolizer reports the chain from the debug
information: so `core` code inlined into the runtime counts as the
runtime's, and `core` shows only what is left, such as generic functions
instantiated out of line. Code without line information (assembly) goes to
its symbol's crate: the runtime's assembly routines are named
`tinyscore_*`, compiler-builtins' `__aeabi_*`.

Needs llvm-objdump (rustup component llvm-tools, or LLVM) and
llvm-symbolizer (apt-get install llvm).
"""

import collections
import os
import re
import shutil
import subprocess
import sys


def run(command, stdin=None):
    """The standard output of `command`, which must succeed."""
    return subprocess.run(command, input=stdin, capture_output=True, text=True, check=True).stdout


def tool(name):
    """The LLVM tool `name`: on PATH, else the Rust toolchain's llvm-tools."""
    found = shutil.which(name)
    if found:
        return found
    sysroot = run(["rustc", "--print", "sysroot"]).strip()
    host = next(l.split()[1] for l in run(["rustc", "-vV"]).splitlines() if l.startswith("host:"))
    path = f"{sysroot}/lib/rustlib/{host}/bin/{name}"
    if shutil.which(path):
        return path
    sys.exit(f"{name} is missing: rustup component add llvm-tools, or apt-get install llvm")


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def crate_of(location):
    """The crate a source location is in, or None for core and unknown ones."""
    if location.startswith(ROOT + "/src/"):
        return "tinyscore"
    if location.startswith(ROOT + "/capi/src/"):
        return "tinyscore-c"
    if location.startswith(ROOT + "/firmware/") or location.startswith(ROOT + "/capi/examples/"):
        return "app"
    if "compiler-builtins" in location or "compiler_builtins" in location:
        return "compiler_builtins"
    m = re.search(r"/registry/src/[^/]+/([A-Za-z_\-]+?)-\d", location)
    if m:
        return m.group(1)
    return None


def crate_of_symbol(symbol):
    """The crate of code without line information, by its symbol."""
    if symbol.startswith("tinyscore_"):
        return "tinyscore"
    if "__aeabi" in symbol or "compiler_builtins" in symbol:
        return "compiler_builtins"
    return "no line information"


def code_by_crate(elf):
    listing = run([tool("llvm-objdump"), "-d", "--no-show-raw-insn", elf])
    addresses, symbols, symbol = [], [], "?"
    for line in listing.splitlines():
        label = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
        if label:
            # Mapping symbols ($t, $d, $x) mark code and data, not functions.
            if not label.group(1).startswith("$"):
                symbol = label.group(1)
            continue
        at = re.match(r"^ +([0-9a-f]+):\s", line)
        if at:
            addresses.append(int(at.group(1), 16))
            symbols.append(symbol)
    queries = "\n".join(hex(a) for a in addresses)
    frames = run([tool("llvm-symbolizer"), "--inlines", "--obj=" + elf], queries).split("\n\n")
    sizes = collections.Counter()
    for i, address in enumerate(addresses):
        # An instruction is 2 or 4 bytes, a literal word 4: the distance to
        # the next one, at most 4 (past a function's end, padding).
        size = min(addresses[i + 1] - address, 4) if i + 1 < len(addresses) else 2
        locations = frames[i].strip().split("\n")[1::2] if i < len(frames) else []
        in_core = any("/rustc/" in l for l in locations)
        crates = [c for c in map(crate_of, locations) if c]
        if crates:
            sizes[crates[0]] += size
        elif in_core:
            sizes["core"] += size
        else:
            sizes[crate_of_symbol(symbols[i])] += size
    return sizes


def main():
    baseline, program = (code_by_crate(elf) for elf in sys.argv[1:3])
    print("| crate | baseline | program | added |")
    print("|---|---|---|---|")
    crates = sorted(set(baseline) | set(program), key=lambda c: -(program[c] - baseline[c]))
    for crate in crates:
        print(f"| {crate} | {baseline[crate]} | {program[crate]} | {program[crate] - baseline[crate]} |")
    before, after = sum(baseline.values()), sum(program.values())
    print(f"| total | {before} | {after} | {after - before} |")


if __name__ == "__main__":
    main()
