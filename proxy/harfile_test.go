package proxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/internal/outfile"
	"github.com/taskmock/taskmock/specs"
)

// memStore is a harStore in memory that holds at most limit bytes, as a
// full disk does: a write that crosses the limit is short and fails, and
// cutting the file frees room.
type memStore struct {
	b           []byte
	limit       int // the largest size; < 0: no limit
	failTrunc   bool
	writeCalls  int
	failWriteAt int // the 1-based write call that fails outright; 0: none
}

func (m *memStore) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(m.b)) {
		return 0, io.EOF
	}
	n := copy(p, m.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m *memStore) WriteAt(p []byte, off int64) (int, error) {
	m.writeCalls++
	if m.writeCalls == m.failWriteAt {
		return 0, syscall.EIO
	}
	n := len(p)
	var err error
	if m.limit >= 0 && int(off)+n > m.limit {
		n, err = max(m.limit-int(off), 0), syscall.ENOSPC
	}
	if end := int(off) + n; end > len(m.b) {
		m.b = append(m.b, make([]byte, end-len(m.b))...)
	}
	copy(m.b[off:], p[:n])
	return n, err
}

func (m *memStore) Truncate(size int64) error {
	if m.failTrunc {
		return syscall.EIO
	}
	m.b = m.b[:size]
	return nil
}

func (m *memStore) Sync() error  { return nil }
func (m *memStore) Close() error { return nil }

func (m *memStore) bytes() []byte {
	return bytes.Clone(m.b)
}

// testEntry is the i-th entry of a test recording: an Oracle exchange
// whose request URL names the task id-i.
func testEntry(i int) harEntry {
	return harEntry{StartedDateTime: "2026-01-01T00:00:00Z", Time: 1,
		Request: harRequest{Method: http.MethodGet, URL: fmt.Sprintf("http://upstream/process/api/v1/tasks/id-%d", i), HTTPVersion: "HTTP/1.1",
			Cookies: []harNameValue{}, Headers: []harNameValue{}, QueryString: []harNameValue{}, HeadersSize: -1},
		Response: harResponse{Status: 200, StatusText: "OK", HTTPVersion: "HTTP/1.1", Cookies: []harNameValue{}, Headers: []harNameValue{},
			Content: harContent{Size: 20, MimeType: "application/json", Text: fmt.Sprintf(`{"id":"id-%d","x":"a\nb"}`, i)}, HeadersSize: -1, BodySize: 20}}
}

func testLine(t testing.TB, i int) []byte {
	b, err := json.Marshal(testEntry(i))
	require.NoError(t, err)
	return b
}

// readIDs reads a HAR with the validator's loader and returns the task
// ids of its entries in order.
func readIDs(t *testing.T, har []byte) []string {
	t.Helper()
	var ids []string
	_, err := contract.ReadStream("t.har", bytes.NewReader(har), contract.LoadOptions{API: specs.Oracle}, func(it contract.Item) error {
		ids = append(ids, it.Exchange.Request.URL[strings.LastIndexByte(it.Exchange.Request.URL, '/')+1:])
		return nil
	})
	require.NoError(t, err, "%s", har)
	return ids
}

func idsUpTo(n int) []string {
	var ids []string
	for i := range n {
		ids = append(ids, fmt.Sprintf("id-%d", i))
	}
	return ids
}

// TestHARFileFullDisk: a write that fails, short or not, leaves the file a
// complete HAR of the entries before it, the error is returned, and the
// next write that fits goes on.
func TestHARFileFullDisk(t *testing.T) {
	empty := len(harHead + harTail)
	tests := []struct {
		name   string
		store  memStore
		wantOK int // entries written before the failure
		want   error
	}{
		{"short write of the first entry", memStore{limit: empty + 10}, 0, syscall.ENOSPC},
		{"short write after two entries", memStore{limit: empty + 2*len(testLine(t, 0)) + 30}, 2, syscall.ENOSPC},
		{"room for the old tail only", memStore{limit: empty + len(testLine(t, 0)) + 1}, 1, syscall.ENOSPC},
		{"failed write, nothing short", memStore{limit: -1, failWriteAt: 3}, 1, syscall.EIO},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.store
			h := &harFile{path: "t.har", f: &st}
			_, err := h.load(0)
			require.NoError(t, err)
			i := 0
			for ; i < 10; i++ {
				if err = h.add(testLine(t, i)); err != nil {
					break
				}
			}
			require.Error(t, err)
			assert.Equal(t, tt.wantOK, i)
			assert.ErrorIs(t, err, tt.want, "the write's error is kept")
			assert.Equal(t, idsUpTo(i), readIDs(t, st.bytes()), "complete, with every entry before the failure")

			// Room again: the next entry is appended.
			st.limit, st.failWriteAt = -1, 0
			require.NoError(t, h.add(testLine(t, 100)))
			assert.Equal(t, append(idsUpTo(i), "id-100"), readIDs(t, st.bytes()))
		})
	}
}

// TestHARFileFullDiskNoRepair: when even the cut back fails, the file is
// repaired on the next start.
func TestHARFileFullDiskNoRepair(t *testing.T) {
	st := memStore{limit: len(harHead+harTail) + len(testLine(t, 0)) + 40}
	h := &harFile{path: "t.har", f: &st}
	_, err := h.load(0)
	require.NoError(t, err)
	require.NoError(t, h.add(testLine(t, 0)))
	st.failTrunc = true
	err = h.add(testLine(t, 1))
	require.ErrorIs(t, err, syscall.ENOSPC)
	assert.Contains(t, err.Error(), "repaired on the next start")

	again := memStore{b: st.bytes(), limit: -1}
	h = &harFile{path: "t.har", f: &again}
	notice, err := h.load(int64(len(again.b)))
	require.NoError(t, err)
	assert.Contains(t, notice, "interrupted write")
	assert.Equal(t, []string{"id-0"}, readIDs(t, again.bytes()))
}

// TestHARFileTornEnd: whatever part of a write reached the file before a
// crash, the next start keeps every entry before it (and the entry
// itself when it is whole), and appends after it.
func TestHARFileTornEnd(t *testing.T) {
	for _, before := range []int{0, 1, 3} {
		t.Run(fmt.Sprintf("after %d entries", before), func(t *testing.T) {
			st := memStore{limit: -1}
			h := &harFile{path: "t.har", f: &st}
			_, err := h.load(0)
			require.NoError(t, err)
			for i := range before {
				require.NoError(t, h.add(testLine(t, i)))
			}
			old := st.bytes()
			require.NoError(t, h.add(testLine(t, before)))
			full := st.bytes()
			at := len(old) - len(harTail)
			write := full[at:]
			for k := 0; k <= len(write); k++ {
				torn := append(bytes.Clone(full[:at]), write[:k]...)
				if len(torn) < len(old) {
					torn = append(torn, old[len(torn):]...)
				}
				st := memStore{b: bytes.Clone(torn), limit: -1}
				h := &harFile{path: "t.har", f: &st}
				notice, err := h.load(int64(len(torn)))
				require.NoError(t, err, "k=%d %q", k, torn[at:])
				want := idsUpTo(before)
				whole := k >= len(write)-len(harTail) // the separator and the entry
				if whole {
					want = idsUpTo(before + 1)
				}
				got := readIDs(t, st.bytes())
				require.Equal(t, want, got, "k=%d %q", k, torn[at:])
				if bytes.Equal(torn, old) || bytes.Equal(torn, full) {
					assert.Empty(t, notice, "k=%d", k)
				} else {
					assert.Contains(t, notice, "interrupted write", "k=%d", k)
				}
				require.NoError(t, h.add(testLine(t, 100)))
				assert.Equal(t, append(want, "id-100"), readIDs(t, st.bytes()), "k=%d", k)
			}
		})
	}
}

// BenchmarkRecord measures the cost of one exchange after existing
// exchanges: append, the HAR file as written now (the entry encoded and
// appended); record, the whole of Recorder.record (redaction, encoding,
// append); rewrite, the earlier design (every entry kept and the whole
// file rewritten), as the baseline.
func BenchmarkRecord(b *testing.B) {
	body := oracleBody(b)
	entry := testEntry(0)
	entry.Response.Content.Text = string(body)
	for _, existing := range []int{10, 1_000, 100_000} {
		b.Run(fmt.Sprintf("append/existing=%d", existing), func(b *testing.B) {
			r := benchRecorder(b, existing)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				line, err := json.Marshal(entry)
				if err != nil {
					b.Fatal(err)
				}
				r.mu.Lock()
				err = r.har.add(line)
				r.mu.Unlock()
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("record/existing=%d", existing), func(b *testing.B) {
			r := benchRecorder(b, existing)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				record1(r, 1, body, notFixture)
			}
			if r.Err() != nil {
				b.Fatal(r.Err())
			}
		})
	}
	for _, existing := range []int{10, 1_000, 10_000} {
		b.Run(fmt.Sprintf("rewrite/existing=%d", existing), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), HARName)
			entries := make([]harEntry, existing, existing+b.N)
			for i := range entries {
				entries[i] = entry
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				entries = append(entries, entry)
				if err := rewriteHAR(path, entries); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchRecorder returns a Recorder appending to a recording of existing
// small exchanges.
func benchRecorder(b *testing.B, existing int) *Recorder {
	dir := b.TempDir()
	f, err := os.Create(filepath.Join(dir, HARName))
	if err != nil {
		b.Fatal(err)
	}
	w := io.Writer(f)
	fmt.Fprint(w, harHead)
	line := testLine(b, 0)
	for i := range existing {
		if i > 0 {
			fmt.Fprint(w, ",")
		}
		fmt.Fprintf(w, "\n%s", line)
	}
	fmt.Fprint(w, harTail)
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	r, err := NewRecorder(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = r.Close() })
	return r
}

// rewriteHAR is how the HAR file was written before: the whole document,
// indented, to a temporary file renamed over it.
func rewriteHAR(path string, entries []harEntry) error {
	type creator struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	type body struct {
		Version string     `json:"version"`
		Creator creator    `json:"creator"`
		Entries []harEntry `json:"entries"`
	}
	doc := struct {
		Log body `json:"log"`
	}{body{"1.2", creator{"taskmock proxy", "1"}, entries}}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return outfile.WriteFile(path, tempPattern, append(b, '\n'))
}

// FuzzHARFileLoad: whatever a file in the layout of harFile ends with,
// load either refuses it, leaving it as it is, or keeps a prefix of it
// that ends after the head or after a whole entry and puts the tail after
// it; and it never panics.
func FuzzHARFileLoad(f *testing.F) {
	line := string(testLine(f, 0))
	for _, s := range []string{"", "\n]}}\n", "\n" + line + "\n]}}\n", "\n" + line + ",\n{", "\n" + line + ",\n{}}\n",
		"\n" + line + ",]}}\n", "\n" + line + "\n]}", "\nnot\nan\nentry\n]}}\n", "\n" + line[:40]} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, rest []byte) {
		orig := append([]byte(harHead), rest...)
		st := memStore{b: bytes.Clone(orig), limit: -1}
		h := &harFile{path: "t.har", f: &st}
		_, err := h.load(int64(len(orig)))
		got := st.bytes()
		if err != nil {
			if !bytes.Equal(got, orig) {
				t.Fatalf("refused but changed: %q", got)
			}
			return
		}
		kept := orig[:h.end]
		if !bytes.Equal(got, append(bytes.Clone(kept), harTail...)) {
			t.Fatalf("got %q, want %q and the tail", got, kept)
		}
		if h.empty != (h.end == int64(len(harHead))) {
			t.Fatalf("empty %v at %d", h.empty, h.end)
		}
		if !h.empty && !bytes.HasSuffix(kept, []byte("}")) {
			t.Fatalf("kept %q: not after a whole entry", kept)
		}
	})
}
