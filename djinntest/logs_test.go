package djinntest_test

import (
	"sync"
	"testing"

	"github.com/djinn-go/djinn/djinntest"
)

func TestLogs(t *testing.T) {
	logger, logs := djinntest.NewLogs()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { logger.Info("http request", "status", 200+i) })
	}
	wg.Wait()
	logger.Debug("quiet", "key", "value")
	if got := len(logs.Records(t)); got != 21 {
		t.Errorf("Records() has %d records; want 21", got)
	}
	rec := logs.Find(t, "quiet")
	if rec == nil || rec["key"] != "value" {
		t.Errorf(`Find("quiet") = %v; want the debug record`, rec)
	}
	if logs.Find(t, "absent") != nil {
		t.Error(`Find("absent") found a record`)
	}
}
