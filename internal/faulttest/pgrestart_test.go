package faulttest

import (
	"context"
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

// TestPostgresRestartUnderWriteLoad votes on the polls site from 16
// clients for 60 s and restarts its PostgreSQL (pg_ctl stop -m fast,
// then a fresh start) 25 s in. Every vote
// acknowledged with 303 is in the database afterwards; every failed
// request is a 503, none a 500 or a broken connection; failures happen
// only around the restart; and the same server process serves votes
// again after it.
func TestPostgresRestartUnderWriteLoad(t *testing.T) {
	Enabled(t)
	const (
		workers      = 16
		loadFor      = 60 * time.Second
		restartAfter = 25 * time.Second
		slack        = 5 * time.Second // allowed errors past the restart's end
	)
	pg := StartPostgres(t)
	dbURL := pg.CreateDB(t, "polls")
	bin := Polls(t, "DATABASE_URL="+dbURL, "DJINN_STATIC_ROOT="+filepath.Join(t.TempDir(), "staticfiles"),
		"DJINN_CACHE_BACKEND=memory", "DJINN_SESSION_STORE=cookie")
	bin.Run(t, "collectstatic", "--no-input")
	bin.Run(t, "migrate")
	bin.Run(t, "seed")
	site := bin.Serve(t)
	pid := site.PID()

	client := Client()
	choice := FirstChoice(t, client, site.URL+"/polls/1/")
	voteURL := site.URL + "/polls/1/vote/"
	db := pg.Open(t, "polls")
	sumVotes := func() int64 {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT COALESCE(SUM(votes), 0) FROM polls_choice").Scan(&n); err != nil {
			t.Fatalf("sum the votes: %v", err)
		}
		return n
	}
	before := sumVotes()

	var (
		mu         sync.Mutex
		acked      int
		failures   = map[string]int{} // "503", "500", "conn: ..."
		retryAfter int                // 503s with a Retry-After header
		firstFail  time.Time
		lastFail   time.Time
		lastOK     time.Time
		samples    []string // the first bodies of non-503 failures
	)
	record := func(at time.Time, status int, hasRetry bool, err error, body string) {
		mu.Lock()
		defer mu.Unlock()
		if err == nil && status == http.StatusSeeOther {
			acked++
			lastOK = at
			return
		}
		key := fmt.Sprint(status)
		if err != nil {
			key = "conn: " + restartShortErr(err)
		}
		failures[key]++
		if status == http.StatusServiceUnavailable && hasRetry {
			retryAfter++
		}
		if status != http.StatusServiceUnavailable && len(samples) < 3 {
			samples = append(samples, key+": "+body)
		}
		if firstFail.IsZero() {
			firstFail = at
		}
		lastFail = at
	}

	start := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), loadFor)
	defer cancel()
	form := url.Values{"choice": {choice}}.Encode()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				// The request's own context is not ctx: a vote in flight
				// when the load stops is still answered and counted.
				req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost, voteURL, strings.NewReader(form))
				if err != nil {
					t.Error(err)
					return
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := client.Do(req)
				if err != nil {
					record(time.Now(), 0, false, err, "")
					time.Sleep(50 * time.Millisecond)
					continue
				}
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
				resp.Body.Close()
				record(time.Now(), resp.StatusCode, resp.Header.Get("Retry-After") != "", nil, string(body))
				if resp.StatusCode != http.StatusSeeOther {
					time.Sleep(50 * time.Millisecond) // as a client backing off
				}
			}
		})
	}

	time.Sleep(restartAfter)
	restartStart := time.Now()
	pg.Restart(t)
	restartEnd := time.Now()
	wg.Wait()
	loadEnd := time.Now()

	// The pool recovers by itself: one more vote on the same process.
	resp, err := client.PostForm(voteURL, url.Values{"choice": {choice}})
	if err != nil {
		t.Fatalf("vote after the load: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("vote after the load = %d; want 303", resp.StatusCode)
	} else {
		acked++
	}
	if site.Exited() || site.PID() != pid {
		t.Errorf("polls serve (pid %d) exited during the test:\n%s", pid, site.Logs())
	}

	inDB := sumVotes() - before
	mu.Lock()
	defer mu.Unlock()
	failed := 0
	keys := make([]string, 0, len(failures))
	for k, n := range failures {
		failed += n
		keys = append(keys, fmt.Sprintf("%s=%d", k, n))
	}
	slices.Sort(keys)
	restartSecs := restartEnd.Sub(restartStart).Seconds()
	window := 0.0
	if failed > 0 {
		window = lastFail.Sub(firstFail).Seconds()
	}
	t.Logf("load %.1fs, %d workers; restart %.2fs from %.1fs", loadEnd.Sub(start).Seconds(), workers, restartSecs, restartStart.Sub(start).Seconds())
	t.Logf("acknowledged %d, in the database %d (%d more: unacknowledged votes that committed), failed %d %v, 503s with Retry-After %d",
		acked, inDB, inDB-int64(acked), failed, keys, retryAfter)
	t.Logf("FIGURES: postgres restart under write load: duration=%.0fs workers=%d acknowledged=%d in_db=%d lost=%d errors={%s} retry_after=%d/%d error_window=%.2fs restart=%.2fs same_pid=%v",
		loadEnd.Sub(start).Seconds(), workers, acked, inDB, max(int64(acked)-inDB, 0), strings.Join(keys, " "), retryAfter, failures["503"], window, restartSecs, site.PID() == pid && !site.Exited())

	if inDB < int64(acked) {
		t.Errorf("votes in the database = %d; want at least the %d acknowledged (%d lost)", inDB, acked, int64(acked)-inDB)
	}
	if inDB > int64(acked+failed) {
		t.Errorf("votes in the database = %d; want at most acknowledged + failed = %d", inDB, acked+failed)
	}
	for k, n := range failures {
		if k != "503" {
			t.Errorf("%d requests failed with %s; want only 503s (samples: %q)", n, k, samples)
		}
	}
	if retryAfter != failures["503"] {
		t.Errorf("%d of %d 503s carried Retry-After; want all (orm.ErrUnavailable asks for it)", retryAfter, failures["503"])
	}
	if failed > 0 {
		if firstFail.Before(restartStart.Add(-time.Second)) || lastFail.After(restartEnd.Add(slack)) {
			t.Errorf("failures from %.2fs to %.2fs; want them within the restart, %.2fs to %.2fs (+%s)",
				firstFail.Sub(start).Seconds(), lastFail.Sub(start).Seconds(),
				restartStart.Sub(start).Seconds(), restartEnd.Sub(start).Seconds(), slack)
		}
	}
	if !lastOK.After(restartEnd) {
		t.Errorf("no vote acknowledged after the restart ended at %.2fs; want the pool to recover", restartEnd.Sub(start).Seconds())
	}
}

// shortErr names a transport error by its last part ("connection
// reset by peer", "EOF"), so that failures group.
func restartShortErr(err error) string {
	if errors.Is(err, io.EOF) {
		return "EOF"
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}
