package forms_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/forms"
	"github.com/djinn-go/djinn/orm"
)

type Poll struct {
	ID       uint
	Question string `gorm:"size:200;not null;unique"`
	IsStaff  bool
}

type pollApp struct{}

func (pollApp) Label() string { return "polls" }
func (pollApp) Models() []any { return []any{&Poll{}} }

func ExampleNewModelForm() {
	ctx := context.Background()
	db, err := orm.Open(ctx, core.DatabaseSettings{URL: "sqlite:///:memory:"}, nil)
	if err != nil {
		panic(err)
	}
	reg, err := orm.NewRegistry([]core.App{pollApp{}})
	if err != nil {
		panic(err)
	}
	if err := reg.Install(db); err != nil {
		panic(err)
	}
	if err := db.AutoMigrate(&Poll{}); err != nil {
		panic(err)
	}

	// At start-up: the form edits the question only.
	pollForm, err := forms.NewModelForm[Poll](reg, forms.ModelFormOptions{Fields: []string{"question"}})
	if err != nil {
		panic(err)
	}

	// In the view, twice with the same data.
	for range 2 {
		r := httptest.NewRequest(http.MethodPost, "/polls/new", strings.NewReader("question=Ready%3F&is_staff=on"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		var p Poll
		if errs := pollForm.Bind(r, &p); errs != nil {
			fmt.Println(errs)
			continue
		}
		errs, err := pollForm.Save(ctx, db, &p)
		if err != nil {
			panic(err)
		}
		if errs != nil {
			fmt.Println(errs["question"])
			continue
		}
		fmt.Println("saved poll", p.ID, "staff:", p.IsStaff)
	}
	// Output:
	// saved poll 1 staff: false
	// [Poll with this Question already exists.]
}
