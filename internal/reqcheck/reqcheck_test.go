package reqcheck_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/internal/reqcheck"
	"github.com/taskmock/taskmock/specs"
)

const (
	esriPrefix = "/arcgis/rest/services/Sample/MapServer/exts/TopographicProductionServer/workflows/"
	update     = esriPrefix + "tasks/updateTask"
	form       = "application/x-www-form-urlencoded"
)

var checker = func() *reqcheck.Checker {
	c, err := reqcheck.New()
	if err != nil {
		panic(err)
	}
	return c
}()

func request(method, target, contentType, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name             string
		api              specs.Name
		op               string
		method, target   string
		contentType, bod string
		want             []reqcheck.Problem
	}{
		{"esri update in the query", specs.Esri, specs.OpUpdateTask, "GET",
			update + "?taskGroupJobId=150BFC70-EA45-4327-908D-D6E622CD8B93&taskOperationId=5F109F09-DF73-4A82-A5B9-0FAACF8200F5&status=1&onFailureCancelTasks=true&f=json", "", "", nil},
		{"esri update as the JS client sends it", specs.Esri, specs.OpUpdateTask, "POST", update, form,
			"f=json&taskGroupJobId=A&taskOperationId=B&status=3&token=abc&callback=cb", nil},
		{"esri parameters split between query and form", specs.Esri, specs.OpUpdateTask, "POST", update + "?f=pjson&taskGroupJobId=A", form,
			"taskOperationId=B", nil},
		{"esri multipart form", specs.Esri, specs.OpHasNextTask, "POST", esriPrefix + "taskgroups/hasNextTask",
			"multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"taskGroupJobId\"\r\n\r\nA\r\n--XX--\r\n", nil},
		{"esri form without content type", specs.Esri, specs.OpHasNextTask, "POST", esriPrefix + "taskgroups/hasNextTask", "", "taskGroupJobId=A", nil},
		{"esri unknown extra parameters", specs.Esri, specs.OpGetTask, "GET",
			esriPrefix + "tasks/getTask?taskGroupJobId=A&taskOperationId=B&f=json&token=t&callback=cb&_=123&extra=1", "", "", nil},
		{"esri getTaskGroups needs nothing", specs.Esri, specs.OpGetTaskGroups, "GET", esriPrefix + "taskgroups/getTaskGroups", "", "", nil},
		{"esri status outside the table", specs.Esri, specs.OpUpdateTask, "GET", update + "?taskGroupJobId=A&taskOperationId=B&status=9", "", "",
			[]reqcheck.Problem{{Field: "status", Message: "expected one of 0, 1, 2, 3, 4, 5, found another value"}}},
		{"esri every kind of bad parameter", specs.Esri, specs.OpUpdateTask, "POST", update, form,
			"status=abc&onFailureCancelTasks=maybe&f=xml&callback=1x",
			[]reqcheck.Problem{
				{Field: "callback", Message: "expected a value matching ^[A-Za-z_$][A-Za-z0-9_$.]*$, found one that does not"},
				{Field: "f", Message: "expected one of html, json, pjson, found another value"},
				{Field: "onFailureCancelTasks", Message: "expected a boolean, found a value that is not one"},
				{Field: "status", Message: "expected an integer, found a value that is not one"},
				{Field: "taskGroupJobId", Message: "expected the required parameter, found none"},
				{Field: "taskOperationId", Message: "expected the required parameter, found none"},
			}},
		{"esri empty status", specs.Esri, specs.OpUpdateTask, "GET", update + "?taskGroupJobId=A&taskOperationId=B&status=", "", "",
			[]reqcheck.Problem{{Field: "status", Message: "expected a value, found an empty one"}}},
		{"esri execute needs its product", specs.Esri, specs.OpExecuteTaskJob, "GET", esriPrefix + "tasks/executeTaskJob?taskGroupJobId=A&productName=P", "", "",
			[]reqcheck.Problem{{Field: "productVersion", Message: "expected the required parameter, found none"}}},
		{"esri JSON body", specs.Esri, specs.OpHasNextTask, "POST", esriPrefix + "taskgroups/hasNextTask?taskGroupJobId=A", "application/json", `{"a":1}`,
			[]reqcheck.Problem{{Field: "header.Content-Type", Message: "expected application/x-www-form-urlencoded or multipart/form-data for parameters in a body, found application/json"}}},
		{"esri method", specs.Esri, specs.OpUpdateTask, "PUT", update, "", "",
			[]reqcheck.Problem{{Field: "method", Message: "expected GET or POST for updateTask, found PUT"}}},

		{"oracle reassign", specs.Oracle, specs.OpReassignTask, "POST", "/process/api/v1/tasks/1f15bc3a-5948-11ef-873e-0242ac15001b/reassign", "application/json",
			`{"identities":[{"id":"u1","name":"hael","displayName":"Hael","type":"USER"},{"id":"r1","type":"ROLE"}],"comment":"away"}`, nil},
		{"oracle reassign with charset", specs.Oracle, specs.OpReassignTask, "POST", "/process/api/v1/tasks/1/reassign", "application/json; charset=utf-8",
			`{"identities":[{"id":"g","type":"GROUP"}],"extra":true}`, nil},
		{"oracle reassign behind a gateway prefix", specs.Oracle, specs.OpReassignTask, "POST", "/gw/process/api/v1/tasks/1/reassign", "application/json",
			`{"identities":[{"id":"u","type":"USER"}]}`, nil},
		{"oracle bulk reassign", specs.Oracle, specs.OpReassignTasks, "POST", "/process/api/v1/tasks/reassign", "application/json",
			`{"taskIds":["a0a0e129-53f7-11ef-873e-0abcb","882c3e21-637c-11ef-873e-0abcb"],"identities":[{"id":"u","type":"USER"}]}`, nil},
		{"oracle reassign schema errors name the field", specs.Oracle, specs.OpReassignTask, "POST", "/process/api/v1/tasks/1/reassign", "application/json",
			`{"identities":[{"id":"x","type":"USR"},{"id":5}],"comment":3}`,
			[]reqcheck.Problem{
				{Field: "body.comment", Message: "expected a string, found a number"},
				{Field: "body.identities[0].type", Message: "expected one of USER, GROUP, ROLE, found another value"},
				{Field: "body.identities[1].id", Message: "expected a string, found a number"},
			}},
		{"oracle bulk taskIds not an array", specs.Oracle, specs.OpReassignTasks, "POST", "/process/api/v1/tasks/reassign", "application/json",
			`{"taskIds":"a"}`, []reqcheck.Problem{{Field: "body.taskIds", Message: "expected an array, found a string"}}},
		{"oracle body not JSON", specs.Oracle, specs.OpReassignTask, "POST", "/process/api/v1/tasks/1/reassign", "application/json", `{`,
			[]reqcheck.Problem{{Field: "body", Message: "expected a JSON body, found one that does not parse"}}},
		{"oracle no body", specs.Oracle, specs.OpReassignTask, "POST", "/process/api/v1/tasks/1/reassign", "application/json", ``,
			[]reqcheck.Problem{{Field: "body", Message: "expected a body, found none"}}},
		{"oracle body content type", specs.Oracle, specs.OpReassignTask, "POST", "/process/api/v1/tasks/1/reassign", "text/plain", `{}`,
			[]reqcheck.Problem{{Field: "header.Content-Type", Message: "expected application/json, found text/plain"}}},
		{"oracle method", specs.Oracle, specs.OpReassignTasks, "GET", "/process/api/v1/tasks/reassign", "", "",
			[]reqcheck.Problem{{Field: "method", Message: "expected POST for reassignTasks, found GET"}}},
		{"oracle get query", specs.Oracle, specs.OpGetTask, "GET", "/process/api/v1/tasks/abc?totalResultsGrouped=yes", "", "",
			[]reqcheck.Problem{{Field: "totalResultsGrouped", Message: "expected a boolean, found a value that is not one"}}},
		{"oracle get", specs.Oracle, specs.OpGetTask, "GET", "/process/api/v1/tasks/abc?totalResultsGrouped=true", "", "", nil},

		{"unknown operation", specs.Oracle, "claimTask", "POST", "/process/api/v1/tasks/1/claim", "", "",
			[]reqcheck.Problem{{Field: "operation", Message: `unknown oracle operation "claimTask" (known: getTask, reassignTask, reassignTasks)`}}},
		{"unknown API", "acme", "getTask", "GET", "/", "", "",
			[]reqcheck.Problem{{Field: "api", Message: `unknown API "acme" (known: esri, oracle)`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checker.Check(tt.api, tt.op, request(tt.method, tt.target, tt.contentType, tt.bod))
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestCheckLeavesTheBody proves that the handler reads the body whole after
// Check, and that Check reads no more than its limit.
func TestCheckLeavesTheBody(t *testing.T) {
	body := `{"identities":[{"id":"u","type":"USER"}]}`
	r := request("POST", "/process/api/v1/tasks/1/reassign", "application/json", body)
	require.Empty(t, checker.Check(specs.Oracle, specs.OpReassignTask, r))
	got, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	assert.Equal(t, body, string(got))
	require.NoError(t, r.Body.Close())

	fbody := "taskGroupJobId=A&taskOperationId=B"
	r = request("POST", update, form, fbody)
	require.Empty(t, checker.Check(specs.Esri, specs.OpUpdateTask, r))
	require.NoError(t, r.ParseForm(), "the handler parses the form as usual")
	assert.Equal(t, "B", r.PostFormValue("taskOperationId"))

	small, err := reqcheck.New(reqcheck.MaxBody(16))
	require.NoError(t, err)
	src := &counting{r: strings.NewReader(strings.Repeat("x", 1000))}
	r = httptest.NewRequest("POST", "/process/api/v1/tasks/1/reassign", src)
	r.Header.Set("Content-Type", "application/json")
	assert.Equal(t, []reqcheck.Problem{{Field: "body", Message: "expected a body of at most 16 bytes, found a longer one: not checked"}},
		small.Check(specs.Oracle, specs.OpReassignTask, r))
	assert.LessOrEqual(t, src.n, 17+512, "Check reads about its limit, not the whole body")
	rest, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	assert.Len(t, rest, 1000, "the handler still reads the whole body")

	r = httptest.NewRequest("POST", "/process/api/v1/tasks/1/reassign", io.NopCloser(failing{}))
	r.Header.Set("Content-Type", "application/json")
	got2 := checker.Check(specs.Oracle, specs.OpReassignTask, r)
	require.Len(t, got2, 1)
	assert.Equal(t, "body", got2[0].Field)
}

type counting struct {
	r io.Reader
	n int
}

func (c *counting) Read(p []byte) (int, error) {
	if len(p) > 512 {
		p = p[:512]
	}
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

// TestCheckNeverEchoesASecret sends the token's value where a problem is
// reported.
func TestCheckNeverEchoesASecret(t *testing.T) {
	const secret = "s3cr3t-TOKEN-value"
	for _, r := range []*http.Request{
		request("GET", update+"?token="+secret+"&f="+secret+"&status="+secret+"&callback="+secret+"-x", "", ""),
		request("POST", update, form, "token="+secret+"&f="+secret+"&status="+secret+"&onFailureCancelTasks="+secret),
		func() *http.Request {
			r := request("POST", "/process/api/v1/tasks/1/reassign", secret, `{"identities":[{"id":1,"type":"`+secret+`"}]}`)
			r.Header.Set("Authorization", "Bearer "+secret)
			return r
		}(),
	} {
		op := specs.OpUpdateTask
		api := specs.Esri
		if strings.Contains(r.URL.Path, "/process/") {
			api, op = specs.Oracle, specs.OpReassignTask
		}
		got := checker.Check(api, op, r)
		require.NotEmpty(t, got)
		for _, p := range got {
			assert.NotContains(t, p.Message, secret)
			assert.NotContains(t, p.Field, secret)
		}
	}
}

func TestCheckConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				assert.Len(t, checker.Check(specs.Esri, specs.OpUpdateTask, request("GET", update+"?status=9&taskGroupJobId=A&taskOperationId=B", "", "")), 1)
				assert.Len(t, checker.Check(specs.Oracle, specs.OpReassignTask,
					request("POST", "/process/api/v1/tasks/1/reassign", "application/json", `{"identities":[{"type":"X"}]}`)), 1)
			}
		}()
	}
	wg.Wait()
}

func BenchmarkCheck(b *testing.B) {
	b.Run("updateTask form", func(b *testing.B) {
		body := "f=json&taskGroupJobId=150BFC70-EA45-4327-908D-D6E622CD8B93&taskOperationId=5F109F09-DF73-4A82-A5B9-0FAACF8200F5&status=2&token=abc"
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if p := checker.Check(specs.Esri, specs.OpUpdateTask, request("POST", update, form, body)); p != nil {
				b.Fatal(p)
			}
		}
	})
	b.Run("reassignTask", func(b *testing.B) {
		body := `{"identities":[{"id":"077acfe8-fc17-4ceb-8216-e03286aab802","name":"hael","type":"USER"}],"comment":"away"}`
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if p := checker.Check(specs.Oracle, specs.OpReassignTask, request("POST", "/process/api/v1/tasks/1/reassign", "application/json", body)); p != nil {
				b.Fatal(p)
			}
		}
	})
}

// FuzzCheckBody: any body, for any operation with a body, gives problems or
// none, never a panic, and the body reads back whole.
func FuzzCheckBody(f *testing.F) {
	f.Add(uint8(0), "application/json", []byte(`{"identities":[{"id":"u","type":"USER"}]}`))
	f.Add(uint8(1), "application/json", []byte(`{"taskIds":["a"],"identities":[]}`))
	f.Add(uint8(2), form, []byte("taskGroupJobId=A&taskOperationId=B&status=1"))
	f.Add(uint8(3), "multipart/form-data; boundary=XX", []byte("--XX\r\nContent-Disposition: form-data; name=\"taskGroupJobId\"\r\n\r\nA\r\n--XX--\r\n"))
	f.Add(uint8(0), "application/json", []byte(`[[[[[[[[[[[[[[[[[[[[`))
	targets := []struct {
		api  specs.Name
		op   string
		path string
	}{
		{specs.Oracle, specs.OpReassignTask, "/process/api/v1/tasks/1/reassign"},
		{specs.Oracle, specs.OpReassignTasks, "/process/api/v1/tasks/reassign"},
		{specs.Esri, specs.OpUpdateTask, update},
		{specs.Esri, specs.OpHasNextTask, esriPrefix + "taskgroups/hasNextTask"},
	}
	small, err := reqcheck.New(reqcheck.MaxBody(4096))
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, which uint8, contentType string, body []byte) {
		tg := targets[int(which)%len(targets)]
		r := httptest.NewRequest("POST", tg.path, bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		for _, p := range small.Check(tg.api, tg.op, r) {
			require.NotEmpty(t, p.Field)
			require.NotEmpty(t, p.Message)
			require.NotContains(t, p.Message, "\n")
		}
		got, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		require.Equal(t, body, got)
	})
}
