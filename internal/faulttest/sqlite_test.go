package faulttest

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	// The SQLite driver the ORM uses, to count the votes behind the site.
	_ "modernc.org/sqlite"
)

// TestSQLiteConcurrentWriters has 8 clients vote for 10 s on a site on
// the default SQLite database (WAL, busy_timeout). Every vote is a write
// (the UPDATE of the choice) and so is its session (database sessions,
// for the "Thanks for voting" message). No vote may fail ("database is
// locked" must never reach a user: no 5xx at all) and none may be lost:
// the votes in the database equal the votes acknowledged with 303.
func TestSQLiteConcurrentWriters(t *testing.T) {
	Enabled(t)
	const (
		conc     = 8
		duration = 10 * time.Second
	)
	b := sqliteSite(t, "DJINN_LOG_ACCESS=false")
	s := b.Serve(t)
	ctx := t.Context()

	_, body, err := doForm(ctx, Client(), http.MethodGet, s.URL+"/polls/1/", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var choices []string
	for _, m := range regexp.MustCompile(`name="choice" value="(\d+)"`).FindAllStringSubmatch(body, -1) {
		choices = append(choices, m[1])
	}
	if len(choices) == 0 {
		t.Fatalf("GET /polls/1/ shows no choice:\n%s", body)
	}

	var n atomic.Uint64
	voteURL := s.URL + "/polls/1/vote/"
	l := startLoad(t, conc, duration+30*time.Second, func(ctx context.Context, client *http.Client) (int, string, error) {
		choice := choices[n.Add(1)%uint64(len(choices))]
		resp, body, err := doForm(ctx, client, http.MethodPost, voteURL, url.Values{"choice": {choice}}, nil)
		if err != nil {
			return 0, "", err
		}
		note := ""
		if strings.Contains(body, "database is locked") {
			note = "locked"
		}
		return resp.StatusCode, note, nil
	})
	time.Sleep(duration)
	ss := l.stop()
	elapsed := l.since()
	if err := s.Stop(); err != nil {
		t.Errorf("stop the site: %v", err)
	}

	all := stats(ss, 0, elapsed, http.StatusSeeOther)
	var acked, server, locked, transport int
	other := map[int]int{}
	for _, x := range ss {
		switch {
		case x.err != nil:
			transport++
		case x.status == http.StatusSeeOther:
			acked++
		case x.status >= 500:
			server++
		default:
			other[x.status]++
		}
		if x.note == "locked" {
			locked++
		}
	}
	recs, _ := parseLogs(s.Logs())
	lockedLogs := 0
	for _, r := range recs {
		if e, _ := r.Fields["error"].(string); strings.Contains(e, "database is locked") || strings.Contains(e, "SQLITE_BUSY") {
			lockedLogs++
		}
	}

	// The votes in the database, read after the site stopped.
	dbURL := ""
	for _, e := range b.Env {
		if v, ok := strings.CutPrefix(e, "DATABASE_URL=sqlite:///"); ok {
			dbURL = v
		}
	}
	db, err := sql.Open("sqlite", dbURL+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stored int
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(SUM(votes), 0) FROM polls_choice WHERE question_id = 1").Scan(&stored); err != nil {
		t.Fatalf("sum the votes: %v", err)
	}

	if server != 0 || locked != 0 || lockedLogs != 0 {
		t.Errorf("%d of %d votes answered 5xx (%d mentioning \"database is locked\"; %d locked errors in the log); want 0", server, len(ss), locked, lockedLogs)
		for _, r := range recs {
			if r.Level == "ERROR" {
				t.Logf("log: %s %v", r.Msg, r.Fields["error"])
				break
			}
		}
	}
	if transport != 0 || len(other) != 0 {
		t.Errorf("votes with a transport error: %d, with another status: %v; want none", transport, other)
	}
	if stored != acked {
		t.Errorf("votes in the database = %d; votes acknowledged with 303 = %d; want equal (lost: %d)", stored, acked, acked-stored)
	}
	rate := float64(acked) / elapsed.Seconds()
	t.Logf("%d writers for %s: %d votes sent, %d acknowledged, %d stored, %d 5xx, %d locked; %.0f votes/s, p50 %s, p99 %s, max %s",
		conc, duration, len(ss), acked, stored, server, locked+lockedLogs, rate, ms(all.p50), ms(all.p99), ms(all.pMax))
	t.Logf("FIGURES: sqlite-writers: writers=%d duration=%s acked=%d stored=%d lost=%d 5xx=%d locked=%d writes_per_s=%.0f p50=%s p99=%s",
		conc, duration, acked, stored, acked-stored, server, locked+lockedLogs, rate, ms(all.p50), ms(all.p99))
}
