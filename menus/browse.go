package menus

// The browsing menus.
const (
	// MenuMessage is the menu after a message was played.
	MenuMessage MenuID = "message"
	// MenuFolder picks a folder, to change to it (2) or to save a message
	// in it (9).
	MenuFolder MenuID = "folder"
)

// Folder prompts, by the app_voicemail folder numbers 0–4.
var folderNames = [...]string{"vm-INBOX", "vm-Old", "vm-Work", "vm-Family", "vm-Friends"}

// FolderCount is how many folders a caller can reach (New, Old, Work,
// Family, Friends).
const FolderCount = len(folderNames)

// folderName is vm_play_folder_name: the folder, then "messages" (after it in
// the noun-first languages).
func folderName(lang string, f int) []string {
	if f < 0 || f >= FolderCount {
		f = 0
	}
	if romance(lang) {
		return []string{"vm-messages", folderNames[f]}
	}
	return []string{folderNames[f], "vm-messages"}
}

// loadFolder asks the app for folder f's messages, closing the current one
// first (its heard and deleted messages take effect then).
func (st *stepper) loadFolder(f int) {
	st.closeBox()
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	st.emit(Cmd{Kind: CmdLoadFolder, Mailbox: st.s.Mailbox, Folder: f})
}

// closeBox applies what the caller did in the current folder
// (app_voicemail close_mailbox): heard New messages go to Old, deleted
// messages go away. Messages already saved elsewhere are left alone.
func (st *stepper) closeBox() {
	b := st.s.Box
	if b == nil {
		return
	}
	var heard, deleted []string
	for _, m := range b.Msgs {
		switch {
		case m.Moved:
		case m.Deleted:
			deleted = append(deleted, m.ID)
		case m.Heard && b.Folder == 0:
			heard = append(heard, m.ID)
		}
	}
	st.s.Box = nil
	if len(heard) > 0 || len(deleted) > 0 {
		st.emit(Cmd{Kind: CmdCloseFolder, Mailbox: st.s.Mailbox, Folder: b.Folder, Heard: heard, Deleted: deleted})
	}
}

// folderLoaded enters the folder: after login, the intro and the main menu;
// after a change of folder, the folder's name and the main menu.
func (st *stepper) folderLoaded(b *Box) {
	if b == nil || st.s.Phase != PhaseBusy || !st.s.Authenticated {
		return
	}
	if b.Failed {
		st.goodbye("vm-sorry", "vm-goodbye")
		return
	}
	box := *b
	box.Msgs = append([]MsgInfo(nil), b.Msgs...)
	box.Cur = -1
	st.s.Loads++
	box.Listing, box.Marks = st.s.Loads, ""
	st.s.Box = &box
	if st.s.Menu == MenuLoginPassword {
		intro := append([]string(nil), st.s.Prefix...)
		st.s.Prefix = nil
		if st.s.Greetings[GreetTemp] {
			// The owner is reminded that callers hear the temporary
			// greeting (app_voicemail tempgreetwarn).
			intro = append(intro, "vm-tempgreetactive")
		}
		intro = append(intro, messageIntro(st.s.Lang, st.s.Counts)...)
		intro = append(intro, mainInstructions(&st.s)...)
		st.s.Repeats = 0
		st.enter(MenuMain, intro)
		return
	}
	prompt := append(folderName(st.s.Lang, box.Folder), mainInstructions(&st.s)...)
	st.s.Repeats = 0
	st.enter(MenuMain, prompt)
}

// playCurrent plays the current message: its number and envelope, then its
// audio (play_message).
func (st *stepper) playCurrent() {
	b := st.s.Box
	m := b.Msgs[b.Cur]
	st.s.Menu = MenuMessage
	st.s.Repeats = 0
	st.s.Input = ""
	env := messageNumber(st.s.Lang, b.Cur, len(b.Msgs))
	env = append(env, envelope(st.e.cfg.Location, st.s.Lang, m, b.Now)...)
	st.play(env, PhasePrompting)
	st.s.Playing = PlayEnvelope
}

// playAudio plays the current message's recording.
func (st *stepper) playAudio() {
	b := st.s.Box
	m := b.Msgs[b.Cur]
	media := []string{"recording:" + m.Recording}
	if m.Intro != "" {
		media = append([]string{"recording:" + m.Intro}, media...)
	}
	st.play(media, PhasePrompting)
	st.s.Playing = PlayMessage
	st.s.Paused = false
}

// messageNumber is "first message", "message N", "last message".
func messageNumber(lang string, cur, n int) []string {
	var out []string
	switch {
	case cur == 0:
		out = append(out, "vm-first")
	case cur == n-1:
		out = append(out, "vm-last")
	}
	out = append(out, "vm-message")
	if cur != 0 && cur != n-1 {
		out = append(out, SayNumber(lang, cur+1)...)
	}
	return out
}

// messageInstructions is the menu after a message (vm_instructions_en,
// not starting).
func messageInstructions(s *State) []string {
	var out []string
	b := s.Box
	if b == nil || b.Cur < 0 || b.Cur >= len(b.Msgs) {
		return mainInstructions(s)
	}
	if b.Cur > 0 {
		out = append(out, "vm-prev")
	}
	out = append(out, "vm-advopts", "vm-repeat")
	if b.Cur != len(b.Msgs)-1 {
		out = append(out, "vm-next")
	}
	if b.Msgs[b.Cur].Deleted {
		out = append(out, "vm-undelete")
	} else {
		out = append(out, "vm-delete")
	}
	return append(out, "vm-toforward", "vm-savemessage", "vm-helpexit")
}

// browse runs the keys that move between messages.
func (st *stepper) browse(k ActionKind) {
	b := st.s.Box
	if b == nil {
		st.play(append([]string{"vm-sorry"}, st.prompt(st.menu())...), PhasePrompting)
		return
	}
	if len(b.Msgs) == 0 {
		// "You have no New messages."
		media := append([]string{"vm-youhave", "vm-no"}, folderName(st.s.Lang, b.Folder)...)
		st.play(append(media, st.prompt(st.menu())...), PhasePrompting)
		return
	}
	switch k {
	case ActFirst:
		b.Cur = 0
	case ActRepeat:
		if b.Cur < 0 {
			b.Cur = 0
		}
	case ActPrev:
		if b.Cur <= 0 {
			st.play(append([]string{"vm-nomore"}, st.prompt(st.menu())...), PhasePrompting)
			return
		}
		b.Cur--
	case ActNext:
		if b.Cur >= len(b.Msgs)-1 {
			st.play(append([]string{"vm-nomore"}, st.prompt(st.menu())...), PhasePrompting)
			return
		}
		b.Cur++
	}
	st.playCurrent()
}

// toggleDelete marks the current message deleted, or undeletes it.
func (st *stepper) toggleDelete() {
	b := st.s.Box
	if b == nil || b.Cur < 0 || b.Cur >= len(b.Msgs) {
		st.play(append([]string{"vm-sorry"}, st.prompt(st.menu())...), PhasePrompting)
		return
	}
	m := st.msg(b.Cur)
	m.Deleted = !m.Deleted
	said := "vm-deleted"
	if !m.Deleted {
		said = "vm-undeleted"
	}
	st.play(append([]string{said}, messageInstructions(&st.s)...), PhasePrompting)
}

// folderMenuPrompt is get_folder2: "change to which folder?" (or "save to
// which folder?"), then "press 0 for New messages, … or pound to cancel".
func folderMenuPrompt(s *State) []string {
	out := []string{"vm-changeto"}
	if s.FolderPurpose == "save" {
		out = []string{"vm-savefolder"}
	}
	out = append(out, "vm-press")
	for f := 0; f < FolderCount; f++ {
		out = append(out, SayNumber(s.Lang, f)...)
		out = append(out, "vm-for")
		out = append(out, folderName(s.Lang, f)...)
	}
	return append(out, "vm-tocancel")
}

// openFolderMenu enters the folder menu for purpose "change" or "save".
func (st *stepper) openFolderMenu(purpose string) {
	if purpose == "save" {
		b := st.s.Box
		if b == nil || b.Cur < 0 || b.Cur >= len(b.Msgs) {
			st.play(append([]string{"vm-sorry"}, st.prompt(st.menu())...), PhasePrompting)
			return
		}
	}
	st.s.FolderPurpose = purpose
	st.enter(MenuFolder, nil)
}

// folderChosen acts on a folder digit.
func (st *stepper) folderChosen(digit byte) {
	f := int(digit - '0')
	purpose := st.s.FolderPurpose
	st.s.FolderPurpose = ""
	if purpose == "save" {
		b := st.s.Box
		m := b.Msgs[b.Cur]
		if f == b.Folder {
			st.sayMoved(f)
			return
		}
		st.s.Phase = PhaseBusy
		st.s.TimerGen++
		st.s.FolderPurpose, st.s.SaveTo = "moving", f
		if m.Moved {
			// Already saved elsewhere: if this move fails, it stays there.
			st.s.FolderPurpose = "moving again"
		}
		// Marked moved before the move runs: a hangup while it runs must
		// not close the folder over it (delete or mark it heard).
		st.msg(b.Cur).Moved = true
		st.emit(Cmd{Kind: CmdMove, Mailbox: st.s.Mailbox, MsgID: m.ID, Folder: f})
		return
	}
	st.loadFolder(f)
}

// folderCancelled goes back to where the folder menu was opened from.
func (st *stepper) folderCancelled() {
	st.s.FolderPurpose = ""
	st.backToBrowsing(nil)
}

// backToBrowsing returns to the message menu when a message is current,
// else to the main menu, saying prefix first.
func (st *stepper) backToBrowsing(prefix []string) {
	if b := st.s.Box; b != nil && b.Cur >= 0 && b.Cur < len(b.Msgs) {
		st.s.Menu = MenuMessage
		st.s.Repeats = 0
		st.play(append(prefix, messageInstructions(&st.s)...), PhasePrompting)
		return
	}
	st.s.Menu = MenuMain
	st.s.Repeats = 0
	st.play(append(prefix, mainInstructions(&st.s)...), PhasePrompting)
}

// moved finishes a save to a folder: "message N saved to Work messages".
func (st *stepper) moved(r *Saved) {
	purpose := st.s.FolderPurpose
	if r == nil || st.s.Phase != PhaseBusy || (purpose != "moving" && purpose != "moving again") {
		return
	}
	f := st.s.SaveTo
	st.s.FolderPurpose, st.s.SaveTo = "", 0
	b := st.s.Box
	if !r.OK {
		// A message saved to another folder before this failed move is
		// still there: it must not be closed over (deleted) on exit.
		st.msg(b.Cur).Moved = purpose == "moving again"
		media := []string{"vm-sorry"}
		if r.Full {
			media = []string{"vm-mailboxfull"}
		}
		st.backToBrowsing(media)
		return
	}
	st.sayMoved(f)
}

func (st *stepper) sayMoved(f int) {
	b := st.s.Box
	said := append([]string{"vm-message"}, SayNumber(st.s.Lang, b.Cur+1)...)
	said = append(said, "vm-savedto")
	said = append(said, folderName(st.s.Lang, f)...)
	st.backToBrowsing(said)
}
