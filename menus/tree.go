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
	// ActLoginMailbox takes the typed mailbox number and asks for its password.
	ActLoginMailbox ActionKind = "login_mailbox"
	// ActLoginPassword checks the typed password.
	ActLoginPassword ActionKind = "login_password"
	// ActRecordNow skips the rest of the greeting and records.
	ActRecordNow ActionKind = "record"
	// ActLoginHere leaves the greeting for the owner's login ('*').
	ActLoginHere ActionKind = "login_here"
	// ActOperator reaches the operator: the call goes back to the dialplan
	// with VOICEMAIL_STATUS=OPERATOR (a message being reviewed is saved).
	ActOperator ActionKind = "operator"
	// ActAccept saves the recorded message.
	ActAccept ActionKind = "accept"
	// ActListen plays the recording back.
	ActListen ActionKind = "listen"
	// ActRerecord records again.
	ActRerecord ActionKind = "rerecord"
	// ActFirst plays the first message of the folder.
	ActFirst ActionKind = "first"
	// ActRepeat plays the current message again.
	ActRepeat ActionKind = "repeat"
	// ActPrev plays the previous message.
	ActPrev ActionKind = "prev"
	// ActNext plays the next message.
	ActNext ActionKind = "next"
	// ActDelete marks the current message deleted, or undeletes it.
	ActDelete ActionKind = "delete"
	// ActSave asks for a folder and saves the current message there.
	ActSave ActionKind = "save"
	// ActChangeFolder asks for a folder and opens it.
	ActChangeFolder ActionKind = "change_folder"
	// ActFolder is a folder digit in the folder menu.
	ActFolder ActionKind = "folder"
	// ActCancel leaves the folder menu.
	ActCancel ActionKind = "cancel"
	// ActOptions opens the mailbox options.
	ActOptions ActionKind = "options"
	// ActRecordGreeting records greeting Action.Arg.
	ActRecordGreeting ActionKind = "record_greeting"
	// ActTempGreeting records the temporary greeting, or offers to
	// re-record or delete it.
	ActTempGreeting ActionKind = "temp_greeting"
	// ActDeleteTemp deletes the temporary greeting.
	ActDeleteTemp ActionKind = "delete_temp"
	// ActChangePassword asks for a new password.
	ActChangePassword ActionKind = "change_password"
	// ActNewPassword takes the first entry of a new password.
	ActNewPassword ActionKind = "new_password"
	// ActReenterPassword takes the second entry.
	ActReenterPassword ActionKind = "reenter_password"
	// ActMain goes back to the main menu.
	ActMain ActionKind = "main"
	// ActStartTake starts recording a greeting once its prompt ended.
	ActStartTake ActionKind = "start_take"
	// ActAcceptTake keeps the new greeting.
	ActAcceptTake ActionKind = "accept_take"
	// ActListenTake plays the new greeting back.
	ActListenTake ActionKind = "listen_take"
	// ActRerecordTake records the greeting again.
	ActRerecordTake ActionKind = "rerecord_take"
	// ActDropTake keeps the old greeting and forgets the new take.
	ActDropTake ActionKind = "drop_take"
	// ActAdvanced opens the advanced options.
	ActAdvanced ActionKind = "advanced"
	// ActReply leaves a message for the sender of the current message.
	ActReply ActionKind = "reply"
	// ActEnvelope plays the current message's envelope.
	ActEnvelope ActionKind = "envelope"
	// ActSendMessage asks for a mailbox to leave a message in.
	ActSendMessage ActionKind = "send_message"
	// ActSendTo takes that mailbox number.
	ActSendTo ActionKind = "send_to"
	// ActForward asks for the mailboxes to forward the message to.
	ActForward ActionKind = "forward"
	// ActForwardTo takes those mailbox numbers.
	ActForwardTo ActionKind = "forward_to"
	// ActForwardPlain forwards without an introduction.
	ActForwardPlain ActionKind = "forward_plain"
	// ActForwardIntro records an introduction, then forwards.
	ActForwardIntro ActionKind = "forward_intro"
)

// Action is what a key (or a completed entry) does.
type Action struct {
	Kind   ActionKind
	Target MenuID
	// Doc says in a few words what the caller gets, for the README table.
	Doc string
	// Requires names a condition for the key to work: "operator" (an
	// operator is configured). Without it the key is not there.
	Requires string
	// Arg parameterises the action (the greeting a key records).
	Arg string
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
	// StarInInput makes '*' part of an InputDigits entry (a separator
	// between mailbox numbers) instead of ending it.
	StarInInput bool
	// Secret marks password entry: type-ahead is dropped on entry and the
	// digits are never persisted.
	Secret bool
	// OnPromptDone, when set, runs as soon as the prompt ends instead of
	// waiting for a key (the greeting goes on to the beep).
	OnPromptDone Action
	// OnGiveUp runs after MaxRepeats unanswered prompts; unset, the call ends
	// with vm-goodbye.
	OnGiveUp Action
	// IgnoreInvalid makes keys the menu does not know do nothing (they do
	// not even stop the prompt), as during app_voicemail's greeting.
	IgnoreInvalid bool
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
				'1': {Kind: ActFirst, Doc: "listen to the first message of the folder"},
				'2': {Kind: ActChangeFolder, Doc: "change folder"},
				'3': {Kind: ActAdvanced, Doc: "advanced options"},
				'0': {Kind: ActOptions, Doc: "mailbox options"},
				'*': {Kind: ActHelp, Doc: "help: the options again"},
				'#': {Kind: ActGoodbye, Doc: "exit"},
			},
		},
		{
			ID:         MenuMessage,
			Doc:        "After a message (while it plays: `*` rewind, `#` fast-forward 3 s, `0` pause)",
			PromptFunc: messageInstructions,
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			Keys: map[byte]Action{
				'1': {Kind: ActFirst, Doc: "first message"},
				'2': {Kind: ActChangeFolder, Doc: "change folder"},
				'3': {Kind: ActAdvanced, Doc: "advanced options"},
				'4': {Kind: ActPrev, Doc: "previous message"},
				'5': {Kind: ActRepeat, Doc: "repeat the message"},
				'6': {Kind: ActNext, Doc: "next message"},
				'7': {Kind: ActDelete, Doc: "delete the message (again: undelete); it goes when you leave the folder"},
				'8': {Kind: ActForward, Doc: "forward the message to other mailboxes"},
				'9': {Kind: ActSave, Doc: "save the message to a folder"},
				'0': {Kind: ActOptions, Doc: "mailbox options"},
				'*': {Kind: ActHelp, Doc: "help: the options again"},
				'#': {Kind: ActGoodbye, Doc: "exit"},
			},
		},
		{
			ID:         MenuFolder,
			Doc:        "Choose a folder (after `2` or `9`)",
			PromptFunc: folderMenuPrompt,
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			OnGiveUp:   Action{Kind: ActCancel},
			Keys: map[byte]Action{
				'0': {Kind: ActFolder, Doc: "New"},
				'1': {Kind: ActFolder, Doc: "Old"},
				'2': {Kind: ActFolder, Doc: "Work"},
				'3': {Kind: ActFolder, Doc: "Family"},
				'4': {Kind: ActFolder, Doc: "Friends"},
				'#': {Kind: ActCancel, Doc: "cancel"},
			},
		},
		{
			ID:            MenuGreeting,
			Doc:           "Greeting, when leaving a message",
			PromptFunc:    greetingPrompt,
			Input:         InputKey,
			FirstDigit:    cfg.MenuTimeout,
			MaxRepeats:    cfg.MaxRepeats,
			IgnoreInvalid: true,
			OnPromptDone:  Action{Kind: ActRecordNow},
			Keys: map[byte]Action{
				'#': {Kind: ActRecordNow, Doc: "skip the greeting: the beep, then record"},
				'*': {Kind: ActLoginHere, Doc: "log in to this mailbox (the owner calling in)"},
				'0': {Kind: ActOperator, Requires: "operator", Doc: "reach the operator (when configured)"},
			},
		},
		{
			ID:         MenuReview,
			Doc:        "After recording a message (when review is on)",
			PromptFunc: reviewPrompt,
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			OnGiveUp:   Action{Kind: ActAccept},
			Keys: map[byte]Action{
				'1': {Kind: ActAccept, Doc: "accept: the message is sent"},
				'2': {Kind: ActListen, Doc: "listen to it"},
				'3': {Kind: ActRerecord, Doc: "record it again"},
				'0': {Kind: ActOperator, Requires: "operator", Doc: "save it and reach the operator (when configured)"},
			},
		},
		{
			ID:         MenuOptions,
			Doc:        "Mailbox options",
			PromptFunc: optionsPrompt,
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			Keys: map[byte]Action{
				'1': {Kind: ActRecordGreeting, Arg: GreetUnavail, Doc: "record your unavailable greeting (`vm-rec-unv`, then # to end)"},
				'2': {Kind: ActRecordGreeting, Arg: GreetBusy, Doc: "record your busy greeting (`vm-rec-busy`)"},
				'3': {Kind: ActRecordGreeting, Arg: GreetName, Doc: "record your name (`vm-rec-name`)"},
				'4': {Kind: ActTempGreeting, Doc: "temporary greeting: record one (`vm-rec-temp`), or manage it when one exists"},
				'5': {Kind: ActChangePassword, Doc: "change your password (`vm-newpassword`, then `vm-reenterpassword`)"},
				'*': {Kind: ActMain, Doc: "back to the main menu"},
			},
		},
		{
			ID:         MenuTemp,
			Doc:        "Temporary greeting (when one exists)",
			PromptFunc: tempPrompt,
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			OnGiveUp:   Action{Kind: ActOptions},
			Keys: map[byte]Action{
				'1': {Kind: ActRecordGreeting, Arg: GreetTemp, Doc: "record it again"},
				'2': {Kind: ActDeleteTemp, Doc: "delete it (`vm-tempremoved`): callers hear your usual greetings again"},
				'*': {Kind: ActOptions, Doc: "back to the options"},
			},
		},
		{
			ID:           MenuGreetingRecord,
			Doc:          "Recording a greeting or your name",
			Prompt:       []string{"vm-rec-unv"},
			Input:        InputKey,
			FirstDigit:   cfg.MenuTimeout,
			MaxRepeats:   cfg.MaxRepeats,
			OnPromptDone: Action{Kind: ActStartTake},
			Keys: map[byte]Action{
				'#': {Kind: ActStartTake, Doc: "skip the prompt: the beep, then speak; # ends the recording"},
			},
			IgnoreInvalid: true,
		},
		{
			ID:         MenuGreetingReview,
			Doc:        "After recording a greeting or your name",
			Prompt:     []string{"vm-review"},
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			OnGiveUp:   Action{Kind: ActDropTake},
			Keys: map[byte]Action{
				'1': {Kind: ActAcceptTake, Doc: "accept (`vm-msgsaved`)"},
				'2': {Kind: ActListenTake, Doc: "listen to it"},
				'3': {Kind: ActRerecordTake, Doc: "record it again"},
			},
		},
		{
			ID:         MenuNewPassword,
			Doc:        "New password",
			Prompt:     []string{"vm-newpassword"},
			Input:      InputDigits,
			MaxDigits:  20,
			FirstDigit: cfg.LoginFirstDigit,
			InterDigit: cfg.LoginInterDigit,
			MaxRepeats: cfg.MaxRepeats,
			OnInput:    Action{Kind: ActNewPassword, Doc: "the new password, then # (at least the minimum length; not 1234, the mailbox number or one digit repeated: `vm-invalid-password`)"},
			Secret:     true,
		},
		{
			ID:         MenuReenterPassword,
			Doc:        "New password again",
			Prompt:     []string{"vm-reenterpassword"},
			Input:      InputDigits,
			MaxDigits:  20,
			FirstDigit: cfg.LoginFirstDigit,
			InterDigit: cfg.LoginInterDigit,
			MaxRepeats: cfg.MaxRepeats,
			OnInput:    Action{Kind: ActReenterPassword, Doc: "the same password, then # (`vm-passchanged`, or `vm-mismatch`)"},
			Secret:     true,
		},
		{
			ID:         MenuAdvanced,
			Doc:        "Advanced options",
			PromptFunc: advancedPrompt,
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			OnGiveUp:   Action{Kind: ActMain},
			Keys: map[byte]Action{
				'1': {Kind: ActReply, Doc: "reply: leave a message for the sender (when the sender has a mailbox)"},
				'3': {Kind: ActEnvelope, Doc: "hear the message's envelope"},
				'5': {Kind: ActSendMessage, Doc: "leave a message in another mailbox"},
				'*': {Kind: ActMain, Doc: "back to the main menu"},
			},
		},
		{
			ID:         MenuSendTo,
			Doc:        "Mailbox to leave a message in",
			Prompt:     []string{"vm-extension"},
			Input:      InputDigits,
			MaxDigits:  20,
			FirstDigit: cfg.LoginFirstDigit,
			InterDigit: cfg.LoginInterDigit,
			MaxRepeats: cfg.MaxRepeats,
			OnInput:    Action{Kind: ActSendTo, Doc: "the mailbox number, then #: `vm-intro`, the beep, your message"},
		},
		{
			ID:          MenuForwardTo,
			Doc:         "Forward to",
			Prompt:      []string{"vm-extension"},
			Input:       InputDigits,
			MaxDigits:   64,
			FirstDigit:  cfg.LoginFirstDigit,
			InterDigit:  cfg.LoginInterDigit,
			MaxRepeats:  cfg.MaxRepeats,
			OnInput:     Action{Kind: ActForwardTo, Doc: "the mailbox number (several: separated by *), then #"},
			StarInInput: true,
		},
		{
			ID:         MenuForwardOptions,
			Doc:        "How to forward",
			Prompt:     []string{"vm-forwardoptions"},
			Input:      InputKey,
			FirstDigit: cfg.MenuTimeout,
			MaxRepeats: cfg.MaxRepeats,
			OnGiveUp:   Action{Kind: ActForwardPlain},
			Keys: map[byte]Action{
				'1': {Kind: ActForwardIntro, Doc: "record an introduction first (`vm-record-prepend`), then forward"},
				'2': {Kind: ActForwardPlain, Doc: "forward it as it is (`vm-msgforwarded`)"},
			},
		},
	}
	t := &Tree{menus: make(map[MenuID]*Menu, len(menus))}
	for _, m := range menus {
		t.menus[m.ID] = m
	}
	return t
}
