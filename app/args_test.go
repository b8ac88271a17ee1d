package app

import (
	"errors"
	"testing"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args    []string
		want    string // mode/mailbox/greeting
		wantErr bool
	}{
		{[]string{"main"}, "main//", false},
		{[]string{"main", ""}, "main//", false},
		{[]string{"main", "1001"}, "main/1001@default/", false},
		{[]string{"main:1001"}, "main/1001@default/", false},
		{[]string{"MAIN", "1001@sales"}, "main/1001@sales/", false},
		{[]string{"deposit", "1001"}, "deposit/1001@default/unavail", false},
		{[]string{"deposit", "1001", "busy"}, "deposit/1001@default/busy", false},
		{[]string{"deposit:1002:unavail"}, "deposit/1002@default/unavail", false},
		{[]string{"main", "", ""}, "main//", false},
		{[]string{"main:1001:"}, "main/1001@default/", false},
		{nil, "", true},
		{[]string{"bogus"}, "", true},
		{[]string{"deposit"}, "", true},
		{[]string{"deposit", "1001", "loud"}, "", true},
		{[]string{"main", "../etc"}, "", true},
		{[]string{"main", "10*1"}, "", true},
		{[]string{"main", "1001", "x"}, "", true},
		{[]string{"main", "1", "2", "3"}, "", true},
	}
	for _, tt := range tests {
		r, err := ParseArgs(tt.args)
		if tt.wantErr {
			if !errors.Is(err, ErrBadArgs) {
				t.Errorf("ParseArgs(%q) err = %v, want ErrBadArgs", tt.args, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseArgs(%q): %v", tt.args, err)
			continue
		}
		mb := ""
		if r.HasMailbox {
			mb = r.Mailbox.String()
		}
		if got := r.Mode + "/" + mb + "/" + r.Greeting; got != tt.want {
			t.Errorf("ParseArgs(%q) = %s, want %s", tt.args, got, tt.want)
		}
	}
}

func FuzzParseArgs(f *testing.F) {
	f.Add("main", "1001", "")
	f.Add("deposit", "1001@sales", "busy")
	f.Add("main:1001", "", "")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		r, err := ParseArgs([]string{a, b, c})
		if err != nil {
			return
		}
		if r.Mode != "main" && r.Mode != "deposit" {
			t.Fatalf("accepted mode %q", r.Mode)
		}
		if r.HasMailbox && r.Mailbox.Number == "" {
			t.Fatalf("accepted empty mailbox")
		}
	})
}
