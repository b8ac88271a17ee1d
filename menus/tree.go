package menus

import (
	"slices"
	"time"
)

// MenuID names a menu of the tree. Each family's file declares the IDs of
// its menus (MenuMain in mainmenu.go).
type MenuID string

// InputKind says how a menu reads the keypad.
type InputKind string

// The ways a menu reads digits.
const (
	// InputKey: one key picks an entry of Menu.Keys.
	InputKey InputKind = "key"
	// InputDigits: a string of digits, ended by '#', by Menu.MaxDigits or by
	// the inter-digit timeout, handed to Menu.OnInput.
	InputDigits InputKind = "digits"
)

// Action is what a key does, or what a menu does when its prompt ends
// (Menu.OnPromptDone) or when it gets no usable answer (Menu.OnGiveUp):
// enter the menu Goto, with that menu's own prompt, or run the handler Do.
// One of the two is set.
//
// A handler is a function of the menu family's file (login.go,
// mainmenu.go, …; see families), named for what the caller gets; it
// changes the call through the stepper's methods (play, enter, emit).
type Action struct {
	// Doc says in a few words what the caller gets, for the README table.
	Doc string
	// Goto is the menu the action enters.
	Goto MenuID
	// Do is the handler the action runs.
	Do func(st *stepper)
	// Requires, when set, says whether the key works in this call
	// (operatorConfigured: an operator is configured). Where it does not,
	// the key is not there.
	Requires func(s *State) bool
}

// does reports whether the action does anything.
func (a Action) does() bool { return a.Goto != "" || a.Do != nil }

// Entry is what an InputDigits menu does with a completed entry.
type Entry struct {
	// Doc says what to type and what follows, for the README table.
	Doc string
	// Do is the handler that takes the entry (it may be empty).
	Do func(st *stepper, entry string)
}

// Menu is one node of the tree: what it says, how it reads the keypad, and
// what each key does.
type Menu struct {
	ID MenuID
	// Doc says what the menu is for.
	Doc string
	// Prompt is the menu's prompt, as sound names (vm-login).
	Prompt []string
	// PromptFunc, when set, builds the prompt from the call's state instead.
	PromptFunc func(s *State) []string
	Input      InputKind
	// MaxDigits ends an InputDigits entry when reached.
	MaxDigits int
	// FirstDigit is how long the menu waits for a first key after its prompt.
	FirstDigit time.Duration
	// InterDigit is how long an InputDigits entry waits for the next digit.
	InterDigit time.Duration
	// MaxRepeats is how many prompts met with silence end the menu
	// (OnGiveUp, or the call). Invalid keys do not count.
	MaxRepeats int
	// Keys maps a key to its action (InputKey menus).
	Keys map[byte]Action
	// OnInput takes the completed entry (InputDigits menus).
	OnInput Entry
	// SilenceIsEntry makes silence after the prompt an empty entry for
	// OnInput (which counts it as a silent prompt or takes a default), as
	// app_voicemail's ast_readstring returns nothing at its timeout.
	SilenceIsEntry bool
	// Escapes are keys that act at once when they come first in an
	// InputDigits entry (app_directory's 0 for the operator and * for the
	// 'a' extension, before any letter).
	Escapes map[byte]Action
	// StarInInput makes '*' part of an InputDigits entry (a separator
	// between mailbox numbers) instead of ending it.
	StarInInput bool
	// Secret marks password entry: type-ahead is dropped on entry and the
	// digits are never persisted.
	Secret bool
	// OnPromptDone, when set, runs as soon as the prompt ends instead of
	// waiting for a key (the greeting goes on to the beep).
	OnPromptDone Action
	// OnGiveUp runs after MaxRepeats silent prompts; unset, the call ends
	// with vm-goodbye.
	OnGiveUp Action
	// IgnoreInvalid makes keys the menu does not know do nothing (they do
	// not even stop the prompt), as during app_voicemail's greeting.
	IgnoreInvalid bool
	// Playbacks say how the menu treats what it plays besides its prompt
	// (State.Playing: a message, its envelope).
	Playbacks map[PlayKind]Playback
}

// Playback is how a menu treats one kind of playback: the keys that act on
// it, and what follows it.
type Playback struct {
	// Keys act on the playback instead of being keys of the menu. Any
	// other key stops it and is the menu's.
	Keys map[byte]Action
	// OnDone runs when the playback ends.
	OnDone Action
}

// Tree is the menu tree. It is immutable once built.
type Tree struct {
	menus map[MenuID]*Menu
}

// Menu returns the menu id, or false.
func (t *Tree) Menu(id MenuID) (*Menu, bool) {
	m, ok := t.menus[id]
	return m, ok
}

// Menus returns every menu, sorted by id.
func (t *Tree) Menus() []*Menu {
	out := make([]*Menu, 0, len(t.menus))
	for _, m := range t.menus {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *Menu) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

// families are the tree's menus, by family: each family's file holds its
// menus and their handlers, and the menus a key of theirs goes to are
// found by their ID.
var families = []func(cfg Config) []*Menu{
	loginMenus,     // login.go
	mainMenus,      // mainmenu.go: the main menu, after a message
	folderMenus,    // folders.go
	advancedMenus,  // advanced.go
	forwardMenus,   // forward.go
	optionsMenus,   // options.go: greetings and the name
	passwordMenus,  // password.go
	depositMenus,   // deposit.go: leaving a message
	directoryMenus, // directory.go: dial by name
}

// newTree builds the tree with the timeouts of cfg. Values follow
// app_voicemail: vm_authenticate reads the mailbox and the password with
// ast_readstring(…, 2000, 10000, "#"), and the main menu waits 6 s
// (ast_waitfordigit(chan, 6000)) and gives up after three silent repeats.
func newTree(cfg Config) *Tree {
	t := &Tree{menus: make(map[MenuID]*Menu)}
	for _, family := range families {
		for _, m := range family(cfg) {
			if _, dup := t.menus[m.ID]; dup {
				panic("menus: two menus " + string(m.ID))
			}
			t.menus[m.ID] = m
		}
	}
	return t
}
