package migrate

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/clusterpbx/voicemail/mailbox"
)

// spoolFolders maps app_voicemail's folder directories (apps/app_voicemail.c,
// mailbox_folders) to this app's folders.
var spoolFolders = map[string]mailbox.Folder{
	"INBOX":   mailbox.FolderNew,
	"Old":     mailbox.FolderOld,
	"Work":    mailbox.FolderWork,
	"Family":  mailbox.FolderFamily,
	"Friends": mailbox.FolderFriends,
	"Urgent":  mailbox.FolderUrgent,
}

// spoolGreetings are the greeting files of a mailbox directory.
var spoolGreetings = []mailbox.Greeting{mailbox.GreetingUnavail, mailbox.GreetingBusy, mailbox.GreetingTemp, mailbox.GreetingName}

// maxInfoSize bounds a msgNNNN.txt read.
const maxInfoSize = 64 << 10

// MessageInfo is what a msgNNNN.txt says of a message ([message] section).
type MessageInfo struct {
	// CallerNum and CallerName are read from callerid=.
	CallerNum, CallerName string
	// OrigTime is origtime=, in Unix seconds.
	OrigTime int64
	// Duration is duration=, in seconds.
	Duration int
	// Flag is flag= ("Urgent", "PRIORITY" or "").
	Flag string
	// MsgID is msg_id= (app_voicemail's, or this app's id on an export).
	MsgID string
	// OrigMailbox is origmailbox=.
	OrigMailbox string
}

// ParseMessageInfo reads a msgNNNN.txt. Keys it does not know, and other
// sections, are ignored; so are malformed numbers (left zero).
func ParseMessageInfo(r io.Reader) MessageInfo {
	var info MessageInfo
	sc := bufio.NewScanner(io.LimitReader(r, maxInfoSize))
	sc.Buffer(make([]byte, 0, 1024), maxInfoSize)
	section := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			section, _, _ = strings.Cut(line[1:], "]")
			continue
		}
		if section != "message" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "callerid":
			info.CallerName, info.CallerNum = ParseCallerID(v)
		case "origtime":
			info.OrigTime, _ = strconv.ParseInt(v, 10, 64)
		case "duration":
			info.Duration, _ = strconv.Atoi(v)
		case "flag":
			info.Flag = v
		case "msg_id":
			info.MsgID = v
		case "origmailbox":
			info.OrigMailbox = v
		}
	}
	if info.Duration < 0 {
		info.Duration = 0
	}
	return info
}

// ParseCallerID splits a caller ID as app_voicemail writes it
// ("Name" <number>, <number>, number, or "Unknown") into name and number.
func ParseCallerID(s string) (name, num string) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "unknown") || s == "" {
		return "", ""
	}
	if lt := strings.LastIndexByte(s, '<'); lt >= 0 {
		if gt := strings.IndexByte(s[lt:], '>'); gt > 0 {
			num = strings.TrimSpace(s[lt+1 : lt+gt])
			name = strings.TrimSpace(s[:lt])
			name = strings.TrimSpace(strings.Trim(name, "\""))
			return name, num
		}
	}
	if strings.HasPrefix(s, "\"") {
		return strings.Trim(s, "\""), ""
	}
	return "", s
}

// SpoolMessage is one message of the spool: msgNNNN with its audio files.
type SpoolMessage struct {
	// Dir is the folder directory (INBOX, Old, …, Urgent).
	Dir string
	// File is the base name, "msg0000".
	File string
	// Formats lists the audio files present, by extension ("wav", "WAV",
	// "gsm"…), sorted.
	Formats []string
	// Info is the message's msgNNNN.txt; HasInfo is false without one.
	Info    MessageInfo
	HasInfo bool
	// ModTime is the text file's (or else the audio's) modification
	// time, in Unix seconds: the received time of a message without
	// origtime.
	ModTime int64
}

// SpoolBox is one mailbox directory of the spool.
type SpoolBox struct {
	Context, Number string
	// Path is the mailbox directory.
	Path string
	// Messages lists its messages, by folder then number.
	Messages []SpoolMessage
	// Greetings maps each greeting present to its audio formats.
	Greetings map[mailbox.Greeting][]string
	// Notes says what was skipped in the directory and why.
	Notes []string
}

// ScanSpool reads an app_voicemail file storage spool,
// <root>/<context>/<mailbox>/{INBOX,Old,Work,Family,Friends,Urgent}/msgNNNN.*
// and the greetings <root>/<context>/<mailbox>/{unavail,busy,temp,greet}.*
// It returns the mailboxes sorted by context and number, and notes on
// what it skipped. Symbolic links are not followed.
func ScanSpool(root string) ([]SpoolBox, []string, error) {
	var boxes []SpoolBox
	var notes []string
	contexts, err := os.ReadDir(root)
	if err != nil {
		return nil, nil, fmt.Errorf("migrate: spool: %w", err)
	}
	for _, c := range contexts {
		if !c.IsDir() {
			continue
		}
		cdir := filepath.Join(root, c.Name())
		entries, err := os.ReadDir(cdir)
		if err != nil {
			notes = append(notes, fmt.Sprintf("%s: %v", c.Name(), err))
			continue
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			b, err := scanBox(c.Name(), e.Name(), filepath.Join(cdir, e.Name()))
			if err != nil {
				notes = append(notes, fmt.Sprintf("%s/%s: %v", c.Name(), e.Name(), err))
				continue
			}
			boxes = append(boxes, b)
		}
	}
	return boxes, notes, nil
}

func scanBox(context, number, dir string) (SpoolBox, error) {
	b := SpoolBox{Context: context, Number: number, Path: dir, Greetings: map[mailbox.Greeting][]string{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return b, err
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			if _, ok := spoolFolders[name]; ok {
				msgs, notes, err := scanFolder(dir, name)
				if err != nil {
					b.Notes = append(b.Notes, fmt.Sprintf("%s: %v", name, err))
				}
				b.Messages = append(b.Messages, msgs...)
				b.Notes = append(b.Notes, notes...)
			} else if name != "tmp" && name != "temp" {
				b.Notes = append(b.Notes, fmt.Sprintf("folder %s skipped: this app has INBOX, Old, Work, Family, Friends and Urgent", name))
			}
			continue
		}
		if !e.Type().IsRegular() {
			continue
		}
		base, ext, ok := strings.Cut(name, ".")
		if !ok {
			continue
		}
		for _, g := range spoolGreetings {
			if base == string(g) && ext != "txt" {
				b.Greetings[g] = append(b.Greetings[g], ext)
			}
		}
	}
	for _, f := range b.Greetings {
		sort.Strings(f)
	}
	return b, nil
}

func scanFolder(dir, folder string) ([]SpoolMessage, []string, error) {
	entries, err := os.ReadDir(filepath.Join(dir, folder))
	if err != nil {
		return nil, nil, err
	}
	byFile := map[string]*SpoolMessage{}
	var order []string
	var notes []string
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		base, ext, ok := strings.Cut(e.Name(), ".")
		if !ok || !isMsgFile(base) {
			if !strings.HasSuffix(e.Name(), ".lock") {
				notes = append(notes, fmt.Sprintf("%s/%s skipped: not msgNNNN.*", folder, e.Name()))
			}
			continue
		}
		m := byFile[base]
		if m == nil {
			m = &SpoolMessage{Dir: folder, File: base}
			byFile[base] = m
			order = append(order, base)
		}
		if fi, err := e.Info(); err == nil && (ext == "txt" || m.ModTime == 0) {
			m.ModTime = fi.ModTime().Unix()
		}
		if ext == "txt" {
			f, err := os.Open(filepath.Join(dir, folder, e.Name()))
			if err != nil {
				notes = append(notes, fmt.Sprintf("%s/%s: %v", folder, e.Name(), err))
				continue
			}
			m.Info, m.HasInfo = ParseMessageInfo(f), true
			_ = f.Close()
			continue
		}
		m.Formats = append(m.Formats, ext)
	}
	sort.Strings(order)
	out := make([]SpoolMessage, 0, len(order))
	for _, base := range order {
		m := byFile[base]
		sort.Strings(m.Formats)
		out = append(out, *m)
	}
	return out, notes, nil
}

// isMsgFile reports whether base is "msg" and four or more digits.
func isMsgFile(base string) bool {
	if !strings.HasPrefix(base, "msg") || len(base) < 7 {
		return false
	}
	for _, c := range base[3:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
