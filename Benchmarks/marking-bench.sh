#!/usr/bin/env bash
# Benchmark (not a test): chalk insert / extract against the tools they should be close to,
# measured in the same run on the same files.
#   * a ~200 MB ELF (a copy of /bin/ls padded with a 200 MB non-loaded section via objcopy)
#   * a tree of ~5,000 small shebang scripts
# Ratios printed: insert / (sha256sum + cp), extract / (grep -rlF dadfedabbadabbed).
# Targets: insert <= 1.2x, extract <= 1.5x. Each figure is the best of $RUNS runs (warm cache).
# Extract must hash every artifact (HASH to validate CHALK_ID, and _CURRENT_HASH for the
# report) where grep only scans, so extract is also compared with the hashing alone over the
# same files: `sha256sum` (coreutils) and `openssl dgst -sha256` (the libcrypto SHA-256
# chalk itself uses).
# Insert replaces every artifact atomically (temp file + rename), so it is also compared with
# that replace alone; on ext4 a burst of such replaces is dominated by inode allocation and
# rename writeback, which a cp into a fresh directory does not pay.
# chalk processes artifacts on one thread per CPU (at most 4); CHALK_THREADS=1 forces one.
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

WORK=$(mktemp -d "${BENCH_DIR:-/tmp}/chalk-bench.XXXXXX")  # BENCH_DIR: e.g. a tmpfs
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

# The file work every insert must do whatever the codec: read each file, write a temp file
# beside it, rename it over the original (on ext4 that rename starts writeback of the new
# data: the auto_da_alloc replace-via-rename rule, which cp into a fresh tree never pays).
cat > "$WORK/replace.py" <<'PY'
import os, sys
for root, _, names in os.walk(sys.argv[1]):
    for n in names:
        p = os.path.join(root, n)
        with open(p, "rb") as f:
            data = f.read()
        tmp = os.path.join(root, "." + n + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.chmod(tmp, os.stat(p).st_mode & 0o7777)
        os.rename(tmp, p)
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
sha_elf="sha256sum '$WORK/elf/big'"
sha_tree="find '$WORK/tree' -type f -print0 | xargs -0 sha256sum"
ossl_elf="openssl dgst -sha256 '$WORK/elf/big'"
ossl_tree="find '$WORK/tree' -type f -print0 | xargs -0 openssl dgst -sha256"
have_openssl=0; command -v openssl >/dev/null && have_openssl=1

CH="'$CHALK' --log-level error --skip-summary-report"
cat "$WORK/elf/big" "$WORK/tree"/*/*/* >/dev/null  # warm the page cache

echo "chalk: $CHALK"
echo "ELF: $(stat -c %s "$WORK/elf/big") bytes; tree: $(find "$WORK/tree" -type f | wc -l) files, $(du -sb "$WORK/tree" | cut -f1) bytes; best of $RUNS"

t_ins_elf=$(best_of "$CH insert '$WORK/elf'")
t_base_elf=$(best_of "$sha_cp_elf")
t_repl_elf=$(best_of "python3 '$WORK/replace.py' '$WORK/elf'")
t_ext_elf=$(best_of "$CH extract '$WORK/elf'")
t_grep_elf=$(best_of "$grep_elf")
t_sha_elf=$(best_of "$sha_elf")
[[ $have_openssl == 1 ]] && t_ossl_elf=$(best_of "$ossl_elf")
bash -c "$CH extract '$WORK/elf'" && echo "ELF extract validated" || echo "ELF extract FAILED to validate"

t_ins_tree=$(best_of "$CH insert '$WORK/tree'")
t_base_tree=$(best_of "$sha_cp_tree")
t_repl_tree=$(best_of "python3 '$WORK/replace.py' '$WORK/tree'")
t_ext_tree=$(best_of "$CH extract '$WORK/tree'")
t_grep_tree=$(best_of "$grep_tree")
t_sha_tree=$(best_of "$sha_tree")
[[ $have_openssl == 1 ]] && t_ossl_tree=$(best_of "$ossl_tree")
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
echo "insert against an atomic replace of every file alone (no target; python3 read/write/rename):"
row "insert ELF/replace" "$t_ins_elf" "$t_repl_elf" "-"
row "insert tree/replace" "$t_ins_tree" "$t_repl_tree" "-"
echo "extract against hashing alone (no target; shows the share of SHA-256):"
row "extract ELF/sha256sum" "$t_ext_elf" "$t_sha_elf" "-"
row "extract tree/sha256sum" "$t_ext_tree" "$t_sha_tree" "-"
if [[ $have_openssl == 1 ]]; then
    row "extract ELF/openssl" "$t_ext_elf" "$t_ossl_elf" "-"
    row "extract tree/openssl" "$t_ext_tree" "$t_ossl_tree" "-"
fi
echo "(insert base = sha256sum + cp; extract base = grep -rlF dadfedabbadabbed; seconds, best of $RUNS)"
echo "(extract hashes each artifact twice: HASH over the unchalked form, _CURRENT_HASH over the file)"
