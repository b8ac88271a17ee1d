package load

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat. It
// is 100 on every Linux architecture Go runs on (sysconf(_SC_CLK_TCK)).
const clockTicks = 100

// procSample is what /proc says about one process at one moment.
type procSample struct {
	// CPU is user plus system time of every thread, exited ones included,
	// in clock ticks (10 ms).
	CPU time.Duration
	// ThreadCPU is the time on CPU of the threads alive now, to the
	// nanosecond (/proc/PID/task/*/schedstat). A Go program keeps its
	// threads, so for the app it is CPU at a finer grain; Asterisk starts
	// and ends threads per call, so for it only CPU is right.
	ThreadCPU time.Duration
	// RSS is the resident set size (VmRSS).
	RSS int64
}

// readProc reads /proc/PID/stat and /proc/PID/status.
func readProc(pid int) (procSample, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procSample{}, err
	}
	// The command name (field 2) may hold spaces: fields are counted after
	// its closing parenthesis. utime and stime are fields 14 and 15.
	s := string(stat)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return procSample{}, fmt.Errorf("load: /proc/%d/stat: no command name", pid)
	}
	fields := strings.Fields(s[end+1:])
	if len(fields) < 13 {
		return procSample{}, fmt.Errorf("load: /proc/%d/stat: %d fields", pid, len(fields))
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return procSample{}, fmt.Errorf("load: /proc/%d/stat: bad utime or stime", pid)
	}
	ps := procSample{CPU: time.Duration(utime+stime) * time.Second / clockTicks}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procSample{}, err
	}
	ps.RSS = statusKB(string(status), "VmRSS:") * 1024
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // the thread ended meanwhile
		}
		if f := strings.Fields(string(b)); len(f) > 0 {
			ns, _ := strconv.ParseInt(f[0], 10, 64)
			ps.ThreadCPU += time.Duration(ns)
		}
	}
	return ps, nil
}

// statusKB returns the kB value of a /proc/PID/status line, or 0.
func statusKB(status, key string) int64 {
	for line := range strings.SplitSeq(status, "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// findProcess returns the pid of the process named comm with the largest
// resident set, or 0. Asterisk in the testenv container runs in the host's
// pid namespace view, so its main process is visible here; `asterisk -rx`
// clients share its name but are small.
func findProcess(comm string) int {
	paths, _ := filepath.Glob("/proc/[0-9]*/comm")
	best, bestRSS := 0, int64(-1)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil || strings.TrimSpace(string(b)) != comm {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err != nil {
			continue
		}
		s, err := readProc(pid)
		if err == nil && s.RSS > bestRSS {
			best, bestRSS = pid, s.RSS
		}
	}
	return best
}

// machineCPU returns the busy and total CPU time of all CPUs since boot,
// from the first line of /proc/stat (busy: all but idle and iowait).
func machineCPU() (busy, total time.Duration, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("load: /proc/stat: unexpected first line %q", line)
	}
	var sum, idle int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i >= 8 { // guest and guest_nice are already in user and nice
			break
		}
		sum += n
		if i == 3 || i == 4 { // idle, iowait
			idle += n
		}
	}
	tick := time.Second / clockTicks
	return time.Duration(sum-idle) * tick, time.Duration(sum) * tick, nil
}
