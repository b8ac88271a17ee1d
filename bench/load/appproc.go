package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// appProcess is the voicemail instance under test, run as a subprocess so
// that its CPU time and memory can be read from /proc apart from the load
// generator's.
type appProcess struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
}

// buildApp builds pkg (./cmd/voicemail, or ./bench/cmd/vmappprof) of the
// module in moduleDir into dir.
func buildApp(ctx context.Context, moduleDir, pkg, dir string) (string, error) {
	bin := filepath.Join(dir, "voicemail")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
	cmd.Dir = moduleDir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("load: go build %s in %s: %v\n%s", pkg, moduleDir, err, out)
	}
	return bin, nil
}

// moduleVersion describes the source the app is built from: the git
// commit, "+dirty" when the working tree has changes.
func moduleVersion(ctx context.Context, moduleDir string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", moduleDir, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	v := strings.TrimSpace(string(out))
	if st, err := exec.CommandContext(ctx, "git", "-C", moduleDir, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		v += "+dirty"
	}
	return v
}

// appMailbox is one mailbox of the generated configuration.
type appMailbox struct {
	ID  string // NUMBER@CONTEXT
	PIN string
}

// writeAppConfig writes the app's YAML configuration into dir.
func writeAppConfig(dir string, o *Options, redisAddr string, redisDB int, boxes []appMailbox, opsAddr string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "ari:\n  url: %q\n  username: %q\n  password: %q\n  app: %q\n", o.ARIURL, o.ARIUser, o.ARIPass, o.App)
	if o.ARIConnections > 0 {
		fmt.Fprintf(&b, "  connections: %d\n", o.ARIConnections)
	}
	fmt.Fprintf(&b, "redis:\n  addrs: [%q]\n  db: %d\n", redisAddr, redisDB)
	fmt.Fprintf(&b, "instance:\n  id: vmload\n")
	// The operations server (health, metrics) stays on, as deployed, on a
	// port of its own: another instance may hold the default one. Apps
	// older than ops: ignore the key.
	fmt.Fprintf(&b, "ops:\n  listen: %q\n", opsAddr)
	fmt.Fprintf(&b, "log:\n  level: %s\n  format: json\n", o.AppLogLevel)
	// The load's mailboxes have no recorded name: forcename off, so that
	// logins go straight to the mailbox; review off, as app_voicemail's
	// VoiceMail(u) it is measured against; the envelope says the caller's
	// number, as testenv's voicemail.conf has app_voicemail do (saycid), so
	// that both apps say the same prompts (apps without the options ignore
	// the keys).
	fmt.Fprintf(&b, "voicemail:\n  pin_hash_cost: %d\n  timezone: UTC\n  forcename: false\n  review: false\n  saycid: true\n", o.PINHashCost)
	if o.PINScheme == PINPepper {
		// A pepper of its own per run, as an administrator makes one
		// (README, Security): the mailboxes' PINs are stored as keyed
		// hashes under it at provisioning.
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return "", fmt.Errorf("load: pepper: %w", err)
		}
		pepper := filepath.Join(dir, "pin-pepper")
		if err := os.WriteFile(pepper, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
			return "", fmt.Errorf("load: write pepper: %w", err)
		}
		fmt.Fprintf(&b, "  pin_pepper_file: %q\n", pepper)
	}
	b.WriteString("mailboxes:\n")
	for _, m := range boxes {
		fmt.Fprintf(&b, "  - mailbox: %q\n    name: Load test\n    pin: %q\n", m.ID, m.PIN)
	}
	path := filepath.Join(dir, "voicemail.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return "", fmt.Errorf("load: write app config: %w", err)
	}
	return path, nil
}

// startApp runs bin with the configuration file, its log in dir. The
// environment is cleared of VOICEMAIL_* variables, which the app would
// read as settings; extraEnv is added.
func startApp(bin, configPath, dir string, extraEnv ...string) (*appProcess, error) {
	logPath := filepath.Join(dir, "voicemail.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("load: app log: %w", err)
	}
	cmd := exec.Command(bin, "--config", configPath)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VOICEMAIL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("load: start %s: %w", bin, err)
	}
	p := &appProcess{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		_ = logFile.Close()
		close(p.exited)
	}()
	return p, nil
}

// startProfile asks bench/cmd/vmappprof to start its CPU profile.
func (p *appProcess) startProfile() error {
	return p.cmd.Process.Signal(syscall.SIGUSR1)
}

// PID is the app's process id.
func (p *appProcess) PID() int { return p.cmd.Process.Pid }

// Exited reports whether the app has exited.
func (p *appProcess) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM (the app ends its calls and leaves Asterisk) and
// waits up to 15 s before killing it.
func (p *appProcess) stop() error {
	if p.Exited() {
		return errors.New("load: the app had exited by itself; see " + p.logPath)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return nil
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return errors.New("load: the app did not stop within 15s of SIGTERM; killed (pid " + strconv.Itoa(p.PID()) + ")")
	}
}
