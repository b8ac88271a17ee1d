package admin

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	secretA, a, err := NewToken("ops")
	if err != nil {
		t.Fatal(err)
	}
	secretB, b, err := NewToken("backup-job")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secretA, tokenPrefix) || len(secretA) < 40 || secretA == secretB {
		t.Fatalf("tokens %q %q", secretA, secretB)
	}
	parsed, err := ParseToken("backup-job", "sha256:"+b.HexHash())
	if err != nil || parsed != b {
		t.Fatalf("ParseToken of the hex hash = %+v, %v", parsed, err)
	}
	ts, err := NewTokens([]Token{a, parsed})
	if err != nil {
		t.Fatal(err)
	}
	for secret, want := range map[string]string{secretA: "ops", secretB: "backup-job", "": "", "x": "", secretA[:len(secretA)-1]: ""} {
		if name, ok := ts.Check(secret); name != want || ok != (want != "") {
			t.Errorf("Check(%q) = %q, %v; want %q", secret, name, ok, want)
		}
	}
	for _, bad := range [][]Token{nil, {a, a}, {{Name: "has space"}}} {
		if _, err := NewTokens(bad); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("NewTokens(%v) = %v", bad, err)
		}
	}
	if _, err := ParseToken("ops", "abcd"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("short hash: %v", err)
	}
	if _, _, err := NewToken("no/slash"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("bad name: %v", err)
	}
}

func TestReadTokensFile(t *testing.T) {
	secret, tok, _ := NewToken("ops")
	_, hashed, _ := NewToken("ci")
	dir := t.TempDir()
	good := filepath.Join(dir, "tokens")
	content := "# admin tokens\n\nops " + secret + "\nci sha256:" + hashed.HexHash() + "\n"
	if err := os.WriteFile(good, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	list, err := ReadTokensFile(good)
	if err != nil || len(list) != 2 || list[0] != tok || list[1] != hashed {
		t.Fatalf("ReadTokensFile = %+v, %v", list, err)
	}
	for name, body := range map[string]string{
		"short secret": "ops hunter2\n",
		"three fields": "ops " + secret + " extra\n",
		"bad name":     "o/ps " + secret + "\n",
		"bad hash":     "ops sha256:zz\n",
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := ReadTokensFile(p)
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v", name, err)
		}
		if err != nil && (strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), secret)) {
			t.Errorf("%s: the error quotes the secret: %v", name, err)
		}
	}
	if _, err := ReadTokensFile(filepath.Join(dir, "missing")); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("missing file: %v", err)
	}
}

// FuzzParseTokens feeds the tokens file parser hostile files: it must not
// panic, every token it returns must be valid, and no error may quote a
// secret (each secret is replaced by a marker of its length, which must
// not show up in the error).
func FuzzParseTokens(f *testing.F) {
	f.Add([]byte("# c\nops vmadm_0123456789abcdefghij\nci sha256:" + strings.Repeat("ab", 32) + "\n"))
	f.Add([]byte("ops short\n"))
	f.Add([]byte("ops vmadm_0123456789abcdefghij extra\n"))
	f.Add([]byte("\x00 \xff\n\n   \t\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const marker = "zzSECRETzz"
		if strings.Contains(string(data), marker) {
			return // the marker must come from the replacement only
		}
		lines := strings.Split(string(data), "\n")
		for i, line := range lines {
			fields := strings.Fields(line)
			if len(fields) >= 2 && len(fields[1]) >= 16 && !strings.HasPrefix(fields[1], "sha256:") {
				fields[1] = marker + strings.Repeat("q", len(fields[1])-len(marker))
				lines[i] = strings.Join(fields, " ")
			}
		}
		list, err := parseTokens("f", []byte(strings.Join(lines, "\n")))
		if err != nil {
			if strings.Contains(err.Error(), marker) {
				t.Fatalf("the error quotes a secret: %v", err)
			}
			return
		}
		if _, err := NewTokens(list); len(list) > 0 && err != nil && !strings.Contains(err.Error(), "twice") {
			t.Fatalf("parsed tokens that NewTokens refuses: %v", err)
		}
	})
}
