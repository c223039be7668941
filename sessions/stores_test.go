package sessions

import (
	"testing"

	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/orm"
)

func TestCookieStore(t *testing.T) {
	runStoreSuite(t, storeKind{newStore: func(t *testing.T, cfg Config) Store {
		st, err := NewCookieStore(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}})
}

func TestRedisStore(t *testing.T) {
	client, prefix := testRedis(t)
	runStoreSuite(t, storeKind{serverSide: true, newStore: func(t *testing.T, cfg Config) Store {
		cfg.KeyPrefix = prefix
		st, err := NewRedisStore(client, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}})
}

func TestDBStore(t *testing.T) {
	djinntest.EachDialect(t, func(t *testing.T, url string) {
		p := newProject(t, url, nil)
		oa, err := orm.From(p)
		if err != nil {
			t.Fatal(err)
		}
		runStoreSuite(t, storeKind{serverSide: true, newStore: func(t *testing.T, cfg Config) Store {
			st, err := NewDBStore(oa.DB(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}})
	})
}
