package call

import (
	"encoding/json"
	"fmt"

	"github.com/clusterpbx/voicemail/menus"
	"github.com/clusterpbx/voicemail/state"
)

// SessionState decodes the menu state of call id that sess holds: the
// state saveState encoded, with the browsed folder's listing, which is
// saved apart (menus State.Split), joined again. Errors wrap
// state.ErrCorruptSession.
func SessionState(id string, sess state.Session) (menus.State, error) {
	var st menus.State
	if len(sess.Menu) == 0 {
		return menus.State{Channel: id}, nil
	}
	if err := json.Unmarshal(sess.Menu, &st); err != nil {
		return menus.State{}, fmt.Errorf("%w: menu state: %v", state.ErrCorruptSession, err)
	}
	var listing []menus.MsgInfo
	if st.Box != nil && st.Box.Listing != 0 {
		if err := json.Unmarshal(sess.Listing, &listing); err != nil {
			return menus.State{}, fmt.Errorf("%w: folder listing: %v", state.ErrCorruptSession, err)
		}
	}
	st, err := menus.Join(st, listing)
	if err != nil {
		return menus.State{}, fmt.Errorf("%w: %v", state.ErrCorruptSession, err)
	}
	st.Channel = id
	return st, nil
}
