#!/usr/bin/env bash
# The Go benchmarks at a base commit and at HEAD (the work tree), side by
# side, compared by benchstat: a regression shows in `make bench` the day it
# lands, not in the README months later. Each side runs -count times,
# alternating base and head so machine load falls on both alike.
#
#   scripts/benchcmp.sh BASE [PACKAGES...]
set -euo pipefail
base=${1:?usage: benchcmp.sh BASE [packages]}
shift
pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./planner ./schema ./cloud/azure ./cloud/emulator)
count=${BENCH_COUNT:-6}
benchstat=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

root=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git -C "$root" worktree add --detach "$work/base" "$base" >/dev/null 2>&1
# A package that does not exist at the base is measured at HEAD only.
basepkgs=()
for p in "${pkgs[@]}"; do [ -d "$work/base/$p" ] && basepkgs+=("$p"); done

echo "Go benchmarks, $(git -C "$root" rev-parse --short "$base") (base) against $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD || echo '+changes') (head), $count runs each, alternating:"
for _ in $(seq "$count"); do
	(cd "$work/base" && go test -run '^$' -bench . -benchmem -count 1 "${basepkgs[@]}") >>"$work/base.txt" 2>&1 || true
	(cd "$root" && go test -run '^$' -bench . -benchmem -count 1 "${pkgs[@]}") >>"$work/head.txt" 2>&1
done
echo
go run "$benchstat" base="$work/base.txt" head="$work/head.txt"
