package admin

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// Token is an API token as the server keeps it: a name, for the audit
// trail, and the SHA-256 hash of the secret. The secret itself is never
// stored: the configuration holds the hash (admin.tokens), or a secret
// file holds the token and it is hashed as it is read (admin.tokens_file).
type Token struct {
	// Name says whose token it is: 1 to 64 of A-Z a-z 0-9 . _ -.
	Name string
	// SHA256 is the hash of the token's secret.
	SHA256 [sha256.Size]byte
}

// tokenPrefix starts every token NewToken makes, so that one pasted in the
// wrong place is recognisable (and found by secret scanners).
const tokenPrefix = "vmadm_"

// NewToken returns a fresh random token (256 bits) and its Token for name.
func NewToken(name string) (secret string, t Token, err error) {
	if !validTokenName(name) {
		return "", Token{}, fmt.Errorf("%w: token name %q: use 1 to 64 of A-Z a-z 0-9 . _ -", ErrInvalidConfig, name)
	}
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	secret = tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, Token{Name: name, SHA256: sha256.Sum256([]byte(secret))}, nil
}

// HexHash is the token's hash as admin.tokens holds it.
func (t Token) HexHash() string { return hex.EncodeToString(t.SHA256[:]) }

// ParseToken returns the Token of a configuration entry: name and the hex
// SHA-256 of the secret.
func ParseToken(name, sha256Hex string) (Token, error) {
	if !validTokenName(name) {
		return Token{}, fmt.Errorf("%w: token name %q: use 1 to 64 of A-Z a-z 0-9 . _ -", ErrInvalidConfig, name)
	}
	b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(sha256Hex), "sha256:"))
	if err != nil || len(b) != sha256.Size {
		return Token{}, fmt.Errorf("%w: token %s: want the SHA-256 of the secret as 64 hex digits", ErrInvalidConfig, name)
	}
	t := Token{Name: name}
	copy(t.SHA256[:], b)
	return t, nil
}

// ReadTokensFile reads a secret file of tokens: one per line, "NAME
// SECRET" (the secret is hashed as it is read) or "NAME sha256:HEX"; blank
// lines and lines starting with # are skipped. The error never quotes a
// secret.
func ReadTokensFile(path string) ([]Token, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: tokens file: %v", ErrInvalidConfig, err)
	}
	return parseTokens(path, data)
}

// parseTokens reads the lines of a tokens file; path names it in errors.
func parseTokens(path string, data []byte) ([]Token, error) {
	var out []Token
	var err error
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("%w: tokens file %s line %d: want NAME SECRET or NAME sha256:HEX", ErrInvalidConfig, path, n)
		}
		var t Token
		if strings.HasPrefix(fields[1], "sha256:") {
			t, err = ParseToken(fields[0], fields[1])
		} else if len(fields[1]) < 16 {
			err = fmt.Errorf("%w: tokens file %s line %d: a secret of fewer than 16 characters is too easy to guess", ErrInvalidConfig, path, n)
		} else {
			t, err = Token{Name: fields[0], SHA256: sha256.Sum256([]byte(fields[1]))}, nil
			if !validTokenName(t.Name) {
				err = fmt.Errorf("%w: tokens file %s line %d: token name: use 1 to 64 of A-Z a-z 0-9 . _ -", ErrInvalidConfig, path, n)
			}
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, sc.Err()
}

// Tokens checks the bearer tokens of requests against a fixed set.
type Tokens struct {
	list []Token
}

// NewTokens returns the set; names must be unique and valid, and there
// must be at least one.
func NewTokens(list []Token) (*Tokens, error) {
	if len(list) == 0 {
		return nil, fmt.Errorf("%w: no API token: the admin API would refuse every request", ErrInvalidConfig)
	}
	seen := map[string]bool{}
	for _, t := range list {
		if !validTokenName(t.Name) {
			return nil, fmt.Errorf("%w: token name %q: use 1 to 64 of A-Z a-z 0-9 . _ -", ErrInvalidConfig, t.Name)
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("%w: token name %q listed twice", ErrInvalidConfig, t.Name)
		}
		seen[t.Name] = true
	}
	return &Tokens{list: append([]Token(nil), list...)}, nil
}

// Check returns the name of the token whose secret is presented. Its hash
// is compared with every token's in constant time, and every token is
// compared whatever matched, so the time taken says nothing about which
// token, or how much of one, was right.
func (ts *Tokens) Check(secret string) (name string, ok bool) {
	h := sha256.Sum256([]byte(secret))
	match := -1
	for i := range ts.list {
		if subtle.ConstantTimeCompare(h[:], ts.list[i].SHA256[:]) == 1 {
			match = i
		}
	}
	if match < 0 || secret == "" {
		return "", false
	}
	return ts.list[match].Name, true
}

func validTokenName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
