package mockservertest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

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
