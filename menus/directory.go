package menus

import (
	"slices"
	"strings"
	"time"
)

// The dial-by-name directory (app_directory's Directory()): the caller
// spells the first letters of a name, hears each match, and presses 1 to
// be connected; the call goes back to the dialplan with the extension in
// DIRECTORY_EXTEN.
const (
	// MenuDirectory asks for the first three letters of the name.
	MenuDirectory MenuID = "directory"
	// MenuDirectoryMatch offers one match: 1 connects, * the next.
	MenuDirectoryMatch MenuID = "directory.match"
)

// The timeouts of app_directory (apps/app_directory.c): 5 s for the first
// key after the introduction (directory_exec's ast_waitfordigit(chan,
// 5000)), 3 s between keys (do_directory's ast_readstring(…, 3000, 3000,
// "#")), 3 s after each match, which is offered three times
// (select_item_seq).
const (
	dirFirstDigit  = 5 * time.Second
	dirInterDigit  = 3 * time.Second
	dirMatchWait   = 3 * time.Second
	dirMatchOffers = 3
	// dirDigits is how many letters the caller spells (app_directory's
	// default; its f(n) form is not offered).
	dirDigits = 3
	// maxDirMatches bounds the matches kept in the call's state, which is
	// saved at every step: a caller skips through at most this many.
	maxDirMatches = 50
)

// The values of DIRECTORY_RESULT, as app_directory sets them.
const (
	DirSelected  = "SELECTED"  // a match was chosen: DIRECTORY_EXTEN is its extension
	DirOperator  = "OPERATOR"  // 0: the dialplan's operator
	DirAssistant = "ASSISTANT" // * before any letter: the dialplan's 'a' extension
	DirUserExit  = "USEREXIT"  // # while a match is offered
	DirTimeout   = "TIMEOUT"   // no key after the introduction
)

// DirectoryBy says which part of the names the caller spells.
type DirectoryBy string

// The ways to search (app_directory's options l, f and b).
const (
	// DirByLast: the last name (the words after the first space, or the
	// whole name); the default.
	DirByLast DirectoryBy = ""
	// DirByFirst: the first name (option f).
	DirByFirst DirectoryBy = "first"
	// DirByEither: the first or the last name (option b).
	DirByEither DirectoryBy = "either"
)

// Directory is a dial-by-name search under way.
type Directory struct {
	// Context is the voicemail context whose mailboxes are offered.
	Context string `json:"context"`
	// By says which part of the names is spelled.
	By DirectoryBy `json:"by,omitempty"`
	// SayExten reads each match's extension after its name (option e).
	SayExten bool `json:"say_exten,omitempty"`
	// Typed are the keys spelled, while the mailboxes are looked up.
	Typed string `json:"typed,omitempty"`
	// Matches are the mailboxes offered, in order; Cur is the one offered
	// now.
	Matches []DirEntry `json:"matches,omitempty"`
	Cur     int        `json:"cur,omitempty"`
}

// DirEntry is one mailbox the directory can offer.
type DirEntry struct {
	// Number is the extension connected to.
	Number string `json:"number"`
	// Name is the owner's full name, "First Last".
	Name string `json:"name"`
	// Recording is the owner's recorded name, "" if none.
	Recording string `json:"rec,omitempty"`
}

// DirectoryResult is the outcome of a CmdDirectory.
type DirectoryResult struct {
	// Entries are the mailboxes of the context that may be offered (not
	// hidden), in any order.
	Entries []DirEntry
	// Failed is set when they could not be read (storage down).
	Failed bool
}

// directoryMenus are the introduction, which reads the letters, and the
// offer of one match.
func directoryMenus(Config) []*Menu {
	return []*Menu{
		{
			ID:         MenuDirectory,
			Doc:        "Directory: spell the name",
			PromptFunc: dirIntro,
			Input:      InputDigits,
			MaxDigits:  dirDigits,
			FirstDigit: dirFirstDigit,
			InterDigit: dirInterDigit,
			MaxRepeats: 1,
			OnGiveUp:   Action{Do: dirLeaveWith(DirTimeout), Doc: "silence: back to the dialplan (TIMEOUT)"},
			Escapes: map[byte]Action{
				'0': {Do: dirLeaveWith(DirOperator), Doc: "the operator: back to the dialplan (OPERATOR)"},
				'*': {Do: dirLeaveWith(DirAssistant), Doc: "back to the dialplan (ASSISTANT)"},
			},
			OnInput: Entry{Do: dirSpelled, Doc: "the first three letters of the name (`2`=ABC … `9`=WXYZ): each match, or `dir-nomatch`"},
		},
		{
			ID:         MenuDirectoryMatch,
			Doc:        "Directory: a match",
			PromptFunc: dirOffer,
			Input:      InputKey,
			FirstDigit: dirMatchWait,
			MaxRepeats: dirMatchOffers,
			OnGiveUp:   Action{Do: dirNext},
			Keys: map[byte]Action{
				'1': {Do: dirConnect, Doc: "connect: back to the dialplan (SELECTED, the extension in DIRECTORY_EXTEN)"},
				'0': {Do: dirLeaveWith(DirOperator), Doc: "the operator: back to the dialplan (OPERATOR)"},
				'*': {Do: dirNext, Doc: "the next match (`dir-nomore` after the last)"},
				'#': {Do: dirLeaveWith(DirUserExit), Doc: "leave the directory: back to the dialplan (USEREXIT)"},
			},
		},
	}
}

// startDirectory begins a dial-by-name call with the introduction.
func (st *stepper) startDirectory(d *Directory) {
	if d == nil {
		d = &Directory{Context: "default"}
	}
	st.s.Dir = &Directory{Context: d.Context, By: d.By, SayExten: d.SayExten}
	st.enter(MenuDirectory, nil)
}

// dirIntro is app_directory's introduction: "welcome to the directory,
// please enter the first three letters of your party's last name using
// your touch-tone keypad".
func dirIntro(s *State) []string {
	which := "dir-last"
	if s.Dir != nil {
		switch s.Dir.By {
		case DirByFirst:
			which = "dir-first"
		case DirByEither:
			which = "dir-firstlast"
		}
	}
	return []string{"dir-welcome", "dir-pls-enter", digit(dirDigits), which, "dir-usingkeypad"}
}

// dirOffer says the current match: the recorded name, or the name spelled
// (with option e, "extension" and its number too), then "press 1 if this
// is the person you want, * for the next" (app_directory's
// play_mailbox_owner and dir-instr).
func dirOffer(s *State) []string {
	e := dirCurrent(s)
	if e == nil {
		return []string{"dir-instr"}
	}
	var out []string
	if e.Recording != "" {
		out = append(out, "recording:"+e.Recording)
	} else {
		out = append(out, spell(e.Name)...)
	}
	if s.Dir.SayExten {
		out = append(out, "vm-extension")
		out = append(out, spell(e.Number)...)
	}
	return append(out, "dir-instr")
}

// dirCurrent is the match offered now, or nil.
func dirCurrent(s *State) *DirEntry {
	d := s.Dir
	if d == nil || d.Cur < 0 || d.Cur >= len(d.Matches) {
		return nil
	}
	return &d.Matches[d.Cur]
}

// dirSpelled takes the letters spelled and asks for the context's
// mailboxes. An entry that spells nothing ('#' alone) matches nobody.
func dirSpelled(st *stepper, typed string) {
	if st.s.Dir == nil {
		st.startDirectory(nil)
		return
	}
	if typed == "" || strings.Trim(typed, "0123456789") != "" {
		st.dirAgain("dir-nomatch")
		return
	}
	st.s.Dir.Typed = typed
	st.stopPrompt()
	st.s.Phase = PhaseBusy
	st.s.TimerGen++
	st.emit(Cmd{Kind: CmdDirectory, Name: st.s.Dir.Context})
}

// directoryLoaded offers the matches among the mailboxes read, or says
// there are none and asks again.
func (st *stepper) directoryLoaded(r *DirectoryResult) {
	d := st.s.Dir
	if st.s.Phase != PhaseBusy || st.s.Menu != MenuDirectory || d == nil || r == nil {
		return
	}
	typed := d.Typed
	d.Typed = ""
	if r.Failed {
		st.dirAgain("vm-sorry")
		return
	}
	d.Matches = DirectoryMatches(r.Entries, typed, d.By)
	d.Cur = 0
	if len(d.Matches) == 0 {
		st.dirAgain("dir-nomatch")
		return
	}
	st.enter(MenuDirectoryMatch, nil)
}

// dirAgain says said, then the introduction again (app_directory's loop).
func (st *stepper) dirAgain(said string) {
	st.s.Dir.Matches, st.s.Dir.Cur = nil, 0
	st.s.Repeats = 0
	st.enter(MenuDirectory, append([]string{said}, dirIntro(&st.s)...))
}

// dirNext offers the next match; after the last, "no more names" and the
// introduction again.
func dirNext(st *stepper) {
	d := st.s.Dir
	if d == nil {
		st.startDirectory(nil)
		return
	}
	d.Cur++
	if d.Cur >= len(d.Matches) {
		st.dirAgain("dir-nomore")
		return
	}
	st.s.Repeats = 0
	st.enter(MenuDirectoryMatch, nil)
}

// dirConnect is '1' on a match: back to the dialplan, which dials it.
func dirConnect(st *stepper) {
	if e := dirCurrent(&st.s); e != nil {
		st.dirLeave(DirSelected, e.Number)
		return
	}
	dirNext(st)
}

// dirLeaveWith returns the handler that leaves the directory with result.
func dirLeaveWith(result string) func(st *stepper) {
	return func(st *stepper) { st.dirLeave(result, "") }
}

// dirLeave hands the call back to the dialplan with DIRECTORY_RESULT and
// DIRECTORY_EXTEN set, as app_directory does; nothing is played.
func (st *stepper) dirLeave(result, exten string) {
	st.stopPrompt()
	st.s.Pending, st.s.Input = "", ""
	st.s.Phase = PhaseDone
	st.emit(Cmd{Kind: CmdContinue, Vars: []Var{{"DIRECTORY_RESULT", result}, {"DIRECTORY_EXTEN", exten}}})
}

// DirectoryMatches returns the entries whose name matches the keys typed
// (2 for A, B or C, …, 9 for W to Z, a digit for itself), sorted as
// app_directory sorts them: by last name then first name, or by full name
// when the first name is spelled. Letters with accents count as the
// letter, and characters that are neither letters nor digits are skipped.
// At most maxDirMatches are returned.
func DirectoryMatches(entries []DirEntry, typed string, by DirectoryBy) []DirEntry {
	type match struct {
		e   DirEntry
		key string
	}
	var ms []match
	for _, e := range entries {
		first, last := e.Name, lastName(e.Name)
		switch {
		case by != DirByFirst && keypadPrefix(last, typed):
			ms = append(ms, match{e, strings.ToLower(last + " " + first)})
		case by != DirByLast && keypadPrefix(first, typed):
			ms = append(ms, match{e, strings.ToLower(first)})
		}
	}
	slices.SortStableFunc(ms, func(a, b match) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.e.Number, b.e.Number)
	})
	out := make([]DirEntry, 0, min(len(ms), maxDirMatches))
	for i := 0; i < len(ms) && i < maxDirMatches; i++ {
		out = append(out, ms[i].e)
	}
	return out
}

// lastName is the part of name app_directory takes for the last name: what
// follows the first space, or the whole name.
func lastName(name string) string {
	name = strings.TrimSpace(name)
	if i := strings.IndexByte(name, ' '); i >= 0 {
		return strings.TrimSpace(name[i+1:])
	}
	return name
}

// keypadPrefix reports whether text starts with the keys typed.
func keypadPrefix(text, typed string) bool {
	i := 0
	for _, r := range text {
		if i == len(typed) {
			break
		}
		k, ok := keypadKey(r)
		if !ok {
			continue
		}
		if k != typed[i] {
			return false
		}
		i++
	}
	return i == len(typed)
}

// keypadKey is the key that types r, false for characters no key types.
func keypadKey(r rune) (byte, bool) {
	r = fold(r)
	switch {
	case r >= '0' && r <= '9':
		return byte(r), true
	case r >= 'a' && r <= 'z':
		return "22233344455566677778889999"[r-'a'], true
	}
	return 0, false
}

// fold lower-cases r and takes the accent off the Latin letters that
// carry one in the names of French and other Western European speakers.
func fold(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	if r < 0xC0 {
		return r
	}
	for _, a := range accents {
		if strings.ContainsRune(a.accented, r) {
			return a.base
		}
	}
	return r
}

// accents are the accented forms of the letters fold knows.
var accents = []struct {
	base     rune
	accented string
}{
	{'a', "àáâãäåÀÁÂÃÄÅ"}, {'c', "çÇ"}, {'e', "èéêëÈÉÊË"}, {'i', "ìíîïÌÍÎÏ"},
	{'n', "ñÑ"}, {'o', "òóôõöøÒÓÔÕÖØ"}, {'u', "ùúûüÙÚÛÜ"}, {'y', "ýÿÝ"},
}

// spell is text said letter by letter, as Asterisk's ast_say_character_str
// says it: letters/x, digits/n, letters/space and letters/dash; other
// characters are skipped.
func spell(text string) []string {
	var out []string
	for _, r := range text {
		r = fold(r)
		switch {
		case r >= 'a' && r <= 'z':
			out = append(out, "letters/"+string(r))
		case r >= '0' && r <= '9':
			out = append(out, digit(int(r-'0')))
		case r == ' ':
			out = append(out, "letters/space")
		case r == '-':
			out = append(out, "letters/dash")
		}
	}
	return out
}
