package email

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

// Vars are what the templates can say: app_voicemail's variables (the
// VM_* names of its emailbody and pagerbody, apps/app_voicemail.c
// prep_email_sub_vars) and a few more.
//
//nolint:revive // the names are app_voicemail's
type Vars struct {
	// VM_NAME is the mailbox owner's full name.
	VM_NAME string
	// VM_DUR is the message's length, m:ss.
	VM_DUR string
	// VM_MSGNUM is the message's number in New when it was left, from 1.
	VM_MSGNUM string
	// VM_MAILBOX is the mailbox number; VM_CONTEXT its context.
	VM_MAILBOX, VM_CONTEXT string
	// VM_CALLERID is the caller as "Name <number>", the number or the
	// name alone, or "an unknown caller" in the mailbox's language.
	VM_CALLERID string
	// VM_CIDNUM and VM_CIDNAME are the caller ID number and name.
	VM_CIDNUM, VM_CIDNAME string
	// VM_DATE is when the message was left, in the mailbox's time zone and
	// language.
	VM_DATE string
	// VM_MESSAGEFILE is the recording's name.
	VM_MESSAGEFILE string
	// VM_FLAG is "Urgent" for an urgent message, else "".
	VM_FLAG string
	// Urgent is set for an urgent message.
	Urgent bool
	// Forwarded is set for a copy forwarded from mailbox Origin.
	Forwarded bool
	Origin    string
	// Attachment is the attached file's name, "" for none.
	Attachment string
	// AudioGone is set when the recording was deleted before the email
	// was sent (it goes without it).
	AudioGone bool
	// Transcript is the automatic transcript of the message (mail.transcribe),
	// "" for none.
	Transcript string
}

// The template files of each language.
const (
	tmplEmailSubject = "email_subject.tmpl"
	tmplEmailBody    = "email_body.tmpl"
	tmplPagerSubject = "pager_subject.tmpl"
	tmplPagerBody    = "pager_body.tmpl"
)

var templateFiles = []string{tmplEmailSubject, tmplEmailBody, tmplPagerSubject, tmplPagerBody}

//go:embed templates
var shippedTemplates embed.FS

// templates are the parsed templates of every language.
type templates struct {
	byLang   map[string]map[string]*template.Template
	fallback string
}

// loadTemplates parses the shipped templates, then those of dir (when set)
// over them. A language of dir missing a file takes it from fallback.
func loadTemplates(dir, fallback string) (*templates, error) {
	t := &templates{byLang: map[string]map[string]*template.Template{}, fallback: fallback}
	shipped, _ := fs.Sub(shippedTemplates, "templates")
	if err := t.addFS(shipped); err != nil {
		return nil, err
	}
	if dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("%w: templates directory: %v", ErrInvalidConfig, err)
		}
		if err := t.addFS(os.DirFS(dir)); err != nil {
			return nil, err
		}
	}
	base, ok := t.byLang[fallback]
	if !ok {
		return nil, fmt.Errorf("%w: no templates for the default language %q", ErrInvalidConfig, fallback)
	}
	for lang, set := range t.byLang {
		for _, name := range templateFiles {
			if set[name] == nil {
				if base[name] == nil {
					return nil, fmt.Errorf("%w: templates of %s: no %s", ErrInvalidConfig, lang, name)
				}
				set[name] = base[name]
			}
		}
	}
	return t, nil
}

// addFS parses LANG/NAME.tmpl files of fsys over what t has.
func (t *templates) addFS(fsys fs.FS) error {
	langs, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return fmt.Errorf("%w: templates: %v", ErrInvalidConfig, err)
	}
	for _, l := range langs {
		if !l.IsDir() || !validLanguage(l.Name()) {
			continue
		}
		lang := l.Name()
		for _, name := range templateFiles {
			b, err := fs.ReadFile(fsys, lang+"/"+name)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return fmt.Errorf("%w: template %s: %v", ErrInvalidConfig, filepath.Join(lang, name), err)
			}
			tmpl, err := template.New(lang + "/" + name).Option("missingkey=error").Parse(string(b))
			if err != nil {
				return fmt.Errorf("%w: template %s: %v", ErrInvalidConfig, filepath.Join(lang, name), err)
			}
			// Check it against every variable, so that a typo fails at
			// start-up rather than at the first message.
			if err := tmpl.Execute(new(bytes.Buffer), Vars{}); err != nil {
				return fmt.Errorf("%w: template %s: %v", ErrInvalidConfig, filepath.Join(lang, name), err)
			}
			if t.byLang[lang] == nil {
				t.byLang[lang] = map[string]*template.Template{}
			}
			t.byLang[lang][name] = tmpl
		}
	}
	return nil
}

// language returns the language of t that serves lang: itself, else its
// part before '_' or '-' (fr for fr_CA), else the fallback.
func (t *templates) language(lang string) string {
	if _, ok := t.byLang[lang]; ok {
		return lang
	}
	if i := strings.IndexAny(lang, "_-"); i > 0 {
		if _, ok := t.byLang[lang[:i]]; ok {
			return lang[:i]
		}
	}
	return t.fallback
}

// render executes template name of lang with v.
func (t *templates) render(lang, name string, v Vars) (string, error) {
	var b strings.Builder
	if err := t.byLang[lang][name].Execute(&b, v); err != nil {
		return "", fmt.Errorf("email: template %s/%s: %w", lang, name, err)
	}
	return b.String(), nil
}

// oneLine makes a subject of a rendered template: one line, spaces
// collapsed.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
