package sipp

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"text/template"
)

// The SIPp scenarios, rendered per call.
//
//go:embed scenarios/*.xml
var scenarioFS embed.FS

var uacTemplate = template.Must(template.ParseFS(scenarioFS, "scenarios/uac.xml"))

// rejections are the final responses to an INVITE that uac.xml acknowledges
// and ends the call on. Others make sipp abort the call; Call still reports
// their status.
var rejections = []int{400, 401, 403, 404, 405, 407, 408, 410, 415, 420, 480, 481, 482, 483, 484, 485, 486, 487, 488, 491, 500, 501, 502, 503, 504, 600, 603, 604, 606}

// uacParams fill in scenarios/uac.xml.
type uacParams struct {
	To, From, FromName string
	Media              string // path of the RTP capture
	HoldMs             int64
	Rejections         []int
}

func renderUAC(p uacParams) ([]byte, error) {
	var b bytes.Buffer
	if err := uacTemplate.Execute(&b, p); err != nil {
		return nil, fmt.Errorf("sipp: render scenario: %w", err)
	}
	return b.Bytes(), nil
}

// sipUser escapes a SIP URI user part: # is not allowed in it (RFC 3261
// 25.1); Asterisk decodes %23 back to # for the extension.
func sipUser(s string) string {
	return strings.ReplaceAll(s, "#", "%23")
}

// validUser reports whether s can be a SIP user (extension or caller
// number) in the scenario as it is.
func validUser(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case strings.ContainsRune("*#+-_.!~", r):
		default:
			return false
		}
	}
	return true
}

// validDisplayName reports whether s can go between the quotes of a From
// header and into the scenario's CDATA as it is.
func validDisplayName(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r == '<' || r == '>' || r == ']' || r > 0x7e {
			return false
		}
	}
	return true
}
