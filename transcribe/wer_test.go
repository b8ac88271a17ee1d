package transcribe_test

import (
	"context"
	"strings"
	"testing"

	"github.com/clusterpbx/voicemail/transcribe"
)

// werSentences are what BenchmarkWordErrorRate says and checks.
var werSentences = []string{
	"please call me back about the meeting tomorrow",
	"hi this is john calling about your car insurance",
	"the delivery will arrive on monday morning",
	"can you send me the report before friday",
	"i will be late for dinner tonight",
}

// wordErrors is the edit distance between the words of ref and hyp.
func wordErrors(ref, hyp string) (errs, words int) {
	r, h := strings.Fields(ref), strings.Fields(hyp)
	d := make([][]int, len(r)+1)
	for i := range d {
		d[i] = make([]int, len(h)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(r); i++ {
		for j := 1; j <= len(h); j++ {
			sub := 1
			if r[i-1] == h[j-1] {
				sub = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+sub)
		}
	}
	return d[len(r)][len(h)], len(r)
}

// BenchmarkWordErrorRate prints the word error rate of Transcribe on
// espeak-ng sentences at 8 kHz (the figure docs/email.md quotes) and the
// time a transcription takes.
func BenchmarkWordErrorRate(b *testing.B) {
	wavs := make([][]byte, len(werSentences))
	for i, s := range werSentences {
		wavs[i] = speech(b, s)
	}
	s := transcribe.New(transcribe.Config{})
	b.ResetTimer()
	var errs, words int
	for b.Loop() {
		errs, words = 0, 0
		for i, ref := range werSentences {
			hyp, err := s.Transcribe(context.Background(), wavs[i])
			if err != nil {
				b.Fatal(err)
			}
			e, n := wordErrors(ref, hyp)
			errs, words = errs+e, words+n
			b.Logf("%q -> %q (%d/%d)", ref, hyp, e, n)
		}
	}
	b.ReportMetric(100*float64(errs)/float64(words), "WER%")
}
