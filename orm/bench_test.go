package orm_test

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core"
	"github.com/djinn-go/djinn/djinntest"
	"github.com/djinn-go/djinn/orm"
)

// The benchmarks of issue 4: the gorm path that orm.Open returns against
// the raw driver on the same database and the same SQL, in one run, so
// that docs/performance.md can state the ratio. Run them with
//
//	go test -run '^$' -bench 'GetByPK|ListPage|Create' -benchmem -benchtime=2000x -count 3 ./orm/

// benchRows is the size of the world table each dialect starts with.
const benchRows = 10_000

// benchPageSize is the page BenchmarkListPage reads.
const benchPageSize = 20

// benchWorld is the TechEmpower-style "world" row.
type benchWorld struct {
	ID           int64 `gorm:"primaryKey"`
	RandomNumber int
}

func (benchWorld) TableName() string { return "bench_world" }

// benchSQL is the SQL the raw paths send: what gorm generates for the
// calls of the gorm paths, checked by benchCheckSQL. gorm's postgres
// dialect binds LIMIT and OFFSET as parameters, its sqlite dialect writes
// them into the text.
type benchSQL struct {
	get    func(id int64) (string, []any)
	list   func(offset int) (string, []any)
	create string
}

var (
	benchPostgresSQL = benchSQL{
		get: func(id int64) (string, []any) {
			return `SELECT * FROM "bench_world" WHERE "bench_world"."id" = $1 ORDER BY "bench_world"."id" LIMIT $2`, []any{id, 1}
		},
		list: func(offset int) (string, []any) {
			return `SELECT * FROM "bench_world" ORDER BY id LIMIT $1 OFFSET $2`, []any{benchPageSize, offset}
		},
		create: `INSERT INTO "bench_world" ("random_number") VALUES ($1) RETURNING "id"`,
	}
	benchSQLiteSQL = benchSQL{
		get: func(id int64) (string, []any) {
			return "SELECT * FROM `bench_world` WHERE `bench_world`.`id` = ? ORDER BY `bench_world`.`id` LIMIT 1", []any{id}
		},
		list: func(offset int) (string, []any) {
			return "SELECT * FROM `bench_world` ORDER BY id LIMIT " + strconv.Itoa(benchPageSize) +
				" OFFSET " + strconv.Itoa(offset), nil
		},
		create: "INSERT INTO `bench_world` (`random_number`) VALUES (?) RETURNING `id`",
	}
)

// benchDB is one dialect's database reached both ways.
type benchDB struct {
	gorm *gorm.DB
	sql  benchSQL
	// Exactly one of pool (postgres) and std (sqlite) is set.
	pool *pgxpool.Pool
	std  *sql.DB
}

// raw is the name of the raw path in the benchmark names.
func (d *benchDB) raw() string {
	if d.pool != nil {
		return "pgx"
	}
	return "database_sql"
}

// getRaw reads one row by primary key on the raw path.
func (d *benchDB) getRaw(ctx context.Context, id int64) (benchWorld, error) {
	var w benchWorld
	var err error
	q, args := d.sql.get(id)
	if d.pool != nil {
		err = d.pool.QueryRow(ctx, q, args...).Scan(&w.ID, &w.RandomNumber)
	} else {
		err = d.std.QueryRowContext(ctx, q, args...).Scan(&w.ID, &w.RandomNumber)
	}
	return w, err
}

// listRaw reads one page on the raw path into ws, reusing its storage.
func (d *benchDB) listRaw(ctx context.Context, offset int, ws []benchWorld) ([]benchWorld, error) {
	ws = ws[:0]
	q, args := d.sql.list(offset)
	if d.pool != nil {
		rows, err := d.pool.Query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		return scanWorlds(rows, ws)
	}
	rows, err := d.std.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanWorlds(rows, ws)
}

// worldRows is what pgx.Rows and *sql.Rows have in common for reading.
type worldRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanWorlds appends every row of rows to ws.
func scanWorlds(rows worldRows, ws []benchWorld) ([]benchWorld, error) {
	for rows.Next() {
		var w benchWorld
		if err := rows.Scan(&w.ID, &w.RandomNumber); err != nil {
			return nil, err
		}
		ws = append(ws, w)
	}
	return ws, rows.Err()
}

// createRaw inserts one row on the raw path and returns its id.
func (d *benchDB) createRaw(ctx context.Context, n int) (int64, error) {
	var id int64
	var err error
	if d.pool != nil {
		err = d.pool.QueryRow(ctx, d.sql.create, n).Scan(&id)
	} else {
		err = d.std.QueryRowContext(ctx, d.sql.create, n).Scan(&id)
	}
	return id, err
}

// eachBenchDialect runs fn as sub-benchmarks "postgres" and "sqlite", each
// on a fresh database holding benchRows rows, reached through orm.Open
// and through the raw driver.
func eachBenchDialect(b *testing.B, fn func(b *testing.B, d *benchDB)) {
	b.Run("postgres", func(b *testing.B) { fn(b, openBenchPostgres(b)) })
	b.Run("sqlite", func(b *testing.B) { fn(b, openBenchSQLite(b)) })
}

func openBenchGorm(b *testing.B, dbURL string) *gorm.DB {
	b.Helper()
	ctx := context.Background()
	db, err := orm.Open(ctx, core.DatabaseSettings{URL: dbURL}, nil)
	if err != nil {
		b.Fatalf("orm.Open: %v", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sqlDB.Close() })
	if err := db.WithContext(ctx).AutoMigrate(&benchWorld{}); err != nil {
		b.Fatalf("create bench_world: %v", err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	rows := make([]benchWorld, benchRows)
	for i := range rows {
		rows[i].RandomNumber = rng.IntN(10_000) + 1
	}
	if err := db.WithContext(ctx).CreateInBatches(rows, 1000).Error; err != nil {
		b.Fatalf("fill bench_world: %v", err)
	}
	return db
}

func openBenchPostgres(b *testing.B) *benchDB {
	dbURL := djinntest.PostgresURL(b)
	d := &benchDB{gorm: openBenchGorm(b, dbURL), sql: benchPostgresSQL}
	// pgxpool's default exec mode caches prepared statements per
	// connection, as gorm's PrepareStmt does on top of pgx's stdlib.
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		b.Fatalf("pgxpool.New: %v", err)
	}
	b.Cleanup(pool.Close)
	d.pool = pool
	benchCheckSQL(b, d)
	return d
}

func openBenchSQLite(b *testing.B) *benchDB {
	dbURL := djinntest.SQLiteURL(b)
	d := &benchDB{gorm: openBenchGorm(b, dbURL), sql: benchSQLiteSQL}
	u, err := url.Parse(dbURL)
	if err != nil {
		b.Fatal(err)
	}
	// The pragmas orm.Open sets; benchCheckSQL compares them.
	dsn := strings.TrimPrefix(u.Path, "/") +
		"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	std, err := sql.Open("sqlite", dsn)
	if err != nil {
		b.Fatalf("sql.Open: %v", err)
	}
	b.Cleanup(func() { _ = std.Close() })
	d.std = std
	benchCheckSQL(b, d)
	return d
}

// benchCheckSQL fails the benchmark when the raw SQL drifts from what gorm
// generates or, on SQLite, when the two pools run with different pragmas,
// so that the two paths keep doing the same work.
func benchCheckSQL(b *testing.B, d *benchDB) {
	b.Helper()
	dry := d.gorm.Session(&gorm.Session{DryRun: true})
	var w benchWorld
	var ws []benchWorld
	got := []string{
		dry.First(&w, int64(1)).Statement.SQL.String(),
		dry.Order("id").Limit(benchPageSize).Offset(40).Find(&ws).Statement.SQL.String(),
		dry.Create(&benchWorld{RandomNumber: 1}).Statement.SQL.String(),
	}
	getSQL, _ := d.sql.get(1)
	listSQL, _ := d.sql.list(40)
	want := []string{getSQL, listSQL, d.sql.create}
	for i := range want {
		if got[i] != want[i] {
			b.Fatalf("gorm generates %q; the raw path sends %q", got[i], want[i])
		}
	}
	if d.std == nil {
		return
	}
	for _, p := range []string{"busy_timeout", "foreign_keys", "journal_mode", "synchronous"} {
		var g, r string
		if err := d.gorm.Raw("PRAGMA " + p).Row().Scan(&g); err != nil {
			b.Fatal(err)
		}
		if err := d.std.QueryRow("PRAGMA " + p).Scan(&r); err != nil {
			b.Fatal(err)
		}
		if g != r {
			b.Fatalf("PRAGMA %s = %q through orm.Open, %q through database/sql", p, g, r)
		}
	}
}

// benchIDs returns n primary keys in [1, benchRows] from a fixed-seed
// PRNG, the same sequence for every path.
func benchIDs(n int) []int64 {
	rng := rand.New(rand.NewPCG(1, 2))
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = rng.Int64N(benchRows) + 1
	}
	return ids
}

func BenchmarkGetByPK(b *testing.B) {
	eachBenchDialect(b, func(b *testing.B, d *benchDB) {
		ctx := context.Background()
		b.Run("gorm", func(b *testing.B) {
			ids := benchIDs(b.N)
			b.ReportAllocs()
			b.ResetTimer()
			defer cpuMeter(b)()
			for i := range b.N {
				var w benchWorld
				if err := d.gorm.WithContext(ctx).First(&w, ids[i]).Error; err != nil {
					b.Fatal(err)
				}
				if w.ID != ids[i] {
					b.Fatalf("First(%d) read id %d", ids[i], w.ID)
				}
			}
		})
		b.Run("orm_Get", func(b *testing.B) {
			ids := benchIDs(b.N)
			b.ReportAllocs()
			b.ResetTimer()
			defer cpuMeter(b)()
			for i := range b.N {
				w, err := orm.Get[benchWorld](ctx, d.gorm, ids[i])
				if err != nil {
					b.Fatal(err)
				}
				if w.ID != ids[i] {
					b.Fatalf("Get(%d) read id %d", ids[i], w.ID)
				}
			}
		})
		b.Run(d.raw(), func(b *testing.B) {
			ids := benchIDs(b.N)
			b.ReportAllocs()
			b.ResetTimer()
			defer cpuMeter(b)()
			for i := range b.N {
				w, err := d.getRaw(ctx, ids[i])
				if err != nil {
					b.Fatal(err)
				}
				if w.ID != ids[i] {
					b.Fatalf("get %d read id %d", ids[i], w.ID)
				}
			}
		})
	})
}

// benchFortune is the TechEmpower-style "fortune" row, read whole.
type benchFortune struct {
	ID      int64 `gorm:"primaryKey"`
	Message string
}

func (benchFortune) TableName() string { return "bench_fortune" }

// benchFortunes is the size of the fortune table BenchmarkAll reads.
const benchFortunes = 12

// BenchmarkAll reads a table of 12 rows whole: gorm's Find, orm.All and
// the raw driver.
func BenchmarkAll(b *testing.B) {
	eachBenchDialect(b, func(b *testing.B, d *benchDB) {
		ctx := context.Background()
		if err := d.gorm.WithContext(ctx).AutoMigrate(&benchFortune{}); err != nil {
			b.Fatal(err)
		}
		fs := make([]benchFortune, benchFortunes)
		for i := range fs {
			fs[i].Message = "fortune <" + strconv.Itoa(i) + ">"
		}
		if err := d.gorm.WithContext(ctx).Create(&fs).Error; err != nil {
			b.Fatal(err)
		}
		check := func(b *testing.B, got []benchFortune, err error) {
			if err != nil {
				b.Fatal(err)
			}
			if len(got) != benchFortunes {
				b.Fatalf("read %d fortunes; want %d", len(got), benchFortunes)
			}
		}
		b.Run("gorm", func(b *testing.B) {
			b.ReportAllocs()
			defer cpuMeter(b)()
			for range b.N {
				var got []benchFortune
				err := d.gorm.WithContext(ctx).Find(&got).Error
				check(b, got, err)
			}
		})
		b.Run("orm_All", func(b *testing.B) {
			b.ReportAllocs()
			defer cpuMeter(b)()
			for range b.N {
				got, err := orm.All[benchFortune](ctx, d.gorm)
				check(b, got, err)
			}
		})
		b.Run(d.raw(), func(b *testing.B) {
			const q = "SELECT id, message FROM bench_fortune"
			b.ReportAllocs()
			defer cpuMeter(b)()
			for range b.N {
				var got []benchFortune
				var err error
				if d.pool != nil {
					rows, qerr := d.pool.Query(ctx, q)
					if qerr != nil {
						b.Fatal(qerr)
					}
					got, err = scanFortunes(rows)
					rows.Close()
				} else {
					rows, qerr := d.std.QueryContext(ctx, q)
					if qerr != nil {
						b.Fatal(qerr)
					}
					got, err = scanFortunes(rows)
					rows.Close()
				}
				check(b, got, err)
			}
		})
	})
}

// scanFortunes reads every row of rows.
func scanFortunes(rows worldRows) ([]benchFortune, error) {
	var fs []benchFortune
	for rows.Next() {
		var f benchFortune
		if err := rows.Scan(&f.ID, &f.Message); err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	return fs, rows.Err()
}

func BenchmarkListPage(b *testing.B) {
	eachBenchDialect(b, func(b *testing.B, d *benchDB) {
		ctx := context.Background()
		offsets := func(n int) []int {
			ids := benchIDs(n)
			out := make([]int, n)
			for i, id := range ids {
				out[i] = int(id-1) / benchPageSize * benchPageSize
			}
			return out
		}
		b.Run("gorm", func(b *testing.B) {
			offs := offsets(b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				var ws []benchWorld
				err := d.gorm.WithContext(ctx).Order("id").Limit(benchPageSize).Offset(offs[i]).Find(&ws).Error
				if err != nil {
					b.Fatal(err)
				}
				if len(ws) != benchPageSize {
					b.Fatalf("page at offset %d has %d rows; want %d", offs[i], len(ws), benchPageSize)
				}
			}
		})
		b.Run(d.raw(), func(b *testing.B) {
			offs := offsets(b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				// A fresh slice per page, as the gorm path allocates one.
				ws, err := d.listRaw(ctx, offs[i], nil)
				if err != nil {
					b.Fatal(err)
				}
				if len(ws) != benchPageSize {
					b.Fatalf("page at offset %d has %d rows; want %d", offs[i], len(ws), benchPageSize)
				}
			}
		})
	})
}

func BenchmarkCreate(b *testing.B) {
	eachBenchDialect(b, func(b *testing.B, d *benchDB) {
		ctx := context.Background()
		b.Run("gorm", func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				w := benchWorld{RandomNumber: i%10_000 + 1}
				if err := d.gorm.WithContext(ctx).Create(&w).Error; err != nil {
					b.Fatal(err)
				}
				if w.ID <= benchRows {
					b.Fatalf("Create set id %d; want > %d", w.ID, benchRows)
				}
			}
		})
		b.Run(d.raw(), func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				id, err := d.createRaw(ctx, i%10_000+1)
				if err != nil {
					b.Fatal(err)
				}
				if id <= benchRows {
					b.Fatalf("insert returned id %d; want > %d", id, benchRows)
				}
			}
		})
	})
}
