package mockserver

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
)

// TestJournalRing: whatever the sizes of the exchanges, the ring holds at
// most its number of entries and its bytes, the newest ones, and counts
// what it dropped.
func TestJournalRing(t *testing.T) {
	const entries, maxBytes = 7, 8 * journalEntryCost
	j := newJournal(entries, maxBytes, "/getTask")
	rng := rand.New(rand.NewPCG(1, 2))
	var sizes []int
	for i := 1; i <= 500; i++ {
		// Bodies from none to more than the whole journal holds.
		size := rng.IntN(3*journalEntryCost) + rng.IntN(2)*maxBytes
		sizes = append(sizes, size)
		before := j.n
		j.record(journalRaw{path: "/x", respBody: make([]byte, size)})
		if journalEntryCost+len("/x")+size > maxBytes {
			require.Equal(t, before, j.n, "an entry over the bytes alone drops no other")
		}
		require.LessOrEqual(t, j.n, entries)
		require.LessOrEqual(t, j.bytes, maxBytes)
		sum := 0
		var prev uint64
		for k := range j.n {
			rec := j.buf[(j.start+k)%len(j.buf)]
			sum += rec.cost
			require.Greater(t, rec.seq, prev, "oldest first")
			prev = rec.seq
		}
		require.Equal(t, sum, j.bytes)
		require.Equal(t, uint64(i), j.seq)
		require.Equal(t, uint64(i), j.dropped+uint64(j.n), "every exchange is held or counted as dropped")
		if j.n > 0 && prev != uint64(i) {
			require.Greater(t, journalEntryCost+len("/x")+sizes[i-1], maxBytes, "the newest is held unless it alone is over the bytes")
		}
	}
	assert.LessOrEqual(t, cap(j.buf), entries)

	// Small entries only: the ring grows to its size, never beyond.
	small := newJournal(100, JournalMaxBytes, "/getTask")
	for range 250 {
		small.record(journalRaw{path: "/x"})
		require.LessOrEqual(t, cap(small.buf), 100)
	}
	assert.Equal(t, 100, small.n)
}

// TestJournalRedactsBeforeCutting: a credential across the body limit is
// redacted whole before the body is cut, so that no piece of it, however
// short, is kept.
func TestJournalRedactsBeforeCutting(t *testing.T) {
	const token = "Secret-Token-42"
	for cut := 1; cut < len(token); cut++ {
		body := strings.Repeat("a", JournalBodyLimit-cut) + token + strings.Repeat("b", 100)
		raw := journalRaw{method: http.MethodGet, path: "/p", rawPath: "/p", rawQuery: "token=" + url.QueryEscape(token),
			respBody: []byte(body)[:JournalBodyLimit+journalSlack], respSize: int64(len(body))}
		e := newJournal(1, JournalMaxBytes, "/getTask").redact(1, &raw)
		require.True(t, e.ResponseBody.Truncated)
		require.Len(t, e.ResponseBody.Text, JournalBodyLimit)
		want := strings.Replace(body, token, "REDACTED", 1)[:JournalBodyLimit]
		assert.True(t, e.ResponseBody.Text == want, "cut %d: …%s", cut, e.ResponseBody.Text[JournalBodyLimit-20:])
	}
}

// TestJournalRedactsViolations: a violation that quotes a credential of
// its request is kept redacted.
func TestJournalRedactsViolations(t *testing.T) {
	j := newJournal(1, JournalMaxBytes, "/getTask")
	j.record(journalRaw{
		time: time.Now(), method: http.MethodGet, path: "/process/api/v1/tasks/1", rawPath: "/process/api/v1/tasks/1",
		reqHeader: http.Header{"Authorization": {"Bearer abcdef123456"}},
		violations: []contract.Violation{{Severity: contract.SeverityError, Rule: contract.RuleBodyNotJSON, Location: "body.id",
			Message: `expected a string, found "abcdef123456"`}},
	})
	e := j.List(JournalFilter{}).Requests[0]
	require.Len(t, e.Violations, 1)
	assert.Equal(t, `expected a string, found "REDACTED"`, e.Violations[0].Message)
	assert.Equal(t, contract.RuleBodyNotJSON, e.Violations[0].Rule)
	assert.Equal(t, "1", e.TaskID)
}

// BenchmarkJournalRecord measures what the journal adds to a request: the
// request body and the response body kept as they pass, the response
// headers copied, and the entry added to a full ring (redaction waits
// for the first read). Run with -cpu 1; compare with BenchmarkHandler.
func BenchmarkJournalRecord(b *testing.B) {
	oracleBody := bytes.Repeat([]byte("x"), 3234) // a typical Oracle task
	form := "f=json&taskGroupJobId=A031377A-E3C5-4C1A-A081-56285228A3A3&taskOperationId=F6208AD7-D10C-4E1C-AB8A-6CA429AD559C"
	cases := []struct {
		name, method, target, form string
		body                       []byte
	}{
		{"oracle-get", http.MethodGet, "http://127.0.0.1:4010/process/api/v1/tasks/0f3c1e62-5a1b-11ef-9a4e-0242ac15001b", "", oracleBody},
		{"esri-post", http.MethodPost, "http://127.0.0.1:4010/arcgis/rest/services/SampleService/TopographicProductionServer/workflows/tasks/getTask", form, oracleBody[:364]},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s := &Server{journal: newJournal(DefaultJournalSize, JournalMaxBytes, "/TopographicProductionServer/workflows/tasks/getTask")}
			for range DefaultJournalSize {
				s.journal.record(journalRaw{path: "/warm", respBody: oracleBody})
			}
			w := httptest.NewRecorder()
			req := httptest.NewRequest(c.method, c.target, nil)
			form := strings.NewReader(c.form)
			b.ReportAllocs()
			for b.Loop() {
				r := req
				if c.form != "" {
					// A new body: a shallow copy of the request, as
					// WithContext makes (one allocation).
					form.Reset(c.form)
					copied := *req
					r, r.Body = &copied, io.NopCloser(form)
				}
				start := time.Now()
				rec := &recorder{ResponseWriter: w}
				body := s.journalCapture(r, rec)
				if body != nil {
					_, _ = io.Copy(io.Discard, r.Body)
				}
				rec.Header()["Content-Type"] = headerJSON
				rec.WriteHeader(http.StatusOK)
				_, _ = rec.Write(c.body)
				s.journalAdd(r, rec, body, start, time.Since(start), "oracle.task", nil)
				w.Body.Reset()
			}
		})
	}
}
