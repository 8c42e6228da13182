package mockserver

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"
)

// maxLatency bounds WithLatency. With maxDelay, it bounds the wait before
// an answer, which wait keeps out of the server's write timeout.
const maxLatency = 10 * time.Second

// chaos injects latency, errors and a rate limit, for resilience tests.
// It is the only state a Server keeps between requests.
type chaos struct {
	minLatency, maxLatency time.Duration
	errorRate              float64
	rate                   int           // requests allowed per period; 0: no limit
	period                 time.Duration // of the rate limit

	mu     sync.Mutex
	rng    *rand.Rand
	tokens float64   // of the token bucket
	last   time.Time // when tokens was computed
	now    func() time.Time
}

// WithLatency delays every answer of the two APIs by a random duration from
// min to max (equal for a fixed latency), at most 10s, on top of any
// Prefer: delay.
func WithLatency(min, max time.Duration) Option {
	return func(s *Server) {
		if min < 0 || max < min || max > maxLatency {
			s.optErrs = append(s.optErrs, fmt.Errorf("latency %s..%s: expected 0 <= min <= max <= %s", min, max, maxLatency))
			return
		}
		s.chaos.minLatency, s.chaos.maxLatency = min, max
	}
}

// WithErrorRate makes a share p (0 to 1) of the requests fail with an
// error the vendor documents, in its shape: Oracle 429, 500 or 503 (with
// Retry-After for 429 and 503), Esri an ArcGIS 500 envelope. A request that
// asks for a code with Prefer: code=N gets that code instead.
func WithErrorRate(p float64) Option {
	return func(s *Server) {
		if math.IsNaN(p) || p < 0 || p > 1 {
			s.optErrs = append(s.optErrs, fmt.Errorf("error rate %v: expected a share from 0 to 1", p))
			return
		}
		s.chaos.errorRate = p
	}
}

// WithRateLimit allows n requests of the two APIs per period, in a burst or
// spread out (a token bucket of n tokens refilled over period). Beyond it,
// Oracle answers 429 and Esri an ArcGIS 429 envelope, both with
// Retry-After, the seconds until a request is allowed again.
func WithRateLimit(n int, period time.Duration) Option {
	return func(s *Server) {
		if n <= 0 || period <= 0 {
			s.optErrs = append(s.optErrs, fmt.Errorf("rate limit %d per %s: expected a positive count and period", n, period))
			return
		}
		s.chaos.rate, s.chaos.period = n, period
	}
}

func (c *chaos) init(seed uint64) {
	c.rng = rand.New(rand.NewPCG(seed, 0x7461736b6d6f636b))
	c.tokens = float64(c.rate)
	if c.now == nil {
		c.now = time.Now
	}
}

// latency draws the injected latency of one request.
func (c *chaos) latency() time.Duration {
	if c.maxLatency == 0 {
		return 0
	}
	if c.maxLatency == c.minLatency {
		return c.minLatency
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.minLatency + time.Duration(c.rng.Int64N(int64(c.maxLatency-c.minLatency)+1))
}

// failure draws whether a request fails, and with which of codes.
func (c *chaos) failure(codes ...int) (int, bool) {
	if c.errorRate == 0 || len(codes) == 0 {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rng.Float64() >= c.errorRate {
		return 0, false
	}
	return codes[c.rng.IntN(len(codes))], true
}

// errRateLimited is a request beyond the rate limit.
var errRateLimited = errors.New("rate limited")

// admit takes a token of the rate limit, or returns errRateLimited and
// the Retry-After of the answer, in whole seconds (at least 1).
func (c *chaos) admit() (string, error) {
	if c.rate == 0 {
		return "", nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if !c.last.IsZero() {
		refill := float64(now.Sub(c.last)) / float64(c.period) * float64(c.rate)
		c.tokens = math.Min(float64(c.rate), c.tokens+refill)
	}
	c.last = now
	if c.tokens >= 1 {
		c.tokens--
		return "", nil
	}
	wait := time.Duration((1 - c.tokens) / float64(c.rate) * float64(c.period))
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return strconv.Itoa(secs), errRateLimited
}
