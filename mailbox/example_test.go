package mailbox_test

import (
	"encoding/json"
	"fmt"

	"github.com/clusterpbx/voicemail/mailbox"
)

func ExampleParseID() {
	id, err := mailbox.ParseID("1001")
	fmt.Println(id, err)
	id, err = mailbox.ParseID("1001@sales")
	fmt.Println(id.Number, id.Context, err)
	_, err = mailbox.ParseID("../1001")
	fmt.Println(err)
	// Output:
	// 1001@default <nil>
	// 1001 sales <nil>
	// mailbox: invalid mailbox id: number "../1001" must be 1 to 20 digits
}

// In JSON an id is the string ParseID reads; decoding checks it.
func ExampleID_UnmarshalText() {
	var v struct {
		Mailbox mailbox.ID `json:"mailbox"`
	}
	err := json.Unmarshal([]byte(`{"mailbox":"1001@sales"}`), &v)
	fmt.Println(v.Mailbox.Number, v.Mailbox.Context, err)
	err = json.Unmarshal([]byte(`{"mailbox":"1001@a/b"}`), &v)
	fmt.Println(err)
	// Output:
	// 1001 sales <nil>
	// mailbox: invalid mailbox id: context "a/b" must be 1 to 40 of A-Z a-z 0-9 _ - starting with a letter or digit
}

func ExampleParseFolder() {
	f, err := mailbox.ParseFolder("2")
	fmt.Println(f, int(f), err)
	// Output: Work 2 <nil>
}
