package menus

import (
	"strings"

	"github.com/clusterpbx/voicemail/mailbox"
)

// The login menus (app_voicemail vm_authenticate).
const (
	// MenuLoginMailbox asks for the mailbox number (vm-login).
	MenuLoginMailbox MenuID = "login.mailbox"
	// MenuLoginPassword asks for the password (vm-password).
	MenuLoginPassword MenuID = "login.password"
)

// loginMenus ask for the mailbox number, unless the dialplan named the
// mailbox, then for its password (vm_authenticate).
func loginMenus(cfg Config) []*Menu {
	return []*Menu{
		{
			ID:         MenuLoginMailbox,
			Doc:        "Mailbox number (*98)",
			Prompt:     []string{"vm-login"},
			Input:      InputDigits,
			MaxDigits:  20,
			FirstDigit: cfg.LoginFirstDigit,
			InterDigit: cfg.LoginInterDigit,
			MaxRepeats: cfg.MaxRepeats,
			OnInput:    Entry{Do: loginMailbox, Doc: "the mailbox number, then # (asks for the password); nothing, or silence: your own mailbox (the caller ID number)"},
			// An empty entry is the caller's own mailbox, silence too.
			SilenceIsEntry: true,
		},
		{
			ID:         MenuLoginPassword,
			Doc:        "Password",
			Prompt:     []string{"vm-password"},
			Input:      InputDigits,
			MaxDigits:  20,
			FirstDigit: cfg.LoginFirstDigit,
			InterDigit: cfg.LoginInterDigit,
			MaxRepeats: cfg.MaxRepeats,
			OnInput:    Entry{Do: loginPassword, Doc: "the password, then # (3 wrong tries end the call)"},
			Secret:     true,
		},
	}
}

// startLogin starts a call to VoiceMailMain: the password of mailbox id
// when the dialplan named it (the *97 case), else the mailbox number first
// (*98, or *97 from a phone whose number has no mailbox), with own as what
// an empty entry means.
func (st *stepper) startLogin(id, own mailbox.ID) {
	st.s.Own = idText(own)
	if !id.IsZero() {
		st.s.Mailbox = idText(id)
		st.s.FixedMailbox = true
		st.enter(MenuLoginPassword, nil)
		return
	}
	st.enter(MenuLoginMailbox, nil)
}

// loginMailbox takes the typed mailbox number, in the context of the
// caller's own mailbox when there is one. An empty entry (or silence) is
// the caller's own mailbox (app_voicemail's vm_authenticate takes the
// caller ID number), else it asks again; any number is accepted without
// saying whether it exists (app_voicemail asks for the password either
// way, so callers cannot probe for mailboxes).
func loginMailbox(st *stepper, number string) {
	own, _ := mailbox.ParseID(st.s.Own)
	switch {
	case number == "" && !own.IsZero():
		st.s.Mailbox = st.s.Own
		st.enter(MenuLoginPassword, nil)
		return
	case number != "" && !own.IsZero() && !strings.Contains(number, "@"):
		number += "@" + own.Context
	}
	if number == "" {
		st.s.Repeats++
		if st.s.Repeats >= st.menu().MaxRepeats {
			st.goodbye("vm-goodbye")
			return
		}
		st.play(st.prompt(st.menu()), PhasePrompting)
		return
	}
	st.s.Mailbox = number
	st.enter(MenuLoginPassword, nil)
}

// loginPassword asks the app to check the password. The digits leave the
// state at once: they are never persisted.
func loginPassword(st *stepper, pin string) {
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	st.emit(Cmd{Kind: CmdAuthenticate, Entry: st.s.Mailbox, PIN: pin})
}

// loginResult follows app_voicemail's vm_authenticate: a wrong try says
// vm-incorrect and asks for the password again (vm-incorrect-mailbox, which
// asks for the mailbox, when the mailbox was typed); the last wrong try says
// vm-incorrect, then vm-goodbye, and hangs up. A check that could not be
// made is no try: vm-sorry, and the password is asked for again.
func (st *stepper) loginResult(r *LoginResult) {
	if r == nil || st.s.Phase != PhaseBusy {
		return
	}
	if r.OK {
		st.s.Authenticated = true
		st.s.Failures = 0
		st.s.Mailbox = idText(r.Mailbox)
		if r.Lang != "" {
			st.s.Lang = r.Lang
		}
		st.s.Counts = r.Counts
		st.s.Greetings = r.Greetings
		st.s.Box = nil
		if r.Options != nil {
			o := *r.Options
			st.s.Options = &o
		}
		if r.NeedsSetup {
			// First login, still on the default password: record the name
			// when there is none (the guide: mandatory), the greetings
			// forcegreetings asks for, then choose a password
			// (vm_newuser_setup). Until the password is changed, every
			// login starts here again, whatever was recorded.
			st.s.Setup = true
			st.nextSetupStep("vm-newuser")
			return
		}
		if st.s.needsForcedStep() {
			// forcename / forcegreetings, whatever the PIN: the missing
			// recordings first, then the mailbox.
			st.s.Forced = true
			st.nextSetupStep()
			return
		}
		// Open the starting folder; the intro plays once it is loaded.
		st.loadFolder(startFolderIndex(r.Counts))
		return
	}
	if r.Unavailable {
		// The password could not be checked (storage out of reach, after
		// the app's retries): say sorry rather than "incorrect", count no
		// try, and ask for the password again, for the same mailbox: the
		// caller did nothing wrong. Keys typed meanwhile are dropped, as
		// on entering any password prompt.
		st.s.Pending = ""
		st.enter(MenuLoginPassword, []string{"vm-sorry", "vm-password"})
		return
	}
	st.s.Failures++
	// Keys typed during the check belong to the wrong password.
	st.s.Pending = ""
	if st.s.Failures >= st.e.cfg.MaxLogins {
		st.s.Pending = ""
		st.goodbye("vm-incorrect", "vm-goodbye")
		return
	}
	if st.s.FixedMailbox {
		st.enter(MenuLoginPassword, []string{"vm-incorrect", "vm-password"})
		return
	}
	st.s.Mailbox = ""
	st.enter(MenuLoginMailbox, []string{"vm-incorrect-mailbox"})
}
