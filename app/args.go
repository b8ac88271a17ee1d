package app

import (
	"errors"
	"fmt"
	"strings"

	"github.com/clusterpbx/voicemail/call"
	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// ErrBadArgs is wrapped when Stasis arguments do not follow the dialplan
// contract (docs/dialplan.md).
var ErrBadArgs = errors.New("app: bad stasis arguments")

// ParseArgs parses Stasis arguments: main, main,MAILBOX,
// own,NUMBER,CONTEXT, deposit,MAILBOX[,unavail|busy[,urgent]],
// directory[,CONTEXT[,OPTIONS]], info,MAILBOX. The fourth argument of a
// deposit, "urgent" (app_voicemail's U option), files the message into the
// Urgent folder; empty, it is a plain one. StasisBroadcast
// delivers the same arguments split on colons, so a single argument holding
// colons is split too.
//
// own is main for the caller's own mailbox (*97): NUMBER comes from caller
// data (the caller ID number), which a phone may be able to set, so it must
// be a bare number (an "@" is refused, as is a missing CONTEXT); CONTEXT
// comes from the dialplan. main,MAILBOX takes MAILBOX as given, so pass it
// nothing a caller chose (docs/dialplan.md).
func ParseArgs(args []string) (call.Request, error) {
	// The shipped dialplan passes every argument, empty or not.
	trim := func() {
		for len(args) > 0 && strings.TrimSpace(args[len(args)-1]) == "" {
			args = args[:len(args)-1]
		}
	}
	trim()
	if len(args) == 1 && strings.Contains(args[0], ":") {
		args = strings.Split(args[0], ":")
		trim()
	}
	if len(args) == 0 {
		return call.Request{}, fmt.Errorf("%w: none given", ErrBadArgs)
	}
	if len(args) > 4 {
		return call.Request{}, fmt.Errorf("%w: %d arguments", ErrBadArgs, len(args))
	}
	mode := strings.ToLower(strings.TrimSpace(args[0]))
	switch mode {
	case "own":
		return parseOwn(args)
	case "directory":
		return parseDirectory(args)
	}
	r := call.Request{Mode: mode}
	mailbox := ""
	if len(args) > 1 {
		mailbox = strings.TrimSpace(args[1])
	}
	if mailbox != "" {
		id, err := state.ParseMailbox(mailbox)
		if err != nil {
			return call.Request{}, fmt.Errorf("%w: mailbox %q: %v", ErrBadArgs, mailbox, err)
		}
		r.Mailbox, r.HasMailbox = id, true
	}
	switch mode {
	case "main":
		if len(args) > 2 {
			return call.Request{}, fmt.Errorf("%w: main takes at most a mailbox", ErrBadArgs)
		}
	case "info":
		if !r.HasMailbox || len(args) > 2 {
			return call.Request{}, fmt.Errorf("%w: info takes a mailbox", ErrBadArgs)
		}
	case "deposit":
		if !r.HasMailbox {
			return call.Request{}, fmt.Errorf("%w: deposit needs a mailbox", ErrBadArgs)
		}
		r.Greeting = "unavail"
		if len(args) >= 3 {
			switch g := strings.ToLower(strings.TrimSpace(args[2])); g {
			case "", "unavail", "u":
			case "busy", "b":
				r.Greeting = "busy"
			default:
				return call.Request{}, fmt.Errorf("%w: greeting %q: use unavail or busy", ErrBadArgs, g)
			}
		}
		if len(args) == 4 {
			switch u := strings.ToLower(strings.TrimSpace(args[3])); u {
			case "":
			case "urgent":
				r.Urgent = true
			default:
				return call.Request{}, fmt.Errorf("%w: option %q: use urgent", ErrBadArgs, u)
			}
		}
	default:
		return call.Request{}, fmt.Errorf("%w: mode %q: use main, deposit, directory or info", ErrBadArgs, mode)
	}
	return r, nil
}

// parseOwn parses own,NUMBER,CONTEXT (see ParseArgs) into a main request.
func parseOwn(args []string) (call.Request, error) {
	if len(args) != 3 {
		return call.Request{}, fmt.Errorf("%w: own takes a number and a context", ErrBadArgs)
	}
	number, context := strings.TrimSpace(args[1]), strings.TrimSpace(args[2])
	if strings.Contains(number, "@") {
		// The caller's data names a context: never take it.
		return call.Request{}, fmt.Errorf("%w: own: the number %q holds a context", ErrBadArgs, number)
	}
	if number == "" || context == "" {
		return call.Request{}, fmt.Errorf("%w: own takes a number and a context", ErrBadArgs)
	}
	id := state.MailboxID{Number: number, Context: context}
	if err := id.Validate(); err != nil {
		return call.Request{}, fmt.Errorf("%w: own: mailbox %q@%q: %v", ErrBadArgs, number, context, err)
	}
	return call.Request{Mode: "main", Mailbox: id, HasMailbox: true}, nil
}

// parseDirectory parses directory[,CONTEXT[,OPTIONS]]: CONTEXT is the
// voicemail context whose mailboxes are offered (default "default");
// OPTIONS are app_directory's letters l (last name, the default), f (first
// name), b (either; f and l together mean b too) and e (read the
// extension). Other letters of app_directory (m, n, p, a) and its digit
// counts are refused rather than ignored.
func parseDirectory(args []string) (call.Request, error) {
	r := call.Request{Mode: "directory", Context: "default"}
	if len(args) > 3 {
		return call.Request{}, fmt.Errorf("%w: directory takes a context and options", ErrBadArgs)
	}
	if len(args) > 1 {
		if c := strings.TrimSpace(args[1]); c != "" {
			r.Context = c
		}
	}
	if err := (state.MailboxID{Number: "0", Context: r.Context}).Validate(); err != nil {
		return call.Request{}, fmt.Errorf("%w: directory: context %q: %v", ErrBadArgs, r.Context, err)
	}
	if len(args) < 3 {
		return r, nil
	}
	first, last := false, false
	for _, o := range strings.TrimSpace(args[2]) {
		switch o {
		case 'f':
			first = true
		case 'l':
			last = true
		case 'b':
			first, last = true, true
		case 'e':
			r.SayExten = true
		default:
			return call.Request{}, fmt.Errorf("%w: directory: option %q: use f, l, b or e", ErrBadArgs, o)
		}
	}
	switch {
	case first && last:
		r.DirBy = menus.DirByEither
	case first:
		r.DirBy = menus.DirByFirst
	}
	return r, nil
}
