# shellcheck shell=bash
# Shared helpers for the testenv scripts. Sourced, never run.

set -euo pipefail

TESTENV_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT_DIR=$(cd "$TESTENV_DIR/.." && pwd)

# Where the built root filesystem, images and run-time state are cached between
# runs on one machine. Override with TESTENV_CACHE.
TESTENV_CACHE=${TESTENV_CACHE:-/var/cache/voicemail-testenv}
# Run-time state (pid files, logs, the generated Asterisk config) of the
# environment that is up now.
TESTENV_RUN=${TESTENV_RUN:-$TESTENV_CACHE/run}

# Ports. Defaults chosen away from the stock ones so that a PBX already on the
# machine does not collide with the test one.
TESTENV_ARI_PORT=${TESTENV_ARI_PORT:-8088}
TESTENV_SIP_PORT=${TESTENV_SIP_PORT:-5060}
# The second Asterisk ("B"), for the tests of several Asterisk servers behind
# one voicemail (issue 5): same config, its own ARI and SIP ports, the same
# recordings directory.
TESTENV_ARI_PORT_B=${TESTENV_ARI_PORT_B:-8089}
TESTENV_SIP_PORT_B=${TESTENV_SIP_PORT_B:-5062}
TESTENV_REDIS_PORT=${TESTENV_REDIS_PORT:-6390}
# The Sentinel set (testenv/up sentinel): a master and a replica (which may
# swap roles after a failover) and three Sentinels monitoring them as
# TESTENV_SENTINEL_MASTER.
TESTENV_SENTINEL_DATA_PORTS=${TESTENV_SENTINEL_DATA_PORTS:-6391 6392}
TESTENV_SENTINEL_PORTS=${TESTENV_SENTINEL_PORTS:-26391 26392 26393}
TESTENV_SENTINEL_MASTER=${TESTENV_SENTINEL_MASTER:-mymaster}
TESTENV_ARI_USER=${TESTENV_ARI_USER:-voicemail}
TESTENV_ARI_PASS=${TESTENV_ARI_PASS:-voicemail}

log() { printf 'testenv: %s\n' "$*" >&2; }

# fail PART LOGFILE MESSAGE: say which part failed, print its log, exit 1.
fail() {
	local part=$1 logfile=$2
	shift 2
	printf 'testenv: %s failed: %s\n' "$part" "$*" >&2
	if [ -n "$logfile" ] && [ -f "$logfile" ]; then
		printf -- '---- last lines of %s ----\n' "$logfile" >&2
		tail -n 60 "$logfile" >&2
		printf -- '---- end of %s ----\n' "$logfile" >&2
	fi
	exit 1
}

# wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND every 0.2 s until it
# succeeds or SECONDS pass. Returns 1 on timeout.
wait_for() {
	local secs=$1 what=$2
	shift 2
	local deadline=$((SECONDS + secs))
	while ! "$@" >/dev/null 2>&1; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			log "gave up waiting ${secs}s for $what"
			return 1
		fi
		sleep 0.2
	done
}

# need_pkgs PKG...: install the Debian packages that are missing on the host.
need_pkgs() {
	local missing=()
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing host packages: ${missing[*]}"
	local aptlog="$TESTENV_CACHE/apt-host.log"
	mkdir -p "$TESTENV_CACHE"
	{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$aptlog" 2>&1 ||
		fail "host package install" "$aptlog" "apt-get install ${missing[*]}"
}

# debian_mirror: the Debian archive this host's apt already uses, so nothing
# names a mirror of its own.
debian_mirror() {
	local uri=""
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/ && $i ~ /^(http|https|file):/) { print $i; exit } }' /etc/apt/sources.list.d/debian.sources)
	fi
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^(http|https|file):/) { print $i; exit } }' /etc/apt/sources.list)
	fi
	[ -n "$uri" ] || fail "mirror lookup" "" "no Debian archive found in this host's apt sources"
	printf '%s\n' "${uri%/}"
}
