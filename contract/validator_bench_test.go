package contract_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

// BenchmarkValidate measures whole-response validation (status, content
// type, schema, unknown properties, semantic rules) of the seed examples.
// Responses/s = 1e9 / ns/op.
func BenchmarkValidate(b *testing.B) {
	v, err := contract.New()
	if err != nil {
		b.Fatal(err)
	}
	hdr := http.Header{"Content-Type": {"application/json"}}
	for _, bc := range []struct {
		api  specs.Name
		file string
	}{
		{specs.Esri, "esri-getTask-example.json"},
		{specs.Oracle, "oracle-get-task-example.json"},
	} {
		body := seedBody(b, bc.file)
		ex := contract.Exchange{API: bc.api, Status: 200, Header: hdr, Body: body}
		b.Run(string(bc.api), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if rep := v.Validate(ex); len(rep.Violations) != 0 {
					b.Fatal(rep.Violations)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "responses/s")
		})
		// The baseline: decoding the same body with encoding/json and
		// nothing else, measured in the same run, so that the ratio
		// validate/decode holds on a noisy machine.
		b.Run(string(bc.api)+"/decode-baseline", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				var v any
				if err := json.Unmarshal(body, &v); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "responses/s")
		})
	}
}
