// Package migrate brings users, messages and greetings over from Asterisk's
// app_voicemail (voicemail import) and writes them back as a spool that
// app_voicemail reads (voicemail export, the rollback path).
//
// It reads voicemail.conf as app_voicemail does (apps/app_voicemail.c,
// load_config and append_mailbox) and its file storage spool
// (<spool>/<context>/<mailbox>/<folder>/msgNNNN.*), and writes the same.
package migrate

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// Limits on what the parser reads, so a hostile or broken file cannot
// exhaust memory.
const (
	// maxIncludeDepth bounds nested #include directives (Asterisk's own
	// limit is far higher, but real files nest one or two deep).
	maxIncludeDepth = 10
	// maxLineLen bounds a line of voicemail.conf.
	maxLineLen = 64 << 10
	// maxConfBoxes bounds the mailboxes of one configuration.
	maxConfBoxes = 200000
)

// Option is one key=value setting, of [general] or of a mailbox.
type Option struct {
	// Key is the option's name, lower case.
	Key string
	// Value is its value as written, spaces trimmed.
	Value string
}

// Box is one mailbox line of voicemail.conf:
// "mailbox => password,name,email,pager,options".
type Box struct {
	// Context is the voicemail context (the section the line is in).
	Context string
	// Number is the mailbox number.
	Number string
	// Password is the password as written, with app_voicemail's leading
	// "-" (the owner may not change it) removed: see Locked.
	Password string
	// Locked is set when the password started with "-".
	Locked bool
	// Name, Email and Pager are the second to fourth fields.
	Name, Email, Pager string
	// Options are the fifth field and after, '|'- or ','-separated.
	Options []Option
	// Where is "file:line" of the line, for the report.
	Where string
}

// Option returns the value of the last option key of b, and whether it
// is set.
func (b Box) Option(key string) (string, bool) {
	for i := len(b.Options) - 1; i >= 0; i-- {
		if b.Options[i].Key == key {
			return b.Options[i].Value, true
		}
	}
	return "", false
}

// Conf is a voicemail.conf as app_voicemail reads it.
type Conf struct {
	// General holds the options of [general], in file order.
	General []Option
	// Boxes lists the mailboxes of every context, in file order.
	Boxes []Box
	// Notes says what the parser ignored and why (a [zonemessages]
	// section, an #exec, a line it could not read), for the report.
	Notes []string
}

// GeneralOption returns the value of the last [general] option key.
func (c *Conf) GeneralOption(key string) (string, bool) {
	for i := len(c.General) - 1; i >= 0; i-- {
		if c.General[i].Key == key {
			return c.General[i].Value, true
		}
	}
	return "", false
}

// ErrConf is wrapped by every error of ParseConf that stops the parse: a
// file that cannot be read, an #include loop or too deep a nesting.
var ErrConf = errors.New("migrate: voicemail.conf")

// ParseConf reads the voicemail.conf named name in fsys, following
// #include and #tryinclude relative to fsys's root (Asterisk's
// configuration directory), as app_voicemail's load_config reads it:
// [general] options, [zonemessages] (ignored, with a note), and every
// other section a context of "mailbox => password,name,email,pager,options"
// lines. Comments start with ';' (not "\;"), block comments are ";--" to
// "--;". Lines it cannot read become notes, never errors.
func ParseConf(fsys fs.FS, name string) (*Conf, error) {
	p := &confParser{fsys: fsys, conf: &Conf{}, open: map[string]bool{}}
	if err := p.file(name, 0, false); err != nil {
		return nil, err
	}
	return p.conf, nil
}

type confParser struct {
	fsys    fs.FS
	conf    *Conf
	section string
	// inBlock is set inside a ";--" block comment, which may span lines
	// and files (as in Asterisk's config.c).
	inBlock bool
	open    map[string]bool
}

func (p *confParser) note(where, format string, args ...any) {
	p.conf.Notes = append(p.conf.Notes, where+": "+fmt.Sprintf(format, args...))
}

func (p *confParser) file(name string, depth int, try bool) error {
	name = path.Clean(strings.TrimPrefix(name, "/"))
	if depth > maxIncludeDepth {
		return fmt.Errorf("%w: %s: #include nested more than %d deep", ErrConf, name, maxIncludeDepth)
	}
	if p.open[name] {
		return fmt.Errorf("%w: %s includes itself", ErrConf, name)
	}
	f, err := p.fsys.Open(name)
	if err != nil {
		if try {
			p.note(name, "#tryinclude: not found, skipped")
			return nil
		}
		return fmt.Errorf("%w: %w", ErrConf, err)
	}
	defer func() { _ = f.Close() }()
	p.open[name] = true
	defer delete(p.open, name)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), maxLineLen)
	for n := 1; sc.Scan(); n++ {
		if err := p.line(sc.Text(), fmt.Sprintf("%s:%d", name, n), depth); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrConf, name, err)
	}
	return nil
}

// stripComments removes comments from line, tracking block comments, and
// turns "\;" into ";".
func (p *confParser) stripComments(line string) string {
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		if p.inBlock {
			if strings.HasPrefix(line[i:], "--;") {
				p.inBlock = false
				i += 2
			}
			continue
		}
		c := line[i]
		if c == '\\' && i+1 < len(line) && line[i+1] == ';' {
			b.WriteByte(';')
			i++
			continue
		}
		if c == ';' {
			if strings.HasPrefix(line[i:], ";--") {
				p.inBlock = true
				i += 2
				continue
			}
			break
		}
		b.WriteByte(c)
	}
	return strings.TrimSpace(b.String())
}

func (p *confParser) line(raw, where string, depth int) error {
	line := p.stripComments(raw)
	if line == "" {
		return nil
	}
	switch {
	case line[0] == '#':
		return p.directive(line, where, depth)
	case line[0] == '[':
		end := strings.IndexByte(line, ']')
		if end < 0 {
			p.note(where, "section header without ']': %q skipped", clip(line))
			return nil
		}
		p.section = strings.TrimSpace(line[1:end])
		if rest := strings.TrimSpace(line[end+1:]); rest != "" {
			// [name](template) or [name](!): templates are not used by
			// voicemail.conf in practice.
			p.note(where, "section [%s]: %q after the name ignored", clip(p.section), clip(rest))
		}
		if strings.EqualFold(p.section, "zonemessages") {
			p.note(where, "[zonemessages] ignored: time zones are IANA names in this app (tz= per mailbox)")
		}
		return nil
	}
	key, value, ok := splitAssign(line)
	if !ok {
		p.note(where, "not \"key = value\" nor \"mailbox => ...\": %q skipped", clip(line))
		return nil
	}
	switch {
	case p.section == "":
		p.note(where, "%q before any section skipped", clip(key))
	case strings.EqualFold(p.section, "general"):
		p.conf.General = append(p.conf.General, Option{Key: strings.ToLower(key), Value: value})
	case strings.EqualFold(p.section, "zonemessages"):
	default:
		if len(p.conf.Boxes) >= maxConfBoxes {
			return fmt.Errorf("%w: more than %d mailboxes", ErrConf, maxConfBoxes)
		}
		p.conf.Boxes = append(p.conf.Boxes, parseBox(p.section, key, value, where))
	}
	return nil
}

// directive handles #include, #tryinclude and #exec.
func (p *confParser) directive(line, where string, depth int) error {
	word, arg := line[1:], ""
	if i := strings.IndexAny(word, " \t\"<"); i >= 0 {
		word, arg = word[:i], word[i:]
	}
	arg = strings.Trim(strings.TrimSpace(arg), "\"<>")
	switch strings.ToLower(word) {
	case "include", "tryinclude":
		if arg == "" {
			p.note(where, "#%s without a file name skipped", word)
			return nil
		}
		if strings.ContainsAny(arg, "*?[") {
			matches, err := fs.Glob(p.fsys, path.Clean(strings.TrimPrefix(arg, "/")))
			if err != nil || len(matches) == 0 {
				p.note(where, "#%s %s: no file matches, skipped", word, clip(arg))
				return nil
			}
			for _, m := range matches {
				if err := p.file(m, depth+1, true); err != nil {
					return err
				}
			}
			return nil
		}
		return p.file(arg, depth+1, strings.EqualFold(word, "tryinclude"))
	case "exec":
		p.note(where, "#exec %s not run: run it yourself and #include its output", clip(arg))
	default:
		p.note(where, "unknown directive #%s skipped", clip(word))
	}
	return nil
}

// splitAssign splits "key => value" or "key = value".
func splitAssign(line string) (key, value string, ok bool) {
	i := strings.IndexByte(line, '=')
	if i <= 0 {
		return "", "", false
	}
	key = strings.TrimSpace(line[:i])
	value = strings.TrimSpace(strings.TrimPrefix(line[i+1:], ">"))
	return key, value, key != ""
}

// parseBox reads "password,name,email,pager,options" for mailbox number
// in context, as append_mailbox does: the fields after the fourth are
// options separated by '|' (or ',', as newer files write them).
func parseBox(context, number, value, where string) Box {
	b := Box{Context: context, Number: number, Where: where}
	fields := strings.SplitN(value, ",", 5)
	get := func(i int) string {
		if i < len(fields) {
			return strings.TrimSpace(fields[i])
		}
		return ""
	}
	b.Password = get(0)
	if strings.HasPrefix(b.Password, "-") {
		b.Locked, b.Password = true, b.Password[1:]
	}
	b.Name, b.Email, b.Pager = get(1), get(2), get(3)
	b.Options = parseOptions(get(4))
	return b
}

// parseOptions splits "key=value|key=value" (or ',') into options; a word
// without '=' is kept with an empty value, so that the report names it.
func parseOptions(s string) []Option {
	var out []Option
	for part := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == '|' || r == ',' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		out = append(out, Option{Key: strings.ToLower(strings.TrimSpace(k)), Value: strings.TrimSpace(v)})
	}
	return out
}

// clip shortens text quoted in a note.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
