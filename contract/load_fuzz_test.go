package contract_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

// fuzzSeeds adds the named files of testdata/load to the corpus, each with
// every API option.
func fuzzSeeds(f *testing.F, names ...string) {
	f.Helper()
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(loadDir, name))
		if err != nil {
			f.Fatal(err)
		}
		for api := range uint8(3) {
			f.Add(b, api)
		}
	}
}

func fuzzOptions(api uint8) contract.LoadOptions {
	switch api % 3 {
	case 1:
		return contract.LoadOptions{API: specs.Esri}
	case 2:
		return contract.LoadOptions{API: specs.Oracle}
	}
	return contract.LoadOptions{}
}

// fuzzLoad reads data as name with ReadStream and checks what holds for any
// input: items or a one-line *LoadError naming the source, never a panic.
func fuzzLoad(t *testing.T, name string, data []byte, opts contract.LoadOptions) ([]contract.Item, error) {
	t.Helper()
	var items []contract.Item
	stats, err := contract.ReadStream(name, bytes.NewReader(data), opts, func(it contract.Item) error {
		items = append(items, it)
		return nil
	})
	fuzzCheck(t, name, items, stats, err, opts)
	return items, err
}

func fuzzCheck(t *testing.T, name string, items []contract.Item, stats contract.LoadStats, err error, opts contract.LoadOptions) {
	t.Helper()
	if err != nil {
		var le *contract.LoadError
		if !errors.As(err, &le) {
			t.Fatalf("error %T %q is not a *LoadError", err, err)
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "\r\n") {
			t.Fatalf("message spans lines: %q", msg)
		}
		if !strings.HasPrefix(msg, name+": ") && !strings.HasPrefix(msg, name+"#") && !strings.HasPrefix(msg, name+":") {
			t.Fatalf("message does not start with the source: %q", msg)
		}
	}
	if stats.Items != len(items) {
		t.Fatalf("stats.Items = %d, fn saw %d", stats.Items, len(items))
	}
	for _, it := range items {
		api := it.Exchange.API
		if api != specs.Esri && api != specs.Oracle {
			t.Fatalf("%s: API %q", it.Source, api)
		}
		if opts.API != "" && api != opts.API {
			t.Fatalf("%s: API %q, want %q", it.Source, api, opts.API)
		}
	}
}

func FuzzReadBody(f *testing.F) {
	fuzzSeeds(f, "esri-seed.json", "oracle-seed.json", "walk/a-esri-error.json",
		"bad/empty.json", "bad/truncated.json", "bad/not-json.json", "bad/undetectable.json")
	f.Add([]byte(`[{"task": {}}]`), uint8(1))
	f.Add([]byte(`{"interactions":[{"description":"d","request":{"method":"GET","path":"/process/api/v1/tasks/1"},"response":{"status":200,"body":{"id":"1"}}}],"metadata":{"pactSpecification":{"version":"3.0.0"}}}`), uint8(0))
	f.Add([]byte(`{"interactions":[{"type":"Synchronous/HTTP","request":{"method":"POST","path":"/process/api/v1/tasks/1/reassign","body":{"content":"e30=","encoded":"base64"}},"response":{"status":204}}],"metadata":{"pactSpecification":{"version":"4.0"}}}`), uint8(2))
	f.Add([]byte("\xEF\xBB\xBF{}"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, api uint8) {
		items, err := fuzzLoad(t, "body.json", data, fuzzOptions(api))
		if err != nil || len(items) != 1 || items[0].Source != "body.json" {
			return // an NDJSON line or an array element is a part of the input
		}
		ex := items[0].Exchange
		if ex.Status == 0 && ex.Request == nil && !bytes.Equal(ex.Body, data) {
			t.Fatalf("body not kept byte for byte: %q, want %q", ex.Body, data)
		}
	})
}

func FuzzReadHAR(f *testing.F) {
	fuzzSeeds(f, "seeds.har", "walk/b/d/e.har", "bad/no-log.har", "bad/no-entries.har", "bad/truncated.har")
	f.Add(harOf(`{"request": {"method": "GET", "url": "/process/api/v1/tasks/1"}, "response": {"status": 200, "content": {"text": "e30=", "encoding": "base64"}}}`), uint8(0))
	f.Add(harOf(`{"request": {"method": "POST", "url": "/TopographicProductionServer/workflows/tasks/getTask", "postData": {"mimeType": "application/x-www-form-urlencoded", "text": "f=json"}}, "response": {"status": 200}}`), uint8(0))
	// A recording of taskmock proxy, whole and with its last write torn.
	entry := `{"startedDateTime":"2026-01-01T00:00:00Z","request":{"method":"GET","url":"/process/api/v1/tasks/1"},"response":{"status":200,"content":{"text":"{}"}}}`
	recording := `{"log":{"version":"1.2","creator":{"name":"taskmock proxy","version":"1"},"entries":[` + "\n" + entry + ",\n" + entry + "\n]}}\n"
	f.Add([]byte(recording), uint8(0))
	f.Add([]byte(recording[:len(recording)-len(entry)/2]), uint8(0))
	f.Add([]byte(recording[:len(recording)-3]), uint8(0))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, api uint8) {
		opts := fuzzOptions(api)
		items, _ := fuzzLoad(t, "rec.har", data, opts)
		fuzzCheckEntries(t, "rec.har", items)

		// A file named *.har must be a HAR.
		path := filepath.Join(dir, "in.har")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var walked []contract.Item
		stats, err := contract.Walk(path, opts, func(it contract.Item) error {
			walked = append(walked, it)
			return nil
		})
		fuzzCheck(t, path, walked, stats, err, opts)
		fuzzCheckEntries(t, path, walked)
	})
}

// fuzzCheckEntries checks that HAR items are named by increasing entry
// numbers.
func fuzzCheckEntries(t *testing.T, name string, items []contract.Item) {
	t.Helper()
	last := 0
	for _, it := range items {
		if it.Exchange.Request == nil {
			continue // a body or raw response
		}
		var n int
		if _, err := fmt.Sscanf(strings.TrimPrefix(it.Source, name+"#"), "%d", &n); err != nil || n <= last {
			t.Fatalf("source %q after entry %d", it.Source, last)
		}
		last = n
	}
}

func FuzzReadRawHTTP(f *testing.F) {
	fuzzSeeds(f, "esri-seed.http", "oracle-seed.http", "bad/bad-status.http", "bad/bad-header.http")
	f.Add([]byte("HTTP/1.1 200 Connection established\r\n\r\nHTTP/2 302 \r\nlocation: /x\r\n\r\nHTTP/3 200 \r\nx: a\r\n b\r\n\r\n{\"task\": {}}"), uint8(0))
	f.Add([]byte("HTTP/1.1 401 Unauthorized\r\n"), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, api uint8) {
		items, err := fuzzLoad(t, "-", data, fuzzOptions(api))
		if err != nil || len(items) != 1 || !bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("HTTP/")) {
			return
		}
		ex := items[0].Exchange
		if ex.Status < 100 || ex.Status > 999 {
			t.Fatalf("status %d", ex.Status)
		}
		if !bytes.HasSuffix(data, ex.Body) {
			t.Fatalf("body %q is not the end of the input", ex.Body)
		}
	})
}
