package load

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestGCTrace(t *testing.T) {
	log := `{"level":"info","msg":"started"}
gc 1 @0.010s 2%: 0.016+0.52+0.003 ms clock, 0.033+0.10/0.40/0.18+0.007 ms cpu, 3->3->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P
gc 2 @5.500s 1%: 0.02+1.1+0.01 ms clock, 0.04+0.2/0.9/0.3+0.02 ms cpu, 6->7->4 MB, 8 MB goal, 0 MB stacks, 0 MB globals, 2 P
gc 3 @7.250s 1%: 0.02+1.1+0.01 ms clock, 0.04+0.2/0.9/0.3+0.02 ms cpu, 12->13->9 MB, 14 MB goal, 0 MB stacks, 0 MB globals, 2 P
gc 4 @20.0s 1%: 0.02+1.1+0.01 ms clock, 0.04+0.2/0.9/0.3+0.02 ms cpu, 12->13->11 MB, 14 MB goal, 0 MB stacks, 0 MB globals, 2 P
`
	path := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(path, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	started := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	s := readGCTrace(path, started)
	if len(s) != 4 || s[1].live != 4<<20 || !s[2].at.Equal(started.Add(7250*time.Millisecond)) {
		t.Fatalf("samples %+v", s)
	}
	before, peak := heapOver(s, started.Add(time.Second), started.Add(10*time.Second))
	if before != 1<<20 || peak != 9<<20 {
		t.Errorf("before %d, peak %d: want 1 MiB and 9 MiB", before, peak)
	}
	if _, peak := heapOver(s, started.Add(30*time.Second), started.Add(40*time.Second)); peak != 11<<20 {
		t.Errorf("a window without a collection: peak %d, want the last live heap", peak)
	}
}
