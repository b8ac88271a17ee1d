package menus

// Apology is what a caller hears when another instance picks their call up
// after the one serving it died or stopped.
const Apology = "im-sorry"

// resume picks a call up where another instance left it. What that instance
// was playing and timing is gone, so the caller hears a short apology and
// the menu they were in again; a logged-in caller stays logged in. A
// message being recorded is measured and saved (the recording itself went
// on in Asterisk); a greeting or an introduction being recorded is dropped
// and the same one asked for again, because its name was never saved.
func (st *stepper) resume() {
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
		// The take being recorded is lost (its name was never saved):
		// ask for the same greeting again. A forward's introduction the
		// same way.
		if t := st.s.Take; t != nil {
			st.s.Take = &Take{Kind: t.Kind}
		}
		if f := st.s.Forward; f != nil && f.Recording {
			g := *f
			g.Recording = false
			st.s.Forward = &g
		}
	case PhaseBusy:
		if d := st.s.Deposit; d != nil && d.Recorded && !d.Saved {
			// The save may or may not have happened: it is idempotent on
			// the message id, so do it again.
			st.emit(Cmd{Kind: CmdSaveMessage, Deposit: d, Duration: d.Duration})
			return
		}
	}
	st.s.Input = ""
	m := st.menu()
	st.s.Menu = m.ID
	st.enter(m.ID, append([]string{Apology}, st.prompt(m)...))
}
