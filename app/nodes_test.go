package app

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/ari/aritest"
	"github.com/clusterpbx/voicemail/state"
)

func TestLoadConfigARIURLs(t *testing.T) {
	t.Setenv("VOICEMAIL_ARI_URLS", "http://pbx-a:8088/ari,http://pbx-b:8088/ari")
	env := envOf(map[string]string{"VOICEMAIL_ARI_URLS": "http://pbx-a:8088/ari,http://pbx-b:8088/ari"})
	cfg, err := LoadConfig(nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.ariURLs(), " "); got != "http://pbx-a:8088/ari http://pbx-b:8088/ari" {
		t.Fatalf("ari.urls from the environment = %q", got)
	}
	cfg, err = LoadConfig([]string{"--ari.urls", "http://x:1/ari,http://y:2/ari"}, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.ariURLs()) != 2 {
		t.Fatalf("ari.urls from a flag = %q", cfg.ariURLs())
	}
	t.Setenv("VOICEMAIL_ARI_URLS", "")
	cfg, err = LoadConfig(nil, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.ariURLs(); len(got) != 1 || got[0] != cfg.ARI.URL {
		t.Fatalf("without ari.urls, the URLs are %q, want ari.url only", got)
	}
}

func TestValidateRefusesBadARIURLs(t *testing.T) {
	for _, urls := range [][]string{
		{"http://a:8088/ari", "http://A:8088/ari/"}, // the same server twice
		{"ftp://a/ari"},
		{"a:8088"},
		{""},
		{"http://a:8088/ari", "http:///ari"},
	} {
		cfg := DefaultConfig()
		cfg.ARI.URLs = urls
		if err := cfg.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("ari.urls %q: Validate = %v, want ErrInvalidConfig", urls, err)
		}
	}
	cfg := DefaultConfig()
	cfg.ARI.URLs = []string{"http://a:8088/ari", "http://b:8088/ari"}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("two servers: %v", err)
	}
	cfg.ARI.TLSCAFile = "ca.pem"
	if err := cfg.Validate(); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("tls_ca_file with http URLs: %v", err)
	}
}

// twoNodes returns nodes on two fake Asterisk servers.
func twoNodes(t *testing.T) ([]*node, []*aritest.Server) {
	t.Helper()
	srvs := []*aritest.Server{aritest.NewServer(t), aritest.NewServer(t)}
	cfg := DefaultConfig()
	cfg.ARI.Username, cfg.ARI.Password = aritest.DefaultUsername, aritest.DefaultPassword
	cfg.ARI.URLs = []string{srvs[0].URL(), srvs[1].URL()}
	nodes, err := newNodes(cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	return nodes, srvs
}

func TestEveryNodeOriginatesOnEachAsterisk(t *testing.T) {
	nodes, srvs := twoNodes(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := everyNode(nodes).Originate(ctx, ari.OriginateRequest{Endpoint: "Local/1001@voicemail-mwi", Extension: "s", Context: "x", Priority: 1}); err != nil {
		t.Fatal(err)
	}
	for i, s := range srvs {
		if _, err := s.WaitRequest(ctx, http.MethodPost, "/ari/channels"); err != nil {
			t.Fatalf("Asterisk %d got no originate: %v", i, err)
		}
	}

	// An Asterisk whose event stream is not connected is skipped.
	stream, err := nodes[1].client.Stream(ari.StreamConfig{Apps: []string{"voicemail"}})
	if err != nil {
		t.Fatal(err)
	}
	nodes[1].stream = stream
	before0, before1 := len(srvs[0].Requests()), len(srvs[1].Requests())
	if _, err := everyNode(nodes).Originate(ctx, ari.OriginateRequest{Endpoint: "Local/1001@voicemail-mwi", Extension: "s", Context: "x", Priority: 1}); err != nil {
		t.Fatal(err)
	}
	if len(srvs[0].Requests()) != before0+1 || len(srvs[1].Requests()) != before1 {
		t.Fatalf("with B's stream down: A got %d requests, B %d; want 1 and 0",
			len(srvs[0].Requests())-before0, len(srvs[1].Requests())-before1)
	}
	nodes[1].stream = nil

	// One Asterisk unreachable while its stream still looks up: the other
	// still gets its publication, and the error names the one that failed.
	srvs[1].Close()
	before := len(srvs[0].Requests())
	_, err = everyNode(nodes).Originate(ctx, ari.OriginateRequest{Endpoint: "Local/1001@voicemail-mwi", Extension: "s", Context: "x", Priority: 1})
	if err == nil || !strings.Contains(err.Error(), nodes[1].name) {
		t.Fatalf("with one Asterisk down: err = %v, want one naming %s", err, nodes[1].name)
	}
	if len(srvs[0].Requests()) != before+1 {
		t.Fatalf("the Asterisk that is up got %d requests, want 1", len(srvs[0].Requests())-before)
	}
}

func TestNodesWithoutUniqueSystemNamesAreRefused(t *testing.T) {
	nodes, srvs := twoNodes(t)
	name := func(s *aritest.Server, n string) {
		s.Handle(http.MethodGet, "/ari/asterisk/info", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"system":{"version":"22.10.1","entity_id":"02:00:00:00:00:01"},"config":{"name":"` + n + `"}}`))
		})
	}
	a := &App{nodes: nodes}
	ctx := context.Background()
	check := func(want0, want1 bool) {
		t.Helper()
		for _, n := range nodes {
			a.checkSystemName(ctx, n)
		}
		if nodes[0].unsafe.Load() != want0 || nodes[1].unsafe.Load() != want1 {
			t.Fatalf("unsafe = %v, %v; want %v, %v", nodes[0].unsafe.Load(), nodes[1].unsafe.Load(), want0, want1)
		}
	}
	// Stock Asterisk: no system name, so ids like 1764201600.12 on both.
	check(true, true)
	name(srvs[0], "pbx-a")
	name(srvs[1], "pbx-a")
	check(true, true)
	name(srvs[1], "pbx-b")
	check(false, false)

	// One Asterisk alone needs no system name.
	single := &App{nodes: nodes[:1]}
	name(srvs[0], "")
	nodes[0].unsafe.Store(false)
	single.checkSystemName(ctx, nodes[0])
	if nodes[0].unsafe.Load() {
		t.Fatal("a single Asterisk without a system name was refused")
	}
}

// When one Asterisk (re)connects, every mailbox's counts are published on
// that one only: another that is down must not hold them up.
func TestPublishAllOnTheAsteriskThatConnected(t *testing.T) {
	nodes, srvs := twoNodes(t)
	p := newMWIPublisher(&fakeMWIState{cur: state.MWI{New: 2, Version: 1}}, everyNode(nodes), "voicemail-mwi", zap.NewNop())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.PublishAll(ctx, []state.MailboxID{{Number: "1001", Context: "default"}, {Number: "1002", Context: "default"}}, everyNode{nodes[0]})
	for i, want := range []int{2, 0} {
		n := 0
		for _, r := range srvs[i].Requests() {
			if r.Method == http.MethodPost && r.Path == "/ari/channels" {
				n++
			}
		}
		if n != want {
			t.Errorf("Asterisk %d got %d publications, want %d", i, n, want)
		}
	}
}
