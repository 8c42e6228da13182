package proxy_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/proxy"
)

// A proxy in front of a server (here the mock, playing the real one)
// tells in a header whether each task it forwards conforms.
func Example() {
	mock, err := mockserver.New()
	if err != nil {
		panic(err)
	}
	upstream := httptest.NewServer(mock)
	defer upstream.Close()

	p, err := proxy.New(upstream.URL, proxy.WithMode(proxy.ModeEnforce))
	if err != nil {
		panic(err)
	}
	front := httptest.NewServer(p)
	defer front.Close()

	res, err := http.Get(front.URL + mockserver.OraclePrefix + mockserver.ExampleOracleTaskID)
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println(res.StatusCode, proxy.HeaderViolations+":", res.Header.Get(proxy.HeaderViolations))
	// Output:
	// 200 Taskmock-Violations: none
}
