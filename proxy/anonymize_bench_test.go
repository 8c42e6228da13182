package proxy

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"
)

// The recording of the benchmarks: 5,000 generated tasks naming 1,000
// people, built once.
var (
	benchOnce   sync.Once
	benchBodies [][]byte
)

func benchCorpus(b *testing.B) [][]byte {
	benchOnce.Do(func() {
		_, bodies := newCorpus(b, 5000, 1000)
		for _, c := range bodies {
			benchBodies = append(benchBodies, c.body)
		}
	})
	return benchBodies
}

// BenchmarkAnonymize measures the anonymizing work of one exchange of a
// recording once the anonymizer knows the 1,000 people of the 5,000 tasks
// (learned from every body first), with the prepared patterns (new) and
// with a regular expression compiled per name per string (old).
func BenchmarkAnonymize(b *testing.B) {
	bodies := benchCorpus(b)
	b.Run("new", func(b *testing.B) {
		a := newAnonymizer()
		for _, body := range bodies {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			v, err := decodeOrdered(dec)
			if err != nil {
				b.Fatal(err)
			}
			a.collect(v, "", false)
			a.register()
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if _, err := a.body(bodies[i%len(bodies)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("old", func(b *testing.B) {
		a := newLegacyAnonymizer()
		for _, body := range bodies {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			v, err := decodeOrdered(dec)
			if err != nil {
				b.Fatal(err)
			}
			a.collect(v, "")
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			a.body(bodies[i%len(bodies)])
		}
	})
}

// BenchmarkAnonymizeRecording records the 5,000 tasks from the start, the
// anonymizer learning the people as they come: ns/exchange is the mean
// cost of an exchange.
func BenchmarkAnonymizeRecording(b *testing.B) {
	bodies := benchCorpus(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		a := newAnonymizer()
		for _, body := range bodies {
			if _, err := a.body(body); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(bodies)), "ns/exchange")
}
