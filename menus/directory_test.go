package menus

import (
	"slices"
	"testing"
)

// staff is a context's directory as the app reads it, in index order.
var staff = []DirEntry{
	{Number: "1001", Name: "Alice Smith", Recording: "voicemail/default/1001/greeting/greet-1"},
	{Number: "1002", Name: "Bob Smythe"},
	{Number: "1003", Name: "Carol Jones"},
	{Number: "1004", Name: "Denise Émond"},
	{Number: "1005", Name: "Adam Smith"},
}

// directoryCall starts a dial-by-name call in lang and checks the
// introduction.
func directoryCall(t *testing.T, d Directory, lang string) *call {
	t.Helper()
	c := &call{t: t, e: newEngine(t), s: State{Channel: "ch"}}
	which := map[DirectoryBy]string{DirByLast: "dir-last", DirByFirst: "dir-first", DirByEither: "dir-firstlast"}[d.By]
	expect(t, "start", c.step(Event{Kind: EvStart, Start: &Start{Mode: ModeDirectory, Lang: lang, Directory: &d}}),
		"play(dir-welcome dir-pls-enter digits/3 "+which+" dir-usingkeypad)")
	if c.s.Lang != lang {
		t.Fatalf("lang %q, want %q", c.s.Lang, lang)
	}
	return c
}

func entries(ev []DirEntry) Event {
	return Event{Kind: EvDirectory, Directory: &DirectoryResult{Entries: ev}}
}

func TestDirectoryLastNameConnects(t *testing.T) {
	c := directoryCall(t, Directory{Context: "default"}, "en")
	// S-M-I: 7 6 4, typed over the introduction.
	expect(t, "first letter stops the intro", c.digits("7"), "stop timer(3s)")
	expect(t, "second letter", c.digits("6"), "timer(3s)")
	expect(t, "third letter asks for the names", c.digits("4"), "directory(default)")
	// Alice Smith only: Bob Smythe is S-M-Y.
	expect(t, "matches", c.step(entries(staff[:3])), "play(recording:voicemail/default/1001/greeting/greet-1 dir-instr)")
	expect(t, "1 connects", c.digits("1"), "stop continue(,DIRECTORY_RESULT=SELECTED,DIRECTORY_EXTEN=1001)")
}

func TestDirectoryOrderAndNext(t *testing.T) {
	c := directoryCall(t, Directory{Context: "default"}, "en")
	c.digits("764")
	// Adam Smith has no recorded name: it is spelled.
	cmds := c.step(entries([]DirEntry{staff[0], staff[4]}))
	expect(t, "first match spelled", cmds,
		"play(letters/a letters/d letters/a letters/m letters/space letters/s letters/m letters/i letters/t letters/h dir-instr)")
	expect(t, "* the next", c.digits("*"), "stop play(recording:voicemail/default/1001/greeting/greet-1 dir-instr)")
	expect(t, "1 connects", c.digits("1"), "stop continue(,DIRECTORY_RESULT=SELECTED,DIRECTORY_EXTEN=1001)")
	if c.s.Phase != PhaseDone {
		t.Fatalf("phase %s after connecting", c.s.Phase)
	}
}

func TestDirectoryNoMoreAndNoMatch(t *testing.T) {
	c := directoryCall(t, Directory{Context: "default"}, "en")
	c.digits("566") // J-O-N
	expect(t, "one match", c.step(entries(staff)), "play(letters/c letters/a letters/r letters/o letters/l letters/space letters/j letters/o letters/n letters/e letters/s dir-instr)")
	expect(t, "* after the last", c.digits("*"), "stop play(dir-nomore dir-welcome dir-pls-enter digits/3 dir-last dir-usingkeypad)")
	c.digits("999")
	expect(t, "no match", c.step(entries(staff)), "play(dir-nomatch dir-welcome dir-pls-enter digits/3 dir-last dir-usingkeypad)")
	// '#' alone spells nothing.
	c.digits("#")
	if c.s.Menu != MenuDirectory || c.s.Phase != PhasePrompting {
		t.Fatalf("after #: %s/%s", c.s.Menu, c.s.Phase)
	}
	// Storage down: sorry, and the introduction again.
	c.digits("764")
	expect(t, "lookup failed", c.step(Event{Kind: EvDirectory, Directory: &DirectoryResult{Failed: true}}),
		"play(vm-sorry dir-welcome dir-pls-enter digits/3 dir-last dir-usingkeypad)")
}

func TestDirectoryEachMatchOfferedThreeTimes(t *testing.T) {
	c := directoryCall(t, Directory{Context: "default", SayExten: true}, "en")
	c.digits("764")
	want := "play(letters/a letters/d letters/a letters/m letters/space letters/s letters/m letters/i letters/t letters/h vm-extension digits/1 digits/0 digits/0 digits/5 dir-instr)"
	expect(t, "with the extension", c.step(entries(staff)), want)
	for i := 0; i < 2; i++ {
		c.finishPrompt()
		expect(t, "silence offers it again", c.step(Timeout(c.s.TimerGen)), want)
	}
	c.finishPrompt()
	expect(t, "then the next", c.step(Timeout(c.s.TimerGen)),
		"play(recording:voicemail/default/1001/greeting/greet-1 vm-extension digits/1 digits/0 digits/0 digits/1 dir-instr)")
}

func TestDirectoryLeaves(t *testing.T) {
	tests := []struct {
		name, keys, want string
	}{
		{"0 first: operator", "0", "stop continue(,DIRECTORY_RESULT=OPERATOR,DIRECTORY_EXTEN=)"},
		{"* first: assistant", "*", "stop continue(,DIRECTORY_RESULT=ASSISTANT,DIRECTORY_EXTEN=)"},
	}
	for _, tt := range tests {
		c := directoryCall(t, Directory{Context: "default"}, "en")
		expect(t, tt.name, c.digits(tt.keys), tt.want)
	}
	c := directoryCall(t, Directory{Context: "default"}, "en")
	c.finishPrompt()
	expect(t, "silence after the intro", c.step(Timeout(c.s.TimerGen)), "continue(,DIRECTORY_RESULT=TIMEOUT,DIRECTORY_EXTEN=)")

	c = directoryCall(t, Directory{Context: "default"}, "en")
	c.digits("764")
	c.step(entries(staff))
	expect(t, "# on a match", c.digits("#"), "stop continue(,DIRECTORY_RESULT=USEREXIT,DIRECTORY_EXTEN=)")
	c = directoryCall(t, Directory{Context: "default"}, "en")
	c.digits("764")
	c.step(entries(staff))
	expect(t, "0 on a match", c.digits("0"), "stop continue(,DIRECTORY_RESULT=OPERATOR,DIRECTORY_EXTEN=)")
}

func TestDirectoryFirstNameAndFrench(t *testing.T) {
	c := directoryCall(t, Directory{Context: "default", By: DirByFirst}, "fr")
	c.digits("336") // D-E-N
	cmds := c.step(entries(staff))
	expect(t, "Denise", cmds, "play(letters/d letters/e letters/n letters/i letters/s letters/e letters/space letters/e letters/m letters/o letters/n letters/d dir-instr)")
	if cmds[0].Lang != "fr" {
		t.Errorf("played in %q, want fr", cmds[0].Lang)
	}
	// By last name, É counts as E: Émond is 3-6-6.
	c = directoryCall(t, Directory{Context: "default"}, "fr")
	c.digits("366")
	c.step(entries(staff))
	if c.s.Dir.Matches[0].Number != "1004" {
		t.Fatalf("matches %+v", c.s.Dir.Matches)
	}
}

func TestDirectoryMatches(t *testing.T) {
	numbers := func(es []DirEntry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Number)
		}
		return out
	}
	tests := []struct {
		typed string
		by    DirectoryBy
		want  []string
	}{
		{"764", DirByLast, []string{"1005", "1001"}},
		{"769", DirByLast, []string{"1002"}},
		{"76", DirByLast, []string{"1005", "1001", "1002"}},
		{"254", DirByFirst, []string{"1001"}}, // A-L-I
		{"232", DirByFirst, []string{"1005"}}, // A-D-A
		{"764", DirByFirst, nil},
		// Either: Carol by her first name, Jones by the last.
		{"227", DirByEither, []string{"1003"}},
		{"566", DirByEither, []string{"1003"}},
		{"366", DirByLast, []string{"1004"}},
		{"1", DirByLast, nil},
	}
	for _, tt := range tests {
		if got := numbers(DirectoryMatches(staff, tt.typed, tt.by)); !slices.Equal(got, tt.want) {
			t.Errorf("DirectoryMatches(%q, %q) = %v, want %v", tt.typed, tt.by, got, tt.want)
		}
	}
	many := make([]DirEntry, 2*maxDirMatches)
	for i := range many {
		many[i] = DirEntry{Number: "2" + string(rune('0'+i%10)), Name: "Ann Smith"}
	}
	if n := len(DirectoryMatches(many, "764", DirByLast)); n != maxDirMatches {
		t.Errorf("%d matches kept, want %d", n, maxDirMatches)
	}
}

func TestDirectoryResumes(t *testing.T) {
	c := directoryCall(t, Directory{Context: "default"}, "en")
	c.digits("764")
	c.step(entries(staff))
	c.digits("*")
	// Another instance takes the call over: the same match again.
	c.s.Playback = ""
	expect(t, "resume", c.step(Event{Kind: EvResume}), "play(im-sorry recording:voicemail/default/1001/greeting/greet-1 dir-instr)")
	expect(t, "1 connects", c.digits("1"), "stop continue(,DIRECTORY_RESULT=SELECTED,DIRECTORY_EXTEN=1001)")
}
