package fidelity

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "write docs/fidelity.md from the rows")

// root is the repository's root, from this package's directory.
const root = "../.."

const docPath = root + "/docs/fidelity.md"

// TestFidelityDoc keeps docs/fidelity.md what the rows render. When it
// fails, regenerate the page with the command it prints.
func TestFidelityDoc(t *testing.T) {
	want := Render()
	if *update {
		if err := os.WriteFile(docPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("%v; write it with: %s", err, Regenerate)
	}
	if string(got) != want {
		t.Errorf("docs/fidelity.md is not what internal/fidelity/rows.go renders; regenerate it with:\n\t%s", Regenerate)
	}
}

// testFuncs are the names of the top-level functions of every *_test.go
// file of the repository, by the directory of their package ("menus",
// "app"), read with go/parser.
func testFuncs(t *testing.T) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		dir, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		dir = filepath.ToSlash(dir)
		if out[dir] == nil {
			out[dir] = map[string]bool{}
		}
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil {
				out[dir][fn.Name.Name] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFidelityTestsExist checks that every test a row cites is a
// func TestXxx (or FuzzXxx) of a *_test.go file in the directory the row
// names.
func TestFidelityTestsExist(t *testing.T) {
	funcs := testFuncs(t)
	if len(funcs["menus"]) == 0 {
		t.Fatal("found no test of the menus package: is the repository's root " + root + "?")
	}
	for _, r := range Rows() {
		for _, name := range r.Tests {
			i := strings.LastIndex(name, ".")
			if i < 0 {
				t.Errorf("%s: test %q is not dir.TestName", r.ID, name)
				continue
			}
			dir, fn := name[:i], name[i+1:]
			if !strings.HasPrefix(fn, "Test") && !strings.HasPrefix(fn, "Fuzz") {
				t.Errorf("%s: %q is not a test", r.ID, name)
				continue
			}
			if !funcs[dir][fn] {
				t.Errorf("%s cites %s, which is no func of a *_test.go file in %s/", r.ID, fn, dir)
			}
		}
	}
}

// sourcePath is a repository path a row's text cites: `menus/login.go`,
// `deploy/asterisk/extensions_voicemail.conf`.
var sourcePath = regexp.MustCompile("`((?:[a-z]+/)+[A-Za-z_.-]+\\.(?:go|conf|yaml|md))")

// declList is the list of names that follows a cited file's path and
// its closing backquote: " startLogin, loginResult)".
var declList = regexp.MustCompile(`^ ([A-Za-z_]\w*(?:, [A-Za-z_]\w*)*)(?:[);]|, )`)

// declsOf are the names a Go file declares at its top level: functions,
// methods, types, constants and variables.
func declsOf(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			out[d.Name.Name] = true
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch sp := spec.(type) {
				case *ast.TypeSpec:
					out[sp.Name.Name] = true
				case *ast.ValueSpec:
					for _, n := range sp.Names {
						out[n.Name] = true
					}
				}
			}
		}
	}
	return out
}

// TestFidelityRowsWellFormed checks the rows themselves: unique ids, a
// known verdict, every proved row citing a test and no pending row citing
// one, every file the text names existing, and the functions, types and
// constants named right after a Go file declared in it.
func TestFidelityRowsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rows() {
		if r.ID == "" || seen[r.ID] {
			t.Errorf("row id %q is empty or used twice", r.ID)
		}
		seen[r.ID] = true
		if r.Feature == "" || r.AVM == "" || r.Product == "" {
			t.Errorf("%s: feature, app_voicemail and product must all be said", r.ID)
		}
		switch Kind(r.Verdict) {
		case "":
			t.Errorf("%s: verdict %q is none of match, match+, differs (deliberate): reason, pending: what", r.ID, r.Verdict)
		case "pending":
			if len(r.Tests) > 0 {
				t.Errorf("%s is pending but cites tests: give it its verdict", r.ID)
			}
		default:
			if len(r.Tests) == 0 {
				t.Errorf("%s: verdict %s without a test that proves it", r.ID, r.Verdict)
			}
		}
		for _, text := range []string{r.Feature, r.Guide, r.AVM, r.Product, r.Verdict} {
			for _, m := range sourcePath.FindAllStringSubmatchIndex(text, -1) {
				path := text[m[2]:m[3]]
				if _, err := os.Stat(filepath.Join(root, path)); err != nil {
					t.Errorf("%s names %s, which does not exist", r.ID, path)
					continue
				}
				// "`menus/login.go` startLogin, loginResult)": the names
				// after a Go file are its declarations.
				names := declList.FindStringSubmatch(text[m[1]+1:])
				if names == nil || !strings.HasSuffix(path, ".go") {
					continue
				}
				decls := declsOf(t, filepath.Join(root, path))
				for _, name := range strings.Split(names[1], ", ") {
					if !decls[name] {
						t.Errorf("%s names %s in %s, which declares no such thing", r.ID, name, path)
					}
				}
			}
		}
	}
}

// pendingAllowed are the rows other branches are building at the time of
// writing, space-separated. TestFidelityNothingPending skips while every
// pending row is in this list; the lead developer empties it once those
// branches are merged (and each row has its verdict and its tests), and the
// test then fails on any row still pending.
const pendingAllowed = ""

// TestFidelityNothingPending fails while a row is pending: every row must
// end as match, match+ or a deliberate difference.
func TestFidelityNothingPending(t *testing.T) {
	var pending, unexpected []string
	for _, r := range Rows() {
		if Kind(r.Verdict) != "pending" {
			continue
		}
		pending = append(pending, r.ID+" ("+strings.TrimPrefix(r.Verdict, PendingPrefix)+")")
		if !slices.Contains(strings.Fields(pendingAllowed), r.ID) {
			unexpected = append(unexpected, r.ID)
		}
	}
	for _, id := range strings.Fields(pendingAllowed) {
		if !slices.ContainsFunc(pending, func(p string) bool { return strings.HasPrefix(p, id+" (") }) {
			t.Errorf("pendingAllowed lists %s, which is not pending: take it out of the list", id)
		}
	}
	if len(pending) == 0 {
		return
	}
	if len(unexpected) == 0 && !t.Failed() {
		t.Skipf("%d rows pending on other branches, all in pendingAllowed (empty it after merging them):\n\t%s",
			len(pending), strings.Join(pending, "\n\t"))
	}
	t.Errorf("rows pending, %v of them not in pendingAllowed:\n\t%s", unexpected, strings.Join(pending, "\n\t"))
}
