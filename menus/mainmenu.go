package menus

import (
	"strings"

	"github.com/clusterpbx/voicemail/mailbox"
)

// The main menus (app_voicemail vm_execmain).
const (
	// MenuMain is the main menu after login.
	MenuMain MenuID = "main"
	// MenuMessage is the menu after a message was played.
	MenuMessage MenuID = "message"
)

// mainMenus are the main menu, where a logged-in caller starts, and the
// menu after a message (vm_execmain).
func mainMenus(cfg Config) []*Menu {
	return []*Menu{
		{
			ID:         MenuMain,
			Doc:        "Main menu",
			PromptFunc: mainInstructions,
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			Keys: map[byte]Action{
				'1': {Do: firstMessage, Doc: "listen to the first message of the folder"},
				'2': {Do: changeFolder, Doc: "change folder"},
				'3': {Goto: MenuAdvanced, Doc: "advanced options"},
				// Before any message was played the first one is current,
				// as in app_voicemail (vms.curmsg starts at 0): the keys
				// of the message menu act on it.
				'4': {Do: onFirstMessage(previousMessage), Doc: "previous message (none yet: `vm-nomore`)"},
				'5': {Do: onFirstMessage(repeatMessage), Doc: "play the first message"},
				'6': {Do: onFirstMessage(nextMessage), Doc: "next message: the second"},
				'7': {Do: onFirstMessage(toggleDelete), Doc: "delete the first message (again: undelete)"},
				'8': {Do: onFirstMessage(forwardMessage), Doc: "forward the first message to other mailboxes"},
				'9': {Do: onFirstMessage(saveToFolder), Doc: "save the first message to a folder"},
				'0': {Do: openOptions, Doc: "mailbox options"},
				'*': {Do: help, Doc: "help: the options again"},
				'#': {Do: sayGoodbye, Doc: "exit"},
			},
		},
		{
			ID:         MenuMessage,
			Doc:        "After a message",
			PromptFunc: messageInstructions,
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			Keys: map[byte]Action{
				'1': {Do: firstMessage, Doc: "first message"},
				'2': {Do: changeFolder, Doc: "change folder"},
				'3': {Goto: MenuAdvanced, Doc: "advanced options"},
				'4': {Do: previousMessage, Doc: "previous message"},
				'5': {Do: repeatMessage, Doc: "repeat the message"},
				'6': {Do: nextMessage, Doc: "next message"},
				'7': {Do: toggleDelete, Doc: "delete the message (again: undelete); it goes when you leave the folder"},
				'8': {Do: forwardMessage, Doc: "forward the message to other mailboxes"},
				'9': {Do: saveToFolder, Doc: "save the message to a folder"},
				'0': {Do: openOptions, Doc: "mailbox options"},
				'*': {Do: help, Doc: "help: the options again"},
				'#': {Do: sayGoodbye, Doc: "exit"},
			},
			// A message is its envelope, its audio, then this menu's
			// prompt (play_message). Keys act on them as in
			// app_voicemail's wait_file: ast_control_streamfile with the
			// listen_control keys ("#" forward, "*" reverse, "0" pause);
			// on the envelope, "1" skips to the message.
			Playbacks: map[PlayKind]Playback{
				PlayEnvelope: {
					Keys: map[byte]Action{
						'1': {Do: skipEnvelope, Doc: "skip to the message"},
					},
					OnDone: Action{Do: envelopePlayed},
				},
				PlayMessage: {
					Keys: map[byte]Action{
						'*': {Do: controlMessage("reverse"), Doc: "rewind 3 s"},
						'#': {Do: controlMessage("forward"), Doc: "fast-forward 3 s"},
						'0': {Do: pauseMessage, Doc: "pause (again: go on)"},
						'2': {Do: restartMessage, Doc: "restart the message, from its introduction"},
					},
					OnDone: Action{Do: messagePlayed},
				},
			},
		},
	}
}

// messageIntro is "you have U urgent and N new and M old messages", in the
// word order of lang (apps/app_voicemail.c vm_intro_en and its siblings:
// the urgent count first, "vm-and" when more follows, else "message(s)").
func messageIntro(lang string, c Counts) []string {
	out := []string{"vm-youhave"}
	plural := func(n int) string {
		if n == 1 {
			return "vm-message"
		}
		return "vm-messages"
	}
	if c.Urgent > 0 {
		out = append(out, SayNumber(lang, c.Urgent)...)
		out = append(out, "vm-Urgent")
		if c.New > 0 || c.Old > 0 {
			out = append(out, "vm-and")
		} else {
			out = append(out, plural(c.Urgent))
		}
	}
	if c.New > 0 {
		out = append(out, SayNumber(lang, c.New)...)
		out = append(out, "vm-INBOX")
		if c.Old > 0 {
			out = append(out, "vm-and")
		} else {
			out = append(out, plural(c.New))
		}
	}
	if c.Old > 0 {
		out = append(out, SayNumber(lang, c.Old)...)
		out = append(out, "vm-Old", plural(c.Old))
	}
	if c.Urgent == 0 && c.New == 0 && c.Old == 0 {
		out = append(out, "vm-no", "vm-messages")
	}
	return out
}

// mainInstructions is the main menu's prompt (vm_instructions_en): "press 1
// for new messages" when the current folder has any, then the options, then
// "press star for help or pound to exit".
func mainInstructions(s *State) []string {
	var out []string
	box := ""
	switch {
	case s.Box != nil && len(s.Box.Msgs) > 0:
		box = folderNames[s.Box.Folder]
	case s.Box == nil && s.Counts.Urgent+s.Counts.New+s.Counts.Old > 0:
		// Before the folder is loaded: the one the caller starts in.
		box = folderNames[startFolderIndex(s.Counts)]
	}
	if box != "" {
		out = append(out, "vm-onefor")
		if romance(s.Lang) {
			out = append(out, "vm-messages", box)
		} else {
			out = append(out, box, "vm-messages")
		}
	}
	return append(out, "vm-opts", "vm-helpexit")
}

// startFolderIndex is the folder a caller starts in: Urgent when it has
// messages, else New when it has some, else Old when it has some, else New
// (app_voicemail vm_execmain: "Start in Urgent").
func startFolderIndex(c Counts) mailbox.Folder {
	switch {
	case c.Urgent > 0:
		return mailbox.FolderUrgent
	case c.New == 0 && c.Old > 0:
		return mailbox.FolderOld
	}
	return mailbox.FolderNew
}

// romance reports languages whose folder names put the noun first
// ("mensajes nuevos"), as app_voicemail's vm_play_folder_name does for es,
// it and pt. French is not one: app_voicemail says "nouveaux messages".
func romance(lang string) bool {
	l := strings.ToLower(lang)
	for _, p := range []string{"es", "it", "pt"} {
		if l == p || strings.HasPrefix(l, p+"_") || strings.HasPrefix(l, p+"-") {
			return true
		}
	}
	return false
}

// playCurrent plays the current message: its number, "urgent" in the
// Urgent folder, and envelope, then its audio (play_message).
func (st *stepper) playCurrent() {
	b := st.s.Box
	m := b.Msgs[b.Cur]
	st.s.Menu = MenuMessage
	st.s.Repeats = 0
	st.s.Input = ""
	env := messageNumber(st.s.Lang, b.Cur, len(b.Msgs))
	if b.Folder == mailbox.FolderUrgent {
		// "Play the word urgent if we are listening to urgent messages"
		// (play_message).
		env = append(env, "vm-Urgent")
	}
	env = append(env, envelope(st.location(), st.s.Lang, m, b.Now, st.s.options())...)
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
	// A message counts as heard once its audio starts, as in
	// app_voicemail (play_message sets heard[] before the audio plays): a
	// caller who hangs up during it finds it in Old next time.
	st.msg(b.Cur).Heard = true
}

// skipEnvelope is '1' while a message's envelope plays: straight to the
// message.
func skipEnvelope(st *stepper) {
	st.stopPrompt()
	st.playAudio()
}

// envelopePlayed: the message's audio follows its envelope.
func envelopePlayed(st *stepper) { st.playAudio() }

// messagePlayed: a message that played to its end counts as heard, and the
// menu's prompt follows.
func messagePlayed(st *stepper) {
	st.msg(st.s.Box.Cur).Heard = true
	st.play(messageInstructions(&st.s), PhasePrompting)
}

// controlMessage is a key that applies op (an ARI playback operation:
// reverse, forward, restart) to the message playing.
func controlMessage(op string) func(st *stepper) {
	return func(st *stepper) {
		st.emit(Cmd{Kind: CmdControl, ID: st.s.Playback, Op: op})
	}
}

// restartMessage is '2' while a message plays (app_voicemail's
// listen_control_restart_key): the caller hears the whole message again,
// paused or not. ARI's "restart" operation does not do that: it restarts
// only the media item playing (the message, not its introduction), and
// Asterisk refuses it on a paused playback
// (res/res_stasis_playback.c has no restart for the paused state; see
// TestIntegrationPlaybackRestartOperation). So the playback is stopped
// and the audio played again from its start.
func restartMessage(st *stepper) {
	st.stopPrompt()
	st.playAudio()
}

// pauseMessage is '0' while a message plays: it pauses, or goes on.
func pauseMessage(st *stepper) {
	op := "pause"
	if st.s.Paused {
		op = "unpause"
	}
	st.s.Paused = !st.s.Paused
	st.emit(Cmd{Kind: CmdControl, ID: st.s.Playback, Op: op})
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

// onFirstMessage is a main-menu key that acts on the current message
// before any was played: message 1 becomes current (app_voicemail's
// vm_execmain starts with vms.curmsg 0), the caller is in the message
// menu, and handler runs there. In an empty folder nothing is current and
// handler says so.
func onFirstMessage(handler func(st *stepper)) func(st *stepper) {
	return func(st *stepper) {
		if b := st.s.Box; b != nil && b.Cur < 0 && len(b.Msgs) > 0 {
			b.Cur = 0
			st.s.Menu = MenuMessage
		}
		handler(st)
	}
}

// firstMessage is '1' in the main and message menus.
func firstMessage(st *stepper) { st.browse(func(cur, n int) int { return 0 }) }

// repeatMessage is '5' after a message: the current one again (the first
// before any).
func repeatMessage(st *stepper) { st.browse(func(cur, n int) int { return max(cur, 0) }) }

// previousMessage is '4' after a message.
func previousMessage(st *stepper) { st.browse(func(cur, n int) int { return cur - 1 }) }

// nextMessage is '6' after a message.
func nextMessage(st *stepper) { st.browse(func(cur, n int) int { return cur + 1 }) }

// browse plays the message that pick chooses from the current one (-1
// before the first) among n; "no more" when that is out of the folder.
func (st *stepper) browse(pick func(cur, n int) int) {
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
	i := pick(b.Cur, len(b.Msgs))
	if i >= len(b.Msgs) && b.Folder == mailbox.FolderUrgent && st.s.Counts.New > 0 {
		// Past the last urgent message: on to the new ones rather than
		// "no more" (vm_execmain, case '6' with in_urgent).
		st.s.FolderPurpose = "next"
		st.loadFolder(mailbox.FolderNew)
		return
	}
	if i < 0 || i >= len(b.Msgs) {
		st.play(append([]string{"vm-nomore"}, st.prompt(st.menu())...), PhasePrompting)
		return
	}
	b.Cur = i
	st.playCurrent()
}

// toggleDelete is '7' after a message: it marks the current message
// deleted, or undeletes it.
func toggleDelete(st *stepper) {
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

// help is '*' in the main and message menus: the menu's prompt again
// (app_voicemail's vm_instructions). Keys typed ahead are dropped.
func help(st *stepper) {
	st.s.Pending = ""
	st.play(st.prompt(st.menu()), PhasePrompting)
}

// sayGoodbye is '#' in the main and message menus: vm-goodbye, then the
// call ends.
func sayGoodbye(st *stepper) { st.goodbye("vm-goodbye") }

// backToMain is '*' in the advanced and the mailbox options: back to the
// message menu, or the main menu (a forward being set up is dropped).
func backToMain(st *stepper) {
	st.s.Forward = nil
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
