// Command vmtable makes the side-by-side table of BENCHMARKS.md (this app
// against app_voicemail, with ratios) from the figures that vmload
// -summary wrote, and puts it between the table's marker lines.
//
//	go run ./bench/cmd/vmtable -in bench/results/sidebyside.jsonl -doc BENCHMARKS.md
//
// Without -doc it prints the table. bench/sidebyside runs the measurements
// and then this.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/clusterpbx/voicemail/bench/load"
)

func main() {
	os.Exit(run())
}

func run() int {
	fs := flag.NewFlagSet("vmtable", flag.ContinueOnError)
	in := fs.String("in", "", "the JSON lines of vmload -summary (required)")
	doc := fs.String("doc", "", "a Markdown file whose table (between its vmtable marker lines) is replaced; empty: print the table")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	if *in == "" {
		fmt.Fprintln(os.Stderr, "vmtable: -in is required")
		return 2
	}
	f, err := os.Open(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmtable:", err)
		return 1
	}
	sums, err := load.ReadSummaries(f)
	_ = f.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmtable:", err)
		return 1
	}
	var table bytes.Buffer
	if err := load.SideBySide(&table, sums); err != nil {
		fmt.Fprintln(os.Stderr, "vmtable:", err)
		return 1
	}
	if *doc == "" {
		_, _ = os.Stdout.Write(table.Bytes())
		return 0
	}
	old, err := os.ReadFile(*doc)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmtable:", err)
		return 1
	}
	out, err := load.ReplaceTable(old, table.Bytes())
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmtable:", err)
		return 1
	}
	if err := os.WriteFile(*doc, out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "vmtable:", err)
		return 1
	}
	fmt.Printf("vmtable: %s: table made from %d steps of %s\n", *doc, len(sums), *in)
	return 0
}
