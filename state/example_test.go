package state_test

import (
	"fmt"

	"github.com/clusterpbx/voicemail/state"
)

func ExampleParseMailbox() {
	id, err := state.ParseMailbox("1001")
	fmt.Println(id, err)
	id, err = state.ParseMailbox("1001@sales")
	fmt.Println(id.Number, id.Context, err)
	_, err = state.ParseMailbox("../1001")
	fmt.Println(err)
	// Output:
	// 1001@default <nil>
	// 1001 sales <nil>
	// state: invalid mailbox: number "../1001" must be 1 to 20 digits
}

func ExampleParseFolder() {
	f, err := state.ParseFolder("2")
	fmt.Println(f, err)
	// Output: Work <nil>
}
