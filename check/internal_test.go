package check

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{"-1", 0},
		{"soon", 0},
		{now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"99999", 300 * time.Second},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, retryAfter(tt.in, now), tt.in)
	}
}

// TestCheckCapsWait shows that a long Retry-After is capped, and said so.
func TestCheckCapsWait(t *testing.T) {
	var slept []time.Duration
	c, err := New(Config{Timeout: time.Second, Retries: 1, Backoff: time.Millisecond, Concurrency: 1})
	require.NoError(t, err)
	c.sleep = func(ctx context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(srv.Close)
	o := c.do(context.Background(), Target{Method: http.MethodGet, URL: srv.URL, Header: http.Header{}})
	assert.Equal(t, []time.Duration{MaxWait}, slept)
	assert.Equal(t, 2, o.attempts)
	assert.Equal(t, http.StatusTooManyRequests, o.status)
	require.Len(t, o.notes, 1)
	assert.Contains(t, o.notes[0], "Retry-After 2m0s capped to 30s")
}
