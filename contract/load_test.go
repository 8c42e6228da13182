package contract_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

const loadDir = "testdata/load"

// loadAll collects every item of a Walk.
func loadAll(t *testing.T, path string, opts contract.LoadOptions) ([]contract.Item, contract.LoadStats, error) {
	t.Helper()
	var items []contract.Item
	stats, err := contract.Walk(path, opts, func(it contract.Item) error {
		items = append(items, it)
		return nil
	})
	return items, stats, err
}

// streamAll collects every item of a ReadStream.
func streamAll(t *testing.T, name string, data []byte, opts contract.LoadOptions) ([]contract.Item, contract.LoadStats, error) {
	t.Helper()
	var items []contract.Item
	stats, err := contract.ReadStream(name, bytes.NewReader(data), opts, func(it contract.Item) error {
		items = append(items, it)
		return nil
	})
	return items, stats, err
}

func readSeed(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(loadDir, name))
	require.NoError(t, err)
	return b
}

func TestLoadSeedsAsBodiesAndRawResponses(t *testing.T) {
	esri := readSeed(t, "esri-seed.json")
	oracle := readSeed(t, "oracle-seed.json")
	tests := []struct {
		file        string
		api         specs.Name
		status      int
		contentType string
		body        []byte
		header      map[string]string
	}{
		{file: "esri-seed.json", api: specs.Esri, body: esri},
		{file: "oracle-seed.json", api: specs.Oracle, body: oracle},
		{file: "esri-seed.http", api: specs.Esri, status: 200, body: esri,
			header: map[string]string{"Content-Type": "text/plain;charset=utf-8", "Server": "Microsoft-IIS/10.0"}},
		{file: "oracle-seed.http", api: specs.Oracle, status: 200, body: oracle,
			header: map[string]string{"Content-Type": "application/json", "Transfer-Encoding": "chunked", "Opc-Request-Id": "2f1c9a0e4b7d4f0a8c3e5d6b7a8f9e01"}},
	}
	for _, tt := range tests {
		path := filepath.Join(loadDir, tt.file)
		check := func(t *testing.T, items []contract.Item, wantSource string) {
			require.Len(t, items, 1)
			it := items[0]
			assert.Equal(t, wantSource, it.Source)
			assert.Equal(t, tt.api, it.Exchange.API)
			assert.Equal(t, tt.status, it.Exchange.Status)
			assert.Nil(t, it.Exchange.Request)
			assert.True(t, bytes.Equal(tt.body, it.Exchange.Body), "body is not kept byte for byte")
			if tt.header == nil {
				assert.Nil(t, it.Exchange.Header)
			}
			for k, v := range tt.header {
				assert.Equal(t, v, it.Exchange.Header.Get(k), k)
			}
		}
		t.Run("walk/"+tt.file, func(t *testing.T) {
			items, stats, err := loadAll(t, path, contract.LoadOptions{})
			require.NoError(t, err)
			check(t, items, path)
			assert.Equal(t, contract.LoadStats{Files: 1, Items: 1}, stats)
		})
		t.Run("stdin/"+tt.file, func(t *testing.T) {
			items, stats, err := streamAll(t, "-", readSeed(t, tt.file), contract.LoadOptions{})
			require.NoError(t, err)
			check(t, items, "-")
			assert.Equal(t, contract.LoadStats{Files: 1, Items: 1}, stats)
		})
	}
}

func TestLoadSeedsHAR(t *testing.T) {
	esri := readSeed(t, "esri-seed.json")
	oracle := readSeed(t, "oracle-seed.json")
	path := filepath.Join(loadDir, "seeds.har")

	check := func(t *testing.T, src string, items []contract.Item, stats contract.LoadStats) {
		assert.Equal(t, contract.LoadStats{Files: 1, Items: 3, Skipped: 2}, stats)
		require.Len(t, items, 3)

		e := items[0]
		assert.Equal(t, src+"#2", e.Source)
		assert.Equal(t, specs.Esri, e.Exchange.API)
		assert.Equal(t, 200, e.Exchange.Status)
		assert.Equal(t, "text/plain;charset=utf-8", e.Exchange.Header.Get("Content-Type"))
		assert.True(t, bytes.Equal(esri, e.Exchange.Body))
		require.NotNil(t, e.Exchange.Request)
		assert.Equal(t, http.MethodPost, e.Exchange.Request.Method)
		assert.True(t, strings.HasSuffix(e.Exchange.Request.URL, "/TopographicProductionServer/workflows/tasks/getTask"))
		assert.Equal(t, []string{"json"}, e.Exchange.Request.Form["f"])
		assert.Equal(t, []string{"Xy12ab-FAKE-TOKEN-for-tests_only"}, e.Exchange.Request.Form["token"])
		assert.Equal(t, []string{"A031377A-E3C5-4C1A-A081-56285228A3A3"}, e.Exchange.Request.Form["taskGroupJobId"])
		assert.Equal(t, "application/x-www-form-urlencoded", e.Exchange.Request.Header.Get("Content-Type"))
		for name := range e.Exchange.Request.Header {
			assert.False(t, strings.HasPrefix(name, ":"), "pseudo-header %s kept", name)
		}

		o := items[1]
		assert.Equal(t, src+"#4", o.Source)
		assert.Equal(t, specs.Oracle, o.Exchange.API)
		assert.Equal(t, 200, o.Exchange.Status)
		assert.True(t, bytes.Equal(oracle, o.Exchange.Body))
		require.NotNil(t, o.Exchange.Request)
		assert.Equal(t, http.MethodGet, o.Exchange.Request.Method)
		assert.Equal(t, "Bearer eyJhbGciOiJSUzI1NiJ9.FAKE.SIGNATURE", o.Exchange.Request.Header.Get("Authorization"))
		assert.Equal(t, "en-US", o.Exchange.Request.Header.Get("Accept-Language"))
		assert.Nil(t, o.Exchange.Request.Form)
		assert.Equal(t, []string{"application/json"}, o.Exchange.Header["Content-Type"], "response headers are canonicalised")

		b := items[2]
		assert.Equal(t, src+"#5", b.Source)
		assert.Equal(t, specs.Oracle, b.Exchange.API)
		assert.True(t, bytes.Equal(oracle, b.Exchange.Body), "base64 body is decoded")
		assert.Equal(t, "fr-FR", b.Exchange.Request.Header.Get("Accept-Language"))
		assert.Contains(t, b.Exchange.Request.URL, "?totalResultsGrouped=true")
	}

	t.Run("walk", func(t *testing.T) {
		items, stats, err := loadAll(t, path, contract.LoadOptions{})
		require.NoError(t, err)
		check(t, path, items, stats)
	})
	t.Run("stdin", func(t *testing.T) {
		items, stats, err := streamAll(t, "-", readSeed(t, "seeds.har"), contract.LoadOptions{})
		require.NoError(t, err)
		check(t, "-", items, stats)
	})
	t.Run("explicit file of another extension", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "capture.txt")
		require.NoError(t, os.WriteFile(p, readSeed(t, "seeds.har"), 0o644))
		items, stats, err := loadAll(t, p, contract.LoadOptions{})
		require.NoError(t, err)
		check(t, p, items, stats)
	})
	t.Run("api option keeps the entries of that API", func(t *testing.T) {
		items, stats, err := loadAll(t, path, contract.LoadOptions{API: specs.Oracle})
		require.NoError(t, err)
		assert.Equal(t, contract.LoadStats{Files: 1, Items: 2, Skipped: 3}, stats)
		require.Len(t, items, 2)
		assert.Equal(t, path+"#4", items[0].Source)
		assert.Equal(t, path+"#5", items[1].Source)
	})
}

func TestWalkDirectory(t *testing.T) {
	dir := filepath.Join(loadDir, "walk")
	items, stats, err := loadAll(t, dir, contract.LoadOptions{})
	require.NoError(t, err)

	type got struct {
		Source string
		API    specs.Name
		Status int
		Body   bool
	}
	var all []got
	for _, it := range items {
		all = append(all, got{it.Source, it.Exchange.API, it.Exchange.Status, it.Exchange.Body != nil})
	}
	assert.Equal(t, []got{
		{filepath.Join(dir, "a-esri-error.json"), specs.Esri, 0, true},
		{filepath.Join(dir, "b", "c-oracle.JSON"), specs.Oracle, 0, true},
		{filepath.Join(dir, "b", "d", "e.har") + "#2", specs.Oracle, 200, true},
		// #3: content.size 2761 and no content.text: body not recorded, skipped.
		{filepath.Join(dir, "b.json"), specs.Esri, 0, true},
	}, all)
	assert.Equal(t, contract.LoadStats{Files: 4, Items: 4, Skipped: 2, NotRecorded: 1}, stats)

	t.Run("stable", func(t *testing.T) {
		again, _, err := loadAll(t, dir, contract.LoadOptions{})
		require.NoError(t, err)
		require.Len(t, again, len(items))
		for i := range items {
			assert.Equal(t, items[i].Source, again[i].Source)
		}
	})
}

func TestWalkSymlinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	esri := readSeed(t, "esri-seed.json")
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "linked.json"), esri, 0o644))

	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "a.json"), esri, 0o644))
	require.NoError(t, os.Symlink(outside, filepath.Join(root, "dir.json")))                                // a linked directory: not followed
	require.NoError(t, os.Symlink(filepath.Join(outside, "linked.json"), filepath.Join(root, "file.json"))) // a linked file: read

	items, stats, err := loadAll(t, root, contract.LoadOptions{})
	require.NoError(t, err)
	var sources []string
	for _, it := range items {
		sources = append(sources, it.Source)
	}
	assert.Equal(t, []string{filepath.Join(root, "a.json"), filepath.Join(root, "file.json")}, sources)
	assert.Equal(t, 2, stats.Files)

	t.Run("a linked directory given explicitly is walked", func(t *testing.T) {
		items, _, err := loadAll(t, filepath.Join(root, "dir.json"), contract.LoadOptions{})
		require.NoError(t, err)
		require.Len(t, items, 1)
		assert.Equal(t, filepath.Join(root, "dir.json", "linked.json"), items[0].Source)
	})
	t.Run("a dangling link is an error", func(t *testing.T) {
		require.NoError(t, os.Symlink(filepath.Join(outside, "gone.json"), filepath.Join(root, "z.json")))
		_, _, err := loadAll(t, root, contract.LoadOptions{})
		assert.EqualError(t, err, filepath.Join(root, "z.json")+": no such file or directory")
	})
}

func TestLoadErrors(t *testing.T) {
	bad := filepath.Join(loadDir, "bad")
	seeds := readSeed(t, "seeds.har")
	truncatedHAR := readSeed(t, "bad/truncated.har")
	tests := []struct {
		name  string
		path  string // Walk this path, or
		stdin []byte // read this as standard input
		api   specs.Name
		want  string
		items int // exchanges handed on before the error
	}{
		{name: "missing file", path: filepath.Join(bad, "missing.json"),
			want: filepath.Join(bad, "missing.json") + ": no such file or directory"},
		{name: "empty file", path: filepath.Join(bad, "empty.json"),
			want: filepath.Join(bad, "empty.json") + ": empty file"},
		{name: "empty stdin", stdin: []byte(" \n"),
			want: "-: empty input"},
		{name: "truncated JSON", path: filepath.Join(bad, "truncated.json"),
			want: filepath.Join(bad, "truncated.json") + ": truncated JSON (unexpected end of input at line 8, byte 200)"},
		{name: "not JSON", path: filepath.Join(bad, "not-json.json"),
			want: filepath.Join(bad, "not-json.json") + ": not JSON (invalid character '<' looking for beginning of value at line 1, byte 1)"},
		{name: "invalid JSON", stdin: []byte(`{"task": {"a" 1}}`),
			want: "-: invalid JSON (invalid character '1' after object key at byte 15)"},
		{name: "invalid JSON of several lines is placed by its line", stdin: []byte("{\n  \"task\": {\n    \"a\" 1\n  }\n}\n"),
			want: "-: invalid JSON (invalid character '1' after object key at line 3, byte 23)"},
		{name: "a pretty-printed document cut short names its last line", stdin: []byte("{\n  \"metadata\": {\n    \"pactSpecification\": {\"version\": \"3.0.0\"}\n  },\n  \"interactions\": [\n"),
			want: "-: truncated JSON (unexpected end of input at line 5, byte 89)"},
		{name: "a Pact specification taskmock does not read", stdin: []byte("{\n  \"metadata\": {\"pactSpecification\": {\"version\": \"99.0.0\"}},\n  \"interactions\": []\n}\n"),
			want: `-:2: a Pact file of specification "99.0.0", which taskmock does not read (it reads specifications 1 to 4)`},
		{name: "a Pact specification that is no version", stdin: []byte(`{"metadata": {"pactSpecification": "x"}, "interactions": []}`),
			want: `-:1: a Pact file of specification "x", which taskmock does not read (it reads specifications 1 to 4)`},
		{name: "Pact interactions that are not an array", stdin: []byte("{\n  \"metadata\": {\"pactSpecification\": {\"version\": \"3.0.0\"}},\n  \"interactions\": {\"a\": 1}\n}\n"),
			want: "-:3: a Pact file (specification 3.0.0) with unreadable interactions: interactions: expected an array, found an object"},
		{name: "two values on one line", stdin: []byte("{\"task\": {}} {}"),
			want: "-: invalid JSON (unexpected data after the top-level value at byte 14)"},
		{name: "NDJSON with an undetectable line", stdin: []byte("{\"task\": {}}\n{}"),
			want: "-:2: cannot tell which API this body belongs to; pass --api esri or --api oracle", items: 1},
		{name: "NDJSON with a line that is not JSON", stdin: []byte("{\"task\": {}}\n\n{\"task\": \n"),
			want: "-:3: truncated JSON (unexpected end of input at byte 8)", items: 1},
		{name: "byte order mark", stdin: []byte("\xEF\xBB\xBF{\"task\": {}}"),
			want: "-: invalid JSON (starts with a UTF-8 byte order mark; save it as UTF-8 without BOM)"},
		{name: "undetectable body", path: filepath.Join(bad, "undetectable.json"),
			want: filepath.Join(bad, "undetectable.json") + ": cannot tell which API this body belongs to; pass --api esri or --api oracle"},
		{name: "undetectable array", stdin: []byte(`[1, 2]`),
			want: "-: cannot tell which API this body belongs to; pass --api esri or --api oracle"},
		{name: "HAR without log", path: filepath.Join(bad, "no-log.har"),
			want: filepath.Join(bad, "no-log.har") + ": not a HAR 1.2 file: missing log"},
		{name: "HAR that is an array", stdin: nil, path: writeTemp(t, "list.har", `[{"log": {}}]`),
			want: "list.har: not a HAR 1.2 file: the top level is not a JSON object"},
		{name: "HAR without entries", path: filepath.Join(bad, "no-entries.har"),
			want: filepath.Join(bad, "no-entries.har") + ": not a HAR 1.2 file: missing log.entries"},
		{name: "HAR with log not an object", stdin: []byte(`{"log": []}`),
			want: "-: not a HAR 1.2 file: log is not an object"},
		{name: "HAR with entries not an array", stdin: []byte(`{"log": {"entries": {}}}`),
			want: "-: not a HAR 1.2 file: log.entries is not an array"},
		{name: "HAR of another version", stdin: []byte(`{"log": {"entries": [], "version": "2.0"}}`),
			want: `-: not a HAR 1.2 file: log.version is "2.0"`},
		{name: "HAR truncated mid-entry", path: filepath.Join(bad, "truncated.har"),
			want: fmt.Sprintf("%s#2: truncated JSON (unexpected end of input at byte %d)", filepath.Join(bad, "truncated.har"), len(truncatedHAR))},
		{name: "HAR truncated between entries", stdin: seeds[:bytes.LastIndex(seeds, []byte("]"))],
			want: fmt.Sprintf("-: truncated JSON (unexpected end of input at byte %d)", bytes.LastIndex(seeds, []byte("]"))), items: 3},
		{name: "HAR with a syntax error in an entry", stdin: []byte(`{"log": {"entries": [{}, {"request": {"method": GET}}]}}`),
			want: "-#2: invalid JSON (invalid character 'G' looking for beginning of value at byte 49)"},
		{name: "HAR with a syntax error between members", stdin: []byte(`{"log": {"creator": {} "entries": []}}`),
			want: "-: invalid JSON (invalid character '\"' after object key:value pair at byte 24)"},
		{name: "HAR with a status string", stdin: []byte(`{"log": {"entries": [{"response": {"status": "200"}}]}}`),
			want: "-#1: not a HAR 1.2 entry: response.status is not a number"},
		{name: "HAR with a status out of range", stdin: []byte(`{"log": {"entries": [{"response": {"status": 42}}]}}`),
			want: "-#1: not a HAR 1.2 entry: response.status 42 is not an HTTP status code"},
		{name: "HAR with headers of the wrong kind", stdin: []byte(`{"log": {"entries": [{"request": {"headers": {"a": "b"}}}]}}`),
			want: "-#1: not a HAR 1.2 entry: request.headers is an object, want an array"},
		{name: "HAR entry not an object", stdin: []byte(`{"log": {"entries": [7]}}`),
			want: "-#1: not a HAR 1.2 entry: the entry is a number, want an object"},
		{name: "HAR with bad base64", stdin: harOf(`{"request": {"method": "GET", "url": "/process/api/v1/tasks/1"}, "response": {"status": 200, "content": {"text": "e30=!", "encoding": "base64"}}}`),
			want: "-#1: response.content.text is not valid base64 (illegal base64 data at input byte 4)"},
		{name: "HAR with an unknown encoding", stdin: harOf(`{"request": {"method": "GET", "url": "/process/api/v1/tasks/1"}, "response": {"status": 200, "content": {"text": "{}", "encoding": "gzip"}}}`),
			want: `-#1: response.content.encoding "gzip" is not supported (want base64 or none)`},
		{name: "HAR followed by data", stdin: []byte("{\"log\": {\"entries\": []}}\n{}"),
			want: "-: invalid JSON (unexpected data after the HAR document at byte 26)"},
		{name: "raw HTTP with a bad status line", path: filepath.Join(bad, "bad-status.http"),
			want: filepath.Join(bad, "bad-status.http") + `: line 1: malformed HTTP status line "HTTP/1.1 OK" (want "HTTP/1.1 200 OK")`},
		{name: "raw HTTP with a bad header", path: filepath.Join(bad, "bad-header.http"),
			want: filepath.Join(bad, "bad-header.http") + `: line 3: malformed header line (want "Name: value")`},
		{name: "raw HTTP with a bad final status line", stdin: []byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2OO OK\r\n\r\n{}"),
			want: `-: line 3: malformed HTTP status line "HTTP/1.1 2OO OK" (want "HTTP/1.1 200 OK")`},
		{name: "raw HTTP with an undetectable body", stdin: []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\n\r\n<html></html>"),
			want: "-: cannot tell which API this body belongs to; pass --api esri or --api oracle"},
		{name: "oversized stdin", stdin: append([]byte(`{"task": "`), bytes.Repeat([]byte("x"), 64<<20)...),
			want: "-: body larger than the limit of 64 MiB (not read further)"},
		{name: "oversized raw stdin", stdin: append([]byte("HTTP/1.1 200 OK\r\n\r\n"), bytes.Repeat([]byte(" "), 64<<20)...),
			want: "-: body larger than the limit of 64 MiB (not read further)"},
		{name: "a source name with a line break stays on one line", stdin: nil, path: writeTemp(t, "two\nlines.json", `{}`),
			want: "two lines.json: cannot tell which API this body belongs to; pass --api esri or --api oracle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			var items []contract.Item
			if tt.path != "" {
				items, _, err = loadAll(t, tt.path, contract.LoadOptions{API: tt.api})
			} else {
				items, _, err = streamAll(t, "-", tt.stdin, contract.LoadOptions{API: tt.api})
			}
			require.Error(t, err)
			var le *contract.LoadError
			require.True(t, errors.As(err, &le), "%T is not a *LoadError", err)
			msg := err.Error()
			assert.NotContains(t, msg, "\n")
			if tt.path != "" {
				// Temporary files are named by their full path.
				assert.True(t, strings.HasSuffix(msg, tt.want) || msg == tt.want, "got %q\nwant suffix %q", msg, tt.want)
			} else {
				assert.Equal(t, tt.want, msg)
			}
			assert.Len(t, items, tt.items)
		})
	}

	t.Run("missing file is fs.ErrNotExist", func(t *testing.T) {
		_, _, err := loadAll(t, filepath.Join(bad, "missing.json"), contract.LoadOptions{})
		assert.ErrorIs(t, err, fs.ErrNotExist)
	})
	t.Run("unknown API option", func(t *testing.T) {
		_, err := contract.Walk(filepath.Join(loadDir, "esri-seed.json"), contract.LoadOptions{API: "arcgis"}, nil)
		assert.EqualError(t, err, `unknown API "arcgis" (known: esri, oracle)`)
	})
	t.Run("a walk stops at the first bad file", func(t *testing.T) {
		items, stats, err := loadAll(t, bad, contract.LoadOptions{})
		assert.EqualError(t, err, filepath.Join(bad, "empty.json")+": empty file")
		assert.Empty(t, items)
		assert.Equal(t, 1, stats.Files)
	})
}

// writeTemp writes a file in a fresh directory and returns its path.
func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

// harOf wraps entries in a minimal HAR document.
func harOf(entries ...string) []byte {
	return []byte(`{"log": {"version": "1.2", "entries": [` + strings.Join(entries, ", ") + `]}}`)
}

func TestLoadAPIOption(t *testing.T) {
	tests := []struct {
		name  string
		input string
		api   specs.Name
	}{
		{"undetectable object", `{"ok": true}`, specs.Esri},
		{"array", `[1, 2]`, specs.Oracle},
		{"string", `"Service Unavailable"`, specs.Oracle},
		{"null", `null`, specs.Esri},
		{"overrides detection", `{"task": {}, "success": true}`, specs.Oracle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, _, err := streamAll(t, "-", []byte(tt.input), contract.LoadOptions{API: tt.api})
			require.NoError(t, err)
			require.Len(t, items, 1)
			assert.Equal(t, tt.api, items[0].Exchange.API)
			assert.Equal(t, tt.input, string(items[0].Exchange.Body))
		})
	}
	t.Run("names are case-insensitive", func(t *testing.T) {
		items, _, err := streamAll(t, "-", []byte(`{}`), contract.LoadOptions{API: "ESRI"})
		require.NoError(t, err)
		require.Len(t, items, 1)
		assert.Equal(t, specs.Esri, items[0].Exchange.API)
	})
}

func TestLoadFnErrorStops(t *testing.T) {
	stop := errors.New("stop here")
	for _, path := range []string{filepath.Join(loadDir, "seeds.har"), filepath.Join(loadDir, "walk"), filepath.Join(loadDir, "oracle-seed.http")} {
		t.Run(path, func(t *testing.T) {
			calls := 0
			stats, err := contract.Walk(path, contract.LoadOptions{}, func(contract.Item) error {
				calls++
				return stop
			})
			assert.Same(t, stop, err, "an fn error is returned as is")
			assert.Equal(t, 1, calls)
			assert.Equal(t, 1, stats.Items)
		})
	}
}

func TestLoadRawHTTP(t *testing.T) {
	esriBody := `{"task": {"status": "new"}, "success": true}`
	tests := []struct {
		name   string
		input  string
		status int
		header http.Header
		body   string
	}{
		{
			name:   "HTTP/3 without a reason phrase",
			input:  "HTTP/3 200 \ncontent-type: application/json\n\n" + esriBody,
			status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: esriBody,
		},
		{
			name: "proxy, redirect and final response",
			input: "HTTP/1.1 200 Connection established\r\n\r\n" +
				"HTTP/2 302 \r\nlocation: /arcgis/x/TopographicProductionServer/workflows/tasks/getTask?f=json\r\ncontent-length: 0\r\n\r\n" +
				"HTTP/2 200 \r\ncontent-type: application/json\r\ncontent-length: 9999\r\n\r\n" + esriBody,
			status: 200, header: http.Header{"Content-Type": {"application/json"}, "Content-Length": {"9999"}}, body: esriBody,
		},
		{
			name:   "blank lines between blocks",
			input:  "HTTP/1.1 100 Continue\n\n\r\n\nHTTP/1.0 404 Not Found\nX-A: 1\nx-a: 2\n\n" + esriBody,
			status: 404, header: http.Header{"X-A": {"1", "2"}}, body: esriBody,
		},
		{
			name:   "body kept with its leading blank line and chunked header",
			input:  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n" + esriBody + "\r\n",
			status: 200, header: http.Header{"Transfer-Encoding": {"chunked"}}, body: "\r\n" + esriBody + "\r\n",
		},
		{
			name:   "folded header",
			input:  "HTTP/1.1 200 OK\r\nX-Long: a\r\n  b\r\n\r\n" + esriBody,
			status: 200, header: http.Header{"X-Long": {"a b"}}, body: esriBody,
		},
		{
			name:   "leading whitespace",
			input:  "\n  HTTP/1.1 200 OK\n\n" + esriBody,
			status: 200, header: http.Header{}, body: esriBody,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, _, err := streamAll(t, "-", []byte(tt.input), contract.LoadOptions{})
			require.NoError(t, err)
			require.Len(t, items, 1)
			ex := items[0].Exchange
			assert.Equal(t, specs.Esri, ex.API)
			assert.Equal(t, tt.status, ex.Status)
			assert.Equal(t, tt.header, ex.Header)
			assert.Equal(t, tt.body, string(ex.Body))
			assert.Nil(t, ex.Request)
		})
	}
	t.Run("headers only, with the API given", func(t *testing.T) {
		items, _, err := streamAll(t, "-", []byte("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\n"), contract.LoadOptions{API: specs.Oracle})
		require.NoError(t, err)
		require.Len(t, items, 1)
		assert.Equal(t, 401, items[0].Exchange.Status)
		assert.Empty(t, items[0].Exchange.Body)
		assert.Equal(t, "Bearer", items[0].Exchange.Header.Get("Www-Authenticate"))
	})
}

func TestLoadHARVariants(t *testing.T) {
	oracleURL := "https://opa.example.com/process/api/v1/tasks/7"
	body := `{"state": "ASSIGNED"}`
	b64 := base64.StdEncoding.EncodeToString([]byte(body))
	tests := []struct {
		name        string
		input       []byte
		items       int
		skipped     int
		notRecorded int
		check       func(t *testing.T, items []contract.Item)
	}{
		{
			name: "body not recorded: content.size without content.text, or with an empty one",
			input: harOf(
				`{"request": {"method": "GET", "url": "`+oracleURL+`"}, "response": {"status": 200, "content": {"size": 2761, "mimeType": "application/json"}}}`,
				`{"request": {"method": "GET", "url": "`+oracleURL+`"}, "response": {"status": 200, "content": {"size": 12, "text": ""}}}`,
				`{"request": {"method": "GET", "url": "https://example.com/other"}, "response": {"status": 200, "content": {"size": 12}}}`,
				`{"request": {"method": "GET", "url": "`+oracleURL+`"}, "response": {"status": 200, "content": {"size": "n/a", "text": ""}}}`,
			),
			items: 1, skipped: 3, notRecorded: 2,
			check: func(t *testing.T, items []contract.Item) {
				assert.Equal(t, "h.har#4", items[0].Source) // size unknown: an empty body, checked
				assert.Empty(t, items[0].Exchange.Body)
			},
		},
		{
			name: "version after entries, other members anywhere",
			input: []byte(`{"x": [1, {"y": null}], "log": {"pages": [{"id": "p"}], "entries": [
				{"request": {"method": "GET", "url": "` + oracleURL + `"}, "response": {"status": 200, "content": {"text": "` + b64 + `", "encoding": "base64"}}}
			], "comment": "", "version": "1.2", "creator": {"name": "x"}}, "z": true}`),
			items: 1,
			check: func(t *testing.T, items []contract.Item) {
				assert.Equal(t, body, string(items[0].Exchange.Body))
				assert.Equal(t, http.Header{}, items[0].Exchange.Header)
			},
		},
		{
			name:  "no version",
			input: harOf(`{"request": {"method": "GET", "url": "` + oracleURL + `"}, "response": {"status": 404, "content": {"text": ""}}}`),
			items: 1,
			check: func(t *testing.T, items []contract.Item) {
				assert.Equal(t, 404, items[0].Exchange.Status)
				assert.NotNil(t, items[0].Exchange.Body)
				assert.Empty(t, items[0].Exchange.Body)
			},
		},
		{
			name: "skipped: status 0, wrong method, wrong path, null request",
			input: harOf(
				`{"request": {"method": "GET", "url": "`+oracleURL+`"}, "response": {"status": 0}}`,
				`{"request": {"method": "DELETE", "url": "`+oracleURL+`"}, "response": {"status": 200}}`,
				`{"request": {"method": "GET", "url": "`+oracleURL+`/comments"}, "response": {"status": 200}}`,
				`{"request": null, "response": null}`,
			),
			skipped: 4,
		},
		{
			name: "form from params when the text is not urlencoded",
			input: harOf(`{"request": {"method": "POST", "url": "/a/TopographicProductionServer/workflows/tasks/getTask",
				"postData": {"mimeType": "multipart/form-data; boundary=x", "text": "--x...", "params": [{"name": "f", "value": "json"}, {"name": "token", "value": "t"}]}},
				"response": {"status": 200, "content": {"text": "{\"task\": {}}"}}}`),
			items: 1,
			check: func(t *testing.T, items []contract.Item) {
				assert.Equal(t, map[string][]string{"f": {"json"}, "token": {"t"}}, items[0].Exchange.Request.Form)
			},
		},
		{
			name: "form parsed from urlencoded text with a charset",
			input: harOf(`{"request": {"method": "POST", "url": "/a/TopographicProductionServer/workflows/tasks/getTask/",
				"postData": {"mimeType": "application/x-www-form-urlencoded; charset=UTF-8", "text": "f=pjson&taskOperationId=%7BF6208AD7%7D"}},
				"response": {"status": 200, "content": {"text": "{\"task\": {}}"}}}`),
			items: 1,
			check: func(t *testing.T, items []contract.Item) {
				assert.Equal(t, map[string][]string{"f": {"pjson"}, "taskOperationId": {"{F6208AD7}"}}, items[0].Exchange.Request.Form)
			},
		},
		{
			name:  "empty entries",
			input: []byte(`{"log": {"version": "1.2", "entries": []}}`),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, stats, err := streamAll(t, "h.har", tt.input, contract.LoadOptions{})
			require.NoError(t, err)
			assert.Equal(t, tt.items, stats.Items)
			assert.Equal(t, tt.skipped, stats.Skipped)
			assert.Equal(t, tt.notRecorded, stats.NotRecorded)
			require.Len(t, items, tt.items)
			if tt.check != nil {
				tt.check(t, items)
			}
		})
	}
}

func TestDetectAPI(t *testing.T) {
	tests := []struct {
		name string
		body string
		api  specs.Name
		ok   bool
	}{
		{"esri task", `{"task": {"status": "new"}, "success": true}`, specs.Esri, true},
		{"esri task without success", `{"task": {}}`, specs.Esri, true},
		{"esri error envelope", `{"error": {"code": 498, "message": "Invalid token.", "details": []}}`, specs.Esri, true},
		{"esri error with success false", `{"error": {"extendedCode": -2147211775}, "success": false}`, specs.Esri, true},
		{"oracle task", `{"id": "1", "state": "ASSIGNED", "links": []}`, specs.Oracle, true},
		{"oracle by processName", `{"processName": "HTProcess"}`, specs.Oracle, true},
		{"oracle by availableActions", `{"availableActions": {}}`, specs.Oracle, true},
		{"oracle by createdDate", `{"createdDate": "2024-08-13T07:46:16.582+00:00"}`, specs.Oracle, true},
		{"oracle problem details", `{"title": "Not Found", "status": 404, "o:errorCode": "OPA-404"}`, specs.Oracle, true},
		{"empty object", `{}`, "", false},
		{"success alone", `{"success": true}`, "", false},
		{"task not an object", `{"task": null, "success": true}`, "", false},
		{"task a string", `{"task": "x"}`, "", false},
		{"generic fields only", `{"id": "1", "title": "t", "priority": 2}`, "", false},
		{"both", `{"task": {}, "state": "ASSIGNED"}`, "", false},
		{"array", `[{"task": {}}]`, "", false},
		{"null", `null`, "", false},
		{"not JSON", `<html>`, "", false},
		{"truncated", `{"task": {`, "", false},
		{"empty", ``, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, ok := contract.DetectAPI([]byte(tt.body))
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.api, api)
		})
	}
	t.Run("seeds", func(t *testing.T) {
		api, ok := contract.DetectAPI(readSeed(t, "esri-seed.json"))
		assert.True(t, ok)
		assert.Equal(t, specs.Esri, api)
		api, ok = contract.DetectAPI(readSeed(t, "oracle-seed.json"))
		assert.True(t, ok)
		assert.Equal(t, specs.Oracle, api)
	})
}

func TestAPIForRequest(t *testing.T) {
	const esriPath = "/TopographicProductionServer/workflows/tasks/getTask"
	tests := []struct {
		method string
		url    string
		api    specs.Name
		ok     bool
	}{
		{"GET", "/arcgis/rest/services/Folder/Svc/MapServer/exts" + esriPath, specs.Esri, true},
		{"POST", "/arcgis/rest/services/Folder/Svc/MapServer/exts" + esriPath, specs.Esri, true},
		{"GET", "https://organization.example.com/server/rest/services/SampleService" + esriPath + "?taskGroupJobId=A&taskOperationId=B&f=json", specs.Esri, true},
		{"GET", "https://gis.example.com:6443/arcgis/rest/services/Svc" + esriPath + "/", specs.Esri, true},
		{"GET", esriPath, specs.Esri, true},
		{"GET", esriPath + "#frag", specs.Esri, true},
		{"PUT", "/arcgis" + esriPath, "", false},
		{"OPTIONS", "/arcgis" + esriPath, "", false},
		{"get", "/arcgis" + esriPath, "", false},
		{"GET", "/arcgis/topographicproductionserver/workflows/tasks/gettask", specs.Esri, true},
		{"POST", "/arcgis/TopographicProductionServer/workflows/tasks/updateTask", specs.Esri, true},
		{"GET", "/arcgis/TopographicProductionServer/workflows/taskgroups/hasNextTask", specs.Esri, true},
		{"GET", "/arcgis/TopographicProductionServer/workflows/taskGroups/getTaskGroups", specs.Esri, true},
		{"GET", "/arcgis/TopographicProductionServer/workflows/tasks/executeTaskJob", specs.Esri, true},
		{"GET", "/arcgis/TopographicProductionServer/workflows/tasks/listTasks", "", false},
		{"POST", "/process/api/v1/tasks/1/reassign", specs.Oracle, true},
		{"POST", "/process/api/v1/tasks/reassign", specs.Oracle, true},
		{"GET", "/process/api/v1/tasks/1/comments", "", false},
		{"GET", "/arcgis" + esriPath + "s", "", false},
		{"GET", "/arcgis/XTopographicProductionServer/workflows/tasks/getTask", "", false},
		{"GET", "/arcgis" + esriPath + "//", "", false},
		{"GET", "/arcgis" + esriPath + "/x", "", false},
		{"GET", "/x?next=" + esriPath, "", false},

		{"GET", "/process/api/v1/tasks/1f15bc3a-5948-11ef-873e-0242ac15001b", specs.Oracle, true},
		{"GET", "https://opa.example.com/process/api/v1/tasks/1f15bc3a?totalResultsGrouped=true", specs.Oracle, true},
		{"GET", "//opa.example.com/process/api/v1/tasks/7", specs.Oracle, true},
		{"GET", "/process/api/v1/tasks/a%2Fb", specs.Oracle, true},
		{"GET", "/process/api/v1/tasks", "", false},
		{"GET", "/process/api/v1/tasks/", "", false},
		{"GET", "/process/api/v1/tasks/x/", "", false},
		{"GET", "/process/api/v1/tasks/x/comments", "", false},
		{"GET", "https://opa.example.com/gateway/process/api/v1/tasks/7", "", false},
		{"GET", "/Process/api/v1/tasks/7", "", false},
		{"POST", "/process/api/v1/tasks/7", "", false},
		{"OPTIONS", "/process/api/v1/tasks/7", "", false},

		{"GET", "https://gis.example.com/app/vendor.js", "", false},
		{"GET", "", "", false},
		{"", "/process/api/v1/tasks/7", "", false},
		{"GET", "https://host", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.url, func(t *testing.T) {
			api, ok := contract.APIForRequest(tt.method, tt.url)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.api, api)
		})
	}
}

func TestLoadErrorFormat(t *testing.T) {
	inner := errors.New("bad\nthing")
	err := &contract.LoadError{Source: "rec.har#3", Err: inner}
	assert.Equal(t, "rec.har#3: bad thing", err.Error())
	assert.Same(t, inner, errors.Unwrap(err))
	assert.Equal(t, "x: unknown error", (&contract.LoadError{Source: "x"}).Error())
}

func ExampleReadStream() {
	curl := "HTTP/1.1 100 Continue\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" +
		`{"task": {"status": "new", "statusCode": 0}, "success": true}`
	stats, err := contract.ReadStream("-", strings.NewReader(curl), contract.LoadOptions{}, func(it contract.Item) error {
		fmt.Println(it.Source, it.Exchange.API, it.Exchange.Status, it.Exchange.Header.Get("Content-Type"))
		return nil
	})
	fmt.Println(stats.Items, err)
	// Output:
	// - esri 200 application/json
	// 1 <nil>
}

func ExampleWalk() {
	stats, err := contract.Walk("testdata/load/seeds.har", contract.LoadOptions{}, func(it contract.Item) error {
		fmt.Println(it.Source, it.Exchange.API, it.Exchange.Request.Method, it.Exchange.Status)
		return nil
	})
	fmt.Printf("%+v %v\n", stats, err)
	// Output:
	// testdata/load/seeds.har#2 esri POST 200
	// testdata/load/seeds.har#4 oracle GET 200
	// testdata/load/seeds.har#5 oracle GET 200
	// {Files:1 Items:3 Skipped:2 NotRecorded:0 TornEnds:0} <nil>
}

func TestWalkOnErrorGoesOn(t *testing.T) {
	var failed []string
	var sources []string
	stats, err := contract.Walk("testdata/load", contract.LoadOptions{OnError: func(le *contract.LoadError) {
		failed = append(failed, le.Source)
	}}, func(it contract.Item) error {
		sources = append(sources, it.Source)
		return nil
	})
	require.NoError(t, err)
	assert.Contains(t, failed, filepath.Join("testdata", "load", "bad", "empty.json"))
	assert.Contains(t, failed, filepath.Join("testdata", "load", "bad", "truncated.json"))
	assert.Contains(t, sources, filepath.Join("testdata", "load", "walk", "a-esri-error.json"), "files after a bad one are still read")
	assert.Equal(t, len(sources), stats.Items)
}

// TestHAROnErrorGoesOn: with OnError, a HAR entry that is well-formed
// JSON but not a HAR entry (a number, a status that is not a number,
// headers of the wrong kind, a body in bad base64) is handed to OnError and
// the entries after it are still checked; a syntax error, after which
// nothing can be read, still stops the file.
func TestHAROnErrorGoesOn(t *testing.T) {
	ok, err := json.Marshal(map[string]any{
		"request":  map[string]any{"method": "GET", "url": "https://opa.example.com/process/api/v1/tasks/42"},
		"response": map[string]any{"status": 200, "content": map[string]any{"text": string(readSeed(t, "oracle-seed.json"))}},
	})
	require.NoError(t, err)
	e := string(ok)
	har := harOf(e, `7`, e, `{"response": {"status": "200"}}`, e, `{"request": {"headers": {"a": "b"}}}`, e,
		`{"request": {"method": "GET", "url": "/process/api/v1/tasks/1"}, "response": {"status": 200, "content": {"text": "e30=!", "encoding": "base64"}}}`, e, `null`, e)
	var failed []string
	items, _, err := streamAll(t, "-", har, contract.LoadOptions{OnError: func(le *contract.LoadError) { failed = append(failed, le.Error()) }})
	require.NoError(t, err)
	var sources []string
	for _, it := range items {
		sources = append(sources, it.Source)
	}
	assert.Equal(t, []string{"-#1", "-#3", "-#5", "-#7", "-#9", "-#11"}, sources)
	assert.Equal(t, []string{
		"-#2: not a HAR 1.2 entry: the entry is a number, want an object",
		"-#4: not a HAR 1.2 entry: response.status is not a number",
		"-#6: not a HAR 1.2 entry: request.headers is an object, want an array",
		"-#8: response.content.text is not valid base64 (illegal base64 data at input byte 4)",
	}, failed)

	failed = nil
	items, _, err = streamAll(t, "-", harOf(e, `{"request": {"method": GET}}`, e), contract.LoadOptions{OnError: func(le *contract.LoadError) { failed = append(failed, le.Error()) }})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-#2: invalid JSON")
	assert.Len(t, items, 1)
}

// TestLoadNDJSONOverMaxBody: NDJSON is read line by line, MaxBody bounding
// each line, not the whole input: a file or a stream of many small bodies
// larger than MaxBody is checked whole, and a line over the limit is an
// input that could not be read, the lines after it still checked.
func TestLoadNDJSONOverMaxBody(t *testing.T) {
	var compact bytes.Buffer
	require.NoError(t, json.Compact(&compact, readSeed(t, "oracle-seed.json")))
	const limit = 8 << 10
	var in bytes.Buffer
	var want []string
	for n := 1; n <= 40; n++ {
		switch n {
		case 7:
			in.WriteString("\n") // a blank line
		case 20:
			in.WriteString(`{"id": "` + strings.Repeat("x", 3*limit) + `"}` + "\n")
		default:
			in.Write(compact.Bytes())
			in.WriteString("\r\n")
			want = append(want, strconv.Itoa(n))
		}
	}
	require.Greater(t, in.Len(), 8*limit)
	path := filepath.Join(t.TempDir(), "tasks.ndjson")
	require.NoError(t, os.WriteFile(path, in.Bytes(), 0o644))

	for _, stream := range []bool{false, true} {
		t.Run(strconv.FormatBool(stream), func(t *testing.T) {
			var failed []string
			opts := contract.LoadOptions{MaxBody: limit, OnError: func(le *contract.LoadError) { failed = append(failed, le.Error()) }}
			var items []contract.Item
			var err error
			src := path
			if stream {
				src = "-"
				items, _, err = streamAll(t, src, in.Bytes(), opts)
			} else {
				items, _, err = loadAll(t, path, opts)
			}
			require.NoError(t, err)
			var got []string
			for _, it := range items {
				line, ok := strings.CutPrefix(it.Source, src+":")
				require.True(t, ok, it.Source)
				got = append(got, line)
				assert.Equal(t, compact.String(), string(it.Exchange.Body))
			}
			assert.Equal(t, want, got)
			require.Len(t, failed, 1)
			assert.True(t, strings.HasPrefix(failed[0], src+":20: body "), failed[0])
			assert.Contains(t, failed[0], "over the limit of 8 KiB")
		})
	}
}

func TestWalkSkipsHiddenDirectories(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".vscode"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".vscode", "settings.json"), []byte(`{"editor.tabSize": 2}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "task.json"), seedBody(t, "oracle-get-task-example.json"), 0o644))
	stats, err := contract.Walk(dir, contract.LoadOptions{}, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, stats.Items)
}

// TestLoadOnProgress: OnProgress is told of each input as it is read, with
// growing counts, its size as the total (-1 for a stream), and the end.
func TestLoadOnProgress(t *testing.T) {
	type call struct {
		source      string
		read, total int64
		items       int // items handed to fn before this call
	}
	oracle := readSeed(t, "oracle-seed.json")
	entry, err := json.Marshal(map[string]any{
		"request":  map[string]any{"method": "GET", "url": "https://opa.example.com/process/api/v1/tasks/42", "headers": []any{}},
		"response": map[string]any{"status": 200, "headers": []any{}, "content": map[string]any{"text": string(oracle)}},
	})
	require.NoError(t, err)
	const entries = 200 // about 600 KB, several steps of 64 KiB
	har := `{"log": {"version": "1.2", "entries": [` + strings.TrimSuffix(strings.Repeat(string(entry)+",", entries), ",") + `]}}`
	dir := t.TempDir()
	path := filepath.Join(dir, "big.har")
	require.NoError(t, os.WriteFile(path, []byte(har), 0o644))
	small := filepath.Join(dir, "small.json")
	require.NoError(t, os.WriteFile(small, oracle, 0o644))

	load := func(t *testing.T, stream bool, path string) []call {
		var calls []call
		items := 0
		opts := contract.LoadOptions{OnProgress: func(source string, read, total int64) {
			calls = append(calls, call{source, read, total, items})
		}}
		fn := func(contract.Item) error { items++; return nil }
		var err error
		if stream {
			_, err = contract.ReadStream("-", strings.NewReader(har), opts, fn)
		} else {
			_, err = contract.Walk(path, opts, fn)
		}
		require.NoError(t, err)
		require.Equal(t, entries, items)
		return calls
	}
	// checkGrowing checks the calls of one input of n bytes, told total.
	checkGrowing := func(t *testing.T, calls []call, source string, n, total int64) {
		t.Helper()
		require.GreaterOrEqual(t, len(calls), int(n/(64<<10)), "one call per 64 KiB at least")
		assert.Equal(t, call{source, 0, total, 0}, calls[0], "the first call says the input is opened")
		for i, c := range calls {
			assert.Equal(t, source, c.source)
			assert.Equal(t, total, c.total)
			if i > 0 {
				assert.Greater(t, c.read, calls[i-1].read, "read grows")
			}
		}
		assert.Equal(t, n, calls[len(calls)-1].read, "the last call is at the end of input")
	}

	t.Run("file", func(t *testing.T) {
		calls := load(t, false, path)
		checkGrowing(t, calls, path, int64(len(har)), int64(len(har)))
		assert.Less(t, calls[len(calls)/2].items, entries, "items are handed on while the file is read")
		assert.Positive(t, calls[len(calls)/2].items)
	})
	t.Run("stream", func(t *testing.T) {
		checkGrowing(t, load(t, true, ""), "-", int64(len(har)), -1)
	})
	t.Run("directory", func(t *testing.T) {
		var calls []call
		_, err := contract.Walk(dir, contract.LoadOptions{OnProgress: func(source string, read, total int64) {
			calls = append(calls, call{source: source, read: read, total: total})
		}}, nil)
		require.NoError(t, err)
		var bigCalls, smallCalls []call
		for _, c := range calls {
			if c.source == path {
				bigCalls = append(bigCalls, c)
			} else {
				smallCalls = append(smallCalls, c)
			}
		}
		checkGrowing(t, bigCalls, path, int64(len(har)), int64(len(har)))
		n := int64(len(oracle))
		assert.Equal(t, []call{{small, 0, n, 0}, {small, n, n, 0}}, smallCalls)
	})
}
