package state

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestProvisionCreates(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	boxes := []MailboxConfig{
		{ID: mustID(t, "1001"), Name: "Alice", Email: "alice@example.com", Language: "en"},
		{ID: mustID(t, "1002@sales"), Name: "Bob", PIN: "4321"},
	}
	rep, err := s.Provision(ctx, boxes)
	if err != nil {
		t.Fatal(err)
	}
	if rep != (ProvisionReport{Created: 2}) {
		t.Fatalf("report = %+v, want 2 created", rep)
	}

	got, err := s.Mailbox(ctx, boxes[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	want := Mailbox{ID: boxes[0].ID, Name: "Alice", Email: "alice@example.com", Language: "en", PINIsDefault: true}
	if got.Created.IsZero() || got.PINSource != pinSourceConfig || got.ManagedByAPI {
		t.Errorf("Mailbox = %+v: want a creation time, a PIN from config, not managed by the API", got)
	}
	if got = provisioned(got); got != want {
		t.Errorf("Mailbox = %+v, want %+v", got, want)
	}
	got, err = s.Mailbox(ctx, boxes[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.PINIsDefault || got.PINChangedByOwner || got.Name != "Bob" {
		t.Errorf("Mailbox = %+v", got)
	}

	// Stored hashed, under the mailbox's hash tag.
	fields := rdb.HGetAll(ctx, "vm:{1002@sales}:box").Val()
	if h := fields[fieldPINHash]; h == "" || h == "4321" {
		t.Errorf("stored pin_hash %q is not a hash", h)
	}
	if fields[fieldPINSource] != pinSourceConfig || fields[fieldPINVer] != "1" {
		t.Errorf("stored %v", fields)
	}
	if _, err := s.Authenticate(ctx, boxes[0].ID, "1234"); err != nil {
		t.Errorf("default PIN: %v", err)
	}
	if _, err := s.Authenticate(ctx, boxes[1].ID, "4321"); err != nil {
		t.Errorf("configured PIN: %v", err)
	}

	ok, err := s.MailboxExists(ctx, boxes[1].ID)
	if err != nil || !ok {
		t.Errorf("MailboxExists = %v, %v", ok, err)
	}
	ok, err = s.MailboxExists(ctx, mustID(t, "9999"))
	if err != nil || ok {
		t.Errorf("MailboxExists(unknown) = %v, %v", ok, err)
	}
	if _, err := s.Mailbox(ctx, mustID(t, "9999")); !errors.Is(err, ErrMailboxNotFound) {
		t.Errorf("Mailbox(unknown) = %v, want ErrMailboxNotFound", err)
	}
	if _, err := s.Mailbox(ctx, MailboxID{Number: "1/", Context: "x"}); !errors.Is(err, ErrInvalidMailbox) {
		t.Errorf("Mailbox(invalid) = %v, want ErrInvalidMailbox", err)
	}
}

func TestProvisionUpdates(t *testing.T) {
	id := MailboxID{Number: "1001", Context: "default"}
	tests := []struct {
		name               string
		first              MailboxConfig
		owner              string // PIN the owner sets by phone between the runs, if any
		second             MailboxConfig
		report             ProvisionReport
		rightPIN, wrongPIN string
		want               Mailbox
	}{
		{
			name:     "unchanged",
			first:    MailboxConfig{ID: id, Name: "Alice", PIN: "1111"},
			second:   MailboxConfig{ID: id, Name: "Alice", PIN: "1111"},
			report:   ProvisionReport{Unchanged: 1},
			rightPIN: "1111", wrongPIN: "1234",
			want: Mailbox{ID: id, Name: "Alice"},
		},
		{
			name:     "name email language",
			first:    MailboxConfig{ID: id, Name: "Alice"},
			second:   MailboxConfig{ID: id, Name: "Alice Smith", Email: "a@x.org", Language: "fr"},
			report:   ProvisionReport{Updated: 1},
			rightPIN: "1234", wrongPIN: "1111",
			want: Mailbox{ID: id, Name: "Alice Smith", Email: "a@x.org", Language: "fr", PINIsDefault: true},
		},
		{
			name:     "config PIN replaced",
			first:    MailboxConfig{ID: id, Name: "Alice", PIN: "1111"},
			second:   MailboxConfig{ID: id, Name: "Alice", PIN: "2222"},
			report:   ProvisionReport{Updated: 1},
			rightPIN: "2222", wrongPIN: "1111",
			want: Mailbox{ID: id, Name: "Alice"},
		},
		{
			name:     "config PIN back to default",
			first:    MailboxConfig{ID: id, Name: "Alice", PIN: "1111"},
			second:   MailboxConfig{ID: id, Name: "Alice"},
			report:   ProvisionReport{Updated: 1},
			rightPIN: "1234", wrongPIN: "1111",
			want: Mailbox{ID: id, Name: "Alice", PINIsDefault: true},
		},
		{
			name:     "default PIN replaced",
			first:    MailboxConfig{ID: id, Name: "Alice"},
			second:   MailboxConfig{ID: id, Name: "Alice", PIN: "2222"},
			report:   ProvisionReport{Updated: 1},
			rightPIN: "2222", wrongPIN: "1234",
			want: Mailbox{ID: id, Name: "Alice"},
		},
		{
			name:     "owner PIN kept",
			first:    MailboxConfig{ID: id, Name: "Alice", PIN: "1111"},
			owner:    "7777",
			second:   MailboxConfig{ID: id, Name: "Alice B", PIN: "2222"},
			report:   ProvisionReport{Updated: 1},
			rightPIN: "7777", wrongPIN: "2222",
			want: Mailbox{ID: id, Name: "Alice B", PINChangedByOwner: true},
		},
		{
			name:     "owner PIN kept, rest unchanged",
			first:    MailboxConfig{ID: id, Name: "Alice"},
			owner:    "7777",
			second:   MailboxConfig{ID: id, Name: "Alice"},
			report:   ProvisionReport{Unchanged: 1},
			rightPIN: "7777", wrongPIN: "1234",
			want: Mailbox{ID: id, Name: "Alice", PINChangedByOwner: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newTestStore(t, Config{})
			ctx := testCtx(t)
			if _, err := s.Provision(ctx, []MailboxConfig{tt.first}); err != nil {
				t.Fatal(err)
			}
			if tt.owner != "" {
				if err := s.SetPIN(ctx, id, tt.owner); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := s.Provision(ctx, []MailboxConfig{tt.second})
			if err != nil {
				t.Fatal(err)
			}
			if rep != tt.report {
				t.Errorf("report = %+v, want %+v", rep, tt.report)
			}
			got, err := s.Mailbox(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got = provisioned(got); got != tt.want {
				t.Errorf("Mailbox = %+v, want %+v", got, tt.want)
			}
			if _, err := s.Authenticate(ctx, id, tt.wrongPIN); !errors.Is(err, ErrWrongPIN) {
				t.Errorf("Authenticate(old PIN) = %v, want ErrWrongPIN", err)
			}
			if _, err := s.Authenticate(ctx, id, tt.rightPIN); err != nil {
				t.Errorf("Authenticate(current PIN) = %v", err)
			}
			// A third run changes nothing.
			rep, err = s.Provision(ctx, []MailboxConfig{tt.second})
			if err != nil || rep != (ProvisionReport{Unchanged: 1}) {
				t.Errorf("third run = %+v, %v; want unchanged", rep, err)
			}
		})
	}
}

func TestProvisionRejectsBadInput(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	good := MailboxConfig{ID: mustID(t, "1001"), Name: "Alice"}
	tests := []struct {
		name  string
		boxes []MailboxConfig
		want  error
	}{
		{"PIN letters", []MailboxConfig{good, {ID: mustID(t, "1002"), PIN: "12ab"}}, ErrInvalidPIN},
		{"PIN too long", []MailboxConfig{good, {ID: mustID(t, "1002"), PIN: "123456789012345678901"}}, ErrInvalidPIN},
		{"PIN with star", []MailboxConfig{good, {ID: mustID(t, "1002"), PIN: "12*4"}}, ErrInvalidPIN},
		{"bad number", []MailboxConfig{good, {ID: MailboxID{Number: "../1", Context: "default"}}}, ErrInvalidMailbox},
		{"bad context", []MailboxConfig{good, {ID: MailboxID{Number: "1002", Context: "a}b"}}}, ErrInvalidMailbox},
		{"zero id", []MailboxConfig{good, {}}, ErrInvalidMailbox},
		{"duplicate", []MailboxConfig{good, good}, ErrInvalidMailbox},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := s.Provision(ctx, tt.boxes)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Provision = %v, want %v", err, tt.want)
			}
			if rep != (ProvisionReport{}) {
				t.Errorf("report = %+v, want nothing done", rep)
			}
			if n := rdb.DBSize(ctx).Val(); n != 0 {
				t.Errorf("%d keys written", n)
			}
		})
	}
	if rep, err := s.Provision(ctx, nil); err != nil || rep != (ProvisionReport{}) {
		t.Errorf("Provision(nil) = %+v, %v", rep, err)
	}
}

// The owner's change by phone wins over a provisioning run that read the
// mailbox before it: the PIN compare-and-set fails.
func TestProvisionLosesToOwner(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	id := mustID(t, "1001")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, PIN: "1111"}}); err != nil {
		t.Fatal(err)
	}
	key := boxKey(id)
	readVer := rdb.HGet(ctx, key, fieldPINVer).Val()  // provisioning reads…
	if err := s.SetPIN(ctx, id, "7777"); err != nil { // …the owner changes the PIN…
		t.Fatal(err)
	}
	res, err := mailboxUpdateScript.Run(ctx, rdb, []string{key}, // …provisioning writes.
		"Alice", "", "", "$2a$04$notarealhashnotarealhashnotarealhashnotarealhashnota", "0", readVer, "").Int64Slice()
	if err != nil {
		t.Fatal(err)
	}
	if res[1] != 1 {
		t.Errorf("update script = %v, want the PIN change refused", res)
	}
	if _, err := s.Authenticate(ctx, id, "7777"); err != nil {
		t.Errorf("owner's PIN lost: %v", err)
	}

	// The same compare-and-set refuses a version that moved on while the
	// source is still config (another instance provisioned meanwhile).
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: mustID(t, "1002"), PIN: "1111"}}); err != nil {
		t.Fatal(err)
	}
	res, err = mailboxUpdateScript.Run(ctx, rdb, []string{boxKey(mustID(t, "1002"))},
		"", "", "", "$2a$04$x", "0", "0", "").Int64Slice()
	if err != nil || res[1] != 1 {
		t.Errorf("update script with stale pin_ver = %v, %v; want refused", res, err)
	}
}

// Instances starting together provision the same mailboxes at once.
func TestProvisionConcurrent(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	const instances, mailboxes = 4, 24
	boxes := func(pin string) []MailboxConfig {
		var b []MailboxConfig
		for i := range mailboxes {
			b = append(b, MailboxConfig{ID: mustID(t, fmt.Sprint(2000+i)), Name: fmt.Sprint("user ", i), PIN: pin})
		}
		return b
	}
	run := func(pin string) ProvisionReport {
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			total ProvisionReport
		)
		for range instances {
			st := newStoreOn(t, Config{}, rdb) // each instance its own Store
			wg.Go(func() {
				rep, err := st.Provision(ctx, boxes(pin))
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				total.Created += rep.Created
				total.Updated += rep.Updated
				total.Unchanged += rep.Unchanged
				mu.Unlock()
			})
		}
		wg.Wait()
		return total
	}

	total := run("1111")
	if total.Created != mailboxes || total.Created+total.Updated+total.Unchanged != instances*mailboxes {
		t.Errorf("first run: %+v, want %d created of %d", total, mailboxes, instances*mailboxes)
	}
	total = run("2222")
	if total.Created != 0 || total.Updated < mailboxes || total.Created+total.Updated+total.Unchanged != instances*mailboxes {
		t.Errorf("second run: %+v", total)
	}
	for _, b := range boxes("") {
		if _, err := s.Authenticate(ctx, b.ID, "2222"); err != nil {
			t.Errorf("%s: %v", b.ID, err)
		}
		if v := rdb.HGet(ctx, boxKey(b.ID), fieldPINVer).Val(); v != "2" {
			t.Errorf("%s: pin_ver %s, want 2 (one replacement)", b.ID, v)
		}
	}
}

func TestProvisionCancelled(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx, cancel := context.WithCancel(testCtx(t))
	cancel()
	_, err := s.Provision(ctx, []MailboxConfig{{ID: mustID(t, "1001")}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Provision = %v, want context.Canceled", err)
	}
}

// A thousand mailboxes (a quarter under -race, where bcrypt is much slower);
// the time at the default bcrypt cost is measured by BenchmarkProvision.
func TestProvisionThousand(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	boxes := thousandBoxes()
	if raceEnabled {
		boxes = boxes[:250]
	}
	start := time.Now()
	rep, err := s.Provision(ctx, boxes)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("provisioned %d mailboxes in %v (bcrypt cost %d)", len(boxes), time.Since(start), s.Config().PINHashCost)
	if rep.Created != len(boxes) {
		t.Errorf("report %+v", rep)
	}
	if n := rdb.DBSize(ctx).Val(); n != int64(len(boxes))+1 {
		t.Errorf("%d keys, want %d and the index", n, len(boxes))
	}
	start = time.Now()
	rep, err = s.Provision(ctx, boxes)
	if err != nil || rep.Unchanged != len(boxes) {
		t.Errorf("second run %+v, %v", rep, err)
	}
	t.Logf("re-provisioned %d unchanged mailboxes in %v", len(boxes), time.Since(start))
}

// thousandBoxes is a configuration of 1000 mailboxes, half with a PIN.
func thousandBoxes() []MailboxConfig {
	boxes := make([]MailboxConfig, 1000)
	for i := range boxes {
		boxes[i] = MailboxConfig{ID: MailboxID{Number: fmt.Sprint(10000 + i), Context: "default"}, Name: fmt.Sprint("user ", i)}
		if i%2 == 0 {
			boxes[i].PIN = fmt.Sprint(1000 + i)
		}
	}
	return boxes
}

// Mailboxes with the default PIN share one hash; a new DefaultPIN reaches
// every mailbox whose PIN is still set by configuration.
func TestProvisionDefaultPIN(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	boxes := []MailboxConfig{{ID: mustID(t, "1001")}, {ID: mustID(t, "1002")}, {ID: mustID(t, "1003")}, {ID: mustID(t, "1004"), PIN: "1234"}}
	if _, err := s.Provision(ctx, boxes); err != nil {
		t.Fatal(err)
	}
	h := rdb.HGet(ctx, boxKey(boxes[0].ID), fieldPINHash).Val()
	for _, b := range boxes[1:] {
		if got := rdb.HGet(ctx, boxKey(b.ID), fieldPINHash).Val(); got != h {
			t.Errorf("%s: hash differs from the shared default hash", b.ID)
		}
		if mb, err := s.Authenticate(ctx, b.ID, "1234"); err != nil || !mb.PINIsDefault {
			t.Errorf("%s: %+v, %v", b.ID, mb, err)
		}
	}
	if err := s.SetPIN(ctx, boxes[2].ID, "3333"); err != nil {
		t.Fatal(err)
	}

	// The administrator changes the default PIN.
	s2 := newStoreOn(t, Config{DefaultPIN: "5678"}, rdb)
	rep, err := s2.Provision(ctx, boxes)
	if err != nil {
		t.Fatal(err)
	}
	// 1001, 1002: new default; 1003: owner's PIN kept; 1004: "1234" is no
	// longer the default.
	if rep != (ProvisionReport{Updated: 3, Unchanged: 1}) {
		t.Errorf("report %+v", rep)
	}
	for _, tt := range []struct {
		id      MailboxID
		pin     string
		deflt   bool
		byOwner bool
	}{
		{boxes[0].ID, "5678", true, false},
		{boxes[1].ID, "5678", true, false},
		{boxes[2].ID, "3333", false, true},
		{boxes[3].ID, "1234", false, false},
	} {
		mb, err := s2.Authenticate(ctx, tt.id, tt.pin)
		if err != nil || mb.PINIsDefault != tt.deflt || mb.PINChangedByOwner != tt.byOwner {
			t.Errorf("%s: %+v, %v; want default %v, by owner %v", tt.id, mb, err, tt.deflt, tt.byOwner)
		}
	}
}

// provisioned returns m without the fields that these tests of
// provisioning do not set up (the admin API's: see
// mailbox_admin_integration_test.go), for comparing whole records.
func provisioned(m Mailbox) Mailbox {
	m.PINSource, m.Review, m.ManagedByAPI, m.Created = "", nil, false, time.Time{}
	return m
}
