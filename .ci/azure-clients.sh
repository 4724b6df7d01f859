#!/usr/bin/env bash
# Installs the Azure clients the conformance suites drive — Debian's
# azure-cli (the az CLI 2.45) and python3-azure (the Azure SDK for Python:
# azure-mgmt-compute 29, azure-mgmt-authorization 3, azure-mgmt-resource,
# azure-identity) — when they are missing, and prints the path of the
# Python interpreter that imports them (Debian's /usr/bin/python3).
#
# internal/azclients runs it when a test needs the clients; .ci/run calls it
# so that a clean machine has them before the tests. Exit 3 means they
# cannot be installed here (not root, no apt-get, Debian's archive
# unreachable): the suites skip, unless CURATOR_REQUIRE_AZURE_CLIENTS is
# set (CI sets it).
set -euo pipefail
python=/usr/bin/python3
have() {
	command -v az >/dev/null 2>&1 &&
		"$python" -c 'import azure.mgmt.compute, azure.mgmt.authorization, azure.mgmt.resource, azure.identity, azure.cli.core' >/dev/null 2>&1
}
if have; then
	echo "$python"
	exit 0
fi
unavailable() { echo "azure-clients.sh: $*" >&2; exit 3; }
command -v apt-get >/dev/null 2>&1 || unavailable "apt-get is not available (not a Debian-based system): install the az CLI and the Azure SDK for Python (azure-mgmt-compute, azure-mgmt-authorization, azure-mgmt-resource, azure-identity) for $python"
[ "$(id -u)" = 0 ] || unavailable "not root: cannot apt-get install azure-cli python3-azure; run: sudo apt-get install azure-cli python3-azure"
# One install at a time: test packages run in parallel (the lock is on this
# script, which every caller can open).
exec 9<"$0"
flock 9
if have; then
	echo "$python"
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
install() { apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends azure-cli python3-azure >&2; }
if ! install; then
	# A fresh machine's package lists may be empty or stale.
	apt-get -o DPkg::Lock::Timeout=600 update -q >&2 || unavailable "apt-get update failed: Debian's package archive is unreachable"
	install || { echo "azure-clients.sh: apt-get install azure-cli python3-azure failed" >&2; exit 1; }
fi
have || { echo "azure-clients.sh: azure-cli and python3-azure are installed but az or $python cannot import the Azure SDK" >&2; exit 1; }
echo "$python"
