package email

import (
	"strings"
	"testing"
)

// TestShippedTemplatesSayUrgent checks that the shipped subjects and bodies,
// English and French, say an urgent message is urgent and a plain one is
// not.
func TestShippedTemplatesSayUrgent(t *testing.T) {
	tmpl, err := loadTemplates("", "en")
	if err != nil {
		t.Fatal(err)
	}
	base := Vars{VM_NAME: "Alice", VM_DUR: "0:04", VM_MSGNUM: "1", VM_MAILBOX: "1001", VM_CONTEXT: "default"}
	urgent := base
	urgent.Urgent, urgent.VM_FLAG = true, "Urgent"
	for _, tt := range []struct {
		lang, name, want string
	}{
		{"en", tmplEmailSubject, "[PBX]: New urgent message 1 in mailbox 1001"},
		{"fr", tmplEmailSubject, "[PBX] : nouveau message urgent 1 dans la boîte 1001"},
		{"en", tmplPagerSubject, "New urgent VM"},
		{"fr", tmplPagerSubject, "Nouveau message vocal urgent"},
		{"en", tmplEmailBody, "urgent message"},
		{"fr", tmplEmailBody, "message urgent"},
	} {
		got, err := tmpl.render(tt.lang, tt.name, urgent)
		if err != nil {
			t.Fatal(err)
		}
		if tt.name == tmplEmailBody {
			if !strings.Contains(got, tt.want) {
				t.Errorf("%s/%s urgent: %q lacks %q", tt.lang, tt.name, got, tt.want)
			}
		} else if s := oneLine(got); s != tt.want {
			t.Errorf("%s/%s urgent = %q, want %q", tt.lang, tt.name, s, tt.want)
		}
		plain, err := tmpl.render(tt.lang, tt.name, base)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.ToLower(plain), "urgent") {
			t.Errorf("%s/%s says urgent for a plain message: %q", tt.lang, tt.name, plain)
		}
	}
}
