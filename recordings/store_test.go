package recordings

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/ari/aritest"
)

// Recording names used by the tests, and their escaped form in a path.
const (
	msgA     = "voicemail/default/1001/msg/m1732634712042-9f86d081"
	msgAEsc  = "voicemail%2Fdefault%2F1001%2Fmsg%2Fm1732634712042-9f86d081"
	msgB     = "voicemail/sales/2002/msg/m1732634712043-00000000"
	msgBEsc  = "voicemail%2Fsales%2F2002%2Fmsg%2Fm1732634712043-00000000"
	greet    = "voicemail/default/1001/greeting/unavail-g1"
	greetEsc = "voicemail%2Fdefault%2F1001%2Fgreeting%2Funavail-g1"
	tmp      = "tmp/rec-1" // safe, but not ours
	tmpEsc   = "tmp%2Frec-1"
)

// newTestStore returns a Store talking to a fresh fake ARI server.
func newTestStore(t *testing.T) (*Store, *aritest.Server) {
	t.Helper()
	srv := aritest.NewServer(t)
	c, err := ari.New(ari.Config{URL: srv.URL(), Username: aritest.DefaultUsername, Password: aritest.DefaultPassword})
	if err != nil {
		t.Fatal(err)
	}
	return New(c, zaptest.NewLogger(t)), srv
}

// testCtx bounds a test's ARI calls.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// answer writes an ARI answer: status with ARI's error body, or a
// StoredRecording for 200.
func answer(w http.ResponseWriter, status int, name string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if status == http.StatusOK {
		_ = json.NewEncoder(w).Encode(map[string]string{"name": name, "format": Format})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"message": http.StatusText(status)})
}

// paths returns "METHOD PATH" of every request the server received.
func paths(srv *aritest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func TestDelete(t *testing.T) {
	s, srv := newTestStore(t)
	ctx := testCtx(t)
	srv.Handle(http.MethodDelete, "/recordings/stored/{name}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("name") {
		case msgB:
			answer(w, http.StatusNotFound, "") // already gone
		case greet:
			answer(w, http.StatusInternalServerError, "")
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})

	err := s.Delete(ctx, msgA, msgB, "../../etc/passwd", tmp, greet, msgA)
	if !errors.Is(err, ari.ErrServer) || !errors.Is(err, ErrInvalidName) {
		t.Fatalf("Delete = %v, want the 500 and the refused names joined", err)
	}
	if errors.Is(err, ari.ErrNotFound) {
		t.Errorf("Delete reports the 404 of a recording already gone: %v", err)
	}
	want := []string{
		"DELETE /ari/recordings/stored/" + msgAEsc,
		"DELETE /ari/recordings/stored/" + msgBEsc,
		"DELETE /ari/recordings/stored/voicemail%2Fdefault%2F1001%2Fgreeting%2Funavail-g1",
		"DELETE /ari/recordings/stored/" + msgAEsc,
	}
	if got := paths(srv); !slices.Equal(got, want) {
		t.Errorf("requests\n%q\nwant\n%q", got, want)
	}

	if err := s.Delete(ctx, msgA, msgB); err != nil {
		t.Errorf("Delete of deleted and gone recordings = %v", err)
	}
	if err := s.Delete(ctx); err != nil {
		t.Errorf("Delete() = %v", err)
	}
}

func TestCopy(t *testing.T) {
	tests := []struct {
		name       string
		from, to   string
		copyStatus int // 0: the request must not be made
		getStatus  int // 0: the target must not be looked up
		want       error
	}{
		{"copied", tmp, msgA, http.StatusOK, 0, nil},
		{"ours to ours", msgA, msgB, http.StatusOK, 0, nil},
		{"target exists: done before", tmp, msgA, http.StatusConflict, http.StatusOK, nil},
		{"conflict, target missing", tmp, msgA, http.StatusConflict, http.StatusNotFound, ari.ErrConflict},
		{"conflict, target unknown", tmp, msgA, http.StatusConflict, http.StatusInternalServerError, ari.ErrServer},
		{"source gone, target exists", tmp, msgA, http.StatusNotFound, http.StatusOK, nil},
		{"source gone, target missing", tmp, msgA, http.StatusNotFound, http.StatusNotFound, ari.ErrNotFound},
		{"server error", tmp, msgA, http.StatusInternalServerError, 0, ari.ErrServer},
		{"forbidden", tmp, msgA, http.StatusForbidden, 0, ari.ErrForbidden},
		{"bad source", "../x", msgA, 0, 0, ErrInvalidName},
		{"empty source", "", msgA, 0, 0, ErrInvalidName},
		{"target not ours", msgA, tmp, 0, 0, ErrInvalidName},
		{"dot-dot target", msgA, "voicemail/default/1001/msg/..", 0, 0, ErrInvalidName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, srv := newTestStore(t)
			srv.Handle(http.MethodPost, "/recordings/stored/{name}/copy", func(w http.ResponseWriter, r *http.Request) {
				answer(w, tt.copyStatus, r.URL.Query().Get("destinationRecordingName"))
			})
			srv.Handle(http.MethodGet, "/recordings/stored/{name}", func(w http.ResponseWriter, r *http.Request) {
				answer(w, tt.getStatus, r.PathValue("name"))
			})
			err := s.Copy(testCtx(t), tt.from, tt.to)
			if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
				t.Fatalf("Copy = %v, want %v", err, tt.want)
			}

			reqs := srv.Requests()
			var want []string
			if tt.copyStatus != 0 {
				want = append(want, "POST /ari/recordings/stored/"+escape(tt.from)+"/copy")
			}
			if tt.getStatus != 0 {
				want = append(want, "GET /ari/recordings/stored/"+escape(tt.to))
			}
			if got := paths(srv); !slices.Equal(got, want) {
				t.Fatalf("requests %q, want %q", got, want)
			}
			if tt.copyStatus != 0 {
				if dest := reqs[0].Query.Get("destinationRecordingName"); dest != tt.to {
					t.Errorf("destinationRecordingName = %q, want %q", dest, tt.to)
				}
			}
		})
	}
}

func TestExists(t *testing.T) {
	tests := []struct {
		name   string
		rec    string
		status int // 0: no request
		want   bool
		err    error
	}{
		{"exists", msgA, http.StatusOK, true, nil},
		{"missing", msgA, http.StatusNotFound, false, nil},
		{"not ours but safe", tmp, http.StatusOK, true, nil},
		{"server error", msgA, http.StatusInternalServerError, false, ari.ErrServer},
		{"unsafe name", "a/../b", 0, false, ErrInvalidName},
		{"empty name", "", 0, false, ErrInvalidName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, srv := newTestStore(t)
			srv.Handle(http.MethodGet, "/recordings/stored/{name}", func(w http.ResponseWriter, r *http.Request) {
				answer(w, tt.status, r.PathValue("name"))
			})
			got, err := s.Exists(testCtx(t), tt.rec)
			if got != tt.want || (tt.err == nil && err != nil) || !errors.Is(err, tt.err) {
				t.Fatalf("Exists = %v, %v; want %v, %v", got, err, tt.want, tt.err)
			}
			var want []string
			if tt.status != 0 {
				want = []string{"GET /ari/recordings/stored/" + escape(tt.rec)}
			}
			if got := paths(srv); !slices.Equal(got, want) {
				t.Errorf("requests %q, want %q", got, want)
			}
		})
	}
}

// escape is how a recording name travels in an ARI path: one segment, '/'
// as %2F (our names need no other escaping).
func escape(name string) string {
	switch name {
	case msgA:
		return msgAEsc
	case msgB:
		return msgBEsc
	case tmp:
		return tmpEsc
	case greet:
		return greetEsc
	}
	return name
}

func TestNewNilLogger(t *testing.T) {
	srv := aritest.NewServer(t)
	c, err := ari.New(ari.Config{URL: srv.URL(), Username: aritest.DefaultUsername, Password: aritest.DefaultPassword})
	if err != nil {
		t.Fatal(err)
	}
	s := New(c, nil)
	if ok, err := s.Exists(testCtx(t), msgA); err != nil || !ok {
		t.Errorf("Exists with the default handler = %v, %v", ok, err)
	}
}

func TestSeconds(t *testing.T) {
	tests := []struct {
		name   string
		rec    string
		status int    // of the file request; 0: no request
		body   []byte // for 200
		want   int
		err    error
	}{
		{"3.9 s is 3", msgA, http.StatusOK, wavFile(62400, -1), 3, nil},
		{"empty", msgA, http.StatusOK, wavFile(0, -1), 0, nil},
		{"missing", msgA, http.StatusNotFound, nil, 0, ari.ErrNotFound},
		{"not a WAV file", msgA, http.StatusOK, []byte("hello"), 0, ErrBadAudio},
		{"unsafe name", "../x", 0, nil, 0, ErrInvalidName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, srv := newTestStore(t)
			srv.Handle(http.MethodGet, "/recordings/stored/{name}/file", func(w http.ResponseWriter, r *http.Request) {
				if tt.status != http.StatusOK {
					answer(w, tt.status, "")
					return
				}
				w.Header().Set("Content-Type", "audio/wav")
				_, _ = w.Write(tt.body)
			})
			got, err := s.Seconds(testCtx(t), tt.rec)
			if got != tt.want || (tt.err == nil && err != nil) || !errors.Is(err, tt.err) {
				t.Fatalf("Seconds = %v, %v; want %v, %v", got, err, tt.want, tt.err)
			}
			var want []string
			if tt.status != 0 {
				want = []string{"GET /ari/recordings/stored/" + escape(tt.rec) + "/file"}
			}
			if got := paths(srv); !slices.Equal(got, want) {
				t.Errorf("requests %q, want %q", got, want)
			}
		})
	}
}

func TestWAV(t *testing.T) {
	file := wavFile(16000, -1)
	tests := []struct {
		name   string
		rec    string
		status int // of the file request; 0: no request
		body   []byte
		err    error
	}{
		{"a message", msgA, http.StatusOK, file, nil},
		{"a greeting", greet, http.StatusOK, file, nil},
		{"missing", msgA, http.StatusNotFound, nil, ari.ErrNotFound},
		{"not a WAV file", msgA, http.StatusOK, []byte("hello"), ErrBadAudio},
		{"not ours", tmp, 0, nil, ErrInvalidName},
		{"unsafe name", "../x", 0, nil, ErrInvalidName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, srv := newTestStore(t)
			srv.Handle(http.MethodGet, "/recordings/stored/{name}/file", func(w http.ResponseWriter, r *http.Request) {
				if tt.status != http.StatusOK {
					answer(w, tt.status, "")
					return
				}
				w.Header().Set("Content-Type", "audio/wav")
				_, _ = w.Write(tt.body)
			})
			got, err := s.WAV(testCtx(t), tt.rec)
			if tt.err == nil && (err != nil || !slices.Equal(got, file)) || !errors.Is(err, tt.err) {
				t.Fatalf("WAV = %d bytes, %v; want %v", len(got), err, tt.err)
			}
			var want []string
			if tt.status != 0 {
				want = []string{"GET /ari/recordings/stored/" + escape(tt.rec) + "/file"}
			}
			if got := paths(srv); !slices.Equal(got, want) {
				t.Errorf("requests %q, want %q", got, want)
			}
		})
	}
}

func TestFile(t *testing.T) {
	wav := wavFile(16000, -1)
	tests := []struct {
		name   string
		rec    string
		status int // of the file request; 0: no request
		want   []byte
		err    error
	}{
		{"found", msgA, http.StatusOK, wav, nil},
		{"missing", msgA, http.StatusNotFound, nil, ari.ErrNotFound},
		{"unsafe name", "../x", 0, nil, ErrInvalidName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, srv := newTestStore(t)
			srv.Handle(http.MethodGet, "/recordings/stored/{name}/file", func(w http.ResponseWriter, r *http.Request) {
				if tt.status != http.StatusOK {
					answer(w, tt.status, "")
					return
				}
				w.Header().Set("Content-Type", "audio/wav")
				_, _ = w.Write(wav)
			})
			got, err := s.File(testCtx(t), tt.rec)
			if !bytes.Equal(got, tt.want) || (tt.err == nil && err != nil) || !errors.Is(err, tt.err) {
				t.Fatalf("File = %d bytes, %v; want %d bytes, %v", len(got), err, len(tt.want), tt.err)
			}
			var want []string
			if tt.status != 0 {
				want = []string{"GET /ari/recordings/stored/" + escape(tt.rec) + "/file"}
			}
			if got := paths(srv); !slices.Equal(got, want) {
				t.Errorf("requests %q, want %q", got, want)
			}
		})
	}
}
