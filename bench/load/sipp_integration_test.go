package load

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/testenv"
)

// TestIntegrationSIPDepositAVM leaves one message in app_voicemail through
// a real sipp call and checks that the call succeeded, the message is in
// the spool, and the caller-side latency of its # was measured. Run it in
// the machine-wide lock (flock /var/cache/voicemail-testenv/heavy.lock).
func TestIntegrationSIPDepositAVM(t *testing.T) {
	if testing.Short() {
		t.Skip("a real SIP call of about 30 s")
	}
	env := testenv.Require(t)
	spool := os.Getenv("VOICEMAIL_TEST_VOICEMAIL_SPOOL")
	if spool == "" || env.SIP == "" {
		testenv.Missing(t, "no VOICEMAIL_TEST_SIP or VOICEMAIL_TEST_VOICEMAIL_SPOOL: run testenv/up and eval \"$(testenv/where)\"")
	}
	if _, err := exec.LookPath("sipp"); err != nil {
		testenv.Missing(t, "no sipp (Debian's sip-tester)")
	}
	if os.Geteuid() != 0 {
		testenv.Missing(t, "needs root: sipp's raw socket and the sniffer")
	}
	o := Options{
		ARIURL: env.ARIURL, ARIUser: env.ARIUser, ARIPass: env.ARIPass,
		Caller: CallerSIP, Target: TargetAVM, Flow: FlowDeposit, Steps: []int{1},
		SIPTarget: env.SIP, Spool: spool, Out: os.Stdout, Log: zap.NewNop(),
		CallTimeout: 30 * time.Second,
	}
	o.setDefaults()
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
	// Slot 0's mailboxes, which a load run uses too: hence the lock.
	r := &runner{o: &o, log: o.Log, runID: randomHex(3), tempDir: t.TempDir()}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := r.avmPrepare(1); err != nil {
		t.Fatal(err)
	}
	defer r.avmCleanup()
	res, err := r.sippCalls(ctx, TargetAVM, FlowDeposit, 1)
	if err != nil {
		t.Fatal(err)
	}
	st := &StepReport{Calls: res.calls}
	r.avmVerify(st.Calls)
	if c := st.Calls[0]; !c.ok {
		t.Fatalf("call failed: %s", c.reason)
	}
	if len(res.keys) != 1 || res.keys[0].label != labelRecDone {
		t.Fatalf("keys timed: %+v (in prompt %d, unanswered %d)", res.keys, res.inPrompt, res.unanswered)
	}
	if d := res.keys[0].d; d <= 0 || d > 2*time.Second {
		t.Errorf("# → message saved took %v", d)
	}
	t.Logf("# → first packet of vm-msgsaved: %v", res.keys[0].d)
}
