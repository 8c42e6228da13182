package mockserver_test

import (
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/specs"
)

func TestChaosOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  mockserver.Option
		err  string
	}{
		{"latency range", mockserver.WithLatency(time.Millisecond, time.Second), ""},
		{"latency reversed", mockserver.WithLatency(time.Second, time.Millisecond), "expected 0 <= min <= max <= 10s"},
		{"latency too long", mockserver.WithLatency(0, 11*time.Second), "expected 0 <= min <= max <= 10s"},
		{"error rate", mockserver.WithErrorRate(0.05), ""},
		{"error rate above 1", mockserver.WithErrorRate(1.5), "expected a share from 0 to 1"},
		{"error rate NaN", mockserver.WithErrorRate(math.NaN()), "expected a share from 0 to 1"},
		{"rate limit", mockserver.WithRateLimit(20, time.Second), ""},
		{"rate limit zero", mockserver.WithRateLimit(0, time.Second), "expected a positive count and period"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mockserver.New(tt.opt)
			if tt.err == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}

func TestChaosLatency(t *testing.T) {
	s := newServer(t, mockserver.WithLatency(40*time.Millisecond, 60*time.Millisecond))
	for range 3 {
		start := time.Now()
		a := get(t, s, oracleURL(taskID, nil))
		took := time.Since(start)
		requireValid(t, specs.Oracle, a)
		assert.GreaterOrEqual(t, took, 40*time.Millisecond)
	}
	start := time.Now()
	get(t, s, "http://mock.test"+mockserver.HealthPath)
	assert.Less(t, time.Since(start), 40*time.Millisecond, "the health check is not delayed")
}

func TestChaosErrorRate(t *testing.T) {
	t.Run("every request fails", func(t *testing.T) {
		s := newServer(t, mockserver.WithErrorRate(1))
		seen := map[int]bool{}
		for range 60 {
			a := get(t, s, oracleURL(taskID, nil))
			require.Contains(t, []int{429, 500, 503}, a.status)
			seen[a.status] = true
			if a.status != 500 {
				assert.Equal(t, "1", a.header.Get("Retry-After"))
			}
			requireVendorError(t, specs.Oracle, a)

			a = get(t, s, esriURL(esriQuery("json")))
			require.Equal(t, http.StatusOK, a.status)
			assert.Equal(t, 500, *decodeEsri(t, a.body).Error.Code)
			requireVendorError(t, specs.Esri, a)
		}
		assert.Len(t, seen, 3, "errors are drawn among the documented ones")
	})
	t.Run("a requested code wins", func(t *testing.T) {
		s := newServer(t, mockserver.WithErrorRate(1))
		requireValid(t, specs.Oracle, get(t, s, oracleURL(taskID, nil), "Prefer", "code=200"))
		a := get(t, s, oracleURL(taskID, nil), "Prefer", "code=404")
		assert.Equal(t, http.StatusNotFound, a.status)
	})
	t.Run("a share of the requests fails", func(t *testing.T) {
		s := newServer(t, mockserver.WithErrorRate(0.25))
		failed := 0
		for range 400 {
			if get(t, s, oracleURL(taskID, nil)).status != http.StatusOK {
				failed++
			}
		}
		assert.InDelta(t, 100, failed, 40)
	})
}

func TestChaosRateLimit(t *testing.T) {
	s := newServer(t, mockserver.WithRateLimit(2, time.Hour))
	requireValid(t, specs.Oracle, get(t, s, oracleURL(taskID, nil)))
	requireValid(t, specs.Esri, get(t, s, esriURL(esriQuery("json"))))

	a := get(t, s, oracleURL(taskID, nil))
	require.Equal(t, http.StatusTooManyRequests, a.status)
	assert.Equal(t, "1800", a.header.Get("Retry-After"), "half an hour until the next token")
	assert.Equal(t, "Too many requests", decodeProblem(t, a.body).Detail)
	requireVendorError(t, specs.Oracle, a)

	a = get(t, s, esriURL(esriQuery("json")))
	require.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, "1800", a.header.Get("Retry-After"))
	e := decodeEsri(t, a.body)
	assert.Equal(t, 429, *e.Error.Code)
	assert.Equal(t, "Too many requests.", e.Error.Message)
	requireVendorError(t, specs.Esri, a)

	assert.Equal(t, http.StatusOK, get(t, s, "http://mock.test"+mockserver.HealthPath).status, "the health check is not limited")
}
