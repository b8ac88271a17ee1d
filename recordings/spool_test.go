package recordings_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/clusterpbx/voicemail/recordings"
)

func TestSpoolPut(t *testing.T) {
	root := t.TempDir()
	sp, err := recordings.NewSpool(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	name := "voicemail/default/1001/greeting/unavail-m1-abc"
	wav := []byte("RIFF....WAVEfmt ")
	if err := sp.Put(ctx, name, wav); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "voicemail", "default", "1001", "greeting", "unavail-m1-abc.wav")
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, wav) {
		t.Fatalf("read %s: %q, %v", path, got, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".upload-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if err := sp.Remove(name); err != nil {
		t.Fatal(err)
	}
	if err := sp.Remove(name); err != nil {
		t.Fatalf("removing again: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("still there: %v", err)
	}
}

func TestSpoolRefuses(t *testing.T) {
	root := t.TempDir()
	sp, err := recordings.NewSpool(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../etc/passwd", "voicemail/../../x", "other/default/1001/greeting/x", "voicemail/default/1001/greeting/../../../../x", ""} {
		if err := sp.Put(context.Background(), name, []byte("x")); !errors.Is(err, recordings.ErrInvalidName) {
			t.Errorf("Put(%q) = %v, want ErrInvalidName", name, err)
		}
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 0 {
		t.Fatalf("wrote %d entries", len(entries))
	}
	if _, err := recordings.NewSpool(filepath.Join(root, "missing")); !errors.Is(err, recordings.ErrNoSpool) {
		t.Fatalf("NewSpool(missing) = %v", err)
	}
}
