package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/call"
	"github.com/clusterpbx/voicemail/recordings"
)

// node is one Asterisk server that this instance serves (ari.urls): its
// ARI client, its event stream, and the call dependencies bound to it. A
// call lives on the Asterisk its channel is on; everything else (Redis, the
// recordings directory, the menu engine) is shared by every node.
//
// Several Asterisk servers share one recordings directory, so a message
// recorded through one plays through any other. Channel ids must then be
// unique across them, which Asterisk guarantees only when each has its own
// system name (asterisk.conf systemname prefixes every id): a node whose
// system name is empty or taken by another node has its new calls refused
// rather than risk two callers sharing one session.
type node struct {
	// name is the URL's host:port, for logs.
	name   string
	client *ari.Client
	deps   *call.Deps
	stream *ari.Stream
	log    *zap.Logger

	// system is the Asterisk's system name, read at each connect (known
	// once read); guarded by App.namesMu.
	system string
	known  bool
	// unsafe is set when several nodes are served and this one's system
	// name is empty or shared: its new calls are refused.
	unsafe atomic.Bool
}

// newNodes makes a client per ARI URL of cfg.
func newNodes(cfg Config, log *zap.Logger) ([]*node, error) {
	ariTLS, err := cfg.ariTLS()
	if err != nil {
		return nil, err
	}
	urls := cfg.ariURLs()
	nodes := make([]*node, 0, len(urls))
	for _, raw := range urls {
		name := raw
		if u, err := url.Parse(raw); err == nil {
			name = u.Host
		}
		nlog := log
		if len(urls) > 1 {
			nlog = log.With(zap.String("asterisk", name))
		}
		client, err := ari.New(cfg.ariConfig(raw), ari.WithLogger(nlog.Named("ari")), ari.WithTLSConfig(ariTLS))
		if err != nil {
			return nil, fmt.Errorf("app: ari client for %s: %w", name, err)
		}
		nodes = append(nodes, &node{name: name, client: client, log: nlog})
	}
	return nodes, nil
}

// bind gives node n its own copy of the call dependencies, with the ARI
// parts on its client.
func (n *node) bind(shared call.Deps) {
	d := shared
	d.Player, d.Recorder, d.Channel, d.Mover, d.Checker = n.client, n.client, n.client, n.client, n.client
	d.Audio = recordings.New(n.client, n.log.Named("recordings"))
	n.deps = &d
}

// checkSystemName reads node n's system name after a connect and, when
// several nodes are served, marks unsafe every node whose name is empty or
// shared with another (both of a pair: either could hand out the other's
// ids). Nodes not yet connected are judged when they connect.
func (a *App) checkSystemName(ctx context.Context, n *node) {
	if len(a.nodes) < 2 {
		return
	}
	info, err := n.client.Info(ctx)
	if err != nil {
		n.log.Warn("read the asterisk system name", zap.Error(err))
		return
	}
	a.namesMu.Lock()
	defer a.namesMu.Unlock()
	n.system, n.known = info.Config.Name, true
	count := map[string]int{}
	for _, o := range a.nodes {
		if o.known {
			count[o.system]++
		}
	}
	for _, o := range a.nodes {
		if !o.known {
			continue
		}
		bad := o.system == "" || count[o.system] > 1
		switch was := o.unsafe.Swap(bad); {
		case bad && !was:
			o.log.Error("refusing this Asterisk's calls: with several Asterisk servers each needs its own asterisk.conf systemname, or their channel ids can collide",
				zap.String("systemname", o.system))
		case !bad && was:
			o.log.Info("asterisk system name now unique; taking its calls again", zap.String("systemname", o.system))
		}
	}
}

// anyNode returns a node whose event stream is connected, or the first.
func (a *App) anyNode() *node {
	for _, n := range a.nodes {
		if n.stream != nil && n.stream.Connected() {
			return n
		}
	}
	return a.nodes[0]
}

// locate finds the node whose Asterisk has channel id. It returns
// ari.ErrNotFound when every node answered that it has no such channel,
// and another error when a node could not be asked (the channel may be
// there).
func (a *App) locate(ctx context.Context, id string) (*node, error) {
	var errs []error
	for _, n := range a.nodes {
		_, err := n.client.GetChannel(ctx, id)
		switch {
		case err == nil:
			return n, nil
		case ari.IsGone(err):
		default:
			errs = append(errs, fmt.Errorf("%s: %w", n.name, err))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("app: locate channel %s: %w", id, errors.Join(errs...))
	}
	return nil, fmt.Errorf("app: locate channel %s: %w", id, ari.ErrNotFound)
}

// locateRetries are the waits between the attempts of locateRetrying, and
// locateAttempt bounds each attempt: a takeover must not give a call up for
// one failed request, nor wait on an unreachable Asterisk for long.
var locateRetries = []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second}

const locateAttempt = 2 * time.Second

// locateRetrying is locate, asked again while some Asterisk cannot be asked
// (an error other than ari.ErrNotFound), len(locateRetries) times.
func (a *App) locateRetrying(ctx context.Context, id string) (*node, error) {
	try := func() (*node, error) {
		actx, cancel := context.WithTimeout(ctx, locateAttempt)
		defer cancel()
		return a.locate(actx, id)
	}
	n, err := try()
	for _, wait := range locateRetries {
		if err == nil || errors.Is(err, ari.ErrNotFound) {
			return n, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
		n, err = try()
	}
	return n, err
}

// everyNode originates on every node: message-waiting counts are kept per
// Asterisk, and a phone may be registered to any of them.
type everyNode []*node

// Originate places r on every node whose event stream is connected, at
// once, and returns the first channel made and the errors of the nodes
// that failed. A node that is not connected is skipped: it gets every
// mailbox's counts when it connects (onConnect), and waiting on one that
// is unreachable would hold the others' publications up.
func (ns everyNode) Originate(ctx context.Context, r ari.OriginateRequest) (ari.Channel, error) {
	if len(ns) == 1 {
		return ns[0].client.Originate(ctx, r)
	}
	up := make([]*node, 0, len(ns))
	for _, n := range ns {
		if n.stream == nil || n.stream.Connected() {
			up = append(up, n)
		}
	}
	if len(up) == 0 {
		return ari.Channel{}, fmt.Errorf("app: originate: no Asterisk connected")
	}
	type result struct {
		ch  ari.Channel
		err error
	}
	results := make([]result, len(up))
	var wg sync.WaitGroup
	for i, n := range up {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := r
			if req.ChannelID != "" {
				req.ChannelID = fmt.Sprintf("%s-%d", r.ChannelID, i)
			}
			ch, err := n.client.Originate(ctx, req)
			if err != nil {
				err = fmt.Errorf("%s: %w", n.name, err)
			}
			results[i] = result{ch, err}
		}()
	}
	wg.Wait()
	var first ari.Channel
	var errs []error
	for _, res := range results {
		if res.err != nil {
			errs = append(errs, res.err)
		} else if first.ID == "" {
			first = res.ch
		}
	}
	return first, errors.Join(errs...)
}
