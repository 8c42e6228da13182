package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/fixtures"
)

func TestEmbeddedExamplesAreTheSeeds(t *testing.T) {
	for _, f := range []string{esriExampleFile, oracleExampleFile} {
		embedded, err := exampleFiles.ReadFile(f)
		require.NoError(t, err)
		want, err := os.ReadFile("testdata/" + strings.TrimPrefix(f, "examples/"))
		require.NoError(t, err)
		assert.Equal(t, string(want), string(embedded), f)
	}
}

func TestPageEscapesTaskValues(t *testing.T) {
	s, err := New()
	require.NoError(t, err)
	members, err := parseObject([]byte(`{"assignTo":"<script>alert('x')</script>","note":"a & b","n":1.5,"ok":true}`))
	require.NoError(t, err)
	resp, err := object{}.with("task", members)
	require.NoError(t, err)
	resp, err = resp.with("success", true)
	require.NoError(t, err)
	page, err := s.esriPage(esriOut{format: "html", path: "/x/<y>"}, task{body: resp}, nil)
	require.NoError(t, err)
	html := string(page)
	assert.NotContains(t, html, "<script>alert")
	assert.Contains(t, html, "<tr><td><b>assignTo:</b></td><td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</td></tr>")
	assert.Contains(t, html, "<td>a &amp; b</td>")
	assert.Contains(t, html, "<td>1.5</td>")
	assert.Contains(t, html, "<td>/x/&lt;y&gt;</td>")
}

func TestObjectKeepsOrder(t *testing.T) {
	o, err := parseObject([]byte(`{"b": 1, "a": {"z": [1, 2], "y": null}, "c": "x"}`))
	require.NoError(t, err)
	o, err = o.with("a", "replaced")
	require.NoError(t, err)
	o, err = o.with("d", []int{1})
	require.NoError(t, err)
	b, err := jsonMarshal(o, "")
	require.NoError(t, err)
	assert.Equal(t, `{"b":1,"a":"replaced","c":"x","d":[1]}`, string(b))

	for _, bad := range []string{``, `[]`, `{"a":1} {}`, `{"a":}`, `{1:2}`} {
		_, err := parseObject([]byte(bad))
		assert.Error(t, err, bad)
	}
}

func TestPreferences(t *testing.T) {
	h := map[string][]string{"Prefer": {`code=404; x=y, Example="seed"`, "code=500, delay = 1s ,, respond-async"}}
	assert.Equal(t, map[string]string{"code": "404", "example": "seed", "delay": "1s", "respond-async": ""}, preferences(h))
}

func TestSelfCheckLogsViolations(t *testing.T) {
	var logs bytes.Buffer
	s, err := New(WithSelfCheck(), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	rec := &recorder{ResponseWriter: httptest.NewRecorder(), body: &bytes.Buffer{}}
	rec.Header().Set("Content-Type", "application/json")
	rec.WriteHeader(http.StatusOK)
	_, _ = rec.Write([]byte(`{"id":"42","state":"DONE","priority":7}`))
	req := httptest.NewRequest(http.MethodGet, "/process/api/v1/tasks/42", nil)
	s.check(req.Context(), req, rec, "oracle.task")
	out := logs.String()
	assert.Contains(t, out, `level=WARN msg=self-check method=GET path=/process/api/v1/tasks/42 response=oracle.task severity=error rule=schema-enum location=/priority`)
	assert.Contains(t, out, "location=/state")

	logs.Reset()
	s.check(req.Context(), req, rec, "oracle.control")
	s.check(req.Context(), req, rec, "health")
	assert.Empty(t, logs.String(), "the mock's own answers are not checked")
}

func TestMoveLink(t *testing.T) {
	tests := []struct{ href, want string }{
		{"http://oracle.com:9020/process/api/v1/tasks/old-id", "https://m.test/process/api/v1/tasks/new%20id"},
		{"http://oracle.com:9020/process/api/v1/tasks/old-id/comments", "https://m.test/process/api/v1/tasks/new%20id/comments"},
		{"http://oracle.com:9020/process/api/v1/tasks", "https://m.test/process/api/v1/tasks"},
		{"/ic/process/api/v1/tasks/", "https://m.test/process/api/v1/tasks/"},
	}
	for _, tt := range tests {
		got, ok := moveLink(tt.href, "new id", "https://m.test")
		assert.True(t, ok, tt.href)
		assert.Equal(t, tt.want, got, tt.href)
	}
	_, ok := moveLink("https://docs.example.com/help", "x", "https://m.test")
	assert.False(t, ok)
}

func TestGeneratorError(t *testing.T) {
	g := fixtures.New()
	_, err := g.Oracle("x", fixtures.Request{State: "NAPPING"})
	require.Error(t, err)
	ce, ok := errors.AsType[*controlError](generatorError(err))
	require.True(t, ok)
	assert.True(t, strings.HasPrefix(ce.msg, "Prefer: "), ce.msg)
	assert.NotContains(t, ce.msg, "fixtures:")

	_, err = g.Oracle("a/b", fixtures.Request{})
	require.Error(t, err)
	assert.ErrorIs(t, generatorError(err), errUnknownTask)

	other := errors.New("boom")
	assert.Equal(t, other, generatorError(other))
}

// encodeTask encodes a generated task as the handlers do (encodeOracle,
// encodeEsri) and returns a copy of its bytes.
func encodeTask(t *testing.T, v any) []byte {
	t.Helper()
	var tk task
	var err error
	switch v := v.(type) {
	case fixtures.OracleTask:
		tk, err = encodeOracle(&v)
	case fixtures.EsriResponse:
		tk, err = encodeEsri(&v)
	default:
		t.Fatalf("not a generated task: %T", v)
	}
	require.NoError(t, err)
	defer tk.release()
	return bytes.Clone(tk.raw)
}

// TestEncodeTaskIsTheObjectEncoding: the fast path of generated tasks
// (encodeOracle and encodeEsri, then json.Indent for pjson) writes the
// same bytes as the object path (toObject, then jsonMarshal), for both
// APIs, many ids, seeds and languages, markup in values included.
func TestEncodeTaskIsTheObjectEncoding(t *testing.T) {
	markup := "<script>alert(\"x\")</script> & é \u2028\u2029 \xff"
	for _, seed := range []uint64{1, 7, 4242} {
		g := fixtures.New(fixtures.WithSeed(seed))
		for i := range 200 {
			req := fixtures.Request{Lang: []string{"", "de-DE,de;q=0.9", "fr", "es-ES", "ja"}[i%5], BaseURL: "http://127.0.0.1:4010"}
			ot, err := g.Oracle(g.OracleIdentity(i), req)
			require.NoError(t, err)
			et, err := g.Esri(g.EsriIdentity(i), req)
			require.NoError(t, err)
			values := []any{ot, et}
			if i%10 == 0 {
				ot.Title, ot.Reason.Comment, et.Task.AssignTo = markup, markup, markup
				values = append(values, ot, et)
			}
			for _, v := range values {
				obj, err := toObject(v)
				require.NoError(t, err)
				raw := encodeTask(t, v)
				require.NotContains(t, string(raw), `"totalResultsGrouped"`, "serveOracle adds the counts to the object only")
				want, err := jsonMarshal(obj, "")
				require.NoError(t, err)
				require.Equal(t, string(want), string(raw))
				fast, err := task{raw: raw}.compact()
				require.NoError(t, err)
				require.Equal(t, string(want), string(fast))

				wantIndent, err := jsonMarshal(obj, " ")
				require.NoError(t, err)
				var indented bytes.Buffer
				require.NoError(t, json.Indent(&indented, raw, "", " "))
				require.Equal(t, string(wantIndent), indented.String())
			}
		}
	}
}
