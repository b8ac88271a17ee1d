package state

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Benchmarks of the Redis work a call does that bench_integration_test.go
// does not cover, sized as the load tool (bench/cmd/vmload) sees it: a
// listening call saves its session about 14 times, moves one message and
// reads the message-waiting state. Figures: BENCHMARKS.md.

// BenchmarkSaveSessionSize saves sessions whose menu state is as large as
// the engine's persisted state with 0, 10 and 100 messages in the folder
// being browsed (menus BenchmarkStatePersist: about 0.3, 1.7 and 15 KB):
// the folder travels in every save.
func BenchmarkSaveSessionSize(b *testing.B) {
	for _, size := range []int{300, 1700, 15000} {
		b.Run(fmt.Sprint("menu=", size, "B"), func(b *testing.B) {
			s, _ := newTestStore(b, Config{})
			ctx := testCtx(b)
			menu, err := json.Marshal(map[string]string{"pad": strings.Repeat("x", size-10)})
			if err != nil {
				b.Fatal(err)
			}
			sess := Session{ChannelID: "1732634712.42", Instance: "vm-a", App: "vm-a", Epoch: 1,
				Mailbox: "1001@default", Menu: menu}
			b.SetBytes(int64(len(menu)))
			for b.Loop() {
				if err := s.SaveSession(ctx, sess); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMove saves a message to Work and back to New, alternately: one
// script each.
func BenchmarkMove(b *testing.B) {
	s, _ := newTestStore(b, Config{})
	ctx := testCtx(b)
	mb := mustID(b, "1001")
	deposit(b, s, testMessage(mb, "m1", 1))
	to := []Folder{FolderWork, FolderNew}
	i := 0
	for b.Loop() {
		if _, err := s.Move(ctx, mb, "m1", to[i%2]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkMWIState reads New, Old and the version in one MULTI/EXEC, as
// the message-waiting publisher does after every change.
func BenchmarkMWIState(b *testing.B) {
	s, _ := newTestStore(b, Config{})
	ctx := testCtx(b)
	mb := mustID(b, "1001")
	deposit(b, s, testMessage(mb, "m1", 1))
	for b.Loop() {
		if _, err := s.MWIState(ctx, mb); err != nil {
			b.Fatal(err)
		}
	}
}
