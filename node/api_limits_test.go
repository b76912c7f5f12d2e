package node

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node/route"
)

// limitsServer serves the API of a node that is not started (no chain, no
// network: the limits act before any handler needs them) with limits l.
func limitsServer(t *testing.T, l apiLimits) (*Node, string) {
	t.Helper()
	n, err := New(Config{InMemory: true, Anchor: ledger.Address{0xa1}, EthRPC: "http://127.0.0.1:1", SubmitRate: 1000, APIToken: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newAPIServer(n.routesWith(l), l)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return n, ln.Addr().String()
}

func testLimits() apiLimits {
	l := defaultAPILimits
	l.ReadHeader, l.Read, l.Write, l.Idle = 300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond
	l.KeepAlive = time.Hour
	l.StreamsPerClient = 2
	return l
}

func decodeAPIError(t *testing.T, resp *http.Response) api.Error {
	t.Helper()
	defer resp.Body.Close()
	var e api.Error
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatalf("status %d: the body is not an API error: %v", resp.StatusCode, err)
	}
	return e
}

// TestAttackOversizedBody: a body over the limit is refused with 413
// too_large on every route that reads one, whether it declares its length
// or streams it chunked, and whichever way the handler reads it.
func TestAttackOversizedBody(t *testing.T) {
	_, addr := limitsServer(t, testLimits())
	big := `{"raw":"0x` + strings.Repeat("00", route.MaxBody) + `"}`
	routes := []string{"/v1/txs", "/v1/offers", "/v1/pay-conversions", "/v1/pay-conversions/0x" + strings.Repeat("01", 32) + "/record",
		"/v1/allocate", "/v1/conversions"}
	for _, path := range routes {
		for _, chunked := range []bool{false, true} {
			var body io.Reader = strings.NewReader(big)
			if chunked {
				body = io.MultiReader(strings.NewReader(big)) // no length known: sent chunked
			}
			req, _ := http.NewRequest(http.MethodPost, "http://"+addr+path, body)
			req.Header.Set("Authorization", "Bearer secret")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s (chunked %v): %v", path, chunked, err)
			}
			e := decodeAPIError(t, resp)
			if resp.StatusCode != http.StatusRequestEntityTooLarge || e.Code != "too_large" || !strings.Contains(e.Message, fmt.Sprint(route.MaxBody)) {
				t.Errorf("%s (chunked %v): %d %+v, want 413 too_large naming the limit", path, chunked, resp.StatusCode, e)
			}
		}
	}
	// A body within the limit still reaches the handler (which finds it
	// malformed here).
	resp, err := http.Post("http://"+addr+"/v1/pay-conversions", "application/json", strings.NewReader(`{"bogus":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if e := decodeAPIError(t, resp); resp.StatusCode != http.StatusBadRequest || e.Code != "malformed" {
		t.Errorf("small body: %d %+v, want 400 malformed", resp.StatusCode, e)
	}
}

// slowConn dials addr and writes head, then trickles body one byte every
// gap; it returns how long the server let it go on before closing.
func trickle(t *testing.T, addr, head string, body string, gap time.Duration) (time.Duration, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	closed := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(conn)
		closed <- string(b)
	}()
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(body); i++ {
		select {
		case got := <-closed:
			return time.Since(start), got
		case <-time.After(gap):
		}
		if _, err := conn.Write([]byte{body[i]}); err != nil {
			break
		}
	}
	select {
	case got := <-closed:
		return time.Since(start), got
	case <-time.After(5 * time.Second):
		t.Fatal("the server never closed the connection")
	}
	return 0, ""
}

// TestAttackSlowlorisBody: a client trickling its request body is cut off
// by the read timeout instead of holding a connection and a goroutine for
// as long as it likes.
func TestAttackSlowlorisBody(t *testing.T) {
	_, addr := limitsServer(t, testLimits())
	body := strings.Repeat(" ", 100)
	head := fmt.Sprintf("POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
	took, _ := trickle(t, addr, head, body, 50*time.Millisecond) // 5 s to send it all
	if took > 2*time.Second {
		t.Errorf("a trickled body held the connection for %v (read timeout 300ms)", took)
	}
}

// TestAttackSlowlorisHeaders: the same with the headers.
func TestAttackSlowlorisHeaders(t *testing.T) {
	_, addr := limitsServer(t, testLimits())
	took, _ := trickle(t, addr, "GET /v1/status HTTP/1.1\r\n", strings.Repeat("X-Slow: a\r\n", 10), 50*time.Millisecond)
	if took > 2*time.Second {
		t.Errorf("trickled headers held the connection for %v (read header timeout 300ms)", took)
	}
}

// TestAttackIdleConnections: a kept-alive connection that sends nothing
// more is closed after the idle timeout.
func TestAttackIdleConnections(t *testing.T) {
	_, addr := limitsServer(t, testLimits())
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	io.WriteString(conn, "GET /v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("idle connection: %v, want it closed by the server", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("an idle connection stayed open %v (idle timeout 300ms)", took)
	}
}

// openStream opens GET /v1/events and returns its response and a channel
// of the "event:" lines read from it.
func openStream(t *testing.T, addr string) (*http.Response, <-chan string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/v1/events")
	if err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	if resp.StatusCode == http.StatusOK {
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "event: ") {
					lines <- sc.Text()
				}
			}
		}()
	}
	return resp, lines
}

// TestEventStreamOutlivesTimeouts: an event stream stays open and delivers
// events long after the read, write and idle timeouts have passed, even
// with no keep-alive in between.
func TestEventStreamOutlivesTimeouts(t *testing.T) {
	n, addr := limitsServer(t, testLimits())
	resp, lines := openStream(t, addr)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("events: %d", resp.StatusCode)
	}
	for i := 0; i < 3; i++ {
		time.Sleep(500 * time.Millisecond) // beyond every timeout of the server
		seq := uint64(i)
		n.events.publish(api.Event{Type: "batch", Seq: &seq, Root: &ledger.Hash{}})
		select {
		case l, ok := <-lines:
			if !ok || l != "event: batch" {
				t.Fatalf("event %d: %q (open %v)", i, l, ok)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("event %d never arrived: the stream died with the server's timeouts", i)
		}
	}
}

// TestAttackEventStreamFlood: one client address holds at most
// StreamsPerClient event streams; the next is refused with 429
// too_many_streams, and a closed stream frees its place.
func TestAttackEventStreamFlood(t *testing.T) {
	l := testLimits()
	l.KeepAlive = 50 * time.Millisecond // a closed client is noticed fast
	_, addr := limitsServer(t, l)
	var open []*http.Response
	for i := 0; i < l.StreamsPerClient; i++ {
		resp, _ := openStream(t, addr)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("stream %d: %d", i, resp.StatusCode)
		}
		open = append(open, resp)
	}
	resp, _ := openStream(t, addr)
	e := decodeAPIError(t, resp)
	if resp.StatusCode != http.StatusTooManyRequests || e.Code != "too_many_streams" {
		t.Fatalf("stream %d: %d %+v, want 429 too_many_streams", l.StreamsPerClient+1, resp.StatusCode, e)
	}
	open[0].Body.Close()
	deadline := time.Now().Add(3 * time.Second)
	for {
		resp, _ := openStream(t, addr)
		if resp.StatusCode == http.StatusOK {
			resp.Body.Close()
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("a closed stream never freed its place")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, r := range open[1:] {
		r.Body.Close()
	}
}
