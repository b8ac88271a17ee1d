package recordings_test

import (
	"fmt"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/recordings"
)

func ExampleMessageName() {
	mb, _ := mailbox.ParseID("1001")
	name, err := recordings.MessageName(mb, "m1732634712042-9f86d081")
	fmt.Println(name, err)
	fmt.Println(recordings.IsOurs(name))
	_, err = recordings.MessageName(mb, "../../etc/passwd")
	fmt.Println(err)
	// Output:
	// voicemail/default/1001/msg/m1732634712042-9f86d081 <nil>
	// true
	// recordings: invalid name: mailbox: invalid message id: "../../etc/passwd" must be 1 to 64 of A-Z a-z 0-9 -
}

// Each take of a greeting gets a fresh version, so the caller can record
// again while reviewing without touching the greeting in use.
func ExampleGreetingName() {
	mb, _ := mailbox.ParseID("1001@sales")
	name, err := recordings.GreetingName(mb, mailbox.GreetingUnavail, "m1732634712042-9f86d081")
	fmt.Println(name, err)
	// Output:
	// voicemail/sales/1001/greeting/unavail-m1732634712042-9f86d081 <nil>
}
