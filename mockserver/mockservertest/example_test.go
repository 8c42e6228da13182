package mockservertest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/mockserver/mockservertest"
)

// A Go test reads a task from the mock, then forces the error its code
// must handle.
func Example() {
	// In a test, t is the test's *testing.T, and the server closes when
	// the test ends; an example has none, so it closes the server itself.
	t := &testing.T{}
	srv := mockservertest.NewServer(t)
	defer srv.Close()

	res, err := srv.Client().Get(srv.OracleURL("1f15bc3a-5948-11ef-873e-0242ac15001b"))
	if err != nil {
		panic(err)
	}
	var task struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	if err := json.NewDecoder(res.Body).Decode(&task); err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println(res.StatusCode, task.ID)

	req, _ := http.NewRequest(http.MethodGet, srv.OracleURL(task.ID), nil)
	req.Header.Set("Prefer", "code=429")
	res, err = srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println(res.StatusCode, "Retry-After:", res.Header.Get("Retry-After"))

	// Output:
	// 200 1f15bc3a-5948-11ef-873e-0242ac15001b
	// 429 Retry-After: 1
}

// The Esri API with a token required, as a secured service.
func ExampleNewServer_esri() {
	t := &testing.T{}
	srv := mockservertest.NewServer(t, mockserver.WithRequireAuth())
	defer srv.Close()

	res, err := srv.Client().Get(srv.EsriURL(mockserver.ExampleTaskGroupJobID, mockserver.ExampleTaskOperationID))
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	var body struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		panic(err)
	}
	fmt.Println(res.StatusCode, body.Error.Code, body.Error.Message)
	// Output:
	// 200 499 Token Required
}

// A test of a screen that shows a task, polls it for changes and
// reassigns it: the journal tells what the screen sent, whatever it shows.
func ExampleServer_Count() {
	t := &testing.T{}
	srv := mockservertest.NewServer(t, mockserver.WithClock(func() time.Time { return time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) }))
	defer srv.Close()

	// The screen under test: three polls, one reassignment.
	task := srv.OracleURL("task-4")
	for range 3 {
		res, err := srv.Client().Get(task)
		if err != nil {
			panic(err)
		}
		res.Body.Close()
	}
	res, err := srv.Client().Post(task+"/reassign", "application/json",
		strings.NewReader(`{"identities":[{"id":"julia.wagner","type":"USER"}],"comment":"Away until Monday"}`))
	if err != nil {
		panic(err)
	}
	res.Body.Close()

	// The test's assertions: in a test, with t.Errorf or testify.
	path := mockserver.OraclePrefix + "task-4"
	fmt.Println("polls:", srv.Count(http.MethodGet, path))
	fmt.Println("reassignments:", srv.Count(http.MethodPost, path+"/reassign"))
	last := srv.Requests()[3]
	fmt.Println(last.Method, last.Path, last.Status, last.Response)
	fmt.Println(last.RequestBody.Text)
	// Output:
	// polls: 3
	// reassignments: 1
	// POST /process/api/v1/tasks/task-4/reassign 204 oracle.op.reassignTask
	// {"identities":[{"id":"julia.wagner","type":"USER"}],"comment":"Away until Monday"}
}
