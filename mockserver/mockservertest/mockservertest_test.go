package mockservertest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/mockserver/mockservertest"
	"github.com/taskmock/taskmock/specs"
)

func TestNewServer(t *testing.T) {
	var url string
	t.Run("inner", func(t *testing.T) {
		srv := mockservertest.NewServer(t, mockserver.WithSeed(3))
		url = srv.URL
		v, err := contract.New()
		require.NoError(t, err)
		for _, tt := range []struct {
			api specs.Name
			url string
		}{
			{specs.Esri, srv.EsriURL(mockserver.ExampleTaskGroupJobID, mockserver.ExampleTaskOperationID)},
			{specs.Oracle, srv.OracleURL("task-1")},
		} {
			res, err := srv.Client().Get(tt.url)
			require.NoError(t, err)
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			require.NoError(t, err)
			rep := v.Validate(contract.Exchange{API: tt.api, Request: &contract.Request{Method: "GET", URL: tt.url},
				Status: res.StatusCode, Header: res.Header, Body: body})
			assert.Equal(t, http.StatusOK, res.StatusCode)
			assert.Empty(t, rep.Violations, string(body))
		}
	})
	_, err := http.Get(url + mockserver.HealthPath)
	assert.Error(t, err, "the server is closed when its test ends")
}

func TestNewServerFailsOnBadOptions(t *testing.T) {
	ft := &fakeTB{TB: t}
	func() {
		defer func() { _ = recover() }()
		mockservertest.NewServer(ft, mockserver.WithCORSOrigin("not an origin"))
	}()
	assert.True(t, ft.failed)
	assert.Contains(t, ft.msg, `mockservertest: mockserver: invalid CORS origin "not an origin"`)
}

// fakeTB records a fatal failure instead of ending the test.
type fakeTB struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = true
	f.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}

func TestCountAndRequests(t *testing.T) {
	srv := mockservertest.NewServer(t, mockserver.WithSeed(3))
	send := func(method, target string) {
		t.Helper()
		req, err := http.NewRequest(method, target, nil)
		require.NoError(t, err)
		res, err := srv.Client().Do(req)
		require.NoError(t, err)
		res.Body.Close()
	}
	for range 3 {
		send(http.MethodGet, srv.OracleURL("42"))
	}
	send(http.MethodGet, srv.OracleURL("421"))
	send(http.MethodGet, srv.OracleURL("42")+"?__code=404")
	send(http.MethodHead, srv.OracleURL("42"))
	send(http.MethodGet, srv.EsriURL(mockserver.ExampleTaskGroupJobID, mockserver.ExampleTaskOperationID))
	send(http.MethodGet, srv.EsriURL(mockserver.ExampleTaskGroupJobID, "B6208AD7-D10C-4E1C-AB8A-6CA429AD559C"))
	send(http.MethodGet, srv.URL+mockserver.HealthPath)

	path := mockserver.OraclePrefix + "42"
	assert.Equal(t, 4, srv.Count(http.MethodGet, path), "the query is ignored; 421 is another path")
	assert.Equal(t, 4, srv.Count("get", path), "any letter case")
	assert.Equal(t, 5, srv.Count("", path), "any method")
	assert.Equal(t, 1, srv.Count(http.MethodHead, path))
	assert.Equal(t, 0, srv.Count(http.MethodGet, mockserver.OraclePrefix+"4"), "a path is not a prefix")
	assert.Equal(t, 2, srv.Count(http.MethodGet, mockserver.EsriPath), "every task of getTask")
	assert.Equal(t, 0, srv.Count(http.MethodGet, mockserver.HealthPath), "the health check is not journaled")

	all := srv.Requests()
	require.Len(t, all, 8)
	for i, e := range all {
		assert.Equal(t, uint64(i+1), e.Seq, "oldest first")
	}
	assert.Equal(t, "421", all[3].TaskID)
	notFound := srv.RequestsMatching(mockserver.JournalFilter{Status: http.StatusNotFound, Limit: 1})
	require.Len(t, notFound, 1)
	assert.Equal(t, "__code=404", notFound[0].Query)

	srv.ClearRequests()
	assert.Empty(t, srv.Requests())
	assert.Equal(t, 0, srv.Count("", path))
}

// TestRequestsListAnAnswerAlreadyRead: an answer larger than the server's
// buffers reaches the client before the handler returns; Requests waits
// for it to be journaled all the same.
func TestRequestsListAnAnswerAlreadyRead(t *testing.T) {
	srv := mockservertest.NewServer(t, mockserver.WithAdmin())
	var task map[string]any
	b, err := os.ReadFile("../testdata/oracle-get-task-example.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &task))
	task["id"] = "big"
	task["description"] = strings.Repeat("x", 200<<10)
	b, err = json.Marshal(task)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPut, srv.URL+mockserver.AdminPrefix+"tasks/oracle/big", bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set(mockserver.AdminHeader, "1")
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode)

	for i := 1; i <= 100; i++ {
		res, err := srv.Client().Get(srv.OracleURL("big"))
		require.NoError(t, err)
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		require.NoError(t, err)
		require.Equal(t, i, srv.Count(http.MethodGet, mockserver.OraclePrefix+"big"), "after answer %d", i)
	}
}

func TestRequestsFailWithoutAWholeJournal(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []mockserver.Option
		msg  string
	}{
		{"off", []mockserver.Option{mockserver.WithJournal(0)}, "mockservertest: the request journal is off (mockserver.WithJournal(0)): there are no requests to list"},
		{"dropped", []mockserver.Option{mockserver.WithJournal(2)}, "mockservertest: the request journal dropped 1 exchanges, the oldest, beyond its 2: start the server with a larger mockserver.WithJournal"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeTB{TB: t}
			srv := mockservertest.NewServer(ft, tt.opts...)
			for range 3 {
				res, err := srv.Client().Get(srv.OracleURL("42"))
				require.NoError(t, err)
				res.Body.Close()
			}
			func() {
				defer func() { _ = recover() }()
				srv.Count(http.MethodGet, mockserver.OraclePrefix+"42")
			}()
			assert.True(t, ft.failed)
			assert.Equal(t, tt.msg, ft.msg)
		})
	}
}
