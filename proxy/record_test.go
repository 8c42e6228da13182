package proxy_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/proxy"
	"github.com/taskmock/taskmock/specs"
)

// harHeadLine is the first line of a HAR file a Recorder writes.
const harHeadLine = `{"log":{"version":"1.2","creator":{"name":"taskmock proxy","version":"1"},"entries":[`

// taskID is the id of the i-th task of a test recording.
func taskID(i int) string { return fixtures.New().OracleIdentity(i) }

// recordTasks records GET of the tasks from to to-1 through a proxy to
// the mock with r, calling done after each exchange recorded. With pad >
// 0, the tasks' descriptions are pad bytes long.
func recordTasks(t testing.TB, r *proxy.Recorder, from, to, pad int, done func(id string, err error)) {
	mock, err := mockserver.New()
	require.NoError(t, err)
	var h http.Handler = mock
	if pad > 0 {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			mock.ServeHTTP(rec, r)
			var task map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &task); err != nil {
				panic(err)
			}
			task["description"] = strings.Repeat("padding ", pad/8)
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(task)
		})
	}
	upstream := httptest.NewServer(h)
	defer upstream.Close()
	p, err := proxy.New(upstream.URL, proxy.WithRecorder(r))
	require.NoError(t, err)
	for i := from; i < to; i++ {
		id := taskID(i)
		w := httptest.NewRecorder()
		p.ServeHTTP(w, httptest.NewRequest(http.MethodGet, mockserver.OraclePrefix+id, nil))
		require.Equal(t, http.StatusOK, w.Code)
		if done != nil {
			done(id, r.Err())
		}
	}
}

// harIDs reads dir's HAR with the loader of taskmock validate and returns
// the task ids of its entries in order.
func harIDs(t *testing.T, dir string) []string {
	t.Helper()
	var ids []string
	_, err := contract.Walk(filepath.Join(dir, proxy.HARName), contract.LoadOptions{API: specs.Oracle}, func(it contract.Item) error {
		u, err := url.Parse(it.Exchange.Request.URL)
		require.NoError(t, err)
		ids = append(ids, strings.TrimPrefix(u.Path, mockserver.OraclePrefix))
		return nil
	})
	require.NoError(t, err, "the HAR is valid")
	return ids
}

func ids(from, to int) []string {
	var s []string
	for i := from; i < to; i++ {
		s = append(s, taskID(i))
	}
	return s
}

// TestRecorderRestart: a Recorder on a directory that holds a recording
// appends to it.
func TestRecorderRestart(t *testing.T) {
	tests := []struct {
		name   string
		before func(t *testing.T, dir string) // makes the recording found
		notice string
	}{
		{"recording of this version", func(t *testing.T, dir string) {
			r, err := proxy.NewRecorder(dir)
			require.NoError(t, err)
			recordTasks(t, r, 0, 3, 0, nil)
			require.NoError(t, r.Close())
		}, ""},
		{"recording of an earlier version (one indented document)", func(t *testing.T, dir string) {
			r, err := proxy.NewRecorder(dir)
			require.NoError(t, err)
			recordTasks(t, r, 0, 3, 0, nil)
			require.NoError(t, r.Close())
			path := filepath.Join(dir, proxy.HARName)
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			var doc struct { // the members in the order the earlier version wrote them
				Log struct {
					Version string            `json:"version"`
					Creator json.RawMessage   `json:"creator"`
					Entries []json.RawMessage `json:"entries"`
				} `json:"log"`
			}
			require.NoError(t, json.Unmarshal(b, &doc))
			old, err := json.MarshalIndent(doc, "", "  ")
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, append(old, '\n'), 0o644))
		}, "converted it, keeping its 3 exchanges"},
		{"empty recording", func(t *testing.T, dir string) {
			r, err := proxy.NewRecorder(dir)
			require.NoError(t, err)
			require.NoError(t, r.Close())
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.before(t, dir)
			earlier := harIDs(t, dir)

			r, err := proxy.NewRecorder(dir)
			require.NoError(t, err)
			if tt.notice == "" {
				assert.Empty(t, r.Notice())
			} else {
				assert.Contains(t, r.Notice(), tt.notice)
			}
			recordTasks(t, r, 10, 12, 0, nil)
			require.NoError(t, r.Err())
			assert.Equal(t, 2, r.Len())
			require.NoError(t, r.Close())
			assert.Equal(t, append(earlier, ids(10, 12)...), harIDs(t, dir))

			// And once more.
			r, err = proxy.NewRecorder(dir)
			require.NoError(t, err)
			assert.Empty(t, r.Notice())
			recordTasks(t, r, 20, 21, 0, nil)
			require.NoError(t, r.Close())
			assert.Equal(t, append(append(earlier, ids(10, 12)...), ids(20, 21)...), harIDs(t, dir))
		})
	}
}

// TestRecorderRefuses: a HAR file the Recorder did not write, or one that
// another Recorder writes, is refused and left as it is.
func TestRecorderRefuses(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"not JSON", "hello\n", "not a HAR file; it was left as it is"},
		{"a HAR of another program", `{"log":{"version":"1.2","creator":{"name":"Firefox","version":"1"},"entries":[]}}`,
			"not a HAR file written by taskmock proxy"},
		{"a HAR in the layout of taskmock but damaged before its end", harHeadLine + "\n" + strings.Repeat("not an entry\n", 5) + "]}}\n",
			"damaged before its last write"},
		{"a HAR of an earlier version, cut", "{\n  \"log\": {\n    \"version\": \"1.2\",\n    \"creator\": {\n      \"name\": \"taskmock proxy\",\n      \"version\": \"1\"\n    },\n    \"entries\": [\n      {",
			"written by an older taskmock proxy that cannot be read"},
		{"a directory", "", "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, proxy.HARName)
			if tt.content == "" {
				require.NoError(t, os.Mkdir(path, 0o755))
			} else {
				require.NoError(t, os.WriteFile(path, []byte(tt.content), 0o644))
			}
			_, err := proxy.NewRecorder(dir)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "\n")
			if tt.content != "" {
				b, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Equal(t, tt.content, string(b), "left as it is")
			}
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Len(t, entries, 1, "no temporary file left")
		})
	}

	t.Run("another recorder records into the directory", func(t *testing.T) {
		dir := t.TempDir()
		first, err := proxy.NewRecorder(dir)
		require.NoError(t, err)
		recordTasks(t, first, 0, 1, 0, nil)
		_, err = proxy.NewRecorder(dir)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "another taskmock proxy is recording into it")
		require.NoError(t, first.Close())
		second, err := proxy.NewRecorder(dir)
		require.NoError(t, err, "free once the first is closed")
		require.NoError(t, second.Close())
		assert.Equal(t, ids(0, 1), harIDs(t, dir))
	})
}

// TestRecorderFixtureNames: tasks whose ids read alike once made file
// names get a fixture file each, which the mock serves.
func TestRecorderFixtureNames(t *testing.T) {
	taskIDs := []string{"a/b", "a_b", "a b", "a?b", "a%2Fb", "A_B"}
	base := seed(t, "oracle-get-task-example.json", "", "")
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var task map[string]any
		require.NoError(t, json.Unmarshal(base, &task))
		task["id"] = strings.TrimPrefix(r.URL.Path, mockserver.OraclePrefix)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(task)
	}))
	t.Cleanup(upstream.Close)
	dir := t.TempDir()
	rec, err := proxy.NewRecorder(dir)
	require.NoError(t, err)
	srv := front(t, upstream.URL, proxy.WithRecorder(rec))
	for _, id := range taskIDs {
		res, _ := get(t, srv.URL+mockserver.OraclePrefix+url.PathEscape(id), nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
	}
	require.NoError(t, rec.Close())
	require.NoError(t, rec.Err())

	got := map[string]string{} // id to file
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, f := range files {
		if f.Name() == proxy.HARName {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, f.Name()))
		require.NoError(t, err)
		var task struct{ ID string }
		require.NoError(t, json.Unmarshal(b, &task))
		assert.NotContains(t, got, task.ID)
		got[task.ID] = f.Name()
		assert.Equal(t, fixtures.FileName("oracle-"+task.ID), f.Name())
	}
	assert.Len(t, got, len(taskIDs), "one file per task: %v", got)
}

// TestRecorderSiblingOperations: the answers of the operations beside
// getTask are validated as themselves and recorded in the HAR, and never
// written as task fixtures, even when they carry an id.
func TestRecorderSiblingOperations(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/updateTask"):
			_, _ = io.WriteString(w, `{"taskOperationId":"5F109F09-DF73-4A82-A5B9-0FAACF8200F5","success":true}`)
		case strings.HasSuffix(r.URL.Path, "/tasks/reassign"):
			_, _ = io.WriteString(w, `{"totalCount":1,"sucessCount":1,"failedCount":0,"items":[{"taskId":"a","status":"Success"}],"id":"a"}`)
		}
	}))
	t.Cleanup(upstream.Close)
	dir := t.TempDir()
	rec, err := proxy.NewRecorder(dir)
	require.NoError(t, err)
	srv := front(t, upstream.URL, proxy.WithRecorder(rec))

	res, _ := get(t, srv.URL+"/arcgis/rest/services/S/TopographicProductionServer/workflows/tasks/updateTask?f=json&taskGroupJobId=A&taskOperationId=5F109F09-DF73-4A82-A5B9-0FAACF8200F5", nil)
	assert.Equal(t, "none", res.Header.Get(proxy.HeaderViolations))
	res, err = http.Post(srv.URL+"/process/api/v1/tasks/reassign", "application/json", strings.NewReader(`{"taskIds":["a"]}`))
	require.NoError(t, err)
	_ = res.Body.Close()
	assert.Contains(t, res.Header.Get(proxy.HeaderViolations), "unknown-property", "the bulk answer is judged as reassignTasks")
	require.NoError(t, rec.Close())
	require.NoError(t, rec.Err())

	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	assert.Equal(t, []string{proxy.HARName}, names)
	har, err := os.ReadFile(filepath.Join(dir, proxy.HARName))
	require.NoError(t, err)
	var doc struct {
		Log struct {
			Entries []struct {
				Request struct{ URL string }
			}
		}
	}
	require.NoError(t, json.Unmarshal(har, &doc))
	require.Len(t, doc.Log.Entries, 2)
	assert.Contains(t, doc.Log.Entries[0].Request.URL, "/updateTask")
	assert.Contains(t, doc.Log.Entries[1].Request.URL, "/tasks/reassign")
}

// TestRecordingTornReadable: a recording whose last write was cut short
// (a crash, before the next start repairs it) is read by the loader of
// taskmock validate: every complete entry, and one warning for the torn
// end.
func TestRecordingTornReadable(t *testing.T) {
	const n = 4
	src := t.TempDir()
	r, err := proxy.NewRecorder(src)
	require.NoError(t, err)
	recordTasks(t, r, 0, n+1, 0, nil)
	require.NoError(t, r.Close())
	whole, err := os.ReadFile(filepath.Join(src, proxy.HARName))
	require.NoError(t, err)
	lines := bytes.SplitAfter(whole, []byte("\n"))
	require.Len(t, lines, n+4, "head, n+1 entries, ], and the empty rest")
	// The file as the write of entry n+1 left it, cut at a given length.
	before := len(bytes.Join(lines[:n+1], nil)) - 2 // up to the end of entry n, before ",\n"
	last := lines[n+1]
	cuts := []struct {
		name string
		keep int // bytes of the write of entry n+1 (",\n" + entry + tail) kept
	}{
		{"only the comma", 1},
		{"comma and newline", 2},
		{"first byte of the entry", 3},
		{"inside the first key", 10},
		{"inside the request", len(last) / 3},
		{"inside the response body", len(last) / 2},
		{"one byte short of the entry", 1 + len(last) - 2},
	}
	for _, c := range cuts {
		t.Run(c.name, func(t *testing.T) {
			write := append([]byte(",\n"), last[:len(last)-1]...)
			write = append(write, "\n]}}\n"...)
			torn := append(bytes.Clone(whole[:before]), write[:c.keep]...)
			if c.keep < 5 {
				// A write shorter than the old end leaves the rest of it.
				torn = append(torn, "\n]}}\n"[c.keep:]...)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, proxy.HARName)
			require.NoError(t, os.WriteFile(path, torn, 0o644))
			var warnings []string
			var got []string
			stats, err := contract.Walk(path, contract.LoadOptions{OnWarning: func(le *contract.LoadError) {
				warnings = append(warnings, le.Error())
			}}, func(it contract.Item) error {
				u, err := url.Parse(it.Exchange.Request.URL)
				require.NoError(t, err)
				got = append(got, strings.TrimPrefix(u.Path, mockserver.OraclePrefix))
				return nil
			})
			require.NoError(t, err)
			assert.Equal(t, ids(0, n), got, "every complete entry")
			assert.Equal(t, 1, stats.TornEnds)
			require.Len(t, warnings, 1)
			assert.Contains(t, warnings[0], "warning: ")
			assert.NotContains(t, warnings[0], "\n")
		})
	}
	t.Run("the end of the document only", func(t *testing.T) {
		for _, keep := range []int{0, 1, 2, 3, 4} {
			dir := t.TempDir()
			path := filepath.Join(dir, proxy.HARName)
			require.NoError(t, os.WriteFile(path, whole[:len(whole)-5+keep], 0o644))
			var warned int
			stats, err := contract.Walk(path, contract.LoadOptions{OnWarning: func(*contract.LoadError) { warned++ }}, nil)
			if keep == 4 { // only the final newline is missing: complete
				require.NoError(t, err)
				assert.Zero(t, warned)
			} else {
				require.NoError(t, err, "cut %d bytes from the end", 5-keep)
				assert.Equal(t, 1, warned)
			}
			assert.Equal(t, n+1, stats.Items)
		}
	})
	t.Run("damage before the end stays an error", func(t *testing.T) {
		bad := bytes.Clone(whole)
		i := bytes.Index(bad, []byte(`"response"`))
		bad = append(bad[:i:i], bad[i+40:]...) // an entry in the middle torn
		dir := t.TempDir()
		path := filepath.Join(dir, proxy.HARName)
		require.NoError(t, os.WriteFile(path, bad, 0o644))
		_, err := contract.Walk(path, contract.LoadOptions{OnWarning: func(le *contract.LoadError) { t.Errorf("warned: %v", le) }}, nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "taskmock.har#1")
	})
}

// TestRecorderRemovesStaleTemps: the temporary file of a fixture that a
// killed Recorder was writing is removed when the next one starts; other
// files are kept.
func TestRecorderRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	files := map[string]bool{ // name: removed
		".taskmock-123456789": true,
		".taskmock-1":         true,
		".taskmock-notes":     false,
		".taskmock-":          false,
		"taskmock-123":        false,
		"oracle-x.json":       false,
	}
	for name := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("{"), 0o644))
	}
	r, err := proxy.NewRecorder(dir)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	for name, removed := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		if removed {
			assert.ErrorIs(t, err, os.ErrNotExist, name)
		} else {
			assert.NoError(t, err, name)
		}
	}
}

// TestRecorderRequestBodies: the JSON body of a POST to a documented
// operation (an Oracle reassignment) is in the HAR's postData; anonymized,
// the people it names (by user name, display name or e-mail in the
// comment) are replaced as in the answers, groups kept.
func TestRecorderRequestBodies(t *testing.T) {
	mock, err := mockserver.New(mockserver.WithClock(func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }))
	require.NoError(t, err)
	upstream := httptest.NewServer(mock)
	t.Cleanup(upstream.Close)
	// An open task, and a person of the directory.
	var id string
	var person fixtures.Identity
	for i := range 100 {
		res, body := get(t, upstream.URL+"/process/api/v1/tasks/rec-"+strconv.Itoa(i), nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		var task fixtures.OracleTask
		require.NoError(t, json.Unmarshal(body, &task))
		if task.State == "ASSIGNED" && task.Assignee != nil && !strings.ContainsAny(task.Assignee.Name, "0123456789") {
			id, person = task.ID, *task.Assignee
			break
		}
	}
	require.NotEmpty(t, id)
	first, last, _ := strings.Cut(person.Name, ".")
	display := strings.ToUpper(first[:1]) + first[1:] + " " + strings.ToUpper(last[:1]) + last[1:]
	body := `{"identities":[{"id":"` + person.Name + `","type":"USER"},{"id":"Finance Approvers","type":"GROUP"}],"comment":"` + display + ` takes it; mail ` + person.Name + `@example.com"}`

	for _, anonymize := range []bool{false, true} {
		dir := t.TempDir()
		var opts []proxy.RecordOption
		if anonymize {
			opts = append(opts, proxy.AnonymizeKeyFile(filepath.Join(t.TempDir(), "key")))
		}
		rec, err := proxy.NewRecorder(dir, opts...)
		require.NoError(t, err)
		srv := front(t, upstream.URL, proxy.WithRecorder(rec))
		res, err := http.Post(srv.URL+"/process/api/v1/tasks/"+id+"/reassign", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		_ = res.Body.Close()
		require.Equal(t, http.StatusNoContent, res.StatusCode)
		require.NoError(t, rec.Close())
		har, err := os.ReadFile(filepath.Join(dir, proxy.HARName))
		require.NoError(t, err)
		var doc struct {
			Log struct {
				Entries []struct {
					Request struct {
						Method   string
						BodySize int
						PostData *struct{ MimeType, Text string }
					}
				}
			}
		}
		require.NoError(t, json.Unmarshal(har, &doc))
		require.Len(t, doc.Log.Entries, 1)
		req := doc.Log.Entries[0].Request
		require.NotNil(t, req.PostData, "the request body is recorded")
		assert.Equal(t, "application/json", req.PostData.MimeType)
		assert.Equal(t, len(body), req.BodySize)
		if !anonymize {
			assert.Equal(t, body, req.PostData.Text, "as sent")
			continue
		}
		text := req.PostData.Text
		assert.True(t, json.Valid([]byte(text)), text)
		for _, leak := range []string{person.Name, display, strings.ToLower(display), first, last} {
			assert.NotContains(t, strings.ToLower(text), strings.ToLower(leak), "anonymized: %s", text)
		}
		assert.Contains(t, text, "Finance Approvers", "groups are kept")
		assert.Regexp(t, `user\d+`, text)
	}
}

// TestRecorderMutatingOperations: the POST exchanges of every documented
// mutating operation (an ArcGIS updateTask form, an Oracle reassignment and
// bulk reassignment) are in the HAR with their request body; the token of
// the form is redacted; anonymized, a person of a request body gets the
// fake the answers gave it, and the same fake in every later body, groups
// are kept.
func TestRecorderMutatingOperations(t *testing.T) {
	const (
		token = "form-token-0x7777"
		task  = `{"id":"T1","title":"Laptop for Mathieu Moreau","state":"ASSIGNED","assignee":{"id":"mathieu.moreau","name":"mathieu.moreau","type":"USER","email":"mathieu.moreau@corp.example"}}`
	)
	var gotForm url.Values
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/updateTask"):
			_ = r.ParseForm()
			gotForm = r.PostForm
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"taskOperationId":"5F109F09-DF73-4A82-A5B9-0FAACF8200F5","success":true}`)
		case r.URL.Path == "/process/api/v1/tasks/reassign":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"totalCount":1,"successCount":1,"failedCount":0,"items":[{"taskId":"T1","status":"Success"}]}`)
		case strings.HasSuffix(r.URL.Path, "/reassign"):
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, task)
		}
	}))
	t.Cleanup(upstream.Close)
	form := url.Values{"f": {"json"}, "taskGroupJobId": {"150BFC70-EA45-4327-908D-D6E622CD8B93"},
		"taskOperationId": {"5F109F09-DF73-4A82-A5B9-0FAACF8200F5"}, "status": {"3"}, "token": {token},
		"note": {"for mathieu.moreau@corp.example"}}
	reassign := `{"identities":[{"id":"mathieu.moreau","name":"mathieu.moreau","displayName":"Mathieu Moreau","type":"USER"},{"id":"Finance Approvers","type":"GROUP"},{"id":"Auditors","type":"ROLE"}],"comment":"Mathieu Moreau takes it; mail mathieu.moreau@corp.example"}`
	bulk := `{"taskIds":["T1"],"identities":[{"id":"zoe.oconnor","type":"USER"},{"id":"mathieu.moreau","type":"USER"}],"comment":"zoe.oconnor@corp.example is back"}`

	for _, anonymize := range []bool{false, true} {
		t.Run(strconv.FormatBool(anonymize), func(t *testing.T) {
			dir := t.TempDir()
			var opts []proxy.RecordOption
			if anonymize {
				opts = append(opts, proxy.AnonymizeKeyFile(filepath.Join(t.TempDir(), "key")))
			}
			rec, err := proxy.NewRecorder(dir, opts...)
			require.NoError(t, err)
			srv := front(t, upstream.URL, proxy.WithRecorder(rec))

			res, _ := get(t, srv.URL+"/process/api/v1/tasks/T1", nil)
			require.Equal(t, http.StatusOK, res.StatusCode)
			res, err = http.PostForm(srv.URL+"/arcgis/rest/services/S/TopographicProductionServer/workflows/tasks/updateTask", form)
			require.NoError(t, err)
			_ = res.Body.Close()
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, form, gotForm, "the server gets the form as sent")
			for _, p := range []struct{ path, body string }{{"/process/api/v1/tasks/T1/reassign", reassign}, {"/process/api/v1/tasks/reassign", bulk}} {
				res, err = http.Post(srv.URL+p.path, "application/json", strings.NewReader(p.body))
				require.NoError(t, err)
				_ = res.Body.Close()
				require.Less(t, res.StatusCode, 300, p.path)
			}
			require.NoError(t, rec.Close())
			require.NoError(t, rec.Err())

			har, err := os.ReadFile(filepath.Join(dir, proxy.HARName))
			require.NoError(t, err)
			assert.NotContains(t, string(har), token)
			var doc struct {
				Log struct {
					Entries []struct {
						Request struct {
							Method, URL string
							PostData    *struct {
								MimeType, Text string
								Params         []struct{ Name, Value string }
							}
						}
						Response struct{ Content struct{ Text string } }
					}
				}
			}
			require.NoError(t, json.Unmarshal(har, &doc))
			require.Len(t, doc.Log.Entries, 4, "every exchange is recorded")
			e := doc.Log.Entries
			for i, m := range []string{"GET", "POST", "POST", "POST"} {
				assert.Equal(t, m, e[i].Request.Method)
			}
			assert.Nil(t, e[0].Request.PostData)
			for _, x := range e[1:] {
				require.NotNil(t, x.Request.PostData, x.Request.URL)
			}
			upd := e[1].Request.PostData
			assert.Equal(t, "application/x-www-form-urlencoded", upd.MimeType)
			params := map[string]string{}
			for _, p := range upd.Params {
				params[p.Name] = p.Value
			}
			assert.Equal(t, map[string]string{"f": "json", "taskGroupJobId": "150BFC70-EA45-4327-908D-D6E622CD8B93",
				"taskOperationId": "5F109F09-DF73-4A82-A5B9-0FAACF8200F5", "status": "3", "token": proxy.Redacted, "note": params["note"]}, params)
			assert.Contains(t, upd.Text, "token="+proxy.Redacted)
			one, many := e[2].Request.PostData, e[3].Request.PostData
			assert.Equal(t, "application/json", one.MimeType)
			assert.Equal(t, "application/json", many.MimeType)
			if !anonymize {
				assert.Equal(t, reassign, one.Text)
				assert.Equal(t, bulk, many.Text)
				assert.Equal(t, "for mathieu.moreau@corp.example", params["note"])
				return
			}
			var answered struct{ Assignee struct{ ID, Name string } }
			require.NoError(t, json.Unmarshal([]byte(e[0].Response.Content.Text), &answered))
			fake := answered.Assignee.Name
			require.Regexp(t, `^user\d+$`, fake)
			var sent struct {
				Identities []struct{ ID, Name, DisplayName, Type string }
				Comment    string
			}
			require.NoError(t, json.Unmarshal([]byte(one.Text), &sent))
			require.Len(t, sent.Identities, 3)
			assert.Equal(t, answered.Assignee.ID, sent.Identities[0].ID, "the fake id of the answer")
			assert.Equal(t, fake, sent.Identities[0].Name)
			assert.NotContains(t, strings.ToLower(sent.Identities[0].DisplayName), "moreau")
			assert.Equal(t, "Finance Approvers", sent.Identities[1].ID, "a group is kept")
			assert.Equal(t, "Auditors", sent.Identities[2].ID, "a role is kept")
			assert.Contains(t, sent.Comment, fake+"@example.com")
			assert.Equal(t, "for "+fake+"@example.com", params["note"], "a form's values as a text body's")
			require.NoError(t, json.Unmarshal([]byte(many.Text), &sent))
			require.Len(t, sent.Identities, 2)
			assert.Equal(t, answered.Assignee.ID, sent.Identities[1].ID, "the same fake in a later body")
			zoe := sent.Identities[0].ID
			assert.NotEqual(t, "zoe.oconnor", zoe)
			assert.NotEqual(t, answered.Assignee.ID, zoe, "another person, another fake")
			for _, leak := range []string{"mathieu", "moreau", "zoe", "oconnor", "corp.example"} {
				assert.NotContains(t, strings.ToLower(string(har)), leak)
			}
		})
	}
}

// TestRecorderRequestBodyWithheld: a POST body that is not recorded (over
// 1 MiB, or a form that does not parse) leaves its exchange in the HAR with
// a comment saying why; a body without a Content-Type is recorded as sent.
func TestRecorderRequestBodyWithheld(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(upstream.Close)
	dir := t.TempDir()
	rec, err := proxy.NewRecorder(dir)
	require.NoError(t, err)
	srv := front(t, upstream.URL, proxy.WithRecorder(rec))
	big := `{"comment":"` + strings.Repeat("x", 1<<20) + `"}`
	for _, p := range []struct{ ctype, body string }{
		{"application/json", big},
		{"application/x-www-form-urlencoded", "token=s3cret&bad=%zz"},
		{"", `{"identities":[{"id":"Finance Approvers","type":"GROUP"}]}`},
	} {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/process/api/v1/tasks/T1/reassign", strings.NewReader(p.body))
		require.NoError(t, err)
		if p.ctype != "" {
			req.Header.Set("Content-Type", p.ctype)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = res.Body.Close()
		require.Equal(t, http.StatusNoContent, res.StatusCode)
	}
	require.NoError(t, rec.Close())
	har, err := os.ReadFile(filepath.Join(dir, proxy.HARName))
	require.NoError(t, err)
	assert.NotContains(t, string(har), "s3cret")
	var doc struct {
		Log struct {
			Entries []struct {
				Request struct {
					BodySize int
					PostData *struct{ MimeType, Text, Comment string }
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal(har, &doc))
	require.Len(t, doc.Log.Entries, 3)
	e := doc.Log.Entries
	for _, x := range e {
		require.NotNil(t, x.Request.PostData)
	}
	assert.Equal(t, "taskmock: body not recorded: the request body is larger than 1 MiB", e[0].Request.PostData.Comment)
	assert.Empty(t, e[0].Request.PostData.Text)
	assert.Equal(t, len(big), e[0].Request.BodySize)
	assert.Contains(t, e[1].Request.PostData.Comment, "taskmock: body not recorded: the form does not parse")
	assert.Empty(t, e[1].Request.PostData.Text)
	assert.Equal(t, `{"identities":[{"id":"Finance Approvers","type":"GROUP"}]}`, e[2].Request.PostData.Text)
	assert.Equal(t, "application/octet-stream", e[2].Request.PostData.MimeType)
}

// TestRecorderBodyCredentials: the credentials of a request body are
// hidden whatever the body's encoding (a multipart form, a form sent as
// text, a JSON body's token members), in the HAR and in the log, also
// where the server echoes them in its answer.
func TestRecorderBodyCredentials(t *testing.T) {
	const token = "body-secret-9f3a1c"
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		echo := string(b) + " " + url.QueryEscape(string(b))
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(r.URL.Path, "TopographicProductionServer") {
			_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": 400, "message": echo, "details": []string{echo}}})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"totalCount": 1, "sucessCount": 0, "failedCount": 1,
			"items": []any{map[string]any{"taskId": "T1", "status": "Failed", "errorMessage": echo}}})
	}))
	t.Cleanup(upstream.Close)
	esri := "/arcgis/rest/services/S/TopographicProductionServer/workflows/tasks/getTask"
	form := "f=json&taskGroupJobId=150BFC70-EA45-4327-908D-D6E622CD8B93&taskOperationId=5F109F09-DF73-4A82-A5B9-0FAACF8200F5"
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	for k, v := range map[string]string{"f": "json", "taskGroupJobId": "150BFC70-EA45-4327-908D-D6E622CD8B93", "token": token} {
		require.NoError(t, mw.WriteField(k, v))
	}
	require.NoError(t, mw.Close())

	for _, tc := range []struct{ name, path, contentType, body string }{
		{"multipart form", esri, mw.FormDataContentType(), mp.String()},
		{"form sent as text", esri, "text/plain", form + "&token=" + token},
		{"form that does not parse", esri, "application/x-www-form-urlencoded", form + "&bad=%zz&token=" + token},
		{"json members", "/process/api/v1/tasks/reassign", "application/json",
			`{"taskIds":["T1"],"identities":[{"id":"Finance Approvers","type":"GROUP"}],"access_token":"` + token + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			rec, err := proxy.NewRecorder(dir)
			require.NoError(t, err)
			var logs bytes.Buffer
			srv := front(t, upstream.URL, proxy.WithRecorder(rec), proxy.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			res, err := http.Post(srv.URL+tc.path, tc.contentType, strings.NewReader(tc.body))
			require.NoError(t, err)
			_ = res.Body.Close()
			require.NoError(t, rec.Close())
			har, err := os.ReadFile(filepath.Join(dir, proxy.HARName))
			require.NoError(t, err)
			require.Contains(t, string(har), `"postData"`, "the exchange is recorded")
			for _, out := range []string{string(har), logs.String(), res.Header.Get(proxy.HeaderViolations)} {
				assert.NotContains(t, out, token[:12])
				assert.NotContains(t, out, url.QueryEscape(token)[:12])
			}
		})
	}
}

// TestRecorderEncodedRequestBody: a request body sent gzip- or
// deflate-encoded has its credentials looked for, and is recorded, as
// decoded; one in an encoding the proxy cannot undo is not recorded, and
// the recording says why.
func TestRecorderEncodedRequestBody(t *testing.T) {
	const token = "gzip-secret-7c1e99"
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		switch r.Header.Get("Content-Encoding") {
		case "gzip":
			zr, err := gzip.NewReader(r.Body)
			require.NoError(t, err)
			body = zr
		case "deflate":
			zr, err := zlib.NewReader(r.Body)
			require.NoError(t, err)
			body = zr
		}
		b, _ := io.ReadAll(body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"totalCount": 1, "sucessCount": 0, "failedCount": 1,
			"items": []any{map[string]any{"taskId": "T1", "status": "Failed", "errorMessage": "refused " + string(b)}}})
	}))
	t.Cleanup(upstream.Close)
	plain := `{"taskIds":["T1"],"identities":[{"id":"Finance Approvers","type":"GROUP"}],"access_token":"` + token + `"}`
	var gz, zl bytes.Buffer
	gw := gzip.NewWriter(&gz)
	_, _ = gw.Write([]byte(plain))
	require.NoError(t, gw.Close())
	zw := zlib.NewWriter(&zl)
	_, _ = zw.Write([]byte(plain))
	require.NoError(t, zw.Close())

	for _, tc := range []struct {
		encoding string
		body     []byte
		recorded bool
	}{
		{"gzip", gz.Bytes(), true},
		{"deflate", zl.Bytes(), true},
		{"br", []byte("\x1b\x00"), false},
	} {
		t.Run(tc.encoding, func(t *testing.T) {
			dir := t.TempDir()
			rec, err := proxy.NewRecorder(dir)
			require.NoError(t, err)
			srv := front(t, upstream.URL, proxy.WithRecorder(rec))
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/process/api/v1/tasks/reassign", bytes.NewReader(tc.body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Content-Encoding", tc.encoding)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			_ = res.Body.Close()
			require.NoError(t, rec.Close())
			har, err := os.ReadFile(filepath.Join(dir, proxy.HARName))
			require.NoError(t, err)
			assert.NotContains(t, string(har), token[:12])
			if tc.recorded {
				assert.Contains(t, string(har), `Finance Approvers`, "recorded as decoded")
			} else {
				assert.Contains(t, string(har), `taskmock: body not recorded: the request body is encoded as \"br\"`)
			}
		})
	}
}
