package mockserver_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/specs"
)

func TestControlEsriCodes(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		code     int
		message  string
		extended bool
	}{
		{400, "Unable to complete operation.", false},
		{403, "You do not have permissions to access this resource or perform this operation.", false},
		{404, "Not Found", false},
		{498, "Invalid token.", false},
		{499, "Token Required", false},
		{500, "Error performing getTask operation", false},
		{-2147211775, "No task group found with the specified parameters.", true},
	}
	for _, tt := range tests {
		for _, via := range []string{"header", "query", "form"} {
			t.Run(strconv.Itoa(tt.code)+" by "+via, func(t *testing.T) {
				var req *http.Request
				switch via {
				case "header":
					req = httptest.NewRequest(http.MethodGet, esriURL(esriQuery("json")), nil)
					req.Header.Set("Prefer", "code="+strconv.Itoa(tt.code))
				case "query":
					req = httptest.NewRequest(http.MethodGet, esriURL(esriQuery("json", "__code", strconv.Itoa(tt.code))), nil)
				case "form":
					req = httptest.NewRequest(http.MethodPost, "http://mock.test/arcgis/rest/services/S/TopographicProductionServer/workflows/tasks/getTask",
						stringsReader(esriQuery("json", "__code", strconv.Itoa(tt.code)).Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				a := do(t, s, req)
				require.Equal(t, http.StatusOK, a.status, "ArcGIS errors come with HTTP 200")
				e := decodeEsri(t, a.body)
				require.NotNil(t, e.Error, a.text())
				assert.Equal(t, tt.message, e.Error.Message)
				if tt.extended {
					require.NotNil(t, e.Error.ExtendedCode)
					assert.Equal(t, tt.code, *e.Error.ExtendedCode)
					require.NotNil(t, e.Success)
					assert.False(t, *e.Success)
				} else {
					require.NotNil(t, e.Error.Code)
					assert.Equal(t, tt.code, *e.Error.Code)
				}
				requireVendorError(t, specs.Esri, a)
				if via == "header" {
					assert.Equal(t, "code="+strconv.Itoa(tt.code), a.header.Get("Preference-Applied"))
				}
			})
		}
	}
	t.Run("code=200 is the task", func(t *testing.T) {
		a := get(t, s, esriURL(esriQuery("json")), "Prefer", "code=200")
		requireValid(t, specs.Esri, a)
	})
}

func TestControlOracleCodes(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		code       int
		detail     string
		retryAfter bool
	}{
		{401, "The access token is missing, invalid or expired.", false},
		{404, "Task not found for given ID", false},
		{429, "Too many requests", true},
		{500, "Internal server error", false},
		{503, "Too many exceptions or too slow requests", true},
	}
	for _, tt := range tests {
		for _, via := range []string{"header", "query"} {
			t.Run(strconv.Itoa(tt.code)+" by "+via, func(t *testing.T) {
				var a answer
				if via == "header" {
					a = get(t, s, oracleURL(taskID, nil), "Prefer", "code="+strconv.Itoa(tt.code))
				} else {
					a = get(t, s, oracleURL(taskID, url.Values{"__code": {strconv.Itoa(tt.code)}}))
				}
				require.Equal(t, tt.code, a.status)
				assert.Equal(t, "application/json; charset=utf-8", a.header.Get("Content-Type"))
				p := decodeProblem(t, a.body)
				assert.Equal(t, tt.code, p.Status)
				assert.Equal(t, http.StatusText(tt.code), p.Title)
				assert.Equal(t, tt.detail, p.Detail)
				assert.Equal(t, strconv.Itoa(tt.code), p.ErrorCode)
				assert.Regexp(t, `^https://`, p.Type)
				if tt.retryAfter {
					assert.Equal(t, "1", a.header.Get("Retry-After"))
				}
				if tt.code == 401 {
					assert.Contains(t, a.header.Get("WWW-Authenticate"), "Bearer")
				}
				requireVendorError(t, specs.Oracle, a)
			})
		}
	}
}

func TestControlConstraints(t *testing.T) {
	s := newServer(t)
	t.Run("esri example=seed", func(t *testing.T) {
		a := get(t, s, esriURL(esriQuery("json")), "Prefer", "example=seed")
		requireValid(t, specs.Esri, a)
		assert.Equal(t, "example=seed", a.header.Get("Preference-Applied"))
	})
	t.Run("oracle example=seed with several preferences", func(t *testing.T) {
		a := get(t, s, oracleURL(taskID, nil), "Prefer", "example=seed, state=COMPLETED", "Prefer", "return=minimal")
		requireValid(t, specs.Oracle, a)
		assert.Equal(t, "example=seed, state=COMPLETED", a.header.Get("Preference-Applied"))
	})
	t.Run("status in any letter case", func(t *testing.T) {
		a := get(t, s, esriURL(esriQuery("json", "__status", "NEW")))
		requireValid(t, specs.Esri, a)
	})
	t.Run("unknown preferences are ignored", func(t *testing.T) {
		a := get(t, s, oracleURL(taskID, nil), "Prefer", "respond-async, wait=10, handling=strict")
		requireValid(t, specs.Oracle, a)
		assert.Empty(t, a.header.Get("Preference-Applied"))
	})
	t.Run("a query parameter wins over the header", func(t *testing.T) {
		a := get(t, s, oracleURL(taskID, url.Values{"__code": {"200"}}), "Prefer", "code=500")
		assert.Equal(t, http.StatusOK, a.status)
	})
}

func TestControlErrors(t *testing.T) {
	s := newServer(t)
	esri := []struct {
		name, prefer string
		query        url.Values
	}{
		{"undocumented code", "code=418", nil},
		{"code not a number", `code="abc"`, nil},
		{"unknown example", "example=other", nil},
		{"unknown status", "status=paused", nil},
		{"state is Oracle's", "state=COMPLETED", nil},
		{"delay too long", "delay=21s", nil},
		{"delay negative", "delay=-1s", nil},
		{"delay not a duration", "delay=soon", nil},
		{"by query", "", esriQuery("json", "__code", "999")},
	}
	for _, tt := range esri {
		t.Run("esri "+tt.name, func(t *testing.T) {
			q := tt.query
			if q == nil {
				q = esriQuery("json")
			}
			a := get(t, s, esriURL(q), "Prefer", tt.prefer)
			require.Equal(t, http.StatusOK, a.status)
			assert.NotEmpty(t, a.header.Get("Taskmock-Error"), "the mock says it is its own error")
			e := decodeEsri(t, a.body)
			require.NotNil(t, e.Error, a.text())
			assert.Equal(t, 400, *e.Error.Code)
			require.Len(t, e.Error.Details, 1)
			assert.Equal(t, a.header.Get("Taskmock-Error"), e.Error.Details[0])
			requireVendorError(t, specs.Esri, a)
		})
	}

	oracle := []struct {
		name, prefer string
	}{
		{"undocumented code", "code=400"},
		{"unknown state", "state=DONE"},
		{"status is Esri's", "status=completed"},
		{"substate that does not fit the state", "state=ASSIGNED, substate=EXPIRED"},
		{"unknown substate", "substate=NAPPING"},
		{"priority out of range", "priority=4"},
		{"seed is COMPLETED", "example=seed, state=ASSIGNED"},
		{"seed is EXPIRED", "example=seed, substate=CLAIMED"},
		{"seed has priority 2", "example=seed, priority=1"},
	}
	for _, tt := range oracle {
		t.Run("oracle "+tt.name, func(t *testing.T) {
			a := get(t, s, oracleURL(taskID, nil), "Prefer", tt.prefer)
			require.Equal(t, http.StatusBadRequest, a.status)
			msg := a.header.Get("Taskmock-Error")
			assert.NotEmpty(t, msg)
			p := decodeProblem(t, a.body)
			assert.Equal(t, 400, p.Status)
			assert.Equal(t, "taskmock: "+msg, p.Detail)
			assert.Equal(t, "TASKMOCK-CONTROL", p.ErrorCode)
			// Oracle documents no 400: the validator says so, and nothing else.
			assert.Equal(t, []contract.Rule{contract.RuleStatusUndocumented}, check(t, specs.Oracle, a))
		})
	}

	t.Run("a control given twice with different values", func(t *testing.T) {
		a := get(t, s, oracleURL(taskID, url.Values{"__code": {"200", "404"}}))
		require.Equal(t, http.StatusBadRequest, a.status)
		assert.Equal(t, `__code: given 2 times with different values`, a.header.Get("Taskmock-Error"))
		a = get(t, s, oracleURL(taskID, url.Values{"__code": {"404", "404"}}))
		assert.Equal(t, http.StatusNotFound, a.status, "the same value twice is that value")
	})

	t.Run("messages quote the value safely", func(t *testing.T) {
		a := get(t, s, oracleURL(taskID, url.Values{"__code": {"<b>\u00e9\x01x"}}))
		assert.Equal(t, `__code: expected one of 200, 401, 404, 429, 500, 503, found "<b>\u00e9\x01x"`, a.header.Get("Taskmock-Error"))
	})
}

func TestControlDelay(t *testing.T) {
	s := newServer(t)
	for _, d := range []string{"120ms", "120"} {
		start := time.Now()
		a := get(t, s, oracleURL(taskID, nil), "Prefer", "delay="+d)
		assert.GreaterOrEqual(t, time.Since(start), 120*time.Millisecond, d)
		requireValid(t, specs.Oracle, a)
	}

	t.Run("a cancelled request stops waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, esriURL(esriQuery("json", "__delay", "20s")), nil)
		done := make(chan struct{})
		go func() {
			s.ServeHTTP(httptest.NewRecorder(), req)
			close(done)
		}()
		time.Sleep(20 * time.Millisecond)
		cancel()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Fatal("the handler kept waiting after the request was cancelled")
		}
	})
}

// TestDelayOutsideWriteTimeout: the wait before an answer, a Prefer delay
// on top of the injected latency, is not counted in the write timeout of
// the server that runs the mock: a delayed answer is written whole, never
// cut to an empty reply while the log says 200.
func TestDelayOutsideWriteTimeout(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	h := newServer(t, mockserver.WithLatency(150*time.Millisecond, 150*time.Millisecond),
		mockserver.WithLogger(slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))))
	srv := httptest.NewUnstartedServer(h)
	srv.Config.WriteTimeout = 200 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)

	tests := []struct {
		name, target, prefer string
		api                  specs.Name
	}{
		{"oracle", srv.URL + mockserver.OraclePrefix + taskID, "delay=150ms", specs.Oracle},
		{"esri", srv.URL + mockserver.EsriPath + "?" + esriQuery("json").Encode(), "delay=150ms", specs.Esri},
		{"esri by query", srv.URL + mockserver.EsriPath + "?" + esriQuery("json", "__delay", "150").Encode(), "", specs.Esri},
		{"latency and a short delay", srv.URL + mockserver.OraclePrefix + taskID, "delay=100ms", specs.Oracle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, tt.target, nil)
			require.NoError(t, err)
			if tt.prefer != "" {
				req.Header.Set("Prefer", tt.prefer)
			}
			start := time.Now()
			res, err := srv.Client().Do(req)
			require.NoError(t, err, "the answer is written, not cut")
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			assert.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.NotEmpty(t, body)
			rules := []contract.Rule{}
			for _, v := range newValidator(t).Validate(contract.Exchange{API: tt.api, Status: res.StatusCode, Header: res.Header, Body: body}).Violations {
				rules = append(rules, v.Rule)
			}
			assert.Empty(t, rules)
		})
	}
	mu.Lock()
	defer mu.Unlock()
	assert.NotContains(t, logs.String(), "level=WARN", "no answer was cut")
}

// lockedWriter serializes the writes of a log shared by goroutines.
type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
