package mockserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/specs"
)

// esriEnvelope is the ArcGIS error envelope.
type esriEnvelope struct {
	Error *struct {
		Code         *int     `json:"code"`
		ExtendedCode *int     `json:"extendedCode"`
		Message      string   `json:"message"`
		Details      []string `json:"details"`
	} `json:"error"`
	Success *bool `json:"success"`
	Task    *struct {
		TaskOperationID string `json:"taskOperationId"`
		Status          string `json:"status"`
	} `json:"task"`
}

func decodeEsri(t *testing.T, body []byte) esriEnvelope {
	t.Helper()
	var e esriEnvelope
	require.NoError(t, json.Unmarshal(body, &e), "body: %s", body)
	return e
}

func TestEsriFormats(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		name        string
		query       url.Values
		contentType string
		prefix      string // the body starts with it
		suffix      string
	}{
		{"json is compact", esriQuery("json"), "application/json; charset=utf-8", `{"task":{`, `"success":true}`},
		{"pjson is indented as ArcGIS does", esriQuery("pjson"), "application/json; charset=utf-8", "{\n \"task\": {\n  \"taskWorkId\"", "\n \"success\": true\n}"},
		{"f in any letter case", esriQuery("JSON"), "application/json; charset=utf-8", `{"task":{`, `}`},
		{"html", esriQuery("html"), "text/html; charset=utf-8", "<!DOCTYPE html>", "</html>\n"},
		{"f absent is html, the documented default", esriQuery(""), "text/html; charset=utf-8", "<!DOCTYPE html>", "</html>\n"},
		{"jsonp", esriQuery("json", "callback", "handleTask"), "application/javascript; charset=utf-8", `handleTask({"task":{`, `});`},
		{"jsonp with a dotted name", esriQuery("json", "callback", "app.tasks.$show_1"), "application/javascript; charset=utf-8", `app.tasks.$show_1({"task":`, `});`},
		{"callback is ignored with pjson", esriQuery("pjson", "callback", "handleTask"), "application/json; charset=utf-8", "{\n \"task\"", "}"},
		{"callback is ignored with html", esriQuery("html", "callback", "handleTask"), "text/html; charset=utf-8", "<!DOCTYPE html>", "</html>\n"},
		{"any prefix before TopographicProductionServer", nil, "application/json; charset=utf-8", `{"task":{`, `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := esriURL(tt.query)
			if tt.query == nil {
				target = "http://mock.test/server/rest/services/Folder/Svc/MapServer/exts/TopographicProductionServer/workflows/tasks/getTask?" + esriQuery("json").Encode()
			}
			a := get(t, s, target)
			require.Equal(t, http.StatusOK, a.status)
			assert.Equal(t, tt.contentType, a.header.Get("Content-Type"))
			assert.Equal(t, "nosniff", a.header.Get("X-Content-Type-Options"))
			assert.True(t, strings.HasPrefix(a.text(), tt.prefix), "body: %s", a.text())
			assert.True(t, strings.HasSuffix(a.text(), tt.suffix), "body: %s", a.text())
			requireValid(t, specs.Esri, a)
		})
	}
}

func TestEsriSeedExampleByteForByte(t *testing.T) {
	// The reference page's example is pjson: asked with its own ids, the
	// mock gives it back byte for byte, but for the file's final newline.
	want, err := os.ReadFile("testdata/esri-getTask-example.json")
	require.NoError(t, err)
	a := get(t, newServer(t), esriURL(esriQuery("pjson", "__example", "seed")))
	assert.Equal(t, strings.TrimSuffix(string(want), "\n"), a.text())
}

func TestEsriEchoesTaskOperationID(t *testing.T) {
	s := newServer(t)
	for _, id := range []string{
		"0d4e6a4c-1f0b-4bb1-9f53-6c3c7f6e2a10",
		"{0D4E6A4C-1F0B-4BB1-9F53-6C3C7F6E2A10}",
		"0D4E6A4C-1F0B-4BB1-9F53-6C3C7F6E2A10",
	} {
		t.Run(id, func(t *testing.T) {
			a := get(t, s, esriURL(esriQuery("json", "taskOperationId", id)))
			requireValid(t, specs.Esri, a)
			e := decodeEsri(t, a.body)
			require.NotNil(t, e.Task)
			assert.Equal(t, id, e.Task.TaskOperationID)
		})
	}
}

func TestEsriParameterErrors(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		name    string
		query   url.Values
		message string
		details []string
	}{
		{"taskGroupJobId missing", url.Values{"taskOperationId": {opID}, "f": {"json"}},
			"Unable to complete operation.", []string{"Invalid or missing input parameters: taskGroupJobId"}},
		{"taskOperationId empty", esriQuery("json", "taskOperationId", ""),
			"Unable to complete operation.", []string{"Invalid or missing input parameters: taskOperationId"}},
		{"both missing", url.Values{"f": {"json"}},
			"Unable to complete operation.", []string{"Invalid or missing input parameters: taskGroupJobId", "Invalid or missing input parameters: taskOperationId"}},
		{"not a GUID", esriQuery("json", "taskGroupJobId", "42"),
			"Unable to complete operation.", []string{"Invalid or missing input parameters: taskGroupJobId"}},
		{"unknown format", esriQuery("xml"),
			"Invalid format", []string{"Supported formats: html, json, pjson"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := get(t, s, esriURL(tt.query))
			require.Equal(t, http.StatusOK, a.status, "ArcGIS answers errors with HTTP 200")
			assert.Equal(t, "application/json; charset=utf-8", a.header.Get("Content-Type"))
			e := decodeEsri(t, a.body)
			require.NotNil(t, e.Error, a.text())
			assert.Equal(t, 400, *e.Error.Code)
			assert.Equal(t, tt.message, e.Error.Message)
			assert.Equal(t, tt.details, e.Error.Details)
			requireVendorError(t, specs.Esri, a)
		})
	}

	t.Run("pjson errors are indented", func(t *testing.T) {
		a := get(t, s, esriURL(esriQuery("pjson", "taskGroupJobId", "")))
		assert.Equal(t, "{\n \"error\": {\n  \"code\": 400,\n  \"message\": \"Unable to complete operation.\",\n  \"details\": [\n   \"Invalid or missing input parameters: taskGroupJobId\"\n  ]\n }\n}", a.text())
		requireVendorError(t, specs.Esri, a)
	})
	t.Run("jsonp errors are wrapped", func(t *testing.T) {
		a := get(t, s, esriURL(esriQuery("json", "taskGroupJobId", "", "callback", "cb")))
		assert.Equal(t, "application/javascript; charset=utf-8", a.header.Get("Content-Type"))
		assert.True(t, strings.HasPrefix(a.text(), `cb({"error":{"code":400,`), a.text())
		requireVendorError(t, specs.Esri, a)
	})
	t.Run("html errors are an HTML page", func(t *testing.T) {
		// ArcGIS's Services Directory shows errors as a page; the validator
		// expects text/html whenever f is html or absent.
		for _, f := range []string{"html", ""} {
			a := get(t, s, esriURL(esriQuery(f, "taskGroupJobId", "")))
			require.Equal(t, http.StatusOK, a.status)
			assert.Equal(t, "text/html; charset=utf-8", a.header.Get("Content-Type"))
			assert.Contains(t, a.text(), "Error: Unable to complete operation.<br>")
			assert.Contains(t, a.text(), "Code: 400<br>")
			assert.Contains(t, a.text(), "Invalid or missing input parameters: taskGroupJobId")
			requireValid(t, specs.Esri, a) // the validator does not read HTML
		}
	})
}

func TestEsriJSONPInjection(t *testing.T) {
	s := newServer(t)
	for _, cb := range []string{
		"alert(1)//",
		"<script>",
		"</script><script>alert(1)</script>",
		"1abc",
		".start",
		"cb;alert(1)",
		"a b",
		"cb\u2028",
		strings.Repeat("a", 129),
	} {
		t.Run(cb, func(t *testing.T) {
			a := get(t, s, esriURL(esriQuery("json", "callback", cb)))
			require.Equal(t, http.StatusOK, a.status)
			assert.Equal(t, "application/json; charset=utf-8", a.header.Get("Content-Type"), "never served as JavaScript")
			assert.NotContains(t, a.text(), cb, "the name is never reflected")
			e := decodeEsri(t, a.body)
			require.NotNil(t, e.Error)
			assert.Equal(t, 400, *e.Error.Code)
			// The validator expects JSONP whenever a callback is given; an
			// unsafe name cannot be wrapped, so the answer is judged as the
			// plain f=json answer it is.
			plain := a
			plain.req = httptest.NewRequest(http.MethodGet, esriURL(esriQuery("json")), nil)
			requireVendorError(t, specs.Esri, plain)
		})
	}
}

func TestEsriHTMLEscapesValues(t *testing.T) {
	s := newServer(t)
	evil := `"><script>alert(1)</script>`
	a := get(t, s, esriURL(esriQuery("html", "taskGroupJobId", evil, "taskOperationId", "<img src=x onerror=alert(1)>")))
	require.Equal(t, http.StatusOK, a.status)
	assert.NotContains(t, a.text(), "<script>alert")
	assert.NotContains(t, a.text(), "<img")
	assert.Contains(t, a.text(), `value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`)
	assert.Contains(t, a.text(), "taskGroupJobId=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E", "links are URL-encoded")
	requireValid(t, specs.Esri, a)
}

func TestEsriHTMLPage(t *testing.T) {
	a := get(t, newServer(t), esriURL(esriQuery("html", "token", "secret-token")))
	body := a.text()
	assert.Contains(t, body, "<title>getTask (TopographicProductionServer)</title>")
	assert.Contains(t, body, "<tr><td><b>taskOperationId:</b></td><td>"+opID+"</td></tr>")
	assert.Regexp(t, `<tr><td><b>status:</b></td><td>\w+</td></tr>`, body)
	assert.Contains(t, body, "<p><b>Success:</b> true</p>")
	assert.Contains(t, body, `Supported formats: <a href="?f=json&amp;taskGroupJobId=`+groupID+`&amp;taskOperationId=`+opID+`">json</a>, <a href="?f=pjson&amp;`)
	assert.NotContains(t, body, "secret-token", "links never carry the token")
}

// arcgisRestRequest builds a request exactly as @esri/arcgis-rest-request
// sends one: POST, a form-encoded body with f=json and the token.
func arcgisRestRequest(token string) *http.Request {
	body := "f=json&taskGroupJobId=" + groupID + "&taskOperationId=" + opID
	if token != "" {
		body += "&token=" + token
	}
	req := httptest.NewRequest(http.MethodPost, "http://localhost:4010"+mockserver.EsriPath, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "*/*")
	req.Header.Set("Origin", "http://localhost:5173")
	req.Header.Set("Referer", "http://localhost:5173/")
	return req
}

func TestEsriFormPost(t *testing.T) {
	s := newServer(t)
	t.Run("as the official JavaScript client sends it", func(t *testing.T) {
		a := do(t, s, arcgisRestRequest("abc.DEF-123"))
		require.Equal(t, http.StatusOK, a.status)
		assert.Equal(t, "application/json; charset=utf-8", a.header.Get("Content-Type"))
		assert.Equal(t, "*", a.header.Get("Access-Control-Allow-Origin"), "a form POST is a simple CORS request")
		e := decodeEsri(t, a.body)
		require.NotNil(t, e.Task)
		assert.Equal(t, opID, e.Task.TaskOperationID)
		requireValid(t, specs.Esri, a)
	})
	t.Run("the form wins over the query", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, esriURL(url.Values{"f": {"html"}, "taskOperationId": {"bad"}}),
			strings.NewReader(esriQuery("json").Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
		a := do(t, s, req)
		assert.Equal(t, "application/json; charset=utf-8", a.header.Get("Content-Type"))
		requireValid(t, specs.Esri, a)
	})
	t.Run("a body over 1 MiB", func(t *testing.T) {
		body := esriQuery("json").Encode() + "&pad=" + strings.Repeat("x", 1<<20)
		req := httptest.NewRequest(http.MethodPost, "http://mock.test"+mockserver.EsriPath+"?f=json", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		a := do(t, s, req)
		assert.Equal(t, http.StatusRequestEntityTooLarge, a.status)
		e := decodeEsri(t, a.body)
		require.NotNil(t, e.Error)
		assert.Equal(t, 413, *e.Error.Code)
	})
	t.Run("a body that is not a form", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "http://mock.test"+mockserver.EsriPath+"?f=json", strings.NewReader(`{"f":"json"}`))
		req.Header.Set("Content-Type", "application/json")
		a := do(t, s, req)
		require.Equal(t, http.StatusOK, a.status)
		e := decodeEsri(t, a.body)
		require.NotNil(t, e.Error)
		assert.Equal(t, []string{"The request body must be application/x-www-form-urlencoded"}, e.Error.Details)
		requireVendorError(t, specs.Esri, a)
	})
}

func TestEsriMethods(t *testing.T) {
	s := newServer(t)
	a := do(t, s, httptest.NewRequest(http.MethodDelete, esriURL(esriQuery("json")), nil))
	assert.Equal(t, http.StatusMethodNotAllowed, a.status)
	assert.Equal(t, "GET, HEAD, POST, OPTIONS", a.header.Get("Allow"))

	a = do(t, s, httptest.NewRequest(http.MethodHead, esriURL(esriQuery("json")), nil))
	assert.Equal(t, http.StatusOK, a.status)

	a = do(t, s, httptest.NewRequest(http.MethodOptions, esriURL(nil), nil))
	assert.Equal(t, http.StatusNoContent, a.status)
	assert.Equal(t, "GET, HEAD, POST, OPTIONS", a.header.Get("Allow"))
}
