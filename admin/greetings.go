package admin

import (
	"context"
	"fmt"

	"github.com/clusterpbx/voicemail/mailbox"
)

// greetingNames are the greetings as the API and the CLI name them: the
// owner's recorded name is "name" (app_voicemail's file is "greet").
var greetingNames = map[string]mailbox.Greeting{
	"unavail": mailbox.GreetingUnavail,
	"busy":    mailbox.GreetingBusy,
	"temp":    mailbox.GreetingTemp,
	"name":    mailbox.GreetingName,
}

// ParseGreetingName reads a greeting as the API names it: unavail, busy,
// temp or name. The error wraps mailbox.ErrInvalidGreeting.
func ParseGreetingName(s string) (mailbox.Greeting, error) {
	if g, ok := greetingNames[s]; ok {
		return g, nil
	}
	return "", fmt.Errorf("%w: %q: use unavail, busy, temp or name", mailbox.ErrInvalidGreeting, clipText(s))
}

// greetingName is the API's name of g.
func greetingName(g mailbox.Greeting) string {
	if g == mailbox.GreetingName {
		return "name"
	}
	return string(g)
}

// Greetings reports which greetings a mailbox has recorded, by the API's
// names.
func (s *Service) Greetings(ctx context.Context, id mailbox.ID) (map[string]bool, error) {
	if err := s.mustExist(ctx, id); err != nil {
		return nil, err
	}
	got, err := s.store.Greetings(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(greetingNames))
	for name, g := range greetingNames {
		out[name] = got[g] != ""
	}
	return out, nil
}

// GreetingAudio returns a recorded greeting as a WAV file. Errors wrap
// ErrGreetingNotFound when none is recorded, ari.ErrNotFound when its
// audio is missing, ErrAudioUnavailable when Asterisk could not hand it
// over.
func (s *Service) GreetingAudio(ctx context.Context, id mailbox.ID, g mailbox.Greeting) ([]byte, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if err := s.mustExist(ctx, id); err != nil {
		return nil, err
	}
	got, err := s.store.Greetings(ctx, id)
	if err != nil {
		return nil, err
	}
	rec := got[g]
	if rec == "" {
		return nil, fmt.Errorf("admin: %s greeting of %s: %w", greetingName(g), id, ErrGreetingNotFound)
	}
	b, err := s.audio.WAV(ctx, rec)
	if err != nil {
		return nil, audioError(err)
	}
	return b, nil
}

// DeleteGreeting removes a recorded greeting and its audio, so that callers
// hear the default again (for the name: "the person at extension N"). A
// greeting that is not recorded gives ErrGreetingNotFound.
func (s *Service) DeleteGreeting(ctx context.Context, who Actor, id mailbox.ID, g mailbox.Greeting) error {
	err := g.Validate()
	if err == nil {
		err = s.mustExist(ctx, id)
	}
	var prev string
	if err == nil {
		prev, err = s.store.ClearGreeting(ctx, id, g)
	}
	switch {
	case err == nil && prev == "":
		err = fmt.Errorf("admin: %s greeting of %s: %w", greetingName(g), id, ErrGreetingNotFound)
	case err == nil:
		s.deleteAudio(ctx, []string{prev})
	}
	s.record(ctx, who, "greeting.delete", id.String()+"/"+greetingName(g), err, "")
	return err
}

// clipText bounds outside text quoted in an error.
func clipText(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
