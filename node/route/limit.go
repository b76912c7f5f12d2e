package route

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/anonex/anonex/api"
)

// RateLimiter is a token bucket per client address (ClientIP): the limit
// on the routes that take signed things to verify (transactions, offers),
// shared by them so a client cannot double its rate by using both.
type RateLimiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	clock   func() time.Time
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the addresses a RateLimiter remembers.
const maxBuckets = 100000

// NewRateLimiter allows rate requests a second per client address, in
// bursts of twice that.
func NewRateLimiter(rate float64, clock func() time.Time) *RateLimiter {
	return &RateLimiter{rate: rate, burst: 2 * rate, clock: clock, buckets: map[string]*bucket{}}
}

// Check takes a token of r's client address, or answers 429 rate_limited.
func (l *RateLimiter) Check(r *http.Request) error {
	if !l.Allow(ClientIP(r)) {
		return api.Errorf(api.CodeRateLimited, "too many submissions from this address; slow down")
	}
	return nil
}

// Allow takes a token of ip's bucket, if it has one.
func (l *RateLimiter) Allow(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock()
	b := l.buckets[ip]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			// Forget buckets that have refilled: they carry no state.
			for k, old := range l.buckets {
				if now.Sub(old.last).Seconds()*l.rate >= l.burst {
					delete(l.buckets, k)
				}
			}
			if len(l.buckets) >= maxBuckets {
				return false
			}
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[ip] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// ClientIP keys the per-client limits: the IPv4 address, or the /64 of an
// IPv6 address (one host usually owns a whole /64).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String()
	}
	return host
}
