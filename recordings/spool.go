package recordings

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrNoSpool is returned by NewSpool for a directory that is not there
// (or not a directory).
var ErrNoSpool = errors.New("recordings: no recording directory")

// Spool writes audio straight into Asterisk's recording directory
// (/var/spool/asterisk/recording, or where it is mounted on the app's
// host), for what ARI cannot store: ARI has no upload, only recording
// from a channel. A file written as NAME.wav there is the stored recording
// NAME, which Asterisk plays as recording:NAME and ARI lists, copies and
// deletes like any other. Only names of ours (IsOurs) are written.
type Spool struct {
	root string
}

// NewSpool returns a Spool over the recording directory root, which must
// exist. Errors wrap ErrNoSpool.
func NewSpool(root string) (*Spool, error) {
	if root == "" {
		return nil, fmt.Errorf("%w: no path given", ErrNoSpool)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoSpool, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a directory", ErrNoSpool, root)
	}
	return &Spool{root: root}, nil
}

// Put writes wav as the stored recording name, which must be one of ours
// (IsOurs; ErrInvalidName otherwise) and should be new: a greeting take
// has a fresh version. The file appears whole or not at all (written
// beside, then renamed), readable by all; directories it creates, and the
// file, take the owner and group of the recording directory when the app
// runs as root, so that Asterisk (user asterisk) can delete them later.
func (s *Spool) Put(ctx context.Context, name string, wav []byte) error {
	if !IsOurs(name) {
		return fmt.Errorf("recordings: write %q: %w: not a voicemail recording", clip(name), ErrInvalidName)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("recordings: write %s: %w", name, err)
	}
	uid, gid := s.owner()
	path := filepath.Join(s.root, filepath.FromSlash(name)+"."+Format)
	if err := s.mkdirs(filepath.Dir(path), uid, gid); err != nil {
		return fmt.Errorf("recordings: write %s: %w", name, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".upload-*")
	if err != nil {
		return fmt.Errorf("recordings: write %s: %w", name, err)
	}
	tmp := f.Name()
	_, err = f.Write(wav)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil && uid >= 0 {
		err = os.Chown(tmp, uid, gid)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("recordings: write %s: %w", name, err)
	}
	return nil
}

// Remove deletes a file Put wrote, for when Asterisk turned out not to see
// it (the directory is not Asterisk's). One already gone is no error.
func (s *Spool) Remove(name string) error {
	if !IsOurs(name) {
		return fmt.Errorf("recordings: remove %q: %w: not a voicemail recording", clip(name), ErrInvalidName)
	}
	err := os.Remove(filepath.Join(s.root, filepath.FromSlash(name)+"."+Format))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("recordings: remove %s: %w", name, err)
	}
	return nil
}

// owner is the owner of the recording directory when the app runs as
// root (whose files Asterisk could not delete), else -1, -1: leave them.
func (s *Spool) owner() (uid, gid int) {
	if os.Geteuid() != 0 {
		return -1, -1
	}
	fi, err := os.Stat(s.root)
	if err != nil {
		return -1, -1
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return -1, -1
	}
	return int(st.Uid), int(st.Gid)
}

// mkdirs makes dir and its parents under the root, group-writable, owned
// as the root is (see owner).
func (s *Spool) mkdirs(dir string, uid, gid int) error {
	rel, err := filepath.Rel(s.root, dir)
	if err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("%s is outside %s", dir, s.root)
	}
	cur := s.root
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		cur = filepath.Join(cur, part)
		err := os.Mkdir(cur, 0o775)
		switch {
		case errors.Is(err, os.ErrExist):
			continue
		case err != nil:
			return err
		}
		if uid >= 0 {
			if err := os.Chown(cur, uid, gid); err != nil {
				return err
			}
		}
	}
	return nil
}
