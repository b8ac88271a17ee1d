package menus

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// KeyTable renders every menu of the tree as a Markdown table: each key (or
// entry), what it does and the prompt the menu plays. The README carries
// this table, and a test checks that the two agree.
func (t *Tree) KeyTable() string {
	var b strings.Builder
	b.WriteString("| menu | prompt | key | does |\n|---|---|---|---|\n")
	for _, m := range t.Menus() {
		prompt := strings.Join(m.Prompt, " ")
		if m.PromptFunc != nil {
			prompt = strings.Join(m.PromptFunc(tableState(m.ID)), " ")
		}
		switch m.Input {
		case InputDigits:
			fmt.Fprintf(&b, "| %s | `%s` | digits, `#` | %s |\n", m.Doc, prompt, m.OnInput.Doc)
			for _, k := range sortedKeys(m.Escapes) {
				fmt.Fprintf(&b, "|  |  | `%c` first | %s |\n", k, m.Escapes[k].Doc)
			}
		case InputKey:
			for i, k := range sortedKeys(m.Keys) {
				name, p := m.Doc, "`"+prompt+"`"
				if i > 0 {
					name, p = "", ""
				}
				doc := m.Keys[k].Doc
				fmt.Fprintf(&b, "| %s | %s | `%c` | %s |\n", name, p, k, doc)
			}
		}
		for _, kind := range slices.Sorted(maps.Keys(m.Playbacks)) {
			keys := m.Playbacks[kind].Keys
			for _, k := range sortedKeys(keys) {
				fmt.Fprintf(&b, "|  |  | `%c` %s | %s |\n", k, whilePlaying(kind), keys[k].Doc)
			}
		}
	}
	return b.String()
}

// whilePlaying says when a key of Menu.Playbacks works, for the key
// column.
func whilePlaying(k PlayKind) string {
	switch k {
	case PlayEnvelope:
		return "while the envelope plays"
	case PlayMessage:
		return "while the message plays"
	}
	return "while " + string(k) + " plays"
}

// sortedKeys are the keys of keys in the order of a keypad.
func sortedKeys(keys map[byte]Action) []byte {
	return slices.SortedFunc(maps.Keys(keys), func(a, b byte) int { return keyOrder(a) - keyOrder(b) })
}

// keyOrder sorts keys as a keypad reads: 1–9, 0, *, #.
func keyOrder(k byte) int {
	switch {
	case k >= '1' && k <= '9':
		return int(k - '0')
	case k == '0':
		return 10
	case k == '*':
		return 11
	}
	return 12
}

// tableState is the example call the table's prompts are rendered for: two
// new messages, the second one current, in a mailbox with an operator.
func tableState(id MenuID) *State {
	s := &State{Lang: "en", Menu: id, Counts: Counts{New: 2}}
	s.Box = &Box{Msgs: []MsgInfo{{ID: "a"}, {ID: "b"}}, Cur: 1}
	if id == MenuMain {
		s.Box.Cur = -1
	}
	s.Deposit = &Deposit{Number: "1001", Operator: true}
	s.Forward = &Forward{To: []string{"1002"}, Checked: 1}
	s.Dir = &Directory{Context: "default", Matches: []DirEntry{{Number: "1001", Name: "Alice Smith", Recording: "NAME"}}}
	return s
}
