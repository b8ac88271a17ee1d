package load

import (
	"errors"
	"io"
	"testing"
)

func TestOptionsRefuse(t *testing.T) {
	base := func() Options {
		return Options{ARIURL: "http://127.0.0.1:8088/ari", ARIUser: "u", Out: io.Discard}
	}
	for name, change := range map[string]func(*Options){
		"remote ARI":         func(o *Options) { o.ARIURL = "http://10.0.0.5:8088/ari" },
		"remote Redis":       func(o *Options) { o.Redis = "192.168.1.2:6379" },
		"the tests' app":     func(o *Options) { o.App = "voicemail" },
		"unknown flow":       func(o *Options) { o.Flow = "browse" },
		"step above max":     func(o *Options) { o.MaxConcurrency = 20; o.Steps = []int{10, 30} },
		"profile and binary": func(o *Options) { o.AppProfile = "/tmp/p"; o.AppBinary = "/bin/true" },
		"no output":          func(o *Options) { o.Out = nil },
		"listen end unknown": func(o *Options) { o.ListenEnd = "hangup" },
	} {
		o := base()
		change(&o)
		o.setDefaults()
		if err := o.validate(); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%s: validate() = %v, want ErrInvalidOptions", name, err)
		}
	}
	o := base()
	o.Redis = "localhost:6390"
	o.setDefaults()
	if err := o.validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if o.App != "voicemail-load" || o.RedisDB != 7 || len(o.Steps) != 6 || o.Steps[5] != 50 {
		t.Errorf("defaults: app %q, db %d, steps %v", o.App, o.RedisDB, o.Steps)
	}
}
