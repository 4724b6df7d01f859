#!/usr/bin/env bash
# Installs Azurite (the Azure Storage emulator, npm package `azurite`) into
# the user's cache, once, and prints the path of its azurite-blob command.
# The blob-lease tests start it (internal/azurite runs this script when the
# command is missing); .ci/run calls it so a clean clone has it before the
# tests. 3.35.0 is the newest release that runs on node 20.
set -euo pipefail
version=3.35.0
# CURATOR_TOOLS_CACHE: tests that give curator a cache folder of its own keep
# the tools they install in the user's real cache, installed once.
dir="${CURATOR_AZURITE_DIR:-${CURATOR_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}}/curator/azurite/$version}"
bin="$dir/node_modules/.bin/azurite-blob"
if [ ! -x "$bin" ]; then
	command -v npm >/dev/null || { echo "azurite.sh: npm is not installed: install node and npm to run the blob lease tests" >&2; exit 3; }
	mkdir -p "$dir"
	# One install at a time: test packages run in parallel.
	exec 9>"$dir.lock"
	flock 9
	if [ ! -x "$bin" ]; then
		if ! npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "azurite@$version" >&2; then
			# Exit 3 (the tests skip) only when the registry cannot be reached.
			npm ping >/dev/null 2>&1 || { echo "azurite.sh: the npm registry is unreachable: cannot install azurite@$version" >&2; exit 3; }
			echo "azurite.sh: npm install azurite@$version into $dir failed" >&2
			exit 1
		fi
	fi
fi
echo "$bin"
