package orm_test

import (
	"context"
	"fmt"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/orm"
)

// Fortune is a small lookup table read whole.
type Fortune struct {
	ID      int64
	Message string
}

func ExampleAll() {
	ctx := context.Background()
	db, err := orm.Open(ctx, core.DatabaseSettings{URL: "sqlite:///:memory:"}, nil)
	if err != nil {
		panic(err)
	}
	db.AutoMigrate(&Fortune{})
	db.Create(&[]Fortune{{Message: "fortune: No such file or directory"}, {Message: "A computer program does what you tell it to do."}})

	// Fortune.objects.all()
	fortunes, err := orm.All[Fortune](ctx, db)
	if err != nil {
		panic(err)
	}
	for _, f := range fortunes {
		fmt.Println(f.ID, f.Message)
	}
	// Fortune.objects.get(pk=2)
	f, err := orm.Get[Fortune](ctx, db, 2)
	fmt.Println(f.Message, err)
	// Output:
	// 1 fortune: No such file or directory
	// 2 A computer program does what you tell it to do.
	// A computer program does what you tell it to do. <nil>
}
