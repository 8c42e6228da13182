package contract_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
)

// repeatReader yields n copies of the byte b, without holding them.
type repeatReader struct {
	b byte
	n int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), r.n)
	for i := range p[:k] {
		p[i] = r.b
	}
	r.n -= k
	return int(k), nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// generated is prefix, n bytes b, then suffix, made as it is read.
func generated(prefix string, b byte, n int64, suffix string) *countingReader {
	return &countingReader{r: io.MultiReader(strings.NewReader(prefix), &repeatReader{b: b, n: n}, strings.NewReader(suffix))}
}

const oracleEntryURL = "https://opa.example.com/process/api/v1/tasks/7"

// harEntryText is a HAR entry of the Oracle operation whose
// response.content.text is text as written in JSON.
func harEntryText(text string) string {
	return `{"request": {"method": "GET", "url": "` + oracleEntryURL + `"}, "response": {"status": 200, "content": {"text": "` + text + `"}}}`
}

// TestLoadMaxBody: a body over MaxBody is an error naming its size and the
// limit, read no further than needed; in a HAR, the entry is reported and
// the next one is read; long strings under the limit come back exact.
func TestLoadMaxBody(t *testing.T) {
	const limit = 100 << 10 // above the limiter's 64 KiB long-string mark
	// 95 KiB as written in the HAR (over the 64 KiB the limiter keeps out of
	// the decoder, under the limit), 51 KiB decoded.
	long := strings.Repeat(`a\"b\u00e9\\c\n`, 6500)
	var longBody string
	require.NoError(t, json.Unmarshal([]byte(`"`+long+`"`), &longBody))
	require.Less(t, len(longBody), limit)
	require.Greater(t, len(long), 64<<10)

	var onError []string
	opts := contract.LoadOptions{MaxBody: limit, OnError: func(le *contract.LoadError) { onError = append(onError, le.Error()) }}

	t.Run("file over the limit is not read", func(t *testing.T) {
		onError = nil
		path := writeTemp(t, "big.json", `{"id": "`+strings.Repeat("x", 2*limit)+`"}`)
		read := int64(0)
		o := opts
		o.OnProgress = func(_ string, n, _ int64) { read = n }
		_, err := contract.Walk(path, o, nil)
		var tl *contract.BodyTooLargeError
		require.ErrorAs(t, err, &tl)
		assert.Equal(t, contract.BodyTooLargeError{Size: 2*limit + 10, Limit: limit}, *tl)
		assert.EqualError(t, err, path+": body of 204810 bytes is over the limit of 100 KiB")
		assert.LessOrEqual(t, read, int64(64<<10), "only the head is read")
	})
	t.Run("stream over the limit stops reading", func(t *testing.T) {
		in := generated(`{"id": "`, 'x', 256<<20, `"}`)
		_, err := contract.ReadStream("-", in, opts, nil)
		assert.EqualError(t, err, "-: body larger than the limit of 100 KiB (not read further)")
		assert.Less(t, in.n, int64(4*limit))
	})
	t.Run("raw response over the limit", func(t *testing.T) {
		in := generated("HTTP/1.1 200 OK\r\n\r\n", ' ', 1<<20, "")
		_, err := contract.ReadStream("-", in, opts, nil)
		assert.ErrorAs(t, err, new(*contract.BodyTooLargeError))
	})

	b64 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("{}"), limit/2+1))
	tests := []struct {
		name    string
		entries []string
		bodies  []string // the bodies handed on
		errs    []string // the entries handed to OnError
		err     string   // the error that stops the HAR
	}{
		{name: "long string under the limit comes back exact",
			entries: []string{harEntryText(long)}, bodies: []string{longBody}},
		{name: "base64 body over the limit as recorded",
			entries: []string{`{"request": {"method": "GET", "url": "` + oracleEntryURL + `"}, "response": {"status": 200, "content": {"encoding": "base64", "text": "` + b64 + `"}}}`, harEntryText("{}")},
			bodies:  []string{"{}"}, errs: []string{"h.har#1: response body of 136536 bytes as recorded (response.content.text) is over the limit of 100 KiB"}},
		{name: "body over the limit as recorded is measured, not kept",
			entries: []string{harEntryText(strings.Repeat("x", 3*limit)), harEntryText("{}")},
			bodies:  []string{"{}"}, errs: []string{"h.har#1: response body of 307200 bytes as recorded (response.content.text) is over the limit of 100 KiB"}},
		{name: "a long member of another host is skipped",
			entries: []string{`{"request": {"method": "POST", "url": "https://up.example.com/files", "postData": {"text": "` + strings.Repeat("x", 3*limit) + `"}}, "response": {"status": 200, "content": {"text": "` + strings.Repeat("y", 3*limit) + `"}}}`, harEntryText("{}")},
			bodies:  []string{"{}"}},
		{name: "a long header of an entry of the APIs fails that entry",
			entries: []string{`{"request": {"method": "GET", "url": "` + oracleEntryURL + `", "headers": [{"name": "X", "value": "` + strings.Repeat("x", 3*limit) + `"}]}, "response": {"status": 200, "content": {"text": "{}"}}}`, harEntryText("{}")},
			bodies:  []string{"{}"}, errs: []string{"h.har#1: request.headers.value: a value of 307200 bytes as recorded, over the limit of 100 KiB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			onError = nil
			items, _, err := streamAll(t, "h.har", harOf(tt.entries...), opts)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			var bodies []string
			for _, it := range items {
				bodies = append(bodies, string(it.Exchange.Body))
			}
			assert.Equal(t, tt.bodies, bodies)
			assert.Equal(t, tt.errs, onError)
		})
	}
}

// TestLoadHugeHAREntry reads a generated HAR whose first entry holds a
// 256 MiB response.content.text, through a counting reader: the entry is
// measured and reported, never held, and the next entry is checked.
func TestLoadHugeHAREntry(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 256 MiB")
	}
	const size = 256 << 20
	in := generated(`{"log": {"version": "1.2", "entries": [`+
		`{"request": {"method": "GET", "url": "`+oracleEntryURL+`"}, "response": {"status": 200, "content": {"text": "`,
		'x', size, `"}}}, `+harEntryText(`{\"id\": \"7\"}`)+`]}}`)
	var errs []error
	opts := contract.LoadOptions{OnError: func(le *contract.LoadError) { errs = append(errs, le) }}
	var items []contract.Item
	stats, err := contract.ReadStream("big.har", in, opts, func(it contract.Item) error {
		items = append(items, it)
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, in.n, int64(size), "read to the end")
	require.Len(t, errs, 1)
	var tl *contract.BodyTooLargeError
	require.True(t, errors.As(errs[0], &tl))
	assert.Equal(t, contract.BodyTooLargeError{Size: size, Limit: contract.DefaultMaxBody, Recorded: true}, *tl)
	assert.Equal(t, "big.har#1: response body of 268435456 bytes (256.0 MiB) as recorded (response.content.text) is over the limit of 64 MiB", errs[0].Error())
	require.Len(t, items, 1)
	assert.Equal(t, "big.har#2", items[0].Source)
	assert.Equal(t, `{"id": "7"}`, string(items[0].Exchange.Body))
	assert.Equal(t, 1, stats.Items)
}

// TestWalkGoesPastUnreadableDirectories: a subdirectory that cannot be
// read (here: its path is longer than the system allows, which fails even
// for root) is handed to OnError like a broken file, and the walk goes on.
func TestWalkGoesPastUnreadableDirectories(t *testing.T) {
	dir := t.TempDir()
	seed := readSeed(t, "oracle-seed.json")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.json"), seed, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "c.json"), seed, 0o644))
	deep := deepDir(t, filepath.Join(dir, "b"))

	var failed []*contract.LoadError
	items, stats, err := loadAll(t, dir, contract.LoadOptions{OnError: func(le *contract.LoadError) { failed = append(failed, le) }})
	require.NoError(t, err)
	require.Len(t, failed, 1)
	assert.True(t, strings.HasPrefix(deep, failed[0].Source), "%s is not on the path to the deep directory", failed[0].Source)
	assert.Contains(t, failed[0].Error(), ": file name too long")
	require.Len(t, items, 2)
	assert.Equal(t, filepath.Join(dir, "c.json"), items[1].Source)
	assert.Equal(t, 2, stats.Items)

	t.Run("without OnError the walk stops there", func(t *testing.T) {
		items, _, err := loadAll(t, dir, contract.LoadOptions{})
		var le *contract.LoadError
		require.ErrorAs(t, err, &le)
		assert.Len(t, items, 1)
	})
}

// deepDir makes directories under dir, each opened relative to the one
// above it, until their path is longer than PATH_MAX, and returns it.
func deepDir(t *testing.T, dir string) string {
	t.Helper()
	require.NoError(t, os.Mkdir(dir, 0o755))
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	name := strings.Repeat("d", 200)
	path := dir
	for len(path) <= 4200 {
		require.NoError(t, root.Mkdir(name, 0o755))
		next, err := root.OpenRoot(name)
		require.NoError(t, err)
		root.Close()
		root = next
		path = filepath.Join(path, name)
	}
	root.Close()
	return path
}
