package orm_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/orm"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "orm-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	s := core.Defaults().Database
	s.URL = "sqlite:///" + filepath.Join(dir, "db.sqlite3")
	db, err := orm.Open(context.Background(), s, nil)
	if err != nil {
		panic(err)
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close()

	var fk int
	db.Raw("PRAGMA foreign_keys").Scan(&fk)
	fmt.Println(db.Dialector.Name(), "foreign_keys:", fk)
	// Output: sqlite foreign_keys: 1
}

func ExampleOpen_unreachable() {
	s := core.Defaults().Database
	s.URL = "postgres://app:s3cret@127.0.0.1:1/app?sslmode=disable"
	_, err := orm.Open(context.Background(), s, nil)
	setting, cause, _ := strings.Cut(err.Error(), ": connect: ")
	fmt.Println(setting)
	fmt.Println(cause != "")
	// Output:
	// orm: Database.URL postgres://app:xxxxx@127.0.0.1:1/app?sslmode=disable
	// true
}

func ExampleErrorKind() {
	db, err := orm.Open(context.Background(), core.DatabaseSettings{URL: "sqlite:///:memory:"}, nil)
	if err != nil {
		panic(err)
	}
	db.Exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE)")
	db.Exec("INSERT INTO users (email) VALUES (?)", "ada@example.com")

	err = db.Exec("INSERT INTO users (email) VALUES (?)", "ada@example.com").Error
	var e *orm.Error
	if errors.Is(err, orm.ErrDuplicate) && errors.As(err, &e) {
		fmt.Println("duplicate", e.Table, e.Column)
	}
	var user struct{ ID int64 }
	err = db.Table("users").Where("email = ?", "bob@example.com").First(&user).Error
	fmt.Println(errors.Is(err, orm.ErrNotFound), orm.ErrNotFound.HTTPStatus())
	// Output:
	// duplicate users email
	// true 404
}

func ExampleProbe() {
	db, err := orm.Open(context.Background(), core.DatabaseSettings{URL: "sqlite:///:memory:"}, nil)
	if err != nil {
		panic(err)
	}
	p := orm.Probe(db)
	fmt.Println(p.Name, p.Check(context.Background()))
	// Output: database <nil>
}
