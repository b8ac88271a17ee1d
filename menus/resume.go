package menus

// Apology is what a caller hears when another instance picks their call up
// after the one serving it died or stopped.
const Apology = "im-sorry"

// resume picks a call up where another instance left it. What that instance
// was playing and timing is gone, so the caller hears a short apology and
// the menu they were in again; a logged-in caller stays logged in. A
// message being recorded is measured and saved (the recording itself went
// on in Asterisk); a greeting or an introduction being recorded is
// discarded (the session names it: takeNamed) and the same one asked for
// again. A folder close the old owner asked for and may not have done
// (State.Closing) is asked for again, and so are a forward's copies and a
// greeting change whose outcome went with it (redoForward, redoChange).
func (st *stepper) resume() {
	st.redoClose()
	st.s.Playback = ""
	st.s.Playing = PlayPrompt
	st.s.Paused = false
	st.s.TimerGen++
	switch st.s.Phase {
	case PhaseIdle, PhaseDone:
		// Nothing to resume: the call had not started, or was over.
		st.s.Phase = PhaseDone
		st.emit(Cmd{Kind: CmdHangup})
		return
	case PhaseClosing:
		st.play([]string{"vm-goodbye"}, PhaseClosing)
		return
	case PhaseRecording:
		if d := st.s.Deposit; d != nil && st.s.Take == nil && (st.s.Forward == nil || !st.s.Forward.Recording) {
			st.emit(Cmd{Kind: CmdMeasure, Name: d.Recording})
			return
		}
		// The take being recorded is cut: its audio is discarded and the
		// same greeting asked for again. A forward's introduction the same
		// way.
		if t := st.s.Take; t != nil {
			if t.Recording != "" {
				st.emit(Cmd{Kind: CmdDiscard, Name: t.Recording})
			}
			st.s.Take = &Take{Kind: t.Kind}
		}
		if f := st.s.Forward; f != nil && f.Recording {
			if f.Intro != "" {
				st.emit(Cmd{Kind: CmdDiscard, Name: f.Intro})
			}
			// Still recording the introduction: the same question
			// again, and its next take is named as the first was.
			g := *f
			g.Intro = ""
			st.s.Forward = &g
		}
	case PhaseBusy:
		if d := st.s.Deposit; d != nil && d.Recorded && !d.Saved {
			// The save may or may not have happened: it is idempotent on
			// the message id, so do it again.
			st.emit(Cmd{Kind: CmdSaveMessage, Deposit: d, Duration: d.Duration})
			return
		}
		if st.redoForward() || st.redoChange() {
			// A forward or a greeting change was under way: it may or
			// may not have been done, and doing it again comes out the
			// same; "forwarded" or "saved" follows the apology.
			st.s.Prefix = append([]string{Apology}, st.s.Prefix...)
			return
		}
		if p := st.s.FolderPurpose; p == "moving" || p == "moving again" {
			if b := st.s.Box; b != nil && b.Cur >= 0 && b.Cur < len(b.Msgs) {
				// A save to a folder was running: it may or may not have
				// happened, and moving a message to the folder it is in
				// changes nothing, so move it again; "saved to" follows
				// the apology. (Read again, the folder menu would have
				// asked "change to which folder?", and the caller's
				// answer would have opened a folder, not saved to it.)
				st.s.Prefix = append([]string{Apology}, st.s.Prefix...)
				st.moveCurrent()
				return
			}
		}
		if st.s.Authenticated && st.s.Menu == MenuLoginPassword {
			// Logged in, the starting folder was loading: load it again
			// (the password is not asked twice); the intro follows the
			// apology.
			st.s.Prefix = append([]string{Apology}, st.s.Prefix...)
			st.loadFolder(startFolderIndex(st.s.Counts))
			return
		}
	}
	if st.s.FolderPurpose == "next" {
		// New was loading after the last urgent message: the caller
		// picks again from the menu.
		st.s.FolderPurpose = ""
	}
	st.s.Input = ""
	m := st.menu()
	st.s.Menu = m.ID
	st.enter(m.ID, append([]string{Apology}, st.prompt(m)...))
}
