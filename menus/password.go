package menus

import "github.com/clusterpbx/voicemail/mailbox"

// Changing the password: '5' in the options, and the end of the first-login
// walk-through (app_voicemail vm_options, vm_newuser_setup).
const (
	// MenuNewPassword asks for a new password.
	MenuNewPassword MenuID = "password.new"
	// MenuReenterPassword asks for it again.
	MenuReenterPassword MenuID = "password.again"
)

// passwordMenus ask for a new password, then for it again.
func passwordMenus(cfg Config) []*Menu {
	return []*Menu{
		{
			ID:         MenuNewPassword,
			Doc:        "New password",
			Prompt:     []string{"vm-newpassword"},
			Input:      InputDigits,
			MaxDigits:  20,
			FirstDigit: cfg.LoginFirstDigit,
			InterDigit: cfg.LoginInterDigit,
			MaxRepeats: cfg.MaxRepeats,
			OnInput:    Entry{Do: newPassword, Doc: "the new password, then # (at least the minimum length; not 1234, the mailbox number or one digit repeated: `vm-invalid-password`)"},
			Secret:     true,
		},
		{
			ID:         MenuReenterPassword,
			Doc:        "New password again",
			Prompt:     []string{"vm-reenterpassword"},
			Input:      InputDigits,
			MaxDigits:  20,
			FirstDigit: cfg.LoginFirstDigit,
			InterDigit: cfg.LoginInterDigit,
			MaxRepeats: cfg.MaxRepeats,
			OnInput:    Entry{Do: reenterPassword, Doc: "the same password, then # (`vm-passchanged`, or `vm-mismatch`)"},
			Secret:     true,
		},
	}
}

// newPassword takes the first entry of a new password and checks the rules
// (apps/app_voicemail.c check_password, and the product's: not the default,
// not the mailbox number, not all one digit, not a straight run such as
// 1234 or 9876: the first PINs a guesser tries).
func newPassword(st *stepper, pin string) {
	if !st.validPassword(pin) {
		st.enter(MenuNewPassword, []string{"vm-invalid-password", "vm-newpassword"})
		return
	}
	st.s.NewPIN = pin
	st.enter(MenuReenterPassword, nil)
}

func (st *stepper) validPassword(pin string) bool {
	policy := mailbox.PINPolicy{MinLength: st.e.cfg.MinPasswordLength, DefaultPIN: st.e.cfg.DefaultPIN}
	return policy.Check(st.s.mailboxID(), pin) == nil
}

// reenterPassword compares the second entry; a mismatch says vm-mismatch
// and vm-pls-try-again.
func reenterPassword(st *stepper, pin string) {
	first := st.s.NewPIN
	st.s.NewPIN = ""
	if pin != first || first == "" {
		if st.s.Setup {
			st.enter(MenuNewPassword, []string{"vm-mismatch", "vm-newpassword"})
			return
		}
		// "The passwords do not match; please try again", then the
		// options (app_voicemail vm_options).
		st.enter(MenuOptions, append([]string{"vm-mismatch", "vm-pls-try-again"}, optionsPrompt(&st.s)...))
		return
	}
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	st.emit(Cmd{Kind: CmdSetPIN, Mailbox: st.s.mailboxID(), PIN: pin})
}

// passwordChanged says vm-passchanged; a walk-through then goes on to the
// mailbox as after any login. A failed change says sorry; during the
// walk-through it asks for a new password again, so a storage failure
// never lets the caller into the mailbox on the default password.
func (st *stepper) passwordChanged(ok bool) {
	if !ok {
		if st.s.Setup {
			st.enter(MenuNewPassword, []string{"vm-sorry", "vm-newpassword"})
			return
		}
		st.enter(MenuOptions, append([]string{"vm-sorry"}, optionsPrompt(&st.s)...))
		return
	}
	if st.s.Setup {
		st.s.Setup = false
		st.s.Menu = MenuLoginPassword
		st.s.Prefix = []string{"vm-passchanged"}
		st.loadFolder(startFolderIndex(st.s.Counts))
		return
	}
	st.enter(MenuOptions, append([]string{"vm-passchanged"}, optionsPrompt(&st.s)...))
}
