package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// outcome is a testing.TB that records how a test would have ended.
type outcome struct {
	testing.TB
	failed, skipped string
}

func (o *outcome) Helper()                           {}
func (o *outcome) Fatalf(format string, args ...any) { o.failed = fmt.Sprintf(format, args...) }
func (o *outcome) Fatal(args ...any)                 { o.failed = fmt.Sprint(args...) }
func (o *outcome) Skip(args ...any)                  { o.skipped = fmt.Sprint(args...) }

// TestMissingSkipsOrFailsInCI is the skip-vs-fail rule: a missing part of
// the environment skips a test on a developer's machine and fails it in
// CI.
func TestMissingSkipsOrFailsInCI(t *testing.T) {
	for _, tt := range []struct {
		ci       string
		wantFail bool
	}{
		{"", false}, {"false", false}, {"0", false},
		{"true", true}, {"1", true}, {"yes", true},
	} {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			o := &outcome{TB: t}
			Missing(o, "no sipp")
			switch {
			case tt.wantFail && (o.failed != "CI: no sipp" || o.skipped != ""):
				t.Errorf("failed %q, skipped %q; want a failure", o.failed, o.skipped)
			case !tt.wantFail && (o.skipped != "no sipp" || o.failed != ""):
				t.Errorf("failed %q, skipped %q; want a skip", o.failed, o.skipped)
			}
		})
	}
}

// RequireB without a second Asterisk (the chroot fallback) skips, or
// fails in CI.
func TestRequireBWithOneAsterisk(t *testing.T) {
	t.Setenv("VOICEMAIL_TEST_ARI_URL", "http://127.0.0.1:8088/ari")
	t.Setenv("VOICEMAIL_TEST_ARI_USER", "u")
	t.Setenv("VOICEMAIL_TEST_REDIS", "127.0.0.1:6390")
	t.Setenv("VOICEMAIL_TEST_ARI_URL_B", "")
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		o := &outcome{TB: t}
		RequireB(o)
		if got := o.failed != ""; got != (ci == "true") || !strings.Contains(o.failed+o.skipped, "one Asterisk only") {
			t.Errorf("CI=%q: failed %q, skipped %q", ci, o.failed, o.skipped)
		}
	}
}

// TestCIRunSetsCI is defect 13 of issue 12: .ci/run ran the tests without
// CI=true, so on a chroot fallback (one Asterisk) the two-Asterisk tests
// skipped and CI passed. It runs .ci/run with a stand-in for
// testenv/test that prints what it was given.
func TestCIRunSetsCI(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("..", ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, dir := range []string{".ci", "testenv"} {
		if err := os.Mkdir(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, ".ci", "run"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	stub := "#!/usr/bin/env bash\necho \"CI=${CI-unset} args=$*\"\n"
	if err := os.WriteFile(filepath.Join(root, "testenv", "test"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", filepath.Join(root, ".ci", "run"))
	cmd.Env = append(os.Environ(), "CI=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf(".ci/run: %v: %s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "CI=true args=" {
		t.Errorf(".ci/run ran testenv/test with %q, want CI=true and no arguments", got)
	}
}
