package menus

import "testing"

// TestTreeEdges checks the edges of the tree: every key goes to a menu or
// runs a handler (not both), every menu a key goes to is in the tree, and
// every entry has a handler.
func TestTreeEdges(t *testing.T) {
	tree := newEngine(t).Tree()
	check := func(m *Menu, what string, a Action) {
		t.Helper()
		switch {
		case a.Goto != "" && a.Do != nil:
			t.Errorf("menu %s, %s: goes to %s and runs a handler", m.ID, what, a.Goto)
		case a.Goto == "" && a.Do == nil:
			t.Errorf("menu %s, %s: does nothing", m.ID, what)
		case a.Goto != "":
			if _, ok := tree.Menu(a.Goto); !ok {
				t.Errorf("menu %s, %s: goes to %s, which is no menu of the tree", m.ID, what, a.Goto)
			}
		}
	}
	for _, m := range tree.Menus() {
		switch m.Input {
		case InputKey:
			if len(m.Keys) == 0 {
				t.Errorf("menu %s reads keys but has none", m.ID)
			}
			for k, a := range m.Keys {
				if !isKey(k) {
					t.Errorf("menu %s: %q is no key of a keypad", m.ID, k)
				}
				check(m, "key "+string(k), a)
			}
		case InputDigits:
			if m.OnInput.Do == nil {
				t.Errorf("menu %s reads digits but does nothing with them", m.ID)
			}
			if len(m.Keys) != 0 {
				t.Errorf("menu %s reads digits but has keys", m.ID)
			}
		default:
			t.Errorf("menu %s reads the keypad as %q", m.ID, m.Input)
		}
		for kind, p := range m.Playbacks {
			if kind == PlayPrompt {
				t.Errorf("menu %s: its prompt is no playback of Playbacks", m.ID)
			}
			for k, a := range p.Keys {
				if !isKey(k) {
					t.Errorf("menu %s: %q is no key of a keypad", m.ID, k)
				}
				check(m, "key "+string(k)+" while the "+string(kind)+" plays", a)
			}
			if p.OnDone.does() {
				check(m, "at the end of the "+string(kind), p.OnDone)
			}
		}
		if m.OnGiveUp.does() {
			check(m, "giving up", m.OnGiveUp)
		}
		if m.OnPromptDone.does() {
			check(m, "at the end of its prompt", m.OnPromptDone)
		}
	}
}
