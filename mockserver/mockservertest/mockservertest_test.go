package mockservertest_test

import (
	"fmt"
	"io"
	"net/http"
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
