package mockserver_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/specs"
)

// chromePreflight builds the preflight Chrome sends before a cross-origin
// GET of an Oracle task with oci-original-url and Authorization headers
// (Accept-Language is safelisted, so it is not listed).
func chromePreflight(origin string) *http.Request {
	req := httptest.NewRequest(http.MethodOptions, "http://127.0.0.1:4010/process/api/v1/tasks/"+taskID, nil)
	h := req.Header
	h.Set("Accept", "*/*")
	h.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	h.Set("Accept-Language", "en-US,en;q=0.9")
	h.Set("Access-Control-Request-Headers", "authorization,oci-original-url")
	h.Set("Access-Control-Request-Method", "GET")
	h.Set("Connection", "keep-alive")
	h.Set("Origin", origin)
	h.Set("Referer", origin+"/")
	h.Set("Sec-Fetch-Dest", "empty")
	h.Set("Sec-Fetch-Mode", "cors")
	h.Set("Sec-Fetch-Site", "cross-site")
	h.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
	return req
}

func TestCORSPreflight(t *testing.T) {
	t.Run("any origin by default", func(t *testing.T) {
		a := do(t, newServer(t, mockserver.WithRequireAuth()), chromePreflight("http://localhost:5173"))
		require.Equal(t, http.StatusNoContent, a.status, "a preflight needs no credentials")
		h := a.header
		assert.Equal(t, "*", h.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "GET, HEAD, OPTIONS", h.Get("Access-Control-Allow-Methods"))
		assert.Equal(t, "authorization,oci-original-url", h.Get("Access-Control-Allow-Headers"), "the headers asked for")
		assert.Equal(t, "600", h.Get("Access-Control-Max-Age"))
		assert.Equal(t, []string{"Access-Control-Request-Headers"}, h.Values("Vary"))
		assert.Empty(t, a.body)
	})
	t.Run("esri", func(t *testing.T) {
		req := chromePreflight("http://localhost:5173")
		req.URL.Path = mockserver.EsriPath
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "x-esri-authorization")
		a := do(t, newServer(t), req)
		require.Equal(t, http.StatusNoContent, a.status)
		assert.Equal(t, "GET, HEAD, POST, OPTIONS", a.header.Get("Access-Control-Allow-Methods"))
		assert.Equal(t, "x-esri-authorization", a.header.Get("Access-Control-Allow-Headers"))
	})
	t.Run("a restricted origin", func(t *testing.T) {
		s := newServer(t, mockserver.WithCORSOrigin("http://localhost:5173", "https://app.example.com"))
		a := do(t, s, chromePreflight("http://localhost:5173"))
		assert.Equal(t, "http://localhost:5173", a.header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, []string{"Origin", "Access-Control-Request-Headers"}, a.header.Values("Vary"))

		a = do(t, s, chromePreflight("https://evil.example.com"))
		assert.Equal(t, http.StatusNoContent, a.status)
		assert.Empty(t, a.header.Get("Access-Control-Allow-Origin"), "the browser refuses")
		assert.Empty(t, a.header.Get("Access-Control-Allow-Headers"))
		assert.Equal(t, []string{"Origin"}, a.header.Values("Vary"))
	})
	t.Run("private network access", func(t *testing.T) {
		req := chromePreflight("https://app.example.com")
		req.Header.Set("Access-Control-Request-Private-Network", "true")
		a := do(t, newServer(t), req)
		assert.Equal(t, "true", a.header.Get("Access-Control-Allow-Private-Network"))
	})
}

// TestCORSRequestHeaders: a preflight to either API is granted the request
// headers it asks for, whatever they are, so that a page sending
// X-Requested-With or traceparent works in the browser; a list that is not
// one of header names gets the default list.
func TestCORSRequestHeaders(t *testing.T) {
	const defaults = "Authorization, Accept-Language, oci-original-url, X-Esri-Authorization, Prefer, Content-Type"
	tests := []struct {
		name  string
		asked []string // Access-Control-Request-Headers, one value per line
		want  string
	}{
		{"x-requested-with", []string{"x-requested-with"}, "x-requested-with"},
		{"tracing", []string{"traceparent,tracestate"}, "traceparent,tracestate"},
		{"as Chrome lists them", []string{"authorization,prefer,traceparent,x-requested-with"}, "authorization,prefer,traceparent,x-requested-with"},
		{"any letter case and spaces", []string{"X-Requested-With, Traceparent"}, "X-Requested-With, Traceparent"},
		{"on two lines", []string{"x-a", "x-b"}, "x-a,x-b"},
		{"none asked", nil, defaults},
		{"empty", []string{""}, defaults},
		{"only commas", []string{" , ,"}, defaults},
		{"not header names", []string{"x-a, x b"}, defaults},
		{"a line break", []string{"x-a\r\nSet-Cookie: a=b"}, defaults},
		{"too long", []string{strings.Repeat("x-abcdefgh,", 500)}, defaults},
	}
	s := newServer(t)
	for _, tt := range tests {
		for _, target := range []string{oracleURL(taskID, nil), esriURL(esriQuery("json"))} {
			t.Run(tt.name, func(t *testing.T) {
				req := httptest.NewRequest(http.MethodOptions, target, nil)
				req.Header.Set("Origin", "https://app.example.com")
				req.Header.Set("Access-Control-Request-Method", "GET")
				for _, v := range tt.asked {
					req.Header.Add("Access-Control-Request-Headers", v)
				}
				a := do(t, s, req)
				require.Equal(t, http.StatusNoContent, a.status)
				assert.Equal(t, "*", a.header.Get("Access-Control-Allow-Origin"))
				assert.Equal(t, tt.want, a.header.Get("Access-Control-Allow-Headers"))
				assert.Contains(t, a.header.Values("Vary"), "Access-Control-Request-Headers")
			})
		}
	}
}

func TestCORSActualRequest(t *testing.T) {
	t.Run("any origin", func(t *testing.T) {
		a := get(t, newServer(t), oracleURL(taskID, nil), "Origin", "http://localhost:5173", "Authorization", "Bearer x",
			"oci-original-url", "https://opa.example.com/process/api/v1/tasks/"+taskID)
		requireValid(t, specs.Oracle, a)
		assert.Equal(t, "*", a.header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "Retry-After, Content-Language, WWW-Authenticate, Preference-Applied, Taskmock-Error", a.header.Get("Access-Control-Expose-Headers"))
	})
	t.Run("errors carry CORS headers too", func(t *testing.T) {
		a := get(t, newServer(t), oracleURL(taskID, nil), "Origin", "http://localhost:5173", "Prefer", "code=429")
		assert.Equal(t, http.StatusTooManyRequests, a.status)
		assert.Equal(t, "*", a.header.Get("Access-Control-Allow-Origin"))
		assert.Contains(t, a.header.Get("Access-Control-Expose-Headers"), "Retry-After")
	})
	t.Run("restricted", func(t *testing.T) {
		s := newServer(t, mockserver.WithCORSOrigin("http://localhost:5173"))
		a := get(t, s, esriURL(esriQuery("json")), "Origin", "http://LOCALHOST:5173")
		assert.Equal(t, "http://LOCALHOST:5173", a.header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, []string{"Origin"}, a.header.Values("Vary"))

		a = get(t, s, esriURL(esriQuery("json")), "Origin", "http://localhost:8080")
		assert.Empty(t, a.header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, []string{"Origin"}, a.header.Values("Vary"))

		a = get(t, s, esriURL(esriQuery("json")))
		assert.Equal(t, []string{"Origin"}, a.header.Values("Vary"), "the answer varies with Origin")
	})
	t.Run("no Origin, no CORS headers", func(t *testing.T) {
		a := get(t, newServer(t), oracleURL(taskID, nil))
		assert.Empty(t, a.header.Get("Access-Control-Allow-Origin"))
	})
}
