package menus

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
)

// newEngine returns an engine with the defaults, speaking times in UTC (the
// tests' times are UTC; the default is the host's zone).
func newEngine(t *testing.T) *Engine {
	t.Helper()
	e, err := New(Config{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// call drives one call through the engine and keeps its state.
type call struct {
	t *testing.T
	e *Engine
	s State
}

// newCall starts a call to VoiceMailMain, for the mailbox the dialplan
// named (ParseID syntax), or "" to ask for it.
func newCall(t *testing.T, named string) (*call, []Cmd) {
	c := &call{t: t, e: newEngine(t), s: State{Channel: "ch"}}
	var id mailbox.ID
	if named != "" {
		id = mailbox.MustParseID(named)
	}
	return c, c.step(Event{Kind: EvStart, Start: &Start{Mode: ModeMain, Mailbox: id, Lang: "en"}})
}

func (c *call) step(ev Event) []Cmd {
	c.t.Helper()
	var cmds []Cmd
	c.s, cmds = c.e.Step(c.s, ev)
	// Every state must survive a trip through JSON (another instance resumes
	// from it).
	b, err := json.Marshal(c.s)
	if err != nil {
		c.t.Fatal(err)
	}
	var back State
	if err := json.Unmarshal(b, &back); err != nil {
		c.t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c.s) {
		c.t.Fatalf("state does not round-trip JSON:\n got %+v\nwant %+v", back, c.s)
	}
	if err := splitRoundTrip(c.e.Tree(), c.s); err != nil {
		c.t.Fatal(err)
	}
	return cmds
}

func (c *call) digits(ds string) []Cmd {
	c.t.Helper()
	var all []Cmd
	for i := 0; i < len(ds); i++ {
		all = append(all, c.step(Digit(ds[i]))...)
	}
	return all
}

// finishPrompt ends the playing prompt and returns the commands.
func (c *call) finishPrompt() []Cmd {
	c.t.Helper()
	if c.s.Playback == "" {
		c.t.Fatalf("no prompt playing (state %+v)", c.s)
	}
	return c.step(PromptDone(c.s.Playback))
}

// render writes commands compactly: play(vm-a vm-b) stop timer(6s) auth(1001,1234) hangup.
func render(cmds []Cmd) string {
	var parts []string
	for _, c := range cmds {
		switch c.Kind {
		case CmdPlay:
			parts = append(parts, "play("+strings.Join(c.Media, " ")+")")
		case CmdStop:
			parts = append(parts, "stop")
		case CmdTimer:
			parts = append(parts, "timer("+c.After.String()+")")
		case CmdAuthenticate:
			parts = append(parts, "auth("+c.Entry+","+c.PIN+")")
		case CmdHangup:
			parts = append(parts, "hangup")
		case CmdContinue:
			v := c.Status
			for _, x := range c.Vars {
				v += "," + x.Name + "=" + x.Value
			}
			parts = append(parts, "continue("+v+")")
		case CmdDirectory:
			parts = append(parts, "directory("+c.Name+")")
		case CmdRecord:
			parts = append(parts, "record("+c.Name+")")
		case CmdDiscard:
			parts = append(parts, "discard("+c.Name+")")
		case CmdStopRecording:
			parts = append(parts, "stop_recording("+c.Name+")")
		case CmdSaveMessage:
			urgent := ""
			if c.Deposit.Urgent {
				urgent = ",urgent"
			}
			parts = append(parts, "save("+c.Deposit.MessageID+","+strconv.Itoa(c.Duration)+urgent+")")
		case CmdLoadFolder:
			parts = append(parts, "load("+strconv.Itoa(int(c.Folder))+")")
		case CmdCloseFolder:
			parts = append(parts, "close("+strconv.Itoa(int(c.Folder))+",heard="+strings.Join(c.Heard, "+")+",deleted="+strings.Join(c.Deleted, "+")+")")
		case CmdMove:
			parts = append(parts, "move("+c.MsgID+","+strconv.Itoa(int(c.Folder))+")")
		case CmdControl:
			parts = append(parts, "control("+c.Op+")")
		case CmdNameTake:
			parts = append(parts, "name_take("+c.Greeting.String()+")")
		case CmdRecordGreeting:
			parts = append(parts, "record_greeting("+c.Greeting.String()+","+c.Name+")")
		case CmdSetGreeting:
			parts = append(parts, "set_greeting("+c.Greeting.String()+","+c.Name+")")
		case CmdClearGreeting:
			parts = append(parts, "clear_greeting("+c.Greeting.String()+")")
		case CmdSetPIN:
			parts = append(parts, "set_pin("+c.PIN+")")
		case CmdPrepareDeposit:
			parts = append(parts, "prepare("+c.Name+")")
		case CmdForward:
			parts = append(parts, "forward("+c.MsgID+","+strings.Join(c.To, "+")+","+c.Name+")")
		case CmdMeasure:
			parts = append(parts, "measure("+c.Name+")")
		}
	}
	return strings.Join(parts, " ")
}

func expect(t *testing.T, what string, got []Cmd, want string) {
	t.Helper()
	if g := render(got); g != want {
		t.Errorf("%s:\n got %s\nwant %s", what, g, want)
	}
}

func loginOK(counts Counts) Event {
	return Event{Kind: EvLogin, Login: &LoginResult{OK: true, Mailbox: mailbox.MustParseID("1001@default"), Counts: counts}}
}

var loginBad = Event{Kind: EvLogin, Login: &LoginResult{}}

// login answers the password check and the loading of the starting folder.
func (c *call) login(counts Counts, msgs ...MsgInfo) []Cmd {
	c.t.Helper()
	cmds := c.step(loginOK(counts))
	want := "load(" + strconv.Itoa(int(startFolderIndex(counts))) + ")"
	if r := render(cmds); r != want {
		c.t.Fatalf("login ok: got %s, want %s", r, want)
	}
	return c.step(Event{Kind: EvFolder, Folder: &Box{Folder: startFolderIndex(counts), Msgs: msgs, Now: testNow.UnixMilli()}})
}

func TestLoginFixedMailbox(t *testing.T) {
	c, cmds := newCall(t, "1001")
	expect(t, "start", cmds, "play(vm-password)")
	expect(t, "prompt ends", c.finishPrompt(), "timer(10s)")
	expect(t, "first digit", c.digits("1"), "timer(3s)")
	expect(t, "rest", c.digits("234#"), "timer(3s) timer(3s) timer(3s) auth(1001@default,1234)")
	if c.s.Phase != PhaseBusy || c.s.Input != "" {
		t.Fatalf("after # want busy with no input kept, got %+v", c.s)
	}
	expect(t, "login ok", c.login(Counts{New: 2, Old: 1}, sampleMsgs(2)...),
		"play(vm-youhave digits/2 vm-INBOX vm-and digits/1 vm-Old vm-message vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit)")
	if !c.s.Authenticated || c.s.Menu != MenuMain || c.s.Mailbox != "1001@default" {
		t.Fatalf("want authenticated in main, got %+v", c.s)
	}
	expect(t, "main prompt ends", c.finishPrompt(), "timer(6s)")
	expect(t, "#", c.digits("#"), "play(vm-goodbye)")
	expect(t, "goodbye ends", c.finishPrompt(), "hangup")
	if c.s.Phase != PhaseDone {
		t.Fatalf("want done, got %s", c.s.Phase)
	}
}

func TestDigitInterruptsPrompt(t *testing.T) {
	c, _ := newCall(t, "1001")
	playing := c.s.Playback
	expect(t, "digit during prompt", c.digits("1"), "stop timer(3s)")
	// The stopped prompt's end arrives late and changes nothing.
	before := c.s
	expect(t, "late end of stopped prompt", c.step(PromptDone(playing)), "")
	if !reflect.DeepEqual(before, c.s) {
		t.Fatalf("stale PromptDone changed the state")
	}
	if c.s.Input != "1" {
		t.Fatalf("want the interrupting digit kept, got %q", c.s.Input)
	}
}

func TestTypeAheadWhileBusyIsKept(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	expect(t, "digit while checking", c.digits("#"), "")
	// The intro is skipped: the kept '#' exits at once.
	c.step(loginOK(Counts{}))
	expect(t, "folder loaded", c.step(Event{Kind: EvFolder, Folder: &Box{}}), "play(vm-goodbye)")
}

func TestTypeAheadSkipsPromptsInMainMenu(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	c.login(Counts{})
	expect(t, "* during intro", c.digits("*"), "stop play(vm-opts vm-helpexit)")
}

func TestThreeWrongPasswords(t *testing.T) {
	c, _ := newCall(t, "1001")
	for try := 1; try <= 2; try++ {
		c.digits("9999#")
		expect(t, "wrong", c.step(loginBad), "play(vm-incorrect vm-password)")
		if c.s.Input != "" || c.s.Pending != "" {
			t.Fatalf("password digits kept after a wrong try: %+v", c.s)
		}
	}
	c.digits("9999#")
	expect(t, "third wrong", c.step(loginBad), "play(vm-incorrect vm-goodbye)")
	expect(t, "goodbye ends", c.finishPrompt(), "hangup")
}

func TestMailboxThenPassword(t *testing.T) {
	c, cmds := newCall(t, "")
	expect(t, "start", cmds, "play(vm-login)")
	c.digits("1002#")
	if c.s.Menu != MenuLoginPassword || c.s.Mailbox != "1002" {
		t.Fatalf("want password menu for 1002, got %+v", c.s)
	}
	expect(t, "password", c.digits("42#"), "stop timer(3s) timer(3s) auth(1002,42)")
	expect(t, "wrong", c.step(loginBad), "play(vm-incorrect-mailbox)")
	if c.s.Menu != MenuLoginMailbox || c.s.Mailbox != "" {
		t.Fatalf("want mailbox asked again, got %+v", c.s)
	}
	c.digits("1002#")
	expect(t, "right", c.digits("1234#"), "stop timer(3s) timer(3s) timer(3s) timer(3s) auth(1002,1234)")
}

func TestInterDigitTimeoutCompletesEntry(t *testing.T) {
	c, _ := newCall(t, "")
	c.finishPrompt()
	c.digits("1003")
	expect(t, "pause after digits", c.step(Timeout(c.s.TimerGen)), "play(vm-password)")
	if c.s.Mailbox != "1003" {
		t.Fatalf("want mailbox 1003, got %q", c.s.Mailbox)
	}
}

func TestSilenceRepeatsThenGoodbye(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	c.login(Counts{})
	for i := 1; i <= 2; i++ {
		expect(t, "prompt ends", c.finishPrompt(), "timer(6s)")
		expect(t, "silence", c.step(Timeout(c.s.TimerGen)), "play(vm-opts vm-helpexit)")
	}
	c.finishPrompt()
	expect(t, "third silence", c.step(Timeout(c.s.TimerGen)), "play(vm-goodbye)")
	expect(t, "goodbye ends", c.finishPrompt(), "hangup")
}

func TestStaleTimerIgnored(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.finishPrompt()
	old := c.s.TimerGen
	c.digits("1")
	before := c.s
	expect(t, "old timer", c.step(Timeout(old)), "")
	if !reflect.DeepEqual(before, c.s) {
		t.Fatal("stale timer changed the state")
	}
}

func TestInvalidKeyAndHelp(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	c.login(Counts{New: 1}, sampleMsgs(1)...)
	c.finishPrompt()
	// Every key of the keypad does something in the main menu; the
	// advanced options have keys that do not.
	expect(t, "help", c.digits("*"), "play(vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit)")
	c.finishPrompt()
	c.digits("3")
	c.finishPrompt()
	expect(t, "unknown key 8", c.digits("8"), "play(vm-sorry vm-leavemsg vm-starmain)")
}

// Invalid keys are answered and never counted: app_voicemail repeats the
// instructions (vm_execmain's default case) and ends the call only after
// three silent prompts.
func TestInvalidKeysNeverEndTheCall(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("1234#")
	c.login(Counts{New: 1}, sampleMsgs(1)...)
	c.finishPrompt()
	// Every key does something in the main menu (4–9 act on message 1):
	// the mailbox options have keys that do not.
	c.digits("0")
	c.finishPrompt()
	for i, k := range "6789#6" {
		expect(t, "invalid key "+string(k), c.digits(string(k)), "play(vm-sorry vm-options)")
		if c.s.Phase == PhaseClosing || c.s.Menu != MenuOptions || c.s.Repeats != 0 {
			t.Fatalf("after %d invalid keys: phase %s in %s, repeats %d", i+1, c.s.Phase, c.s.Menu, c.s.Repeats)
		}
		expect(t, "prompt ends", c.finishPrompt(), "timer(6s)")
	}
	// An invalid key leaves the count of silent prompts alone.
	expect(t, "silence", c.step(Timeout(c.s.TimerGen)), "play(vm-options)")
	c.finishPrompt()
	expect(t, "invalid key", c.digits("9"), "play(vm-sorry vm-options)")
	if c.s.Repeats != 1 {
		t.Fatalf("repeats %d after a silence and an invalid key, want 1", c.s.Repeats)
	}
}

func TestEmptyMailboxEntryAsksAgain(t *testing.T) {
	c, _ := newCall(t, "")
	c.finishPrompt()
	expect(t, "just #", c.digits("#"), "play(vm-login)")
	c.finishPrompt()
	c.digits("#")
	c.finishPrompt()
	expect(t, "third empty", c.digits("#"), "play(vm-goodbye)")
}

func TestHangupEndsEverything(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.step(Event{Kind: EvHangup})
	for _, ev := range []Event{Digit('1'), PromptDone("ch:1"), Timeout(c.s.TimerGen), loginOK(Counts{})} {
		if cmds := c.step(ev); len(cmds) != 0 {
			t.Fatalf("after hangup %v gave %s", ev.Kind, render(cmds))
		}
	}
}

func TestPersistableDropsPassword(t *testing.T) {
	c, _ := newCall(t, "1001")
	c.digits("12")
	p := c.s.Persistable(c.e.Tree())
	if p.Input != "" {
		t.Fatalf("password digits persisted: %q", p.Input)
	}
	c2, _ := newCall(t, "")
	c2.digits("10")
	if p := c2.s.Persistable(c2.e.Tree()); p.Input != "10" {
		t.Fatalf("mailbox digits should persist, got %q", p.Input)
	}
}

func TestNonKeysIgnored(t *testing.T) {
	c, _ := newCall(t, "1001")
	before := c.s
	for _, d := range []byte{'A', 'x', 0, ' '} {
		if cmds := c.step(Digit(d)); len(cmds) != 0 {
			t.Fatalf("digit %q gave %s", d, render(cmds))
		}
	}
	if !reflect.DeepEqual(before, c.s) {
		t.Fatal("non-key changed the state")
	}
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []Config{
		{MaxLogins: 11},
		{MaxRepeats: -1},
		{MenuTimeout: time.Millisecond},
		{LoginInterDigit: time.Hour},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

// TestConfigDefaults checks the defaults, the time zone above all: it was
// UTC here while the app documented the host's zone.
func TestConfigDefaults(t *testing.T) {
	got := Config{}.WithDefaults()
	want := Config{MaxLogins: 3, MaxRepeats: 3, MenuTimeout: 6 * time.Second, LoginFirstDigit: 10 * time.Second,
		LoginInterDigit: 3 * time.Second, Location: time.Local, MinPasswordLength: 4, DefaultPIN: "1234", MaxGreetingSeconds: 60}
	if got != want {
		t.Errorf("WithDefaults() = %+v, want %+v", got, want)
	}
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if e.cfg.Location != time.Local {
		t.Errorf("New(Config{}) speaks times in %v, want the host's zone (time.Local)", e.cfg.Location)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
}

// TestConfigValidateNamesTheField checks that Validate takes each field as
// it is, and that its error names the field and wraps ErrInvalidConfig.
func TestConfigValidateNamesTheField(t *testing.T) {
	def := Config{}.WithDefaults()
	for _, tt := range []struct {
		field string
		set   func(*Config)
	}{
		{"MaxLogins", func(c *Config) { c.MaxLogins = 0 }},
		{"MaxLogins", func(c *Config) { c.MaxLogins = 11 }},
		{"MaxRepeats", func(c *Config) { c.MaxRepeats = 11 }},
		{"MenuTimeout", func(c *Config) { c.MenuTimeout = 2 * time.Minute }},
		{"LoginFirstDigit", func(c *Config) { c.LoginFirstDigit = 0 }},
		{"LoginInterDigit", func(c *Config) { c.LoginInterDigit = 100 * time.Millisecond }},
		{"Location", func(c *Config) { c.Location = nil }},
		{"MinPasswordLength", func(c *Config) { c.MinPasswordLength = 21 }},
		{"DefaultPIN", func(c *Config) { c.DefaultPIN = "" }},
		{"MaxGreetingSeconds", func(c *Config) { c.MaxGreetingSeconds = 4 }},
		{"MaxGreetingSeconds", func(c *Config) { c.MaxGreetingSeconds = 601 }},
	} {
		cfg := def
		tt.set(&cfg)
		err := cfg.Validate()
		var ce *ConfigError
		if !errors.Is(err, ErrInvalidConfig) || !errors.As(err, &ce) || ce.Field != tt.field {
			t.Errorf("%s: Validate() = %v, want a ConfigError naming it", tt.field, err)
		}
	}
}

func TestStepDoesNotChangeItsInput(t *testing.T) {
	c := loggedIn(t, sampleMsgs(2)...)
	c.digits("1")
	c.finishPrompt() // the envelope; the message's audio plays now
	before := c.s
	snapshot, _ := json.Marshal(before)
	// A message played to its end is marked heard, and 7 deletes: both
	// change the box, which must not reach the state passed in.
	c.e.Step(before, PromptDone(before.Playback))
	after, _ := json.Marshal(before)
	if string(after) != string(snapshot) {
		t.Fatalf("Step changed its input state:\n%s\n%s", snapshot, after)
	}
}
