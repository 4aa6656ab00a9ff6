#!/usr/bin/env bash
# Sets up and runs chalk on an example, on a fresh Debian 12 machine:
# installs what is missing, builds chalk, marks sample artifacts (an ELF binary, a shell
# script, Python bytecode, a JAR), extracts and validates the marks, runs a marked binary under
# `chalk exec`, and deletes the marks again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
echo "== building chalk" >&2
swift build --product chalk 2>&1 | grep -E "error|warning:|Build complete" >&2 || true
CHALK=$PWD/.build/debug/chalk
[ -x "$CHALK" ] || { echo "build failed" >&2; exit 1; }

DEMO=$(mktemp -d /tmp/chalk-demo.XXXXXX)
export HOME=$DEMO/home   # reports go to $HOME/.local/chalk/chalk.log; keep the demo's own
mkdir -p "$HOME" "$DEMO/artifacts"
cd "$DEMO/artifacts"
cp /bin/ls ./ls
printf '#!/bin/sh\necho "hello from a chalked script"\n' > hello.sh && chmod +x hello.sh
printf 'print("hello from python bytecode")\n' > hello.py
python3 -c 'import py_compile; py_compile.compile("hello.py", cfile="hello.pyc")' && rm hello.py
mkdir -p jar/META-INF && printf 'Manifest-Version: 1.0\n' > jar/META-INF/MANIFEST.MF
printf 'class placeholder\n' > jar/App.class && (cd jar && zip -qr ../app.jar .) && rm -rf jar

show() { python3 -c '
import json, sys
for line in open(sys.argv[1]):
    for report in json.loads(line):
        print("  operation:", report.get("_OPERATION"))
        for c in report.get("_CHALKS", []):
            print("   ", c.get("_OP_ARTIFACT_PATH"), c.get("ARTIFACT_TYPE"), c.get("CHALK_ID"),
                  "valid" if c.get("_VALIDATED_METADATA") else ("" if "_VALIDATED_METADATA" not in c else "INVALID"))
        for u in report.get("_UNMARKED", []):
            print("    unmarked:", u)
' "$1"; }

echo; echo "== chalk insert (marks every artifact in $DEMO/artifacts)"
"$CHALK" insert .
echo "   the report:"; show "$HOME/.local/chalk/chalk.log"; : > "$HOME/.local/chalk/chalk.log"

echo; echo "== the marks, as they sit in the files"
echo "   hello.sh (last line):"; tail -n 1 hello.sh | cut -c1-150
echo "   ls (.chalk.mark section):"; (readelf -p .chalk.mark ls 2>/dev/null || true) | sed -n 3p | cut -c1-150
echo "   app.jar:"; unzip -p app.jar chalk.json | cut -c1-150; echo

echo; echo "== the marked binary still runs:"; ./ls -d .

echo; echo "== chalk extract (reads and validates the marks)"
"$CHALK" extract .
show "$HOME/.local/chalk/chalk.log"; : > "$HOME/.local/chalk/chalk.log"

echo; echo "== chalk exec -- ./hello.sh (the workload runs; chalk reports in the background)"
"$CHALK" exec -- ./hello.sh
sleep 0.5
[ -s "$HOME/.local/chalk/chalk.log" ] && show "$HOME/.local/chalk/chalk.log" && : > "$HOME/.local/chalk/chalk.log"

echo; echo "== chalk delete (removes the marks)"
"$CHALK" delete .
show "$HOME/.local/chalk/chalk.log"
echo; echo "demo files are in $DEMO"
