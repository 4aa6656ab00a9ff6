#!/usr/bin/env bash
# Benchmark (not a test): chalk insert / extract against the tools they should be close to,
# measured in the same run on the same files.
#   * a ~200 MB ELF (a copy of /bin/ls padded with a 200 MB non-loaded section via objcopy)
#   * a tree of ~5,000 small shebang scripts
# Ratios printed: insert / (sha256sum + cp), extract / (grep -rlF dadfedabbadabbed).
# Targets: insert <= 1.2x, extract <= 1.5x. Each figure is the best of $RUNS runs (warm cache).
#
# Usage: Benchmarks/marking-bench.sh [path-to-chalk]   (default: builds .build/release/chalk)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
FILES=${FILES:-5000}
ELF_MB=${ELF_MB:-200}

CHALK=${1:-}
if [[ -z "$CHALK" ]]; then
    swift build -c release --product chalk >/dev/null
    CHALK="$PWD/.build/release/chalk"
fi
command -v objcopy >/dev/null || { echo "objcopy (binutils) is needed" >&2; exit 1; }

WORK=$(mktemp -d /tmp/chalk-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export HOME="$WORK/home"
mkdir -p "$HOME"

# --- fixtures -------------------------------------------------------------------------------
head -c $((ELF_MB * 1024 * 1024)) /dev/urandom > "$WORK/pad.bin"
objcopy --add-section .bench_pad="$WORK/pad.bin" --set-section-flags .bench_pad=noload,readonly \
    /bin/ls "$WORK/big.elf"
rm "$WORK/pad.bin"
mkdir -p "$WORK/elf" && cp "$WORK/big.elf" "$WORK/elf/big"

mkdir -p "$WORK/tree"
python3 - "$WORK/tree" "$FILES" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
random.seed(1)
words = ["echo", "build", "deploy", "test", "$PATH", "if", "then", "fi", "for", "done", "grep", "sed"]
for i in range(n):
    d = os.path.join(root, f"d{i % 50:02d}", f"s{i % 7}")
    os.makedirs(d, exist_ok=True)
    body = "\n".join(" ".join(random.choice(words) for _ in range(8)) for _ in range(random.randint(10, 60)))
    with open(os.path.join(d, f"script{i}.sh"), "w") as f:
        f.write("#!/bin/sh\n" + body + "\n")
PY

# --- timing ---------------------------------------------------------------------------------
# best_of CMD...: "wall cpu" = the best wall time and the best CPU time (user+sys, children
# included) in seconds over $RUNS runs. On a loaded machine the CPU figures are the steadier.
best_of() {
    local bw="" bc="" out w c
    for _ in $(seq "$RUNS"); do
        out=$(/usr/bin/time -f "%e %U %S" bash -c "$*" 2>&1 >/dev/null | tail -1)
        w=$(awk '{ print $1 }' <<<"$out"); c=$(awk '{ print $2 + $3 }' <<<"$out")
        bw=$(awk -v a="$w" -v b="${bw:-1e9}" 'BEGIN { print (a < b) ? a : b }')
        bc=$(awk -v a="$c" -v b="${bc:-1e9}" 'BEGIN { print (a < b) ? a : b }')
    done
    echo "$bw $bc"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

sha_cp_elf="sha256sum '$WORK/elf/big' && cp '$WORK/elf/big' '$WORK/big.copy'"
sha_cp_tree="find '$WORK/tree' -type f -print0 | xargs -0 sha256sum && cp -r '$WORK/tree' '$WORK/tree.copy' && rm -rf '$WORK/tree.copy'"
grep_elf="grep -rlF dadfedabbadabbed '$WORK/elf'"
grep_tree="grep -rlF dadfedabbadabbed '$WORK/tree'"

CH="'$CHALK' --log-level error --skip-summary-report"
cat "$WORK/elf/big" "$WORK/tree"/*/*/* >/dev/null  # warm the page cache

echo "chalk: $CHALK"
echo "ELF: $(stat -c %s "$WORK/elf/big") bytes; tree: $(find "$WORK/tree" -type f | wc -l) files, $(du -sb "$WORK/tree" | cut -f1) bytes; best of $RUNS"

t_ins_elf=$(best_of "$CH insert '$WORK/elf'")
t_base_elf=$(best_of "$sha_cp_elf")
t_ext_elf=$(best_of "$CH extract '$WORK/elf'")
t_grep_elf=$(best_of "$grep_elf")
bash -c "$CH extract '$WORK/elf'" && echo "ELF extract validated" || echo "ELF extract FAILED to validate"

t_ins_tree=$(best_of "$CH insert '$WORK/tree'")
t_base_tree=$(best_of "$sha_cp_tree")
t_ext_tree=$(best_of "$CH extract '$WORK/tree'")
t_grep_tree=$(best_of "$grep_tree")
bash -c "$CH extract '$WORK/tree'" && echo "tree extract validated" || echo "tree extract FAILED to validate"

row() {  # name chalk base target
    local cw cc bw bc
    read -r cw cc <<<"$2"; read -r bw bc <<<"$3"
    printf '%-22s %8s %8s %7s   %8s %8s %7s %7s\n' "$1" "$cw" "$bw" "$(ratio "$cw" "$bw")" "$cc" "$bc" "$(ratio "$cc" "$bc")" "$4"
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %8s %8s %7s   %8s %8s %7s %7s\n' "case" "wall" "base" "ratio" "cpu" "base" "ratio" "target"
row "insert ${ELF_MB}MB ELF" "$t_ins_elf" "$t_base_elf" "1.2"
row "extract ${ELF_MB}MB ELF" "$t_ext_elf" "$t_grep_elf" "1.5"
row "insert ${FILES} files" "$t_ins_tree" "$t_base_tree" "1.2"
row "extract ${FILES} files" "$t_ext_tree" "$t_grep_tree" "1.5"
echo "(insert base = sha256sum + cp; extract base = grep -rlF dadfedabbadabbed; seconds, best of $RUNS)"
