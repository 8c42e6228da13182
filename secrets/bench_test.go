package secrets_test

import (
	"net/http"
	"os"
	"testing"

	"github.com/taskmock/taskmock/secrets"
)

// BenchmarkRedact measures redacting a response body (the Oracle example
// task, 4 KB) with the credentials of a typical request: a bearer token, a
// cookie header and a token parameter. The Set is built once, as the
// validator's callers share one; Collect is what the validator does per
// exchange.
func BenchmarkRedact(b *testing.B) {
	body, err := os.ReadFile("../specs/testdata/oracle-get-task-example.json")
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{"Authorization": {"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"},
		"Cookie": {"ORA_SESSION=5f9c1e0b7a3d4c2e9f8a7b6c5d4e3f2a; theme=dark"}}
	url := "https://opa.example.com/process/api/v1/tasks/1?access_token=tok-0123456789abcdef"
	s := secrets.Collect(url, h, nil)
	b.Run("redact-body", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			_ = s.RedactBytes(body)
		}
	})
	b.Run("collect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = secrets.Collect(url, h, nil)
		}
	})
	b.Run("collect-none", func(b *testing.B) {
		b.ReportAllocs()
		plain := http.Header{"Accept": {"application/json"}}
		for b.Loop() {
			_ = secrets.Collect("https://opa.example.com/process/api/v1/tasks/1", plain, nil)
		}
	})
}
