# shellcheck shell=bash
# Lock helpers of the testenv scripts; sourced after lib.sh, never run. Not
# in lib.sh, whose content keys the cached Asterisk image (build-image.sh):
# a change here rebuilds nothing.

# detached CMD...: replaces the shell with CMD, every file descriptor above
# 2 closed first; run it in the background (detached CMD &, so $! is CMD)
# or in a subshell ((detached CMD)). For what outlives the script
# (redis-server, Asterisk, the demo app): a daemon that inherits the
# descriptor of a lock keeps that lock for as long as it runs. flock(1)
# hands its command the locked file as a descriptor
# (flock heavy.lock bash -c 'testenv/up'), and a redis-server started so held
# heavy.lock until it stopped, so that no test run could take it.
detached() {
	local fd self=$BASHPID
	for fd in $(ls "/proc/$self/fd"); do
		if [ "$fd" -gt 2 ]; then
			eval "exec $fd>&-"
		fi
	done
	exec "$@"
}

# heavy_lock SECONDS: takes the machine-wide lock of test, load and demo runs
# ($TESTENV_CACHE/heavy.lock), waiting up to SECONDS; it is held until the
# script exits. Call it from the script's own shell, not a subshell. A
# caller that already holds the lock is not waited for: flock(1) hands its
# command the locked file as a descriptor (flock heavy.lock ./testenv/demo),
# and so does a script that took it on a descriptor of its own. The kernel
# lists the locks a descriptor itself holds in /proc/PID/fdinfo ("lock:"
# lines, not those it waits for), so an inherited descriptor that holds the
# lock is told from one that merely has the file open.
heavy_lock() {
	local secs=$1 lock=$TESTENV_CACHE/heavy.lock fd
	mkdir -p "$TESTENV_CACHE"
	for fd in $(ls "/proc/$$/fd"); do
		if [ "$fd" -gt 2 ] && [ "/proc/$$/fd/$fd" -ef "$lock" ] &&
			grep -q '^lock:.*FLOCK' "/proc/$$/fdinfo/$fd" 2>/dev/null; then
			return 0
		fi
	done
	exec {HEAVY_LOCK_FD}>>"$lock"
	if ! flock -n "$HEAVY_LOCK_FD"; then
		log "waiting up to ${secs}s for $lock (another test, load or demo run holds it)"
		flock -w "$secs" "$HEAVY_LOCK_FD" ||
			fail testenv "" "another test, load or demo run held $lock for ${secs}s"
	fi
}
