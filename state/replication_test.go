package state

import "testing"

// The marker key of a write on a Redis Cluster hashes to the write's slot.
func TestWaitKey(t *testing.T) {
	for _, tt := range []struct{ key, want string }{
		{messageKey(MailboxID{Number: "1001", Context: "default"}, "m1"), "vm:{1001@default}:wait"},
		{sessionKey("1732634712.42"), "vm:{1732634712.42}:wait"},
		{leasesKey(), "vm:{cluster}:wait"},
		{"plain", "vm:{plain}:wait"},
	} {
		if got := waitKey(tt.key); got != tt.want {
			t.Errorf("waitKey(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}
