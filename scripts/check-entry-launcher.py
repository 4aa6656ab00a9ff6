#!/usr/bin/env python3
"""Checks the static chalk's ELF entry launcher (Sources/CExecLaunch/early_spawn.c) by its machine
code: everything reachable from `chalk_entry` before it jumps to glibc's `_start` runs before
glibc's start-up, so it must never call into libc (its string functions are unresolved IFUNCs
then), and never touch TLS (%fs: errno, the stack-protector canary), which is not set up yet.
A libc call on a rare path would only crash the rare run, so this is checked on every build.

usage: scripts/check-entry-launcher.py UNSTRIPPED_STATIC_CHALK [START_SYMBOL]
(START_SYMBOL, default chalk_entry, lets the check itself be tested on code that does call libc.)
"""
import re
import subprocess
import sys

binary = sys.argv[1]
syms = {}
for line in subprocess.run(["nm", binary], capture_output=True, text=True, check=True).stdout.splitlines():
    parts = line.split()
    if len(parts) == 3 and parts[1] in "tTwW":
        syms[parts[2]] = int(parts[0], 16)
if "chalk_entry" not in syms:
    sys.exit(f"{binary}: no chalk_entry symbol (not linked with the entry launcher)")

def disassemble(name):
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", f"--disassemble={name}", binary],
                         capture_output=True, text=True, check=True).stdout
    return [l for l in out.splitlines() if re.match(r"^\s+[0-9a-f]+:", l)]

start = sys.argv[2] if len(sys.argv) > 2 else "chalk_entry"
seen, todo, problems = set(), [start], []
while todo:
    fn = todo.pop()
    if fn in seen:
        continue
    seen.add(fn)
    body = disassemble(fn)
    if not body:
        problems.append(f"{fn}: no code found")
    for line in body:
        if "%fs:" in line:
            problems.append(f"{fn}: touches TLS: {line.strip()}")
        m = re.search(r"\b(call|jmp)\w*\s+[0-9a-f]+ <([^>+]+)(\+0x[0-9a-f]+)?>", line)
        if m and m.group(2) != fn:
            target = m.group(2)
            if target == "_start" and fn == "chalk_entry":
                continue  # the hand-over to glibc
            todo.append(target)
        elif re.search(r"\bcall\w*\s+\*", line) and fn != "chalk_clone_vfork":
            problems.append(f"{fn}: indirect call: {line.strip()}")
        # A function whose address is taken (the child passed to chalk_clone_vfork) runs too.
        for ref in re.findall(r"# [0-9a-f]+ <([^>+]+)>", line):
            if ref in syms and ref != fn:
                todo.append(ref)

allowed = re.compile(r"^(chalk_|spawn_child$|restore_|exec_paths$|in_list$|push$|pop$|raw_stat$|in_groups$|"
                     r"executable$|env_value$|prctl_raw$)")
for fn in sorted(seen):
    if not allowed.match(fn):
        problems.append(f"reachable from chalk_entry but not part of the launcher: {fn}")
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"entry launcher: {len(seen)} functions reachable from {start}, no libc calls, no TLS: {' '.join(sorted(seen))}", file=sys.stderr)
