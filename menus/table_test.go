package menus

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEKeyTable keeps the README's table of keys in step with the menu
// tree. When it fails, paste the table it prints into README.md.
func TestREADMEKeyTable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	table := newEngine(t).Tree().KeyTable()
	if !strings.Contains(string(readme), table) {
		t.Errorf("README.md does not carry the current key table; it should contain:\n%s", table)
	}
}
