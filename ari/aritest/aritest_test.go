package aritest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/ari/aritest"
)

func do(t *testing.T, method, url, user, pass string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, strings.TrimSpace(string(b))
}

func TestServerDefaults(t *testing.T) {
	srv := aritest.NewServer(t, aritest.WithCredentials("vm", "secret"))
	base := srv.URL()

	resp, body := do(t, "POST", base+"/channels/c1/answer", "vm", "nope")
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("bad password: %d %q", resp.StatusCode, body)
	}
	if resp, _ := do(t, "POST", base+"/channels/c1/answer?api_key=vm:secret", "", ""); resp.StatusCode != 204 {
		t.Errorf("api_key: %d", resp.StatusCode)
	}
	if resp, _ := do(t, "POST", base+"/channels/c1/answer", "vm", "secret"); resp.StatusCode != 204 {
		t.Errorf("answer: %d", resp.StatusCode)
	}
	for _, u := range []string{base + "/nosuch", base + "/channels/c1/answer/x"} {
		resp, body := do(t, "POST", u, "vm", "secret")
		if resp.StatusCode != 404 || body != `{"message":"Resource not found"}` {
			t.Errorf("POST %s: %d %s", u, resp.StatusCode, body)
		}
	}
	// A known path with the wrong method is unknown too, as in Asterisk.
	if resp, _ := do(t, "PUT", base+"/channels/c1/answer", "vm", "secret"); resp.StatusCode != 404 {
		t.Errorf("PUT answer: %d", resp.StatusCode)
	}
	if resp, body := do(t, "POST", base+"/channels/c1/play/pb9?media=sound:beep", "vm", "secret"); resp.StatusCode != 201 ||
		!strings.Contains(body, `"id":"pb9"`) || !strings.Contains(body, `"state":"queued"`) {
		t.Errorf("play: %d %s", resp.StatusCode, body)
	}

	reqs := srv.Requests()
	if len(reqs) != 7 || reqs[0].Method != "POST" || reqs[0].Path != "/ari/channels/c1/answer" || string(reqs[0].Body) != "{}" {
		t.Errorf("requests %+v", reqs)
	}
	if reqs[6].Query.Get("media") != "sound:beep" {
		t.Errorf("query %v", reqs[6].Query)
	}
}

func TestServerHandleOverrides(t *testing.T) {
	srv := aritest.NewServer(t)
	srv.Handle("POST", "/channels/{id}/answer", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusConflict)
		_, _ = io.WriteString(w, `{"message":"Channel not in Stasis application"}`)
	})
	if resp, body := do(t, "POST", srv.URL()+"/channels/c1/answer", "test", "test"); resp.StatusCode != 409 {
		t.Errorf("override: %d %s", resp.StatusCode, body)
	}
	srv.Handle("POST", "/ari/channels/{id}/answer", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Id", r.PathValue("id"))
		w.WriteHeader(http.StatusPreconditionFailed)
	})
	resp, _ := do(t, "POST", srv.URL()+"/channels/c2/answer", "test", "test")
	if resp.StatusCode != 412 || resp.Header.Get("X-Id") != "c2" {
		t.Errorf("second override: %d %q", resp.StatusCode, resp.Header.Get("X-Id"))
	}
	// Other routes keep their defaults.
	if resp, _ := do(t, "DELETE", srv.URL()+"/channels/c2", "test", "test"); resp.StatusCode != 204 {
		t.Errorf("hangup: %d", resp.StatusCode)
	}
}

func TestServerWaits(t *testing.T) {
	srv := aritest.NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := srv.WaitRequest(ctx, "POST", "/channels"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitRequest on an idle server = %v", err)
	}
	if err := srv.WaitConnected(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitConnected on an idle server = %v", err)
	}
	if err := srv.Send(map[string]string{"type": "StasisStart"}); !errors.Is(err, aritest.ErrNoConnections) {
		t.Errorf("Send without clients = %v", err)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan aritest.Request, 1)
	go func() {
		r, err := srv.WaitRequest(ctx, "POST", "/channels/c1/")
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	do(t, "POST", srv.URL()+"/channels/c1/answer", "test", "test")
	if r := <-got; r.Path != "/ari/channels/c1/answer" {
		t.Errorf("WaitRequest = %+v", r)
	}
}
