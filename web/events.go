package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"
)

// sessionCheckEvery is how often a live stream checks that its session
// still lives (a sign-out elsewhere, the idle timeout).
const sessionCheckEvery = 15 * time.Second

// mwiEvent is the data of an "mwi" event.
type mwiEvent struct {
	New     int   `json:"new"`
	Old     int   `json:"old"`
	Version int64 `json:"version"`
}

// events streams the owner's mailbox state as server-sent events: an
// "mwi" event at once and whenever the folders' version moves (a new
// message deposited through any instance, a change made elsewhere), and a
// "bye" event when the session ends. It polls Redis (one transaction per
// interval), so any instance serves any browser. The stream does not
// restart the session's idle time.
func (h *Handler) events(w http.ResponseWriter, r *http.Request) {
	c := sessionOf(r)
	id := ownerID(r)
	rc := http.NewResponseController(w)
	// A stream outlives the server's write timeout.
	_ = rc.SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(event string, v any) bool {
		b, _ := json.Marshal(v)
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	_, _ = fmt.Fprintf(w, "retry: 3000\n\n")
	tick := time.NewTicker(h.cfg.PollInterval)
	defer tick.Stop()
	lastCheck := h.now()
	last := int64(-1)
	for {
		st, err := h.svc.MWIState(r.Context(), id)
		if err != nil {
			h.log.Debug("web: live update", zap.Stringer("mailbox", id), zap.Error(err))
		} else if st.Version != last {
			if !send("mwi", mwiEvent{New: st.New, Old: st.Old, Version: st.Version}) {
				return
			}
			last = st.Version
		}
		select {
		case <-r.Context().Done():
			return
		case <-h.shutdown:
			return
		case <-tick.C:
		}
		if h.now().Sub(lastCheck) >= sessionCheckEvery {
			lastCheck = h.now()
			if _, err := h.sess.get(r.Context(), c.token, false); err != nil {
				send("bye", struct{}{})
				return
			}
			// A comment keeps proxies from closing an idle stream.
			if _, err := fmt.Fprint(w, ": keepalive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}
