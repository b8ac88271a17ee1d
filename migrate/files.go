package migrate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// owner is the user and group of dir, that files written under it get
// when this process may give them away (it runs as root): Asterisk, which
// runs as its own user, must be able to read, replace and delete them.
type owner struct {
	uid, gid int
	ok       bool
}

func ownerOf(dir string) owner {
	fi, err := os.Stat(dir)
	if err != nil || os.Geteuid() != 0 {
		return owner{}
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return owner{}
	}
	return owner{uid: int(st.Uid), gid: int(st.Gid), ok: true}
}

func (o owner) give(path string) {
	if o.ok {
		_ = os.Lchown(path, o.uid, o.gid)
	}
}

// mkdirs makes dir and its missing parents below root, owned as root is.
func mkdirs(root, dir string) error {
	o := ownerOf(root)
	rel, err := filepath.Rel(root, dir)
	if err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("migrate: %s is outside %s", dir, root)
	}
	p := root
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		if part == "." || part == "" {
			continue
		}
		p = filepath.Join(p, part)
		if err := os.Mkdir(p, 0o775); err != nil && !os.IsExist(err) {
			return fmt.Errorf("migrate: %w", err)
		}
		o.give(p)
	}
	return nil
}

// writeFile writes b as path under root, atomically (a temporary file
// renamed), owned as root is.
func writeFile(root, path string, b []byte) error {
	if err := mkdirs(root, filepath.Dir(path)); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".import-*")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("migrate: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("migrate: write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o664); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	ownerOf(root).give(tmp.Name())
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("migrate: write %s: %w", path, err)
	}
	return nil
}

// writeAudio stores wav as the stored recording name (NAME.wav under
// Asterisk's recording directory rec), unless a file is already there
// (an import interrupted after the audio and before the metadata).
func writeAudio(rec, name string, wav []byte) error {
	if rec == "" {
		return fmt.Errorf("migrate: no recording directory given")
	}
	path := filepath.Join(rec, filepath.FromSlash(name)+".wav")
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	return writeFile(rec, path, wav)
}
