package load

import (
	"testing"
	"time"
)

func TestParseInfoAndSub(t *testing.T) {
	before := parseInfo("# Commandstats\r\ncmdstat_evalsha:calls=10,usec=30,usec_per_call=3.00\r\ncmdstat_info:calls=1,usec=5\r\n" +
		"# Stats\r\ntotal_net_input_bytes:1000\r\ntotal_net_output_bytes:50\r\n# CPU\r\nused_cpu_sys:1.5\r\nused_cpu_user:0.5\r\n")
	after := parseInfo("# Commandstats\r\ncmdstat_evalsha:calls=25,usec=90\r\ncmdstat_hget:calls=4,usec=1\r\ncmdstat_info:calls=2,usec=9\r\n" +
		"# Stats\r\ntotal_net_input_bytes:3000\r\ntotal_net_output_bytes:80\r\n# CPU\r\nused_cpu_sys:1.75\r\nused_cpu_user:0.5\r\n")
	d := after.sub(before)
	if d.Calls["evalsha"] != 15 || d.Calls["hget"] != 4 || len(d.Calls) != 2 {
		t.Errorf("calls %v: want evalsha 15, hget 4, no info", d.Calls)
	}
	if d.total() != 19 || d.NetIn != 2000 || d.NetOut != 30 || d.CPU != 250*time.Millisecond {
		t.Errorf("total %d, in %d, out %d, cpu %v", d.total(), d.NetIn, d.NetOut, d.CPU)
	}
}
