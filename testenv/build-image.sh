#!/usr/bin/env bash
# Builds the test Asterisk image without any container registry: a Debian sid
# root filesystem made with debootstrap, Asterisk 22 installed into it from
# Debian's archive, then `docker import`. The root filesystem tarball and the
# image are cached under $TESTENV_CACHE, keyed by this script's content, so a
# second run takes a second.
#
# Prints the image reference (or, with TESTENV_RUNTIME=chroot, the root
# directory) on standard output.
source "$(dirname "$0")/lib.sh"

# The packages inside the image. French prompts are there for per-mailbox
# languages.
ASTERISK_PKGS=(asterisk asterisk-modules asterisk-core-sounds-en-gsm asterisk-core-sounds-fr-gsm)

key=$(cat "$0" "$TESTENV_DIR/lib.sh" | sha256sum | cut -c1-12)
image="voicemail-asterisk:$key"
rootfs="$TESTENV_CACHE/rootfs-$key"
tarball="$TESTENV_CACHE/rootfs-$key.tar"
buildlog="$TESTENV_CACHE/build-$key.log"
mkdir -p "$TESTENV_CACHE"

runtime=${TESTENV_RUNTIME:-docker}

# One build at a time on a machine: a second caller waits, then finds the
# image built.
exec 8>"$TESTENV_CACHE/build.lock"
flock -w 600 8 || fail "asterisk image" "" "another build held the lock for 10 minutes"

if [ "$runtime" = docker ] && docker image inspect "$image" >/dev/null 2>&1; then
	echo "$image"
	exit 0
fi

build_rootfs() {
	local start=$SECONDS
	need_pkgs debootstrap
	local mirror tmp
	mirror=$(debian_mirror)
	tmp="$rootfs.tmp"
	rm -rf "$tmp"
	log "debootstrap sid into $tmp (log: $buildlog)"
	debootstrap --variant=minbase sid "$tmp" "$mirror" >"$buildlog" 2>&1 ||
		fail "asterisk image (debootstrap)" "$buildlog" "debootstrap sid"
	# The archive may be a dated snapshot: its Release files are past their
	# Valid-Until date, which apt would otherwise refuse.
	echo 'Acquire::Check-Valid-Until "false";' >"$tmp/etc/apt/apt.conf.d/99no-check-valid-until"
	# Keep package scripts from starting services inside the chroot.
	printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
	chmod +x "$tmp/usr/sbin/policy-rc.d"
	log "installing ${ASTERISK_PKGS[*]}"
	{
		chroot "$tmp" apt-get update -q &&
			DEBIAN_FRONTEND=noninteractive chroot "$tmp" apt-get install -y -q --no-install-recommends "${ASTERISK_PKGS[@]}"
	} >>"$buildlog" 2>&1 || fail "asterisk image (apt-get install)" "$buildlog" "installing Asterisk into the root"
	# Debian's package does not create the ARI recording directory; without it
	# every ARI recording fails with 500.
	chroot "$tmp" install -d -o asterisk -g asterisk /var/spool/asterisk/recording
	# Debian installs the French prompts as fr_CA_f_June without the "fr"
	# directory that a channel or playback language of "fr" looks for.
	[ -e "$tmp/usr/share/asterisk/sounds/fr" ] || ln -s fr_CA_f_June "$tmp/usr/share/asterisk/sounds/fr"
	chroot "$tmp" apt-get clean >>"$buildlog" 2>&1
	rm -rf "$tmp/var/lib/apt/lists/"*
	chroot "$tmp" dpkg-query -W -f='${Package} ${Version}\n' asterisk >>"$buildlog"
	mv "$tmp" "$rootfs"
	log "root filesystem built in $((SECONDS - start))s"
}

[ -d "$rootfs" ] || build_rootfs

if [ "$runtime" = chroot ]; then
	echo "$rootfs"
	exit 0
fi

start=$SECONDS
if [ ! -f "$tarball" ]; then
	tar -C "$rootfs" --exclude=./proc/* --exclude=./dev/* --exclude=./sys/* -cf "$tarball.tmp" . ||
		fail "asterisk image (tar)" "" "packing $rootfs"
	mv "$tarball.tmp" "$tarball"
fi
docker import "$tarball" "$image" >>"$buildlog" 2>&1 ||
	fail "asterisk image (docker import)" "$buildlog" "docker import"
log "image $image imported in $((SECONDS - start))s"
echo "$image"
