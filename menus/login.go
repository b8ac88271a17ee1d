package menus

// loginMailbox takes the typed mailbox number. An empty entry asks again; any
// other is accepted without saying whether it exists (app_voicemail asks for
// the password either way, so callers cannot probe for mailboxes).
func (st *stepper) loginMailbox(number string) {
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
func (st *stepper) loginPassword(pin string) {
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	st.emit(Cmd{Kind: CmdAuthenticate, Mailbox: st.s.Mailbox, PIN: pin})
}

// loginResult follows app_voicemail's vm_authenticate: a wrong try says
// vm-incorrect and asks for the password again (vm-incorrect-mailbox, which
// asks for the mailbox, when the mailbox was typed); the last wrong try says
// vm-incorrect, then vm-goodbye, and hangs up.
func (st *stepper) loginResult(r *LoginResult) {
	if r == nil || st.s.Phase != PhaseBusy {
		return
	}
	if r.OK {
		st.s.Authenticated = true
		st.s.Failures = 0
		st.s.Mailbox = r.Mailbox
		if r.Lang != "" {
			st.s.Lang = r.Lang
		}
		st.s.Counts = r.Counts
		st.s.Greetings = r.Greetings
		st.s.Box = nil
		if r.NeedsSetup {
			// First login, still on the default password: record the name
			// (the guide: mandatory), then choose a password
			// (vm_newuser_setup). Until the password is changed, every
			// login starts here again.
			st.s.Setup = true
			st.recordGreeting(GreetName, "vm-newuser")
			return
		}
		// Open the starting folder; the intro plays once it is loaded.
		st.loadFolder(startFolderIndex(r.Counts))
		return
	}
	if r.Unavailable {
		// The password could not be checked (storage down): say sorry
		// rather than "incorrect", and count no try.
		st.s.Pending = ""
		st.goodbye("vm-sorry", "vm-goodbye")
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
