package app

import (
	"errors"
	"fmt"
	"strings"

	"github.com/clusterpbx/voicemail/state"
)

// ErrBadArgs is wrapped when Stasis arguments do not follow the dialplan
// contract (SPEC.md §1).
var ErrBadArgs = errors.New("app: bad stasis arguments")

// Request is what the dialplan asked for, parsed from the Stasis arguments.
type Request struct {
	// Mode is "main" or "deposit".
	Mode string
	// Mailbox is the mailbox named by the dialplan; zero to ask for it.
	Mailbox state.MailboxID
	// HasMailbox is set when Mailbox was given.
	HasMailbox bool
	// Greeting is "unavail" or "busy" for deposits.
	Greeting string
}

// ParseArgs parses Stasis arguments: main, main,MAILBOX,
// deposit,MAILBOX[,unavail|busy]. StasisBroadcast delivers the same arguments
// split on colons, so a single argument holding colons is split too.
func ParseArgs(args []string) (Request, error) {
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
		return Request{}, fmt.Errorf("%w: none given", ErrBadArgs)
	}
	if len(args) > 3 {
		return Request{}, fmt.Errorf("%w: %d arguments", ErrBadArgs, len(args))
	}
	mode := strings.ToLower(strings.TrimSpace(args[0]))
	r := Request{Mode: mode}
	mailbox := ""
	if len(args) > 1 {
		mailbox = strings.TrimSpace(args[1])
	}
	if mailbox != "" {
		id, err := state.ParseMailbox(mailbox)
		if err != nil {
			return Request{}, fmt.Errorf("%w: mailbox %q: %v", ErrBadArgs, mailbox, err)
		}
		r.Mailbox, r.HasMailbox = id, true
	}
	switch mode {
	case "main":
		if len(args) > 2 {
			return Request{}, fmt.Errorf("%w: main takes at most a mailbox", ErrBadArgs)
		}
	case "deposit":
		if !r.HasMailbox {
			return Request{}, fmt.Errorf("%w: deposit needs a mailbox", ErrBadArgs)
		}
		r.Greeting = "unavail"
		if len(args) == 3 {
			switch g := strings.ToLower(strings.TrimSpace(args[2])); g {
			case "", "unavail", "u":
			case "busy", "b":
				r.Greeting = "busy"
			default:
				return Request{}, fmt.Errorf("%w: greeting %q: use unavail or busy", ErrBadArgs, g)
			}
		}
	default:
		return Request{}, fmt.Errorf("%w: mode %q: use main or deposit", ErrBadArgs, mode)
	}
	return r, nil
}
