package checks_test

import (
	"context"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core/checks"
)

func constant(msgs ...checks.Message) func(context.Context) []checks.Message {
	return func(context.Context) []checks.Message { return msgs }
}

func TestRun(t *testing.T) {
	warn := checks.Message{Level: checks.Warning, ID: "x.W001", Msg: "warned"}
	errm := checks.Message{Level: checks.Error, ID: "x.E001", Msg: "broken", Hint: "fix it"}
	deploy := checks.Message{Level: checks.Warning, ID: "security.W004", Msg: "no HSTS"}
	list := []checks.Check{
		{Name: "a", Run: constant(warn)},
		{Name: "b", Run: constant(errm)},
		{Name: "d", Deploy: true, Run: constant(deploy)},
	}
	tests := []struct {
		name        string
		opts        checks.Options
		wantIDs     []string
		wantSerious bool
		wantSil     int
	}{
		{"plain", checks.Options{}, []string{"x.E001", "x.W001"}, true, 0},
		{"deploy", checks.Options{Deploy: true}, []string{"x.E001", "security.W004", "x.W001"}, true, 0},
		{"silenced", checks.Options{Silenced: []string{"x.E001"}}, []string{"x.W001"}, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := checks.Run(t.Context(), list, tt.opts)
			var ids []string
			for _, m := range res.Messages {
				ids = append(ids, m.ID)
			}
			if strings.Join(ids, ",") != strings.Join(tt.wantIDs, ",") {
				t.Errorf("Run IDs = %v; want %v", ids, tt.wantIDs)
			}
			if res.Serious() != tt.wantSerious {
				t.Errorf("Serious() = %v; want %v", res.Serious(), tt.wantSerious)
			}
			if res.Silenced != tt.wantSil {
				t.Errorf("Silenced = %d; want %d", res.Silenced, tt.wantSil)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	res := checks.Run(t.Context(), []checks.Check{{Run: constant(
		checks.Message{Level: checks.Error, ID: "x.E001", Msg: "broken", Hint: "fix it", Object: "settings"},
	)}}, checks.Options{})
	var b strings.Builder
	if err := res.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ERRORS:", "settings: (x.E001) broken", "HINT: fix it", "identified 1 issue (0 silenced)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Write output lacks %q:\n%s", want, b.String())
		}
	}
	var empty strings.Builder
	checks.Result{}.Write(&empty)
	if got := empty.String(); got != "System check identified no issues (0 silenced).\n" {
		t.Errorf("empty Write = %q", got)
	}
}

func TestRunSurvivesPanickingCheck(t *testing.T) {
	res := checks.Run(t.Context(), []checks.Check{
		{Name: "broken", Run: func(context.Context) []checks.Message { panic("boom") }},
		{Name: "fine", Run: constant(checks.Message{Level: checks.Warning, ID: "x.W001"})},
	}, checks.Options{})
	if len(res.Messages) != 2 || res.Messages[0].ID != "checks.E002" || res.Messages[0].Object != "broken" || res.Messages[1].ID != "x.W001" {
		t.Errorf("Run with a panicking check = %+v; want checks.E002 for it and the other check's finding", res.Messages)
	}
}
