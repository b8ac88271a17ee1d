package migrate

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseConfRealistic(t *testing.T) {
	c, err := ParseConf(os.DirFS("testdata/conf"), "voicemail.conf")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := c.GeneralOption("maxsecs"); v != "180" {
		t.Errorf("[general] maxsecs = %q, want 180 (spaces around '=')", v)
	}
	if v, _ := c.GeneralOption("review"); v != "yes" {
		t.Errorf("[general] review = %q, want yes (comment after the value)", v)
	}
	if _, ok := c.GeneralOption("eastern"); ok {
		t.Error("a [zonemessages] line landed in [general]")
	}
	var got []string
	for _, b := range c.Boxes {
		got = append(got, b.Number+"@"+b.Context)
	}
	want := []string{"1234@default", "1235@default", "1236@default", "1237@default", "1238@default", "1234@default",
		"bad/box@default", "3001@sales", "3002@sales", "2001@other"}
	if !slices.Equal(got, want) {
		t.Fatalf("boxes = %v, want %v", got, want)
	}
	b := c.Boxes[0]
	if b.Password != "4242" || b.Name != "Example Mailbox" || b.Email != "root@localhost" || b.Pager != "" {
		t.Errorf("1234 = %+v", b)
	}
	if v, _ := b.Option("language"); v != "fr" {
		t.Errorf("1234 language = %q, want fr ('|'-separated options)", v)
	}
	if v, _ := b.Option("tz"); v != "eastern" {
		t.Errorf("1234 tz = %q", v)
	}
	if b.Where != "voicemail.conf:21" {
		t.Errorf("1234 where = %q", b.Where)
	}
	if l := c.Boxes[1]; !l.Locked || l.Password != "1111" {
		t.Errorf("1235 = %+v, want locked with password 1111", l)
	}
	s := c.Boxes[2]
	if s.Name != "Spaced Out" || s.Email != "spaced@example.com" || s.Pager != "pager@example.com" {
		t.Errorf("1236 = %+v", s)
	}
	if v, _ := s.Option("review"); v != "no" {
		t.Errorf("1236 review = %q, want no (','-separated options)", v)
	}
	if v, _ := s.Option("operator"); v != "yes" {
		t.Errorf("1236 operator = %q", v)
	}
	if n := c.Boxes[4].Name; n != "Has ; semicolon" {
		t.Errorf("1238 name = %q, want the escaped semicolon kept", n)
	}
	if v, ok := c.Boxes[9].Option("nonsense"); !ok || v != "" {
		t.Errorf("a bare word option is kept with no value: %q %v", v, ok)
	}
	if b := c.Boxes[7]; b.Where != "users/sales.conf:3" || b.Email != "sales1@example.com" {
		t.Errorf("3001 = %+v", b)
	}
	notes := strings.Join(c.Notes, "\n")
	for _, want := range []string{"[zonemessages] ignored", "users/missing.conf", "#exec /usr/local/bin/more-boxes.sh"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

func TestParseConfErrors(t *testing.T) {
	for name, files := range map[string]fstest.MapFS{
		"missing include": {"voicemail.conf": {Data: []byte("[default]\n#include nothere.conf\n")}},
		"include loop":    {"voicemail.conf": {Data: []byte("#include a.conf\n")}, "a.conf": {Data: []byte("#include voicemail.conf\n")}},
		"missing file":    {},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseConf(files, "voicemail.conf"); !errors.Is(err, ErrConf) {
				t.Errorf("err = %v, want ErrConf", err)
			}
		})
	}
}

func TestParseConfOddLines(t *testing.T) {
	fsys := fstest.MapFS{"voicemail.conf": {Data: []byte(
		"orphan=1\n[default\n[ctx](!)\n100 => 1,A\nnot an assignment\n;-- open\nblock 1 => 2\n--; 101 => 2,B\n#\n#bogus x\n")}}
	c, err := ParseConf(fsys, "voicemail.conf")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range c.Boxes {
		got = append(got, b.Number+"@"+b.Context+"="+b.Name)
	}
	if !slices.Equal(got, []string{"100@ctx=A", "101@ctx=B"}) {
		t.Errorf("boxes = %v", got)
	}
	if len(c.Notes) != 6 {
		t.Errorf("notes = %d, want 6 (orphan, header, template, assignment, #, #bogus):\n%s", len(c.Notes), strings.Join(c.Notes, "\n"))
	}
}

func FuzzParseConf(f *testing.F) {
	for _, seed := range []string{
		"[general]\nformat=wav\n[default]\n1234 => 4242,Name,a@b,,attach=no|tz=eastern\n",
		";-- block\n--;[ctx]\n1=>-1,a,b,c,d,e|f=g\n#include other.conf\n",
		"[zonemessages]\neastern=America/New_York|'vm-received'\n",
		"\\;;\n[x](!)\n=\n=>\n#tryinclude *\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data string) {
		fsys := fstest.MapFS{"voicemail.conf": {Data: []byte(data)}, "other.conf": {Data: []byte("[other]\n9 => 9\n")}}
		c, err := ParseConf(fsys, "voicemail.conf")
		if err != nil {
			if !errors.Is(err, ErrConf) {
				t.Fatalf("error %v does not wrap ErrConf", err)
			}
			return
		}
		for _, b := range c.Boxes {
			if b.Context == "" || strings.EqualFold(b.Context, "general") || strings.EqualFold(b.Context, "zonemessages") {
				t.Fatalf("box %+v in a section that holds no mailboxes", b)
			}
			if b.Number == "" || strings.TrimSpace(b.Number) != b.Number || strings.Contains(b.Number, "=") {
				t.Fatalf("mailbox number %q", b.Number)
			}
			for _, o := range b.Options {
				if strings.ContainsAny(o.Key, "|,") || o.Key != strings.ToLower(o.Key) {
					t.Fatalf("option key %q", o.Key)
				}
			}
		}
	})
}
