package orm_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/core/checks"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/orm"
)

type Poll struct {
	ID       uint
	Question string `gorm:"size:200;not null"`
}

type pollsApp struct{}

func (pollsApp) Label() string          { return "polls" }
func (pollsApp) Dependencies() []string { return []string{orm.Label} }
func (pollsApp) Models() []any          { return []any{&Poll{}} }

func TestAppSetsUpTheDatabase(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		s := core.Defaults()
		s.Debug = true
		s.Logging.Handler = slog.DiscardHandler
		s.Database.URL = url
		ormApp := orm.New()
		s.InstalledApps = []core.App{pollsApp{}, ormApp}
		p := core.New(s)
		if err := p.Setup(t.Context()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close(context.Background()) })

		got, err := orm.From(p)
		if err != nil || got != ormApp {
			t.Fatalf("orm.From = %v, %v; want the installed app", got, err)
		}
		db := ormApp.DB()
		if err := db.AutoMigrate(&Poll{}); err != nil {
			t.Fatal(err)
		}
		if !db.Migrator().HasTable("polls_poll") {
			t.Error(`table "polls_poll" missing: the registry's names are not used`)
		}
		if err := db.Create(&Poll{Question: "What's up?"}).Error; err != nil {
			t.Fatal(err)
		}
		probes := p.Probes()
		if len(probes) != 1 || probes[0].Name != "database" || probes[0].Check(t.Context()) != nil {
			t.Errorf("probes = %+v; want a passing database probe", probes)
		}
		res := checks.Run(t.Context(), p.Checks(), checks.Options{Deploy: true})
		sqliteWarned := strings.Contains(fmtMessages(res), "orm.W001")
		if want := strings.HasPrefix(url, "sqlite:"); sqliteWarned != want {
			t.Errorf("check --deploy orm.W001 = %v; want %v on %s", sqliteWarned, want, url)
		}
	})
}

func fmtMessages(r checks.Result) string {
	var b strings.Builder
	for _, m := range r.Messages {
		b.WriteString(m.ID + " ")
	}
	return b.String()
}

func TestAppUnreachableDatabaseStopsSetup(t *testing.T) {
	s := core.Defaults()
	s.Debug = true
	s.Logging.Handler = slog.DiscardHandler
	s.Database.URL = "postgres://djinn:hunter2@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"
	s.InstalledApps = []core.App{orm.New()}
	err := core.New(s).Setup(t.Context())
	if err == nil || !strings.Contains(err.Error(), "Database.URL") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Setup with an unreachable database = %v; want an error naming Database.URL without the password", err)
	}
}

func TestFromWithoutTheApp(t *testing.T) {
	s := core.Defaults()
	s.Debug = true
	s.Logging.Handler = slog.DiscardHandler
	p := core.New(s)
	if err := p.Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := orm.From(p); err == nil || !strings.Contains(err.Error(), "orm.New()") {
		t.Errorf("orm.From without the app = %v; want an error telling how to install it", err)
	}
}
