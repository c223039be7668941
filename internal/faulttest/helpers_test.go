package faulttest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Shared by the tests of this file's siblings (redis, shutdown, sqlite and
// slow-client tests): a seeded SQLite site, a load recorder that keeps
// every request's outcome, and the JSON-log reader.

// sqliteSite builds the polls binary with a SQLite database and a static
// root of the test's own, then runs collectstatic, migrate and seed. env
// comes after those two settings in the Bin's Env.
func sqliteSite(t *testing.T, env ...string) *Bin {
	t.Helper()
	dir := t.TempDir()
	base := []string{
		"DATABASE_URL=sqlite:///" + filepath.Join(dir, "db.sqlite3"),
		"DJINN_STATIC_ROOT=" + filepath.Join(dir, "staticfiles"),
	}
	b := Polls(t, append(base, env...)...)
	b.Run(t, "collectstatic", "--no-input")
	b.Run(t, "migrate")
	b.Run(t, "seed")
	return b
}

// noLoginThrottle lets a site take as many failed logins as a test sends
// (a failed login is the slow view of these tests: a full password hash).
const noLoginThrottle = "DJINN_AUTH_LOGIN_ATTEMPTS=0"

// sample is one request's outcome, at is its start relative to the start
// of the load.
type sample struct {
	at     time.Duration
	lat    time.Duration
	status int    // 0 when err is set
	err    error  // transport error
	note   string // what the request function chose to record
}

// ok reports whether the request got a response with status want.
func (s sample) ok(want int) bool { return s.err == nil && s.status == want }

// reqFunc makes one request with client and returns its status, a note
// to keep with the sample (which node answered, say), and a transport
// error.
type reqFunc func(ctx context.Context, client *http.Client) (status int, note string, err error)

// load is a closed-loop load of a fixed number of workers, each with a
// connection of its own, that keeps every request's sample. It runs until
// stop, which lets the requests in flight finish, or its bound, which
// cuts them (a cut request is not kept).
type load struct {
	start    time.Time
	cancel   context.CancelFunc
	stopping chan struct{}
	once     sync.Once
	wg       sync.WaitGroup
	tr       *http.Transport

	mu      sync.Mutex
	samples []sample
}

// startLoad starts conc workers calling do in a loop for at most bound.
func startLoad(t *testing.T, conc int, bound time.Duration, do reqFunc) *load {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	l := &load{
		start:    time.Now(),
		cancel:   cancel,
		stopping: make(chan struct{}),
		tr:       &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc, DisableCompression: true},
	}
	t.Cleanup(func() { l.stop() })
	for range conc {
		l.wg.Go(func() {
			client := &http.Client{
				Transport:     l.tr,
				Timeout:       15 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			}
			local := make([]sample, 0, 1024)
		loop:
			for ctx.Err() == nil {
				select {
				case <-l.stopping:
					break loop
				default:
				}
				t0 := time.Now()
				status, note, err := do(ctx, client)
				if err != nil && ctx.Err() != nil {
					break // cut by the bound: not a failure
				}
				local = append(local, sample{at: t0.Sub(l.start), lat: time.Since(t0), status: status, err: err, note: note})
			}
			l.mu.Lock()
			l.samples = append(l.samples, local...)
			l.mu.Unlock()
		})
	}
	return l
}

// since returns how long ago the load started.
func (l *load) since() time.Duration { return time.Since(l.start) }

// stop ends the load: no request starts any more, and the ones in flight
// finish. It waits for the workers and returns every sample in start
// order. It may be called more than once.
func (l *load) stop() []sample {
	l.once.Do(func() { close(l.stopping) })
	l.wg.Wait()
	l.cancel()
	l.tr.CloseIdleConnections()
	l.mu.Lock()
	defer l.mu.Unlock()
	slices.SortFunc(l.samples, func(a, b sample) int { return int(a.at - b.at) })
	return l.samples
}

// get returns a reqFunc that GETs u and reads the whole body.
func get(u string) reqFunc {
	return func(ctx context.Context, client *http.Client) (int, string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return 0, "", err
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, "", err
	}
}

// window is the figures of the samples started in [from, to).
type window struct {
	from, to       time.Duration
	n, fails       int
	p50, p99, pMax time.Duration
}

// stats returns the figures of the samples started in [from, to); a
// sample fails unless its status is want.
func stats(ss []sample, from, to time.Duration, want int) window {
	w := window{from: from, to: to}
	var lats []time.Duration
	for _, s := range ss {
		if s.at < from || s.at >= to {
			continue
		}
		w.n++
		if !s.ok(want) {
			w.fails++
			continue
		}
		lats = append(lats, s.lat)
	}
	slices.Sort(lats)
	w.p50, w.p99 = percentile(lats, 0.50), percentile(lats, 0.99)
	if len(lats) > 0 {
		w.pMax = lats[len(lats)-1]
	}
	return w
}

func (w window) String() string {
	return fmt.Sprintf("[%.1fs,%.1fs) n=%d fails=%d p50=%s p99=%s max=%s",
		w.from.Seconds(), w.to.Seconds(), w.n, w.fails, ms(w.p50), ms(w.p99), ms(w.pMax))
}

// windows splits [from, to) into windows of length size and returns the
// figures of each.
func windows(ss []sample, from, to, size time.Duration, want int) []window {
	var ws []window
	for a := from; a+size <= to; a += size {
		ws = append(ws, stats(ss, a, a+size, want))
	}
	return ws
}

// medianP99 is the median of the windows' p99s.
func medianP99(ws []window) time.Duration {
	p := make([]time.Duration, 0, len(ws))
	for _, w := range ws {
		p = append(p, w.p99)
	}
	slices.Sort(p)
	if len(p) == 0 {
		return 0
	}
	return p[len(p)/2]
}

// percentile returns the p-quantile of sorted lats (nearest rank).
func percentile(lats []time.Duration, p float64) time.Duration {
	if len(lats) == 0 {
		return 0
	}
	return lats[int(float64(len(lats)-1)*p)]
}

// ms formats d in milliseconds with two decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

// logRecord is one JSON log line of a site: its message and every field.
type logRecord struct {
	Msg    string
	Level  string
	Fields map[string]any
}

// parseLogs splits a site's output into its JSON log records and the
// other lines (go-redis and the standard logger write plain text).
func parseLogs(out string) (records []logRecord, other []string) {
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		var m map[string]any
		if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &m) != nil {
			if strings.TrimSpace(line) != "" {
				other = append(other, line)
			}
			continue
		}
		r := logRecord{Fields: m}
		r.Msg, _ = m["msg"].(string)
		r.Level, _ = m["level"].(string)
		records = append(records, r)
	}
	return records, other
}

// countMsg counts the records whose message contains sub.
func countMsg(records []logRecord, sub string) int {
	n := 0
	for _, r := range records {
		if strings.Contains(r.Msg, sub) {
			n++
		}
	}
	return n
}

// countLines counts the lines that contain sub.
func countLines(lines []string, sub string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, sub) {
			n++
		}
	}
	return n
}

// doForm sends a request with an optional form body and cookie, reads the
// whole response, and returns it with its body. Redirects are not
// followed.
func doForm(ctx context.Context, client *http.Client, method, u string, form url.Values, cookie *http.Cookie) (*http.Response, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

// sessionCookie returns the response's sessionid cookie, or nil.
func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "sessionid" && c.MaxAge >= 0 {
			return c
		}
	}
	return nil
}

// waitFor polls cond every interval until it returns nil or within has
// passed, and returns how long it took or the last error.
func waitFor(within, interval time.Duration, cond func() error) (time.Duration, error) {
	start := time.Now()
	for {
		err := cond()
		if err == nil {
			return time.Since(start), nil
		}
		if time.Since(start) > within {
			return time.Since(start), fmt.Errorf("not within %s: %w", within, err)
		}
		time.Sleep(interval)
	}
}

var errStatus = errors.New("unexpected status")

// wantStatus returns an error wrapping errStatus unless got is want.
func wantStatus(what string, got, want int) error {
	if got != want {
		return fmt.Errorf("%s = %d; want %d: %w", what, got, want, errStatus)
	}
	return nil
}
