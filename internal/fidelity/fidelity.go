// Package fidelity holds, as data, the key-by-key comparison of the
// product with the caller guide and with Asterisk's app_voicemail
// (apps/app_voicemail.c), and renders it as docs/fidelity.md.
//
// Each row says what the guide says, what app_voicemail does (with its
// line numbers, "AVM Lnnnn", in the snapshot the notes cite), what the
// product does, the verdict, and the tests that prove the product's side.
// The tests of this package keep docs/fidelity.md equal to what the rows
// render, and check that every test a row cites exists, so the table
// cannot drift from the code without a test failing.
package fidelity

import (
	"fmt"
	"strings"
)

// Verdict kinds. A row's Verdict is one of Match and MatchPlus, or starts
// with DiffersPrefix followed by the reason, or with PendingPrefix
// followed by what is being built.
const (
	// Match: a phone user would notice no difference.
	Match = "match"
	// MatchPlus: matches, and the product adds something harmless.
	MatchPlus = "match+"
	// DiffersPrefix starts the verdict of a row where the product
	// differs on purpose; the reason follows.
	DiffersPrefix = "differs (deliberate): "
	// PendingPrefix starts the verdict of a row another branch is
	// building; what it builds follows. Such a row cites no test yet.
	PendingPrefix = "pending: "
)

// Differs is the verdict of a row where the product differs on purpose.
func Differs(reason string) string { return DiffersPrefix + reason }

// Pending is the verdict of a row another branch is building (what).
func Pending(what string) string { return PendingPrefix + what }

// Kind is the kind of a verdict: "match", "match+", "differs" or
// "pending"; "" when the verdict is none of them.
func Kind(verdict string) string {
	switch {
	case verdict == Match:
		return "match"
	case verdict == MatchPlus:
		return "match+"
	case strings.HasPrefix(verdict, DiffersPrefix) && len(verdict) > len(DiffersPrefix):
		return "differs"
	case strings.HasPrefix(verdict, PendingPrefix) && len(verdict) > len(PendingPrefix):
		return "pending"
	}
	return ""
}

// Row is one feature compared.
type Row struct {
	// ID is the review's id (L1, M6, F7, P8, …), or a new one for what
	// the review did not cover.
	ID      string
	Feature string
	// Guide is what the caller guide says ("" or "—": nothing).
	Guide string
	// AVM is what app_voicemail does, with its line numbers.
	AVM string
	// Product is what the product does now, naming the file and the
	// function that does it: "(`menus/login.go` startLogin, loginResult)".
	// The names right after a Go file's path, comma-separated and ended
	// by ")", ";" or ", ", must be declarations of that file (a test
	// checks them).
	Product string
	// Verdict is Match, MatchPlus, Differs(reason) or Pending(what).
	Verdict string
	// Tests prove the product's side: "dir.TestName", dir being the
	// package's directory from the repository's root (menus, app, …).
	Tests []string
}

// Section is one menu's table.
type Section struct {
	Title string
	// Intro, when set, is a paragraph before the table.
	Intro string
	Rows  []Row
}

// Rows are every section's rows, in order.
func Rows() []Row {
	var out []Row
	for _, s := range Sections {
		out = append(out, s.Rows...)
	}
	return out
}

// Counts is how many rows have each verdict kind.
func Counts() map[string]int {
	n := map[string]int{}
	for _, r := range Rows() {
		n[Kind(r.Verdict)]++
	}
	return n
}

// Regenerate is the command that writes docs/fidelity.md from the rows.
const Regenerate = "go test ./internal/fidelity -run TestFidelityDoc -update"

// Render is docs/fidelity.md: a table per section, as the review in
// notes/review-fidelity.md has them.
func Render() string {
	var b strings.Builder
	b.WriteString("# Fidelity: the product against the caller guide and app_voicemail\n\n")
	b.WriteString("<!-- Generated from internal/fidelity/rows.go; do not edit. Regenerate with:\n     " + Regenerate + " -->\n\n")
	b.WriteString(`Each row compares one feature as a phone user meets it: what the caller
guide (` + "`docs/caller-guide.md`" + `) says, what Asterisk's app_voicemail does
(**AVM Lnnnn** are line numbers of ` + "`apps/app_voicemail.c`" + ` at the snapshot the design
notes cite), what this product does, and the tests that prove the product's
side. Where the guide and app_voicemail disagree, the guide wins; where both
are silent, app_voicemail's default does.

Verdicts:
- **match**: a phone user would notice no difference.
- **match+**: matches, and the product adds something harmless.
- **differs (deliberate)**: the product differs on purpose, for the reason given.
- **pending**: being built on another branch; the row cites its tests once merged.

The rows are data (` + "`internal/fidelity/rows.go`" + `). Its tests fail when this page is not
what the rows render; when a row cites a test, a file, or a declaration named
after a file, that does not exist; and while a row is pending, once the list of
rows other branches are building (` + "`pendingAllowed`" + `) is emptied at their merge.

`)
	c := Counts()
	fmt.Fprintf(&b, "Rows: %d match, %d match+, %d differs (deliberate), %d pending.\n",
		c["match"], c["match+"], c["differs"], c["pending"])
	for _, s := range Sections {
		fmt.Fprintf(&b, "\n## %s\n\n", s.Title)
		if s.Intro != "" {
			b.WriteString(s.Intro + "\n\n")
		}
		guide := false
		for _, r := range s.Rows {
			guide = guide || (r.Guide != "" && r.Guide != "—")
		}
		if guide {
			b.WriteString("| # | Feature | Guide says | app_voicemail does | Product does | Verdict | Proved by |\n|---|---|---|---|---|---|---|\n")
		} else {
			b.WriteString("| # | Feature | app_voicemail does | Product does | Verdict | Proved by |\n|---|---|---|---|---|---|\n")
		}
		for _, r := range s.Rows {
			cells := []string{r.ID, r.Feature}
			if guide {
				g := r.Guide
				if g == "" {
					g = "—"
				}
				cells = append(cells, g)
			}
			cells = append(cells, r.AVM, r.Product, verdictCell(r.Verdict), testsCell(r.Tests))
			for i, c := range cells {
				cells[i] = cell(c)
			}
			b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
		}
	}
	return b.String()
}

// verdictCell shows the verdict's kind in bold, then its reason.
func verdictCell(v string) string {
	switch Kind(v) {
	case "differs":
		return "**differs (deliberate)**: " + strings.TrimPrefix(v, DiffersPrefix)
	case "pending":
		return "**pending**: " + strings.TrimPrefix(v, PendingPrefix)
	}
	return "**" + v + "**"
}

// testsCell lists the tests, one per line of the cell.
func testsCell(tests []string) string {
	if len(tests) == 0 {
		return "—"
	}
	out := make([]string, len(tests))
	for i, t := range tests {
		out[i] = "`" + t + "`"
	}
	return strings.Join(out, "<br>")
}

// cell makes text fit a Markdown table cell: no line breaks, and a pipe
// that is not a column's end.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}
