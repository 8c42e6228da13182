package mockserver_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/specs"
)

// journalURL is the journal as a tool of this machine reads it.
const journalURL = "http://127.0.0.1:4010" + mockserver.JournalPath

// listJournal reads the journal over HTTP with query q.
func listJournal(t testing.TB, h http.Handler, q string) mockserver.JournalPage {
	t.Helper()
	target := journalURL
	if q != "" {
		target += "?" + q
	}
	a := get(t, h, target)
	require.Equal(t, http.StatusOK, a.status, a.text())
	var page mockserver.JournalPage
	require.NoError(t, json.Unmarshal(a.body, &page), a.text())
	return page
}

func seqs(page mockserver.JournalPage) []uint64 {
	var out []uint64
	for _, e := range page.Requests {
		out = append(out, e.Seq)
	}
	return out
}

func TestJournalRecordsExchanges(t *testing.T) {
	s := newServer(t)
	oracle := get(t, s, oracleURL(taskID, nil), "Prefer", "code=404")
	esri := get(t, s, esriURL(esriQuery("json")))
	form := url.Values{"f": {"json"}, "taskGroupJobId": {groupID}, "taskOperationId": {opID}, "status": {"2"}}
	update := postForm(t, s, "workflows/tasks/updateTask", form)
	require.Equal(t, http.StatusOK, update.status, update.text())
	get(t, s, "http://127.0.0.1:4010"+mockserver.HealthPath)

	page := listJournal(t, s, "")
	require.Len(t, page.Requests, 3, "the health check is not journaled, nor the journal itself")
	assert.Equal(t, []uint64{3, 2, 1}, seqs(page), "newest first")
	assert.Equal(t, uint64(3), page.Latest)
	assert.Equal(t, mockserver.DefaultJournalSize, page.Size)
	assert.Equal(t, 3, page.Held)
	assert.False(t, page.More)

	u, o, g := page.Requests[0], page.Requests[2], page.Requests[1]
	assert.Equal(t, http.MethodGet, o.Method)
	assert.Equal(t, mockserver.OraclePrefix+taskID, o.Path)
	assert.Equal(t, specs.Oracle, o.API)
	assert.Equal(t, taskID, o.TaskID)
	assert.Equal(t, "oracle.404", o.Response)
	assert.Equal(t, http.StatusNotFound, o.Status)
	assert.Equal(t, []string{"code=404"}, o.RequestHeader["Prefer"])
	assert.Equal(t, oracle.text(), o.ResponseBody.Text, "the body as sent")
	assert.Equal(t, int64(len(oracle.body)), o.ResponseBody.Size)
	assert.Equal(t, oracle.header.Get("Content-Type"), o.ResponseHeader.Get("Content-Type"))
	assert.Equal(t, int64(0), o.RequestBody.Size)
	assert.False(t, o.Time.IsZero())

	assert.Equal(t, specs.Esri, g.API)
	assert.Equal(t, opID, g.TaskID)
	assert.Equal(t, esriQuery("json").Encode(), g.Query)
	assert.Equal(t, esri.text(), g.ResponseBody.Text)
	assert.True(t, strings.HasPrefix(g.Response, "esri."), g.Response)

	assert.Equal(t, http.MethodPost, u.Method)
	assert.Equal(t, specs.Esri, u.API)
	assert.Equal(t, opID, u.TaskID, "the ids of a form")
	assert.Equal(t, form.Encode(), u.RequestBody.Text)
	assert.Equal(t, int64(len(form.Encode())), u.RequestBody.Size)
	assert.Equal(t, update.text(), u.ResponseBody.Text)

	direct := s.Journal().List(mockserver.JournalFilter{})
	assert.Equal(t, page.Requests[0].Seq, direct.Requests[0].Seq, "the Go API lists what the HTTP API does")
}

// TestJournalBounds: the ring never holds more than its size, whatever
// the number of requests, and drops the oldest; a request body over the
// limit is kept as its size only, a response body is cut to the limit.
func TestJournalBounds(t *testing.T) {
	t.Run("ring", func(t *testing.T) {
		s := newServer(t, mockserver.WithJournal(5))
		for i := range 12 {
			get(t, s, oracleURL(fmt.Sprintf("task-%d", i), nil))
			page := listJournal(t, s, "")
			assert.LessOrEqual(t, page.Held, 5)
			assert.Len(t, page.Requests, min(i+1, 5))
		}
		page := listJournal(t, s, "")
		assert.Equal(t, []uint64{12, 11, 10, 9, 8}, seqs(page))
		assert.Equal(t, uint64(7), page.Dropped)
		assert.Equal(t, "task-11", page.Requests[0].TaskID)
	})
	t.Run("request body over the limit", func(t *testing.T) {
		s := newServer(t)
		big := url.Values{"f": {"json"}, "taskGroupJobId": {groupID}, "taskOperationId": {opID}, "note": {strings.Repeat("n", mockserver.JournalBodyLimit)}}
		a := postForm(t, s, "workflows/tasks/getTask", big)
		require.Equal(t, http.StatusOK, a.status)
		e := listJournal(t, s, "").Requests[0]
		assert.Equal(t, int64(len(big.Encode())), e.RequestBody.Size)
		assert.Empty(t, e.RequestBody.Text)
		assert.Contains(t, e.RequestBody.Omitted, "over the journal's limit")
		assert.Equal(t, opID, e.TaskID, "the form was read whole all the same")
	})
	t.Run("response body cut", func(t *testing.T) {
		s := newServer(t, mockserver.WithAdmin())
		var task map[string]any
		require.NoError(t, json.Unmarshal([]byte(readTestdata(t, "oracle-get-task-example.json")), &task))
		task["id"] = "big"
		task["description"] = strings.Repeat("é", mockserver.JournalBodyLimit) // two bytes each
		b, err := json.Marshal(task)
		require.NoError(t, err)
		put := sendAdmin(t, s, http.MethodPut, adminURL+"tasks/oracle/big", string(b))
		require.Equal(t, http.StatusCreated, put.status, put.text())
		a := get(t, s, oracleURL("big", nil))
		require.Equal(t, http.StatusOK, a.status, a.text())
		require.Greater(t, len(a.body), mockserver.JournalBodyLimit)

		e := listJournal(t, s, "").Requests[0]
		assert.Equal(t, "big", e.TaskID)
		assert.Equal(t, int64(len(a.body)), e.ResponseBody.Size)
		assert.True(t, e.ResponseBody.Truncated)
		assert.LessOrEqual(t, len(e.ResponseBody.Text), mockserver.JournalBodyLimit)
		assert.Greater(t, len(e.ResponseBody.Text), mockserver.JournalBodyLimit-4)
		assert.True(t, strings.HasPrefix(a.text(), e.ResponseBody.Text), "the first bytes, cut between characters")
	})
}

// TestJournalRedaction: no credential of a request appears in the
// journal's JSON, in any encoding, even when the mock echoes it in a path
// or a body.
func TestJournalRedaction(t *testing.T) {
	const secret = "Zq9/Tok+en.Secret~7"
	const password = "pa55/w0rd+Secret"
	basic := base64.StdEncoding.EncodeToString([]byte("alice:" + password))
	var logs strings.Builder
	s := newServer(t, mockserver.WithSelfCheck(), mockserver.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))

	// A token in the query, and the same in an unknown operation's path,
	// which the mock's error quotes.
	unknown := "http://mock.test/arcgis/rest/services/SampleService/TopographicProductionServer/" + url.PathEscape(secret) +
		"?f=json&token=" + url.QueryEscape(secret)
	echo := get(t, s, unknown)
	require.Contains(t, echo.text(), "Tok+en", "the mock echoes the path")
	get(t, s, esriURL(esriQuery("json", "token", secret)))
	get(t, s, esriURL(esriQuery("pjson", "token", secret)))
	get(t, s, esriURL(esriQuery("html", "token", secret)))
	postForm(t, s, "workflows/tasks/getTask", esriQuery("json", "token", secret))
	// An Oracle task whose id is the bearer token: the answer holds it.
	get(t, s, oracleURL(url.PathEscape(secret), nil), "Authorization", "Bearer "+secret)
	get(t, s, oracleURL(taskID, nil), "Authorization", "Basic "+basic, "X-Esri-Authorization", "Bearer "+secret)
	// Tokens in request bodies that are not URL-encoded forms: a JSON
	// body's member, a multipart form's field.
	reassign := httptest.NewRequest(http.MethodPost, "http://mock.test/process/api/v1/tasks/"+taskID+"/reassign",
		strings.NewReader(`{"identities":[{"id":"Finance","type":"GROUP"}],"access_token":"`+secret+`"}`))
	reassign.Header.Set("Content-Type", "application/json")
	do(t, s, reassign)
	var mp strings.Builder
	mw := multipart.NewWriter(&mp)
	require.NoError(t, mw.WriteField("f", "json"))
	require.NoError(t, mw.WriteField("token", secret))
	require.NoError(t, mw.Close())
	form := httptest.NewRequest(http.MethodPost, esriURL(nil), strings.NewReader(mp.String()))
	form.Header.Set("Content-Type", mw.FormDataContentType())
	do(t, s, form)

	a := get(t, s, journalURL)
	require.Equal(t, http.StatusOK, a.status)
	var page mockserver.JournalPage
	require.NoError(t, json.Unmarshal(a.body, &page))
	require.Len(t, page.Requests, 9)

	// The request log names the same paths, redacted alike.
	text := a.text() + logs.String()
	for _, v := range []string{secret, password, basic} {
		j, _ := json.Marshal(v)
		forms := map[string]string{
			"as sent":          v,
			"query-escaped":    url.QueryEscape(v),
			"path-escaped":     url.PathEscape(v),
			"base64":           base64.StdEncoding.EncodeToString([]byte(v)),
			"base64 url":       base64.RawURLEncoding.EncodeToString([]byte(v)),
			"JSON":             strings.Trim(string(j), `"`),
			"ASCII-quoted":     strings.Trim(strconv.QuoteToASCII(v), `"`),
			"a piece of it":    v[:len(v)-3],
			"HTML, + as &#43;": strings.ReplaceAll(v, "+", "&#43;"),
		}
		for name, f := range forms {
			if i := strings.Index(text, f); i >= 0 {
				t.Errorf("the journal holds %s of %q: …%s…", name, v, text[max(0, i-80):min(len(text), i+len(f)+20)])
			}
		}
		for _, e := range page.Requests {
			for _, body := range []mockserver.JournalBody{e.RequestBody, e.ResponseBody} {
				assert.False(t, strings.Contains(string(body.Bytes()), v), "entry %d holds %q in a body", e.Seq, v)
			}
		}
	}
	assert.Contains(t, text, "REDACTED")
	for _, e := range page.Requests {
		if auth := e.RequestHeader.Get("Authorization"); auth != "" {
			assert.Equal(t, "REDACTED", auth)
		}
	}
	assert.Equal(t, "/arcgis/rest/services/SampleService/TopographicProductionServer/REDACTED", page.Requests[8].Path)
	assert.Equal(t, "f=json&token=REDACTED", page.Requests[8].Query)
}

// TestJournalRedactsCredentialNamedParameters: a parameter whose name
// holds a credential word (password, client_secret, refresh_token,
// id_token, X-Amz-Signature), in a query, a form or a JSON body, is hidden
// as a header of such a name is.
func TestJournalRedactsCredentialNamedParameters(t *testing.T) {
	s := newServer(t)
	values := map[string]string{"password": "PwQuery-1", "client_secret": "CsQuery-1", "refresh_token": "RtQuery-1",
		"id_token": "ItQuery-1", "X-Amz-Signature": "SigQuery-1", "sig": "SgQuery-1"}
	q := url.Values{}
	for k, v := range values {
		q.Set(k, v)
	}
	get(t, s, oracleURL(taskID, q))
	form := esriQuery("json", "password", "PwForm-1")
	form.Set("client_secret", "CsForm-1")
	postForm(t, s, "workflows/tasks/getTask", form)
	reassign := httptest.NewRequest(http.MethodPost, "http://mock.test/process/api/v1/tasks/"+taskID+"/reassign",
		strings.NewReader(`{"identities":[{"id":"Finance","type":"GROUP"}],"comment":"x","password":"PwJson-1","refresh_token":"RtJson-1"}`))
	reassign.Header.Set("Content-Type", "application/json")
	do(t, s, reassign)

	a := get(t, s, journalURL)
	require.Equal(t, http.StatusOK, a.status)
	for _, v := range []string{"PwQuery-1", "CsQuery-1", "RtQuery-1", "ItQuery-1", "SigQuery-1", "SgQuery-1", "PwForm-1", "CsForm-1", "PwJson-1", "RtJson-1"} {
		assert.NotContains(t, a.text(), v)
	}
	assert.Contains(t, a.text(), "client_secret=REDACTED")
}

func TestJournalFiltersAndPaging(t *testing.T) {
	s := newServer(t)
	// 1-4: Oracle GETs, two of them 404; 5: an Esri GET; 6: a POST.
	get(t, s, oracleURL("a-1", nil))
	get(t, s, oracleURL("a-2", nil), "Prefer", "code=404")
	get(t, s, oracleURL("b-1", nil))
	get(t, s, oracleURL("b-2", nil), "Prefer", "code=404")
	get(t, s, esriURL(esriQuery("json")))
	update(t, s, groupID, opID, "status", "2")

	tests := []struct {
		query string
		want  []uint64
		more  bool
	}{
		{"", []uint64{6, 5, 4, 3, 2, 1}, false},
		{"method=post", []uint64{6}, false},
		{"method=GET", []uint64{5, 4, 3, 2, 1}, false},
		{"path=" + url.QueryEscape(mockserver.OraclePrefix+"b-"), []uint64{4, 3}, false},
		{"path=/arcgis/", []uint64{6, 5}, false},
		{"status=404", []uint64{4, 2}, false},
		{"status=4xx", []uint64{4, 2}, false},
		{"status=2XX", []uint64{6, 5, 3, 1}, false},
		{"status=500", nil, false},
		{"since=" + url.QueryEscape(time.Now().Add(-time.Hour).Format(time.RFC3339)), []uint64{6, 5, 4, 3, 2, 1}, false},
		{"since=" + url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339)), nil, false},
		{"limit=2", []uint64{6, 5}, true},
		{"limit=2&before=5", []uint64{4, 3}, true},
		{"limit=2&before=3", []uint64{2, 1}, false},
		{"after=4", []uint64{6, 5}, false},
		{"after=1&before=4", []uint64{3, 2}, false},
		{"after=6", nil, false},
		{"method=GET&status=404&limit=1", []uint64{4}, true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			page := listJournal(t, s, tt.query)
			assert.Equal(t, tt.want, seqs(page))
			assert.NotNil(t, page.Requests, "an empty list is [], not null")
			assert.Equal(t, tt.more, page.More)
			if tt.more {
				assert.Equal(t, tt.want[len(tt.want)-1], page.NextBefore)
			}
			assert.Equal(t, uint64(6), page.Latest)
		})
	}

	t.Run("pages cover the journal once", func(t *testing.T) {
		var all []uint64
		q := "limit=4"
		for {
			page := listJournal(t, s, q)
			all = append(all, seqs(page)...)
			if !page.More {
				break
			}
			q = "limit=4&before=" + strconv.FormatUint(page.NextBefore, 10)
		}
		assert.Equal(t, []uint64{6, 5, 4, 3, 2, 1}, all)
	})

	for _, tt := range []struct{ query, detail string }{
		{"status=abc", `status: expected a status from 100 to 599 such as 404, or a class such as 4xx, found \"abc\"`},
		{"status=6xx", "status: expected"},
		{"since=yesterday", `since: expected an RFC 3339 time such as 2026-01-02T15:04:05Z, found \"yesterday\"`},
		{"limit=0", `limit: expected a number from 1 to 1000, found \"0\"`},
		{"limit=1001", "limit: expected"},
		{"after=-1", `after: expected a sequence number`},
		{"before=x", `before: expected a sequence number`},
		{"before=0", `before: expected a sequence number (the seq of an entry, 1 or more for before), found \"0\"`},
		{"limit=1&limit=2", `\"limit\": given 2 times; give it once`},
		{"method=GET&method=POST", `\"method\": given 2 times`},
		{"stauts=404", `unknown parameter \"stauts\": expected method, path, status, since, limit, after or before`},
	} {
		t.Run("bad "+tt.query, func(t *testing.T) {
			a := get(t, s, journalURL+"?"+tt.query)
			assert.Equal(t, http.StatusBadRequest, a.status)
			assert.Contains(t, a.text(), tt.detail)
			assert.NotContains(t, a.text(), "\n")
		})
	}
}

func TestJournalDelete(t *testing.T) {
	s := newServer(t)
	get(t, s, oracleURL("one", nil))
	get(t, s, oracleURL("two", nil))
	changed := s.Journal().Changed()
	a := sendAdmin(t, s, http.MethodDelete, journalURL, "")
	require.Equal(t, http.StatusNoContent, a.status, a.text())
	select {
	case <-changed:
	default:
		t.Error("Changed is not closed by a clear")
	}
	page := listJournal(t, s, "")
	assert.Empty(t, page.Requests)
	assert.Equal(t, 0, page.Held)
	assert.Equal(t, uint64(2), page.Latest)

	get(t, s, oracleURL("three", nil))
	assert.Equal(t, []uint64{3}, seqs(listJournal(t, s, "")), "numbers go on after a clear")

	a = sendAdmin(t, s, http.MethodPut, journalURL, "")
	assert.Equal(t, http.StatusMethodNotAllowed, a.status)
	assert.Equal(t, "GET, HEAD, DELETE, OPTIONS", a.header.Get("Allow"))
}

// TestJournalProtections: the journal has the admin API's protections,
// whether the admin API is on or not.
func TestJournalProtections(t *testing.T) {
	const evil = "https://evil.example"
	for _, opts := range [][]mockserver.Option{nil, {mockserver.WithAdmin(), mockserver.WithCORSOrigin(evil)}} {
		s := newServer(t, opts...)
		get(t, s, oracleURL("kept", nil))
		tests := []struct {
			name   string
			method string
			target string
			remote string
			header map[string]string
			detail string
		}{
			{"another machine", http.MethodGet, journalURL, "192.0.2.1:1234", nil, "the request journal answers loopback clients only"},
			{"another machine, forwarded for loopback", http.MethodGet, journalURL, "10.0.0.7:50000", map[string]string{"X-Forwarded-For": "127.0.0.1"}, "loopback clients only"},
			{"Host not this machine", http.MethodGet, "http://attacker.example:4010" + mockserver.JournalPath, loopbackAddr, nil, `found \"attacker.example:4010\"`},
			{"DELETE without the header", http.MethodDelete, journalURL, loopbackAddr, nil, "needs the header Taskmock-Admin: 1"},
			{"DELETE from a page's form", http.MethodDelete, journalURL, loopbackAddr, map[string]string{"Origin": evil, "Content-Type": "text/plain"}, "needs the header"},
			{"DELETE from another machine", http.MethodDelete, journalURL, "192.0.2.1:1234", map[string]string{mockserver.AdminHeader: "1"}, "loopback clients only"},
			{"preflight", http.MethodOptions, journalURL, loopbackAddr, map[string]string{"Origin": evil, "Access-Control-Request-Method": "DELETE", "Access-Control-Request-Private-Network": "true"}, "no CORS grant"},
			{"preflight of a GET", http.MethodOptions, journalURL, loopbackAddr, map[string]string{"Origin": evil, "Access-Control-Request-Method": "GET"}, "no CORS grant"},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("admin %v/%s", opts != nil, tt.name), func(t *testing.T) {
				req := httptest.NewRequest(tt.method, tt.target, nil)
				req.RemoteAddr = tt.remote
				for k, v := range tt.header {
					req.Header.Set(k, v)
				}
				a := do(t, s, req)
				assert.Equal(t, http.StatusForbidden, a.status, a.text())
				assert.Contains(t, a.text(), tt.detail)
				assert.NotContains(t, a.text(), "kept", "nothing of the journal")
				for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Private-Network", "Access-Control-Allow-Methods"} {
					assert.Empty(t, a.header.Get(h), h)
				}
				assert.Len(t, listJournal(t, s, "").Requests, 1, "nothing cleared")
			})
		}
		t.Run(fmt.Sprintf("admin %v/a page's GET gets no grant", opts != nil), func(t *testing.T) {
			a := get(t, s, journalURL, "Origin", evil)
			assert.Equal(t, http.StatusOK, a.status)
			assert.Empty(t, a.header.Get("Access-Control-Allow-Origin"))
		})
	}
}

func TestJournalOff(t *testing.T) {
	s := newServer(t, mockserver.WithJournal(0))
	get(t, s, oracleURL(taskID, nil))
	assert.Nil(t, s.Journal())
	assert.Empty(t, s.Journal().List(mockserver.JournalFilter{}).Requests)
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		a := sendAdmin(t, s, method, journalURL, "")
		assert.Equal(t, http.StatusNotFound, a.status)
		assert.JSONEq(t, `{"error":"no route","detail":"the request journal is off: start the mock with --journal N (WithJournal) for N greater than 0"}`, a.text())
	}

	_, err := mockserver.New(mockserver.WithJournal(-1))
	require.Error(t, err)
	assert.Equal(t, "mockserver: WithJournal: the number of exchanges must be 0 (off) or more, got -1", err.Error())
}

// TestJournalConcurrent: requests, lists, clears and waits at once (run
// with -race); the ring stays within its size and numbers are unique.
func TestJournalConcurrent(t *testing.T) {
	const size = 20
	s := newServer(t, mockserver.WithJournal(size))
	var senders, wg sync.WaitGroup
	for g := range 4 {
		senders.Go(func() {
			for i := range 50 {
				get(t, s, oracleURL(fmt.Sprintf("t-%d-%d", g, i), nil))
			}
		})
	}
	done := make(chan struct{})
	wg.Go(func() {
		senders.Wait()
		close(done)
	})
	wg.Go(func() {
		for range 30 {
			page := s.Journal().List(mockserver.JournalFilter{})
			assert.LessOrEqual(t, len(page.Requests), size)
			seen := map[uint64]bool{}
			for i, e := range page.Requests {
				assert.False(t, seen[e.Seq])
				seen[e.Seq] = true
				if i > 0 {
					assert.Less(t, e.Seq, page.Requests[i-1].Seq)
				}
			}
		}
	})
	wg.Go(func() {
		for {
			select {
			case <-s.Journal().Changed():
				s.Journal().Clear()
			case <-done:
				return
			}
		}
	})
	wg.Wait()
	get(t, s, oracleURL("last", nil))
	page := s.Journal().List(mockserver.JournalFilter{})
	assert.LessOrEqual(t, page.Held, size)
	assert.Equal(t, uint64(201), page.Latest)
	assert.Equal(t, "last", page.Requests[0].TaskID)
}

// TestJournalKeepsTheRequestAsSent: a caller that changes its request
// after ServeHTTP returned does not change the journal's entry.
func TestJournalKeepsTheRequestAsSent(t *testing.T) {
	s := newServer(t)
	req := httptest.NewRequest(http.MethodGet, oracleURL(taskID, nil), nil)
	req.Header.Set("Prefer", "code=404")
	require.Equal(t, http.StatusNotFound, do(t, s, req).status)
	req.Header.Set("Prefer", "code=500")
	req.Header.Set("X-Later", "1")
	e := listJournal(t, s, "").Requests[0]
	assert.Equal(t, http.Header{"Prefer": {"code=404"}}, e.RequestHeader)
}
