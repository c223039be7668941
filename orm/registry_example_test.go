package orm_test

import (
	"fmt"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/orm"
)

// Author and Post are the models of a "blog" app.
type Author struct {
	ID    uint
	Name  string `gorm:"size:100;not null"`
	Posts []Post
}

type Post struct {
	ID       uint
	AuthorID uint
	Author   Author
	Title    string `gorm:"size:200;unique"`
}

func (Post) VerboseNamePlural() string { return "blog posts" }

// blogApp offers its models through orm.ModelProvider.
type blogApp struct{}

func (blogApp) Label() string { return "blog" }
func (blogApp) Models() []any { return []any{&Author{}, &Post{}} }

var _ orm.ModelProvider = blogApp{}

func ExampleNewRegistry() {
	// In a project: orm.NewRegistry(project.Apps()), then open gorm with
	// &gorm.Config{NamingStrategy: reg.NamingStrategy()} or call
	// reg.Install(db) before the first query.
	reg, err := orm.NewRegistry([]core.App{blogApp{}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range reg.ForApp("blog") {
		fmt.Printf("%s → %s (%s / %s)\n", m, m.Table, m.VerboseName, m.VerboseNamePlural)
		for _, f := range m.Fields {
			if f.Relation != nil {
				fmt.Printf("  %s: %s %s via %v\n", f.Name, f.Relation.Kind, f.Relation.Table, f.Relation.ForeignKeys)
				continue
			}
			fmt.Printf("  %s %s pk=%v unique=%v\n", f.Column, f.DataType, f.PrimaryKey, f.Unique)
		}
	}
	m, _ := reg.Model(&Post{})
	fmt.Println("primary key:", m.PrimaryKey.Column)
	// Output:
	// blog.Author → blog_author (author / authors)
	//   id uint pk=true unique=false
	//   name string pk=false unique=false
	//   Posts: has_many blog_post via [author_id]
	// blog.Post → blog_post (post / blog posts)
	//   id uint pk=true unique=false
	//   author_id uint pk=false unique=false
	//   Author: belongs_to blog_author via [author_id]
	//   title string pk=false unique=true
	// primary key: id
}

func ExampleRegistry_NamingStrategy() {
	reg, err := orm.NewRegistry([]core.App{blogApp{}})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Give it to gorm: gorm.Open(dialector, &gorm.Config{NamingStrategy: ns}).
	ns := reg.NamingStrategy()
	fmt.Println(ns.TableName("Post"), ns.ColumnName("blog_post", "AuthorID"), ns.TableName("AuditEntry"))
	// Output: blog_post author_id audit_entries
}
