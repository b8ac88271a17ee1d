package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/testenv"
)

// staffed gives the harness's mailboxes first and last names, and a
// hidden one: Alice Smith (1001), Bob Smith (1002), Carol Jones (1003),
// Denise Émond (1004, French) and Eve Smith (1005, hidden).
func staffed(cfg *Config) {
	cfg.Mailboxes = []MailboxConfig{
		{Mailbox: "1001", Name: "Alice Smith", PIN: "1234"},
		{Mailbox: "1002", Name: "Bob Smith", PIN: "4321"},
		{Mailbox: "1003", Name: "Carol Jones"},
		{Mailbox: "1004", Name: "Denise Émond", PIN: "1234", Language: "fr"},
		{Mailbox: "1005", Name: "Eve Smith", Hidden: true},
	}
}

// dirIntro is app_directory's introduction, by last name or first name.
func dirIntro(which string) []string {
	return []string{"dir-welcome", "dir-pls-enter", "digits/3", which, "dir-usingkeypad"}
}

// spelled is name said letter by letter, then dir-instr.
func spelled(name string) []string {
	var out []string
	for _, r := range name {
		if r == ' ' {
			out = append(out, "letters/space")
			continue
		}
		out = append(out, "letters/"+string(r))
	}
	return append(out, "dir-instr")
}

// dialDirectory calls exten of vm-test (#* is the shipped directory) and
// waits for the introduction.
func (h *harness) dialDirectory(ctx context.Context, exten, which string) *testenv.Call {
	h.t.Helper()
	call := h.dial(ctx, exten, "Zed <2001>")
	must(h.t, call.Expect(ctx, dirIntro(which)...))
	return call
}

// The default greeting of mailbox 100N, which the caller reaches once the
// shipped dialplan has rung the extension chosen (nobody answers in tests).
func greetingOf(n string) []string {
	return []string{"vm-theperson", "digits/1", "digits/0", "digits/0", "digits/" + n, "vm-isunavail", "vm-intro"}
}

func TestIntegrationDirectoryLastNameConnects(t *testing.T) {
	h := startHarness(t, staffed)
	ctx := callCtx(t)
	call := h.dialDirectory(ctx, "#*", "dir-last")
	must(t, call.Press(ctx, "764")) // S-M-I
	// Alice then Bob (last name, then first name); Eve is hidden.
	must(t, call.Expect(ctx, spelled("alice smith")...))
	must(t, call.Press(ctx, "1"))
	// The shipped dialplan rings 1001, then takes a message there.
	must(t, call.Expect(ctx, greetingOf("1")...))
}

func TestIntegrationDirectoryStarNextHiddenLeftOut(t *testing.T) {
	h := startHarness(t, staffed)
	ctx := callCtx(t)
	call := h.dialDirectory(ctx, "#*", "dir-last")
	must(t, call.Press(ctx, "764"))
	must(t, call.Expect(ctx, spelled("alice smith")...))
	must(t, call.Press(ctx, "*"))
	must(t, call.Expect(ctx, spelled("bob smith")...))
	// Eve Smith is hidden: after Bob, no more names.
	must(t, call.Press(ctx, "*"))
	must(t, call.Expect(ctx, append([]string{"dir-nomore"}, dirIntro("dir-last")...)...))
	// Bob again, connected this time.
	must(t, call.Press(ctx, "764"))
	must(t, call.Expect(ctx, spelled("alice smith")...))
	must(t, call.Press(ctx, "*"))
	must(t, call.Expect(ctx, spelled("bob smith")...))
	must(t, call.Press(ctx, "1"))
	must(t, call.Expect(ctx, greetingOf("2")...))
}

func TestIntegrationDirectoryNoMatch(t *testing.T) {
	h := startHarness(t, staffed)
	ctx := callCtx(t)
	call := h.dialDirectory(ctx, "#*", "dir-last")
	must(t, call.Press(ctx, "999"))
	must(t, call.Expect(ctx, append([]string{"dir-nomatch"}, dirIntro("dir-last")...)...))
	// Silence: back to the dialplan (TIMEOUT), which hangs up.
	must(t, call.WaitEnded(ctx))
	if heard := call.HeardNames(); len(heard) != 11 {
		t.Fatalf("heard %v after the second introduction", heard)
	}
}

func TestIntegrationDirectoryFirstNameFrench(t *testing.T) {
	h := startHarness(t, staffed)
	ctx := callCtx(t)
	// Option f, by first name: D-E-N.
	call := h.dialDirectory(ctx, "dir-f", "dir-first")
	must(t, call.Press(ctx, "336"))
	must(t, call.Expect(ctx, spelled("denise emond")...))
	must(t, call.Press(ctx, "1"))
	must(t, call.Expect(ctx, greetingOf("4")...))
	must(t, call.Hangup(ctx))

	// A French channel hears the French directory; É is E (Émond: 3-6-6).
	call = h.dialDirectory(ctx, "dir-fr", "dir-last")
	must(t, call.Press(ctx, "366"))
	must(t, call.Expect(ctx, spelled("denise emond")...))
	for _, p := range call.Heard() {
		if strings.HasPrefix(p.Name, "dir-") && p.Lang != "fr" {
			t.Fatalf("%s played in %q, want fr", p.Name, p.Lang)
		}
	}
}

// info reads what Stasis(voicemail,info,MAILBOX) set, through the shipped
// subroutine, and the channel's state after it; mailbox is NUMBER or
// NUMBER-CONTEXT (facts- in testenv's dialplan).
func (h *harness) info(ctx context.Context, mailbox string) (vars, chanState string, call *testenv.Call) {
	h.t.Helper()
	call, err := h.caller.Dial(ctx, "facts-"+mailbox, "vm-test", "Zed <2001>")
	must(h.t, err)
	h.t.Cleanup(func() { _ = call.Hangup(context.Background()) })
	for {
		v, err := h.caller.Client.GetVariable(ctx, call.B, "TESTENV_INFO")
		if err == nil && v != "" {
			st, err := h.caller.Client.GetVariable(ctx, call.B, "TESTENV_STATE")
			must(h.t, err)
			return v, st, call
		}
		select {
		case <-ctx.Done():
			h.t.Fatalf("info %s did not come back to the dialplan: %v", mailbox, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestIntegrationInfo(t *testing.T) {
	h := startHarness(t, staffed)
	ctx := callCtx(t)
	// Two messages for Denise, one of them heard (old), stored as
	// deposits store them.
	st := h.store()
	for i := 0; i < 2; i++ {
		id := state.NewMessageID(time.Now())
		_, err := st.Deposit(ctx, state.Message{ID: id, Mailbox: box("1004"), Folder: state.FolderNew,
			Recording: "voicemail/default/1004/msg/" + id, CallerNum: "2001", Received: time.Now()})
		must(t, err)
		if i == 1 {
			_, _, err := st.CloseFolder(ctx, box("1004"), state.FolderNew, []string{id}, nil)
			must(t, err)
		}
	}

	for _, tt := range []struct{ mailbox, want string }{
		{"1004", "SUCCESS/SUCCESS/1/1/1/0/fr/Denise Émond"},
		{"1004-default", "SUCCESS/SUCCESS/1/1/1/0/fr/Denise Émond"},
		{"4242", "SUCCESS/SUCCESS/0/0/0/0//"},
		{"1001-sales", "SUCCESS/SUCCESS/0/0/0/0//"},
	} {
		vars, chanState, call := h.info(ctx, tt.mailbox)
		if vars != tt.want {
			t.Errorf("info %s = %s, want %s", tt.mailbox, vars, tt.want)
		}
		// Not answered: the channel is not Up, and the caller heard nothing.
		if chanState == "Up" || call.Answered() || len(call.Heard()) != 0 {
			t.Errorf("info %s: channel %s, answered %v, heard %v", tt.mailbox, chanState, call.Answered(), call.HeardNames())
		}
		must(t, call.Hangup(ctx))
	}
}
