package contract_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/fixtures"
	"github.com/taskmock/taskmock/specs"
)

// BenchmarkValidate measures whole-response validation (status, content
// type, schema, unknown properties, semantic rules) of the seed examples,
// and of 1,024 different generated Oracle tasks taken in turn (every state
// and substate, five languages), so that the figure is not only that of one
// body seen again and again. Responses/s = 1e9 / ns/op.
func BenchmarkValidate(b *testing.B) {
	v, err := contract.New()
	if err != nil {
		b.Fatal(err)
	}
	hdr := http.Header{"Content-Type": {"application/json"}}
	g := fixtures.New()
	var generated [][]byte
	for i := range 1024 {
		t, err := g.Oracle(fmt.Sprintf("task-%d", i), fixtures.Request{Lang: []string{"en", "de", "fr", "es", "it"}[i%5]})
		if err != nil {
			b.Fatal(err)
		}
		body, err := json.Marshal(t)
		if err != nil {
			b.Fatal(err)
		}
		generated = append(generated, body)
	}
	for _, bc := range []struct {
		name   string
		api    specs.Name
		bodies [][]byte
	}{
		{"esri", specs.Esri, [][]byte{seedBody(b, "esri-getTask-example.json")}},
		{"oracle", specs.Oracle, [][]byte{seedBody(b, "oracle-get-task-example.json")}},
		{"oracle-generated", specs.Oracle, generated},
	} {
		exs := make([]contract.Exchange, len(bc.bodies))
		size := 0
		for i, body := range bc.bodies {
			exs[i] = contract.Exchange{API: bc.api, Status: 200, Header: hdr, Body: body}
			size += len(body)
		}
		run := func(name string, exs []contract.Exchange) {
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(size / len(exs)))
				i := 0
				for b.Loop() {
					if rep := v.Validate(exs[i%len(exs)]); len(rep.Violations) != 0 {
						b.Fatal(rep.Violations)
					}
					i++
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "responses/s")
			})
		}
		run(bc.name, exs)
		if bc.api == specs.Oracle && len(bc.bodies) == 1 {
			// The same response with its request known: without a
			// credential (nothing to hide), and with a bearer token, a
			// cookie and a token parameter, which the validator hides in
			// the body before reading it.
			req := func(h http.Header, query string) []contract.Exchange {
				ex := exs[0]
				ex.Request = &contract.Request{Method: http.MethodGet, URL: "https://opa.example.com/process/api/v1/tasks/1" + query, Header: h}
				return []contract.Exchange{ex}
			}
			run(bc.name+"/request", req(http.Header{"Accept": {"application/json"}, "User-Agent": {"bench"}}, ""))
			run(bc.name+"/credentials", req(http.Header{"Accept": {"application/json"},
				"Authorization": {"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"},
				"Cookie":        {"ORA_SESSION=5f9c1e0b7a3d4c2e9f8a7b6c5d4e3f2a; theme=dark"}}, "?access_token=tok-0123456789abcdef"))
		}
		// The baseline: decoding the same bodies with encoding/json and
		// nothing else, measured in the same run, so that the ratio
		// validate/decode holds on a noisy machine.
		b.Run(bc.name+"/decode-baseline", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size / len(exs)))
			i := 0
			for b.Loop() {
				var v any
				if err := json.Unmarshal(bc.bodies[i%len(bc.bodies)], &v); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "responses/s")
		})
	}
}
