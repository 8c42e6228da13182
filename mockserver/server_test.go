package mockserver_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/mockserver"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		opts []mockserver.Option
		err  string // "" for success
	}{
		{"defaults", nil, ""},
		{"all options", []mockserver.Option{
			mockserver.WithSeed(7), mockserver.WithClock(time.Now), mockserver.WithLogger(slog.Default()),
			mockserver.WithRequireAuth("x"), mockserver.WithCORSOrigin("http://localhost:5173"),
		}, ""},
		{"any origin", []mockserver.Option{mockserver.WithCORSOrigin("*")}, ""},
		{"nil clock", []mockserver.Option{mockserver.WithClock(nil)}, "WithClock: nil clock"},
		{"a clock at the end of year 9999", []mockserver.Option{mockserver.WithClock(func() time.Time { return time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC) })},
			"WithClock: fixtures: clock out of range: 9999-12-31T23:59:59Z is not from 0002-01-01T00:00:00Z to 9998-12-31T23:59:59Z"},
		{"a clock in year 1", []mockserver.Option{mockserver.WithClock(func() time.Time { return time.Date(1, 6, 1, 0, 0, 0, 0, time.UTC) })},
			"WithClock: fixtures: clock out of range: 0001-06-01T00:00:00Z"},
		{"the zero time", []mockserver.Option{mockserver.WithClock(func() time.Time { return time.Time{} })}, "clock out of range"},
		{"the latest clock", []mockserver.Option{mockserver.WithClock(func() time.Time { return fixtures.LatestClock })}, ""},
		{"origin with a path", []mockserver.Option{mockserver.WithCORSOrigin("http://localhost:5173/app")}, `invalid CORS origin "http://localhost:5173/app": expected scheme://host[:port]`},
		{"origin without scheme", []mockserver.Option{mockserver.WithCORSOrigin("localhost:5173")}, `invalid CORS origin "localhost:5173"`},
		{"no origin", []mockserver.Option{mockserver.WithCORSOrigin()}, "no CORS origin given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := mockserver.New(tt.opts...)
			if tt.err == "" {
				require.NoError(t, err)
				assert.NotNil(t, s)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
			assert.Nil(t, s)
		})
	}
}

func TestHealthAndNoRoute(t *testing.T) {
	s := newServer(t)
	a := get(t, s, "http://mock.test/__taskmock/health")
	assert.Equal(t, http.StatusOK, a.status)
	assert.JSONEq(t, `{"status":"ok"}`, a.text())
	assert.Equal(t, "application/json; charset=utf-8", a.header.Get("Content-Type"))

	a = do(t, s, httptest.NewRequest(http.MethodPost, "http://mock.test/__taskmock/health", nil))
	assert.Equal(t, http.StatusMethodNotAllowed, a.status)

	for _, p := range []string{"/", "/favicon.ico", "/process/api/v2/tasks/1"} {
		a := get(t, s, "http://mock.test"+p)
		assert.Equal(t, http.StatusNotFound, a.status, p)
		var body map[string]string
		require.NoError(t, json.Unmarshal(a.body, &body))
		assert.Equal(t, "no route", body["error"])
	}
}

func TestDeterminism(t *testing.T) {
	// Two servers with the same seed and clock give the same bytes.
	clock := mockserver.WithClock(func() time.Time { return anchor })
	one, err := mockserver.New(mockserver.WithSeed(42), clock)
	require.NoError(t, err)
	two, err := mockserver.New(mockserver.WithSeed(42), clock)
	require.NoError(t, err)
	targets := []string{
		esriURL(esriQuery("json")),
		esriURL(esriQuery("pjson", "taskOperationId", "0d4e6a4c-1f0b-4bb1-9f53-6c3c7f6e2a10")),
		esriURL(esriQuery("html")),
		oracleURL(taskID, nil),
		oracleURL("task-7", url.Values{"totalResultsGrouped": {"true"}}),
	}
	for _, target := range targets {
		a, b := get(t, one, target), get(t, two, target)
		assert.Equal(t, a.text(), b.text(), target)
		again := get(t, one, target)
		assert.Equal(t, a.text(), again.text(), "the same server answers the same bytes: %s", target)
	}
}

func TestDefaultClockIsTheStartOfTheDay(t *testing.T) {
	// Without WithClock, a task is stable across servers built the same
	// day: two servers give the same bytes.
	one, err := mockserver.New()
	require.NoError(t, err)
	two, err := mockserver.New()
	require.NoError(t, err)
	if time.Now().UTC().Hour() == 23 && time.Now().UTC().Minute() == 59 {
		t.Skip("too close to midnight UTC")
	}
	a, b := get(t, one, oracleURL("x-1", nil)), get(t, two, oracleURL("x-1", nil))
	assert.Equal(t, a.text(), b.text())
}

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	s := newServer(t, mockserver.WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	get(t, s, esriURL(esriQuery("json", "token", "secret-token")))
	get(t, s, oracleURL(taskID, nil), "Prefer", "code=404")

	logged := buf.String()
	var lines []map[string]any
	dec := json.NewDecoder(&buf)
	for dec.More() {
		var m map[string]any
		require.NoError(t, dec.Decode(&m))
		lines = append(lines, m)
	}
	require.Len(t, lines, 2)
	assert.Equal(t, "request", lines[0]["msg"])
	assert.Equal(t, "GET", lines[0]["method"])
	assert.Equal(t, mockserver.EsriPath, lines[0]["path"])
	assert.EqualValues(t, 200, lines[0]["status"])
	assert.Contains(t, lines[0]["response"], "esri.")
	assert.Contains(t, lines[0], "latency")
	assert.Equal(t, "oracle.404", lines[1]["response"])
	assert.EqualValues(t, 404, lines[1]["status"])
	assert.NotContains(t, logged, "secret-token", "tokens are never logged")
}

// TestAdminHead: HEAD on every route the admin API reads (and the health
// check) answers as GET does, headers included, with no body.
func TestAdminHead(t *testing.T) {
	s := newServer(t, mockserver.WithAdmin())
	const id = "1f15bc3a-5948-11ef-873e-0242ac15001b"
	task := readTestdata(t, "oracle-get-task-example.json")
	require.Equal(t, http.StatusCreated, sendAdmin(t, s, http.MethodPut, adminURL+"tasks/oracle/"+id, task).status)
	for _, target := range []string{
		"http://127.0.0.1:4010" + mockserver.HealthPath,
		adminURL + "tasks",
		adminURL + "tasks/",
		adminURL + "tasks/oracle/" + id,
		adminURL + "tasks/oracle/no-such-task",
	} {
		t.Run(target, func(t *testing.T) {
			g := sendAdmin(t, s, http.MethodGet, target, "")
			h := sendAdmin(t, s, http.MethodHead, target, "")
			assert.Equal(t, g.status, h.status)
			assert.NotEqual(t, http.StatusMethodNotAllowed, h.status)
			assert.Equal(t, g.header, h.header)
			assert.NotEmpty(t, h.header.Get("Content-Length"))
			assert.Equal(t, strconv.Itoa(len(g.body)), h.header.Get("Content-Length"))
			assert.Empty(t, h.body)
		})
	}
	// A route that only writes still says which methods it takes.
	a := sendAdmin(t, s, http.MethodHead, adminURL+"reset", "")
	assert.Equal(t, http.StatusMethodNotAllowed, a.status)
	assert.Empty(t, a.body)
}
