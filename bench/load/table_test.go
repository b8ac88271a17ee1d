package load

import (
	"bytes"
	"strings"
	"testing"
)

func TestSideBySideTable(t *testing.T) {
	in := `{"Run":"2026-12-04T18:00:00Z","App":"abc","Asterisk":"22.10","Flow":"listen","Target":"ours","Arrivals":"sync","PINScheme":"pepper","Concurrency":50,"Calls":50,"OK":50,"PeakLive":50,"MachineBusy":15.2,"AppCPUPerCallMS":3.5,"RSSPerLiveKiB":30,"RedisCmdsPerCall":120,"Caller":[{"Label":"PIN # → \"you have\"","N":50,"P50":4,"P95":6,"P99":8,"Max":9}],"AppSide":[{"Label":"listen 2580# → vm-youhave","N":50,"P50":1,"P95":2,"P99":3,"Max":3}],"AppOwn":{"N":250,"P50":1,"P95":2.5,"P99":5,"WithinFiveMS":0.996}}
{"Run":"2026-12-04T18:00:00Z","App":"abc","Asterisk":"22.10","Flow":"listen","Target":"avm","Arrivals":"sync","PINScheme":"pepper","Concurrency":50,"Calls":50,"OK":49,"PeakLive":50,"MachineBusy":14.8,"Caller":[{"Label":"PIN # → \"you have\"","N":48,"P50":5,"P95":8,"P99":10,"Max":12}]}
{"Run":"2026-12-04T18:00:00Z","App":"abc","Asterisk":"22.10","Flow":"deposit","Target":"ours","Arrivals":"poisson","Seed":7,"PINScheme":"pepper","Concurrency":200,"Calls":200,"OK":200,"Caller":[{"Label":"# → message saved","N":200,"P50":3,"P95":5,"P99":6,"Max":7}],"AppOwn":{"N":200,"P50":2.5,"P95":10,"P99":-1,"WithinFiveMS":0.9},"AppSent":{"N":200,"P50":1,"P95":2.5,"P99":5,"WithinFiveMS":0.995}}
`
	sums, err := ReadSummaries(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := SideBySide(&b, sums); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`| listen | sync | 50 | PIN # → "you have" | 4.0 / 6.0 / 8.0 | 5.0 / 8.0 / 10.0 | 0.80 / 0.75 / 0.80 | 50 / 48 | 50/50 / 49/50 | 15 % / 15 % |`,
		`| deposit | poisson | 200 | # → message saved | 3.0 / 5.0 / 6.0 | – | – | 200 / 0 | 200/200 / – | 0 % / – |`,
		"`2580# → vm-youhave` 1.0 / 2.0 / 3.0 (50) | 1 / 2.5 / 5 ms (99.6 % of 250) |",
		"| not followed | sent 1 / 2.5 / 5 ms (99.5 % of 200)<br>accepted 2.5 / 10 / over 2 s ms (90.0 % of 200) |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "| listen |") > strings.Index(out, "| deposit |") {
		t.Error("listen rows should come before deposit rows")
	}

	doc := []byte("# B\n\nbefore\n" + TableBegin + "\nold table\n" + TableEnd + "\nafter\n")
	got, err := ReplaceTable(doc, b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if s := string(got); strings.Contains(s, "old table") || !strings.Contains(s, "before\n"+TableBegin) || !strings.HasSuffix(s, TableEnd+"\nafter\n") || !strings.Contains(s, "| listen | sync | 50 |") {
		t.Errorf("replaced document:\n%s", s)
	}
	if _, err := ReplaceTable([]byte("no markers"), b.Bytes()); err == nil {
		t.Error("a document without markers: no error")
	}
	if _, err := ReadSummaries(strings.NewReader("{\"Flow\":\"listen\"}\n")); err == nil {
		t.Error("a summary without target: no error")
	}
	if err := SideBySide(&b, nil); err == nil {
		t.Error("no summaries: no error")
	}
}
