#!/usr/bin/env bash
# Installs Debian's chromium for the estate page's browser test
# (cmd/curator TestEstatePageInBrowser, driven headless over the DevTools
# protocol) and the page's measurements in make bench. .ci/run calls it
# and sets CURATOR_REQUIRE_BROWSER=1, so that CI fails rather than skips
# the browser test when chromium is missing. Needs root (CI runs .ci/run
# as root) or chromium already installed.
set -euo pipefail
for name in chromium chromium-browser google-chrome; do
	if command -v "$name" >/dev/null; then
		"$name" --version
		exit 0
	fi
done
if [ "$(id -u)" != 0 ]; then
	echo "chromium.sh: chromium is not installed and this is not root: run apt-get install chromium" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends chromium fonts-dejavu-core
chromium --version
