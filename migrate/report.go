package migrate

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// Action says what became of one item of an import or export.
type Action string

// The actions of a report line.
const (
	// Done: imported (or exported) now, or would be on a dry run.
	Done Action = "done"
	// Unchanged: already there from an earlier run; nothing written.
	Unchanged Action = "unchanged"
	// Skipped: not imported (or exported); Detail says why.
	Skipped Action = "skipped"
	// NotApplied: a setting this app does not support (yet).
	NotApplied Action = "not applied"
	// Noted: done, with something to know (Urgent into New, say).
	Noted Action = "note"
)

// Line is one item of a report.
type Line struct {
	// Mailbox is NUMBER@CONTEXT, "" for the configuration as a whole.
	Mailbox string `json:"mailbox,omitempty"`
	// Item is what the line is about: "mailbox", "INBOX/msg0000",
	// "greeting unavail", "option saycid", a file:line…
	Item string `json:"item"`
	// Action says what became of it.
	Action Action `json:"action"`
	// Detail says where it went, or why not.
	Detail string `json:"detail,omitempty"`
}

// Report is what an import or export did (or would do, on a dry run).
type Report struct {
	// Command is "import" or "export".
	Command string `json:"command"`
	// DryRun is set when nothing was written.
	DryRun bool `json:"dry_run"`
	// Lines lists every item, in the order handled.
	Lines []Line `json:"lines"`
	// Counts counts the lines by kind of item and action, such as
	// "message done" or "mailbox skipped".
	Counts map[string]int `json:"counts"`
}

func newReport(command string, dryRun bool) *Report {
	return &Report{Command: command, DryRun: dryRun, Lines: []Line{}, Counts: map[string]int{}}
}

func (r *Report) add(mb, item string, a Action, format string, args ...any) {
	detail := format
	if len(args) > 0 {
		detail = fmt.Sprintf(format, args...)
	}
	r.Lines = append(r.Lines, Line{Mailbox: mb, Item: item, Action: a, Detail: detail})
	r.Counts[kindOf(item)+" "+string(a)]++
}

// kindOf is the kind of item a line is about, for the counts.
func kindOf(item string) string {
	switch {
	case item == "mailbox":
		return "mailbox"
	case strings.HasPrefix(item, "greeting"):
		return "greeting"
	case strings.HasPrefix(item, "option") || strings.HasPrefix(item, "[general]"):
		return "option"
	case strings.Contains(item, "/msg"):
		return "message"
	}
	return "other"
}

// Count returns how many lines have this kind ("mailbox", "message",
// "greeting", "option", "other") and action.
func (r *Report) Count(kind string, a Action) int { return r.Counts[kind+" "+string(a)] }

// WriteJSON writes the report as JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for people: a line per item, then the
// counts.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if r.DryRun {
		fmt.Fprintf(tw, "dry run: nothing was written; \"done\" is what %s would do\n", r.Command)
	}
	for _, l := range r.Lines {
		mb := l.Mailbox
		if mb == "" {
			mb = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", mb, l.Item, l.Action, l.Detail)
	}
	keys := make([]string, 0, len(r.Counts))
	for k := range r.Counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %d", k, r.Counts[k]))
	}
	fmt.Fprintf(tw, "%s: %s\n", r.Command, strings.Join(parts, ", "))
	return tw.Flush()
}
