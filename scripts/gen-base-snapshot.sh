#!/usr/bin/env bash
# Regenerates Sources/Config/BaseConfig/GeneratedBaseSnapshot.swift, the precomputed tree of the
# built-in base config (Sources/Config/Loading/BaseSnapshot.swift), after the base config's
# sources changed. BaseSnapshotTests fails until this has been run.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$PWD/Sources/Config/BaseConfig/GeneratedBaseSnapshot.swift
CHALK_WRITE_BASE_SNAPSHOT=$OUT swift test --filter 'BaseSnapshotTests/committedSnapshotIsCurrent'
echo "wrote $OUT ($(wc -c < "$OUT") bytes)"
