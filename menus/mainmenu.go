package menus

import "strings"

// messageIntro is "you have N new and M old messages", in the word order of
// lang (apps/app_voicemail.c vm_intro_en and its siblings).
func messageIntro(lang string, c Counts) []string {
	out := []string{"vm-youhave"}
	plural := func(n int) string {
		if n == 1 {
			return "vm-message"
		}
		return "vm-messages"
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
	if c.New == 0 && c.Old == 0 {
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
	case s.Box == nil && s.Counts.New+s.Counts.Old > 0:
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

// startFolderIndex is the folder a caller starts in: New when it has
// messages, else Old when it has some, else New (app_voicemail
// vm_execmain).
func startFolderIndex(c Counts) int {
	if c.New == 0 && c.Old > 0 {
		return 1
	}
	return 0
}

// romance reports languages whose prompts put the noun first ("messages
// nouveaux"), as app_voicemail's vm_instructions does for es, fr and pt.
func romance(lang string) bool {
	l := strings.ToLower(lang)
	for _, p := range []string{"es", "fr", "pt"} {
		if l == p || strings.HasPrefix(l, p+"_") || strings.HasPrefix(l, p+"-") {
			return true
		}
	}
	return false
}
