package menus

import (
	"slices"
	"time"
)

// MenuID names a menu of the tree.
type MenuID string

// The menus.
const (
	// MenuLoginMailbox asks for the mailbox number (vm-login).
	MenuLoginMailbox MenuID = "login.mailbox"
	// MenuLoginPassword asks for the password (vm-password).
	MenuLoginPassword MenuID = "login.password"
	// MenuMain is the main menu after login.
	MenuMain MenuID = "main"
)

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

// ActionKind names what a key or an entry does.
type ActionKind string

// The actions.
const (
	// ActGoto enters Action.Target.
	ActGoto ActionKind = "goto"
	// ActHelp plays the menu's prompt again (app_voicemail's '*' help).
	ActHelp ActionKind = "help"
	// ActGoodbye says vm-goodbye and hangs up.
	ActGoodbye ActionKind = "goodbye"
	// ActNotAvailable says the feature is not available here (vm-sorry)
	// and stays in the menu.
	ActNotAvailable ActionKind = "not_available"
	// ActLoginMailbox takes the typed mailbox number and asks for its password.
	ActLoginMailbox ActionKind = "login_mailbox"
	// ActLoginPassword checks the typed password.
	ActLoginPassword ActionKind = "login_password"
)

// Action is what a key (or a completed entry) does.
type Action struct {
	Kind   ActionKind
	Target MenuID
	// Doc says in a few words what the caller gets, for the README table.
	Doc string
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
	// MaxRepeats is how many prompts without a usable answer end the call.
	MaxRepeats int
	// Keys maps a key to its action (InputKey menus).
	Keys map[byte]Action
	// OnInput is run with the completed entry (InputDigits menus).
	OnInput Action
	// Secret marks password entry: type-ahead is dropped on entry and the
	// digits are never persisted.
	Secret bool
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

// newTree builds the tree with the timeouts of cfg. Values follow
// app_voicemail: vm_authenticate reads the mailbox and the password with
// ast_readstring(…, 2000, 10000, "#"), and the main menu waits 6 s
// (ast_waitfordigit(chan, 6000)) and gives up after three silent repeats.
func newTree(cfg Config) *Tree {
	menus := []*Menu{
		{
			ID:         MenuLoginMailbox,
			Doc:        "Mailbox number (*98)",
			Prompt:     []string{"vm-login"},
			Input:      InputDigits,
			MaxDigits:  20,
			FirstDigit: cfg.LoginFirstDigit,
			InterDigit: cfg.LoginInterDigit,
			MaxRepeats: cfg.MaxRepeats,
			OnInput:    Action{Kind: ActLoginMailbox, Doc: "the mailbox number, then # (asks for the password)"},
		},
		{
			ID:         MenuLoginPassword,
			Doc:        "Password",
			Prompt:     []string{"vm-password"},
			Input:      InputDigits,
			MaxDigits:  20,
			FirstDigit: cfg.LoginFirstDigit,
			InterDigit: cfg.LoginInterDigit,
			MaxRepeats: cfg.MaxRepeats,
			OnInput:    Action{Kind: ActLoginPassword, Doc: "the password, then # (3 wrong tries end the call)"},
			Secret:     true,
		},
		{
			ID:         MenuMain,
			Doc:        "Main menu",
			PromptFunc: mainInstructions,
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			Keys: map[byte]Action{
				'1': {Kind: ActNotAvailable, Doc: "listen to messages"},
				'2': {Kind: ActNotAvailable, Doc: "change folder"},
				'3': {Kind: ActNotAvailable, Doc: "advanced options"},
				'0': {Kind: ActNotAvailable, Doc: "mailbox options"},
				'*': {Kind: ActHelp, Doc: "help: the options again"},
				'#': {Kind: ActGoodbye, Doc: "exit"},
			},
		},
	}
	t := &Tree{menus: make(map[MenuID]*Menu, len(menus))}
	for _, m := range menus {
		t.menus[m.ID] = m
	}
	return t
}
