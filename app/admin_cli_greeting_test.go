package app

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv"
)

func TestGreetingCommands(t *testing.T) {
	if _, err := exec.LookPath("sox"); err != nil {
		testenv.Missing(t, "sox is not installed (testenv/up installs it)")
	}
	e := newCLIEnv(t)
	ctx := t.Context()
	if _, err := e.run("97531\n", nil, "mailbox", "add", "2101", "--pin-stdin", "--must-change=false"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	wav := filepath.Join(t.TempDir(), "hello.wav")
	if out, err := exec.Command("sox", "-n", "-r", "22050", "-c", "2", wav, "synth", "1.5", "sine", "500").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v: %s", err, out)
	}
	// Without admin.recordings_dir the command says uploads are off.
	if _, err := e.run("", nil, "mailbox", "greeting", "upload", "2101", "name", wav); err == nil || !strings.Contains(err.Error(), "recordings_dir") {
		t.Fatalf("upload without a directory: %v", err)
	}
	out, err := e.run("", nil, "--admin.recordings_dir", dir, "mailbox", "greeting", "upload", "2101", "name", wav)
	if err != nil || !strings.Contains(out, "name greeting of 2101@default set from the wav file: 1.5 s") {
		t.Fatalf("upload: %q, %v", out, err)
	}
	g, err := e.store.Greetings(ctx, mailbox.MustParseID("2101"))
	if err != nil || g[state.GreetingName] == "" {
		t.Fatalf("greetings: %v, %v", g, err)
	}
	if _, err := os.Stat(filepath.Join(dir, g[state.GreetingName]+".wav")); err != nil {
		t.Fatalf("the file: %v", err)
	}
	// From standard input, as JSON.
	b, _ := os.ReadFile(wav)
	if out, err := e.run(string(b), nil, "--admin.recordings_dir", dir, "--json", "mailbox", "greeting", "upload", "2101", "busy", "-"); err != nil || !strings.Contains(out, `"format": "wav"`) {
		t.Fatalf("upload from stdin: %q, %v", out, err)
	}
	if out, err := e.run("", nil, "mailbox", "greeting", "delete", "2101", "name"); err != nil || !strings.Contains(out, "deleted the name greeting of 2101@default") {
		t.Fatalf("delete: %q, %v", out, err)
	}
	for _, args := range [][]string{
		{"mailbox", "greeting", "upload", "2101", "hello", wav},
		{"mailbox", "greeting", "upload", "2101", "name"},
		{"mailbox", "greeting", "play", "2101", "name"},
	} {
		if _, err := e.run("", nil, args...); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	entries, _, err := e.store.AuditLog(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, en := range entries {
		if en.Action == "greeting.upload" && en.Result == "ok" && strings.HasPrefix(en.Actor, "cli:") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d audited uploads by the CLI, want 2", n)
	}
}
