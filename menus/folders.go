package menus

import "github.com/clusterpbx/voicemail/mailbox"

// MenuFolder picks a folder, to change to it (2) or to save a message in
// it (9) (app_voicemail get_folder2).
const MenuFolder MenuID = "folder"

// folderMenus is the folder menu: a key for each folder.
func folderMenus(cfg Config) []*Menu {
	return []*Menu{
		{
			ID:         MenuFolder,
			Doc:        "Choose a folder (after `2` or `9`)",
			PromptFunc: folderMenuPrompt,
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			OnGiveUp:   Action{Do: cancelFolder},
			Keys: map[byte]Action{
				'0': {Do: chooseFolder(mailbox.FolderNew), Doc: "New"},
				'1': {Do: chooseFolder(mailbox.FolderOld), Doc: "Old"},
				'2': {Do: chooseFolder(mailbox.FolderWork), Doc: "Work"},
				'3': {Do: chooseFolder(mailbox.FolderFamily), Doc: "Family"},
				'4': {Do: chooseFolder(mailbox.FolderFriends), Doc: "Friends"},
				'#': {Do: cancelFolder, Doc: "cancel"},
			},
		},
	}
}

// Folder prompts, by the app_voicemail folder numbers 0–4.
var folderNames = [...]string{"vm-INBOX", "vm-Old", "vm-Work", "vm-Family", "vm-Friends", "vm-Urgent"}

// FolderCount is how many folders a caller can pick with a digit (New,
// Old, Work, Family, Friends); the Urgent folder is only ever the one a
// caller starts in.
const FolderCount = len(folderNames) - 1

// folderName is vm_play_folder_name: the folder, then "messages" (after it in
// the noun-first languages).
func folderName(lang string, f mailbox.Folder) []string {
	if f.Validate() != nil {
		f = mailbox.FolderNew
	}
	if romance(lang) {
		return []string{"vm-messages", folderNames[f]}
	}
	return []string{folderNames[f], "vm-messages"}
}

// loadFolder asks the app for folder f's messages, closing the current one
// first (its heard and deleted messages take effect then).
func (st *stepper) loadFolder(f mailbox.Folder) {
	st.closeBox()
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	st.emit(Cmd{Kind: CmdLoadFolder, Mailbox: st.s.mailboxID(), Folder: f})
}

// closeBox applies what the caller did in the current folder
// (app_voicemail close_mailbox): heard New and Urgent messages go to Old, deleted
// messages go away. Messages already saved elsewhere are left alone.
func (st *stepper) closeBox() {
	b := st.s.Box
	if b == nil {
		return
	}
	var heard, deleted, audio []string
	for _, m := range b.Msgs {
		switch {
		case m.Moved:
		case m.Deleted:
			deleted = append(deleted, m.ID)
			if m.Recording != "" {
				audio = append(audio, m.Recording)
			}
			if m.Intro != "" {
				audio = append(audio, m.Intro)
			}
		case m.Heard && b.Folder.Unheard():
			heard = append(heard, m.ID)
		}
	}
	st.s.Box = nil
	if len(heard) > 0 || len(deleted) > 0 {
		st.s.Closing = &Closing{Folder: b.Folder, Heard: heard, Deleted: deleted, Recordings: audio}
		st.emit(Cmd{Kind: CmdCloseFolder, Mailbox: st.s.mailboxID(), Folder: b.Folder, Heard: heard, Deleted: deleted, Recordings: audio})
	}
}

// redoClose asks again for the folder close the state says is not known
// to be done (State.Closing): the instance that asked for it may have
// died before or during it.
func (st *stepper) redoClose() {
	c := st.s.Closing
	if c == nil || !st.s.Authenticated || c.Folder.Validate() != nil {
		return
	}
	st.emit(Cmd{Kind: CmdCloseFolder, Mailbox: st.s.mailboxID(), Folder: c.Folder, Heard: c.Heard, Deleted: c.Deleted, Recordings: c.Recordings})
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
		intro := st.takePrefix()
		if st.s.Greetings[mailbox.GreetingTemp] {
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
	if st.s.FolderPurpose == "next" {
		// On from the last urgent message: the first new one plays.
		st.s.FolderPurpose = ""
		if len(box.Msgs) > 0 {
			box.Cur = 0
			st.playCurrent()
			return
		}
		st.s.Repeats = 0
		st.enter(MenuMain, append([]string{"vm-nomore"}, mainInstructions(&st.s)...))
		return
	}
	prompt := append(folderName(st.s.Lang, box.Folder), mainInstructions(&st.s)...)
	st.s.Repeats = 0
	st.enter(MenuMain, prompt)
}

// folderMenuPrompt is get_folder2: "change to which folder?" (or "save to
// which folder?"), then "press 0 for New messages, … or pound to cancel".
func folderMenuPrompt(s *State) []string {
	out := []string{"vm-changeto"}
	if s.FolderPurpose == "save" {
		out = []string{"vm-savefolder"}
	}
	out = append(out, "vm-press")
	for _, f := range mailbox.AllFolders[:FolderCount] {
		out = append(out, SayNumber(s.Lang, int(f))...)
		out = append(out, "vm-for")
		out = append(out, folderName(s.Lang, f)...)
	}
	return append(out, "vm-tocancel")
}

// changeFolder is '2' in the main and message menus: which folder to open.
func changeFolder(st *stepper) { st.openFolderMenu("change") }

// saveToFolder is '9' after a message: which folder to save it to.
func saveToFolder(st *stepper) { st.openFolderMenu("save") }

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

// chooseFolder is the folder menu's key for folder f.
func chooseFolder(f mailbox.Folder) func(st *stepper) {
	return func(st *stepper) { st.folderChosen(f) }
}

// folderChosen opens folder f, or saves the current message to it.
func (st *stepper) folderChosen(f mailbox.Folder) {
	purpose := st.s.FolderPurpose
	st.s.FolderPurpose = ""
	if purpose == "save" {
		b := st.s.Box
		m := b.Msgs[b.Cur]
		if f == b.Folder {
			st.sayMoved(nil, f)
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
		st.moveCurrent()
		return
	}
	st.loadFolder(f)
}

// moveCurrent asks for the current message's move to st.s.SaveTo; EvMoved
// comes back (moved).
func (st *stepper) moveCurrent() {
	b := st.s.Box
	st.emit(Cmd{Kind: CmdMove, Mailbox: st.s.mailboxID(), MsgID: b.Msgs[b.Cur].ID, Folder: st.s.SaveTo})
}

// cancelFolder is '#' in the folder menu, and what it does when it gets no
// answer: back to where it was opened from.
func cancelFolder(st *stepper) {
	st.s.FolderPurpose = ""
	st.backToBrowsing(nil)
}

// moved finishes a save to a folder: "message N saved to Work messages".
func (st *stepper) moved(r *Saved) {
	purpose := st.s.FolderPurpose
	if r == nil || st.s.Phase != PhaseBusy || (purpose != "moving" && purpose != "moving again") {
		return
	}
	f := st.s.SaveTo
	st.s.FolderPurpose, st.s.SaveTo = "", 0
	pre := st.takePrefix() // the apology of a takeover that moved the message again
	b := st.s.Box
	if !r.OK {
		// A message saved to another folder before this failed move is
		// still there: it must not be closed over (deleted) on exit.
		st.msg(b.Cur).Moved = purpose == "moving again"
		media := append(pre, "vm-sorry")
		if r.Full {
			media = append(pre, "vm-mailboxfull")
		}
		st.backToBrowsing(media)
		return
	}
	st.sayMoved(pre, f)
}

// sayMoved says, after prefix, that the current message was saved to f.
func (st *stepper) sayMoved(prefix []string, f mailbox.Folder) {
	b := st.s.Box
	said := append(append(prefix, "vm-message"), SayNumber(st.s.Lang, b.Cur+1)...)
	said = append(said, "vm-savedto")
	said = append(said, folderName(st.s.Lang, f)...)
	st.backToBrowsing(said)
}
