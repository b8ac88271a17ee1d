package aritest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/coder/websocket"
)

// routes registers the default answers.
func (s *Server) routes() {
	m := s.defaults
	noContent := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }
	for _, p := range []string{
		"POST /ari/channels/{id}/answer",
		"DELETE /ari/channels/{id}",
		"POST /ari/channels/{id}/continue",
		"POST /ari/channels/{id}/move",
		"POST /ari/channels/{id}/dtmf",
		"POST /ari/channels/{id}/silence",
		"DELETE /ari/channels/{id}/silence",
		"DELETE /ari/playbacks/{id}",
		"POST /ari/playbacks/{id}/control",
		"POST /ari/recordings/live/{name}/stop",
		"DELETE /ari/recordings/live/{name}",
		"DELETE /ari/recordings/stored/{name}",
		"POST /ari/events/claim",
	} {
		m.HandleFunc(p, noContent)
	}
	m.HandleFunc("GET /ari/events", s.serveWebSocket)
	m.HandleFunc("POST /ari/channels", s.originate)
	m.HandleFunc("POST /ari/channels/create", s.create)
	m.HandleFunc("POST /ari/channels/{id}/dial", noContent)
	m.HandleFunc("GET /ari/channels", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, []any{})
	})
	m.HandleFunc("GET /ari/channels/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, channel(r.PathValue("id"), "PJSIP/1001-00000001", "Up"))
	})
	m.HandleFunc("POST /ari/channels/{id}/play", s.play)
	m.HandleFunc("POST /ari/channels/{id}/play/{playbackId}", s.play)
	m.HandleFunc("POST /ari/channels/{id}/record", s.record)
	m.HandleFunc("GET /ari/channels/{id}/variable", s.getVariable)
	m.HandleFunc("POST /ari/channels/{id}/variable", s.setVariable)
	m.HandleFunc("GET /ari/playbacks/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"id": r.PathValue("id"), "media_uri": "sound:beep", "target_uri": "channel:1",
			"language": "en", "state": "playing",
		})
	})
	m.HandleFunc("GET /ari/recordings/live/{name}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"name": r.PathValue("name"), "format": "wav", "target_uri": "channel:1", "state": "recording",
		})
	})
	m.HandleFunc("GET /ari/recordings/stored", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, []any{})
	})
	m.HandleFunc("GET /ari/recordings/stored/{name}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"name": r.PathValue("name"), "format": "wav"})
	})
	m.HandleFunc("POST /ari/recordings/stored/{name}/copy", func(w http.ResponseWriter, r *http.Request) {
		dest := r.URL.Query().Get("destinationRecordingName")
		if dest == "" {
			writeJSON(w, http.StatusBadRequest, msg("missing required parameter destinationRecordingName"))
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"name": dest, "format": "wav"})
	})
	m.HandleFunc("GET /ari/recordings/stored/{name}/file", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/wav")
		_, _ = w.Write([]byte("RIFF\x24\x00\x00\x00WAVEfmt "))
	})
	m.HandleFunc("GET /ari/applications/{name}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.application(r.PathValue("name")))
	})
	m.HandleFunc("POST /ari/applications/{name}/subscription", s.subscribe)
	m.HandleFunc("DELETE /ari/applications/{name}/subscription", s.subscribe)
	// The filter is not kept: the fake sends whatever a test sends.
	m.HandleFunc("PUT /ari/applications/{name}/eventFilter", func(w http.ResponseWriter, r *http.Request) {
		var f struct {
			Allowed    []any `json:"allowed"`
			Disallowed []any `json:"disallowed"`
		}
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil {
			writeJSON(w, http.StatusBadRequest, msg("Invalid JSON body"))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"name": r.PathValue("name"), "channel_ids": []string{}, "bridge_ids": []string{},
			"endpoint_ids": []string{}, "device_names": []string{},
			"events_allowed": append([]any{}, f.Allowed...), "events_disallowed": append([]any{}, f.Disallowed...),
		})
	})
	m.HandleFunc("GET /ari/asterisk/ping", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"ping": "pong", "timestamp": now(), "asterisk_id": AsteriskID})
	})
	m.HandleFunc("GET /ari/asterisk/info", func(w http.ResponseWriter, r *http.Request) {
		t := now()
		writeJSON(w, http.StatusOK, map[string]any{
			"build": map[string]string{
				"os": "Linux", "kernel": "6.12.0", "machine": "x86_64",
				"options": "", "date": "2026-08-01 00:00:00 UTC", "user": "debian",
			},
			"system": map[string]string{"version": "22.10.1", "entity_id": AsteriskID},
			"config": map[string]any{
				"name": "", "default_language": "en", "max_channels": 0, "max_open_files": 0,
				"max_load": 0, "setid": map[string]string{"user": "asterisk", "group": "asterisk"},
			},
			"status": map[string]string{"startup_time": t, "last_reload_time": t},
		})
	})
}

// channel returns a Channel model.
func channel(id, name, state string) map[string]any {
	return map[string]any{
		"id": id, "name": name, "state": state,
		"caller":      map[string]string{"name": "", "number": "1001"},
		"connected":   map[string]string{"name": "", "number": ""},
		"accountcode": "",
		"dialplan": map[string]any{
			"context": "internal", "exten": "*97", "priority": 1,
			"app_name": "Stasis", "app_data": "voicemail,main,1001",
		},
		"creationtime": now(),
		"language":     "en",
	}
}

// newID returns a fresh id with the given prefix.
func (s *Server) newID(prefix string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	return fmt.Sprintf("%s-%d", prefix, s.nextID)
}

func (s *Server) originate(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	endpoint := q.Get("endpoint")
	if endpoint == "" {
		writeJSON(w, http.StatusBadRequest, msg("Endpoint must be specified"))
		return
	}
	id := q.Get("channelId")
	if id == "" {
		id = s.newID("ch")
	}
	ch := channel(id, endpoint+"-00000001", "Down")
	ch["caller"] = map[string]string{"name": "", "number": ""}
	ch["dialplan"] = map[string]any{
		"context": q.Get("context"), "exten": q.Get("extension"), "priority": 1,
		"app_name": "", "app_data": "",
	}
	writeJSON(w, http.StatusOK, ch)
}

// create answers POST /channels/create: the channel, in state Down, placed
// into (and subscribed to) its app.
func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	endpoint, app := q.Get("endpoint"), q.Get("app")
	if endpoint == "" || app == "" {
		writeJSON(w, http.StatusBadRequest, msg("missing required parameter endpoint or app"))
		return
	}
	id := q.Get("channelId")
	if id == "" {
		id = s.newID("ch")
	}
	s.mu.Lock()
	s.subs[app] = append(s.subs[app], "channel:"+id)
	s.notify()
	s.mu.Unlock()
	ch := channel(id, endpoint+"-00000001", "Down")
	ch["caller"] = map[string]string{"name": "", "number": ""}
	ch["dialplan"] = map[string]any{
		"context": "default", "exten": "s", "priority": 1,
		"app_name": "Stasis", "app_data": app,
	}
	writeJSON(w, http.StatusOK, ch)
}

// subscribe answers POST and DELETE /applications/{name}/subscription, as
// res/ari/resource_applications.c does: every eventSource must have a
// known scheme; a DELETE of a source not subscribed is 409.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	app := r.PathValue("name")
	sources := r.URL.Query()["eventSource"]
	if len(sources) == 0 {
		writeJSON(w, http.StatusBadRequest, msg("Missing parameter eventSource"))
		return
	}
	for _, src := range sources {
		scheme, id, _ := strings.Cut(src, ":")
		switch scheme {
		case "channel", "bridge", "endpoint", "deviceState":
		default:
			writeJSON(w, http.StatusBadRequest, msg("Invalid event source URI scheme: "+src))
			return
		}
		if id == "" {
			writeJSON(w, http.StatusBadRequest, msg("Invalid event source URI: "+src))
			return
		}
	}
	s.mu.Lock()
	if r.Method == http.MethodDelete {
		kept := s.subs[app]
		for _, src := range sources {
			i := slices.Index(kept, src)
			if i < 0 {
				s.mu.Unlock()
				writeJSON(w, http.StatusConflict, msg("Application not subscribed to event source"))
				return
			}
			kept = slices.Delete(slices.Clone(kept), i, i+1)
		}
		s.subs[app] = kept
	} else {
		for _, src := range sources {
			if !slices.Contains(s.subs[app], src) {
				s.subs[app] = append(s.subs[app], src)
			}
		}
	}
	s.notify()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.application(app))
}

// application is the Application model of app, with its subscriptions.
func (s *Server) application(app string) map[string]any {
	lists := map[string][]string{"channel": {}, "bridge": {}, "endpoint": {}, "deviceState": {}}
	s.mu.Lock()
	for _, src := range s.subs[app] {
		scheme, id, _ := strings.Cut(src, ":")
		lists[scheme] = append(lists[scheme], id)
	}
	s.mu.Unlock()
	return map[string]any{
		"name": app, "channel_ids": lists["channel"], "bridge_ids": lists["bridge"],
		"endpoint_ids": lists["endpoint"], "device_names": lists["deviceState"],
		"events_allowed": []any{}, "events_disallowed": []any{},
	}
}

func (s *Server) play(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	media := q.Get("media")
	if media == "" {
		writeJSON(w, http.StatusBadRequest, msg("missing required parameter media"))
		return
	}
	id := r.PathValue("playbackId")
	if id == "" {
		id = q.Get("playbackId")
	}
	if id == "" {
		id = s.newID("pb")
	}
	lang := q.Get("lang")
	if lang == "" {
		lang = "en"
	}
	first, _, _ := strings.Cut(media, ",")
	writeJSON(w, http.StatusCreated, map[string]string{
		"id": id, "media_uri": first, "target_uri": "channel:" + r.PathValue("id"),
		"language": lang, "state": "queued",
	})
}

func (s *Server) record(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("name") == "" || q.Get("format") == "" {
		writeJSON(w, http.StatusBadRequest, msg("missing required parameter name or format"))
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{
		"name": q.Get("name"), "format": q.Get("format"),
		"target_uri": "channel:" + r.PathValue("id"), "state": "queued",
	})
}

func (s *Server) getVariable(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	v := s.vars[r.PathValue("id")+"\x00"+r.URL.Query().Get("variable")]
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"value": v})
}

func (s *Server) setVariable(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("variable") == "" {
		writeJSON(w, http.StatusBadRequest, msg("Variable name is required"))
		return
	}
	s.mu.Lock()
	s.vars[r.PathValue("id")+"\x00"+q.Get("variable")] = q.Get("value")
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// serveWebSocket serves GET /ari/events until the connection closes.
func (s *Server) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("app") == "" {
		writeJSON(w, http.StatusBadRequest, msg("missing required parameter app"))
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		writeJSON(w, http.StatusServiceUnavailable, msg("server closed"))
		return
	}
	s.wsWG.Add(1)
	s.mu.Unlock()
	defer s.wsWG.Done()

	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols: []string{"ari"},
		OnPingReceived: func(context.Context, []byte) bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.pings++
			return !s.ignorePings
		},
	})
	if err != nil {
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = conn.CloseNow()
		return
	}
	s.conns[conn] = struct{}{}
	s.connTotal++
	s.notify()
	s.mu.Unlock()

	// Reading answers pings and close frames; the client sends no data.
	<-conn.CloseRead(context.Background()).Done()
	_ = conn.CloseNow()

	s.mu.Lock()
	delete(s.conns, conn)
	s.notify()
	s.mu.Unlock()
}
