package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// scanCount is the COUNT hint of each SCAN step, and so about how many
// keys one pipelined read covers.
const scanCount = 1000

// Inventory is everything in Redis that points at audio, as ScanAudio
// reads it: every mailbox's folders, message records and greetings, and
// the recordings that live call sessions mention. Entries are kept raw
// (not validated), so that a janitor counts even a malformed pointer as a
// reference and fsck can report it.
type Inventory struct {
	// Mailboxes maps each mailbox that has any folder, message record,
	// greeting or MWI key to what it holds.
	Mailboxes map[MailboxID]*MailboxRecords
	// Sessions counts the call sessions read.
	Sessions int
	// InFlight holds the recording names that live call sessions mention:
	// a message being left, a greeting take under review, a forward's
	// introduction. Their audio has no other reference yet.
	InFlight map[string]bool
}

// MailboxRecords is what one mailbox holds that points at audio, raw.
type MailboxRecords struct {
	// Folders lists the message ids of each folder set, by folder number.
	Folders [len(AllFolders)][]string
	// Messages maps the id of each message record to its audio fields.
	Messages map[string]MessageRecord
	// Greetings maps each entry of the greetings hash (kind) to its
	// recording name.
	Greetings map[string]string
	// Version is the mailbox's MWI version (ver), 0 if none.
	Version int64
	// Published is the last version a publisher claimed (mwi:pub), 0 if
	// none.
	Published int64
}

// MessageRecord is the part of a message record that fsck checks.
type MessageRecord struct {
	// Folder is the record's folder field as stored.
	Folder string
	// Recording and Intro are its audio; Intro is "" when it has none.
	Recording, Intro string
}

// Referenced returns every recording name that inv points at: messages'
// audio and introductions, greetings, and what live sessions mention.
func (inv *Inventory) Referenced() map[string]bool {
	refs := make(map[string]bool, len(inv.InFlight))
	for name := range inv.InFlight {
		refs[name] = true
	}
	for _, mb := range inv.Mailboxes {
		for _, m := range mb.Messages {
			if m.Recording != "" {
				refs[m.Recording] = true
			}
			if m.Intro != "" {
				refs[m.Intro] = true
			}
		}
		for _, rec := range mb.Greetings {
			if rec != "" {
				refs[rec] = true
			}
		}
	}
	return refs
}

// mailbox returns the records of id in inv, making them if needed.
func (inv *Inventory) mailbox(id MailboxID) *MailboxRecords {
	mb := inv.Mailboxes[id]
	if mb == nil {
		mb = &MailboxRecords{Messages: map[string]MessageRecord{}, Greetings: map[string]string{}}
		inv.Mailboxes[id] = mb
	}
	return mb
}

// ScanAudio reads the whole keyspace of the voicemail system (SCAN over
// vm:*, on every master of a Cluster) and returns what points at audio. It
// is not a snapshot: a change made during the scan may be seen in part, so
// a janitor must never delete on one scan's word alone (see NoteOrphans).
// Any read error fails the whole scan, so that a partial inventory is never
// taken for a complete one; a key of an unexpected type is skipped.
func (s *Store) ScanAudio(ctx context.Context) (*Inventory, error) {
	inv := newInventory()
	var err error
	switch c := s.rdb.(type) {
	case *redis.ClusterClient:
		// Each master scans its own keys, maybe at once; every key of one
		// mailbox is on one master (hash tags), so no mailbox is split.
		var mu sync.Mutex
		err = c.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			part := newInventory()
			if err := s.scanNode(ctx, node, part); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			inv.merge(part)
			return nil
		})
	case *redis.Client:
		err = s.scanNode(ctx, c, inv)
	default:
		err = fmt.Errorf("%w: cannot scan the keyspace with a %T", ErrInvalidConfig, s.rdb)
	}
	if err != nil {
		return nil, fmt.Errorf("state: scan audio pointers: %w", err)
	}
	return inv, nil
}

func newInventory() *Inventory {
	return &Inventory{Mailboxes: map[MailboxID]*MailboxRecords{}, InFlight: map[string]bool{}}
}

// scanNode adds what the keys of one server point at to inv.
func (s *Store) scanNode(ctx context.Context, c *redis.Client, inv *Inventory) error {
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, keyPrefix+"*", scanCount).Result()
		if err != nil {
			return err
		}
		if err := s.readAudioKeys(ctx, c, keys, inv); err != nil {
			return err
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// merge adds part, read from another Cluster master, to inv.
func (inv *Inventory) merge(part *Inventory) {
	for id, mb := range part.Mailboxes {
		inv.Mailboxes[id] = mb
	}
	for name := range part.InFlight {
		inv.InFlight[name] = true
	}
	inv.Sessions += part.Sessions
}

// audioKey is one key of the keyspace that ScanAudio reads.
type audioKey struct {
	key   string
	kind  string // "folder", "msg", "greetings", "ver", "pub", "session"
	id    MailboxID
	arg   string // the folder number or message id
	cmd   redis.Cmder
	extra redis.Cmder
}

// classify tells which of the keys ScanAudio reads key is; ok is false for
// the others (mailbox records, lockouts, the cluster's keys).
func classify(key string) (k audioKey, ok bool) {
	k.key = key
	if rest, isSession := strings.CutPrefix(key, keyPrefix+"session:{"); isSession {
		k.kind = "session"
		return k, strings.HasSuffix(rest, "}")
	}
	rest, ok := strings.CutPrefix(key, keyPrefix+"{")
	if !ok {
		return k, false
	}
	tag, field, ok := strings.Cut(rest, "}:")
	if !ok {
		return k, false
	}
	id, err := ParseMailbox(tag)
	if err != nil || !strings.Contains(tag, "@") {
		return k, false // the cluster's keys, or not ours
	}
	k.id = id
	switch {
	case field == "greetings":
		k.kind = "greetings"
	case field == "ver":
		k.kind = "ver"
	case field == "mwi:pub":
		k.kind = "pub"
	case strings.HasPrefix(field, "f:"):
		n, err := strconv.Atoi(field[2:])
		if err != nil || Folder(n).Validate() != nil {
			return k, false
		}
		k.kind, k.arg = "folder", field[2:]
	case strings.HasPrefix(field, "msg:"):
		k.kind, k.arg = "msg", field[4:]
	default:
		return k, false
	}
	return k, true
}

// readAudioKeys reads one SCAN batch of keys in one pipelined round trip
// and adds what they hold to inv.
func (s *Store) readAudioKeys(ctx context.Context, c redis.Cmdable, keys []string, inv *Inventory) error {
	batch := make([]audioKey, 0, len(keys))
	for _, key := range keys {
		if k, ok := classify(key); ok {
			batch = append(batch, k)
		}
	}
	if len(batch) == 0 {
		return nil
	}
	// Errors are looked at per command below: a key deleted since SCAN
	// (redis.Nil) or of another type is skipped, anything else fails the
	// scan.
	_, _ = c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range batch {
			k := &batch[i]
			switch k.kind {
			case "session":
				k.cmd = p.HMGet(ctx, k.key, fieldSessMenu, fieldSessListing)
			case "greetings":
				k.cmd = p.HGetAll(ctx, k.key)
			case "ver", "pub":
				k.cmd = p.Get(ctx, k.key)
			case "folder":
				k.cmd = p.ZRange(ctx, k.key, 0, -1)
			case "msg":
				k.cmd = p.HMGet(ctx, k.key, fieldMsgFolder, fieldMsgRecording, fieldMsgIntro)
				k.extra = p.Exists(ctx, k.key)
			}
		}
		return nil
	})
	for _, k := range batch {
		if err := k.cmd.Err(); err != nil {
			if errors.Is(err, redis.Nil) || isWrongType(err) {
				continue
			}
			return err
		}
		switch k.kind {
		case "session":
			vals := k.cmd.(*redis.SliceCmd).Val()
			found := false
			for _, v := range vals {
				if str, ok := v.(string); ok {
					found = true
					collectRecordingNames(str, inv.InFlight)
				}
			}
			if found {
				inv.Sessions++
			}
		case "greetings":
			fields := k.cmd.(*redis.MapStringStringCmd).Val()
			if len(fields) == 0 {
				continue
			}
			mb := inv.mailbox(k.id)
			for kind, rec := range fields {
				mb.Greetings[kind] = rec
			}
		case "ver", "pub":
			v, err := strconv.ParseInt(k.cmd.(*redis.StringCmd).Val(), 10, 64)
			if err != nil {
				v = -1 // unreadable: fsck reports it
			}
			mb := inv.mailbox(k.id)
			if k.kind == "ver" {
				mb.Version = v
			} else {
				mb.Published = v
			}
		case "folder":
			ids := k.cmd.(*redis.StringSliceCmd).Val()
			if len(ids) == 0 {
				continue
			}
			n, _ := strconv.Atoi(k.arg)
			mb := inv.mailbox(k.id)
			mb.Folders[n] = append(mb.Folders[n], ids...)
		case "msg":
			if k.extra.(*redis.IntCmd).Val() == 0 {
				continue // deleted since SCAN
			}
			vals := k.cmd.(*redis.SliceCmd).Val()
			str := func(i int) string {
				s, _ := vals[i].(string)
				return s
			}
			inv.mailbox(k.id).Messages[k.arg] = MessageRecord{Folder: str(0), Recording: str(1), Intro: str(2)}
		}
	}
	return nil
}

// collectRecordingNames adds to names every string in the JSON document
// doc that could be a recording name ("a/b", validRecordingName), also
// after a media scheme ("recording:a/b"). The menu state is opaque to this
// package, so every string counts: a reference too many only delays a
// deletion, one too few loses audio. A document that is not JSON adds
// nothing.
func collectRecordingNames(doc string, names map[string]bool) {
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			for _, s := range []string{x, afterScheme(x)} {
				if strings.Contains(s, "/") && validRecordingName(s) {
					names[s] = true
				}
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
}

// afterScheme returns what follows "scheme:" in a media URI such as
// "recording:a/b", or "" when s has no such prefix.
func afterScheme(s string) string {
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || scheme == "" {
		return ""
	}
	for i := 0; i < len(scheme); i++ {
		if c := scheme[i]; !(c >= 'a' && c <= 'z') {
			return ""
		}
	}
	return rest
}
