package techempower

import (
	"context"
	"fmt"
	"math/rand/v2"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/orm"
)

// WorldRows is the number of rows benchdata puts in world.
const WorldRows = 10_000

// Fortunes returns TechEmpower's twelve fortunes, ids 1 to 12, including
// the one with a <script> element and the Japanese one.
func Fortunes() []Fortune {
	return []Fortune{
		{1, "fortune: No such file or directory"},
		{2, "A computer scientist is someone who fixes things that aren't broken."},
		{3, "After enough decimal places, nobody gives a damn."},
		{4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"},
		{5, "A computer program does what you tell it to do, not what you want it to do."},
		{6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"},
		{7, "Any program that runs right is obsolete."},
		{8, "A list is only as strong as its weakest link. — Donald Knuth"},
		{9, "Feature: A bug with seniority."},
		{10, "Computers make very fast, very accurate mistakes."},
		{11, `<script>alert("This should not be displayed in a browser alert box.");</script>`},
		{12, "フレームワークのベンチマーク"},
	}
}

// Commands returns the app's manage commands: benchdata.
func (a *App) Commands() []*command.Command {
	return []*command.Command{{
		Name:  "benchdata",
		Short: "Fill world (10,000 rows) and fortune (12 rows) for the benchmark",
		Long: `benchdata inserts the rows of world (ids 1 to 10,000, random numbers from
1 to 10,000) and fortune (TechEmpower's twelve messages) that are missing.
Rows that exist are left alone, so running it again creates nothing. Run
migrate first.`,
		Run: a.runBenchData,
	}}
}

func (a *App) runBenchData(ctx context.Context, env *command.Env) error {
	var worlds, fortunes int64
	err := orm.Atomic(ctx, a.db, func(tx *gorm.DB) error {
		ws := make([]World, WorldRows)
		for i := range ws {
			ws[i] = World{ID: int32(i + 1), RandomNumber: rand.Int32N(10_000) + 1}
		}
		var err error
		if worlds, err = insertMissing(ctx, tx, ws); err != nil {
			return fmt.Errorf("techempower: benchdata: table world: %w", err)
		}
		if fortunes, err = insertMissing(ctx, tx, Fortunes()); err != nil {
			return fmt.Errorf("techempower: benchdata: table fortune: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "world: %d rows created, %d existed; fortune: %d rows created, %d existed.\n",
		worlds, WorldRows-worlds, fortunes, int64(len(Fortunes()))-fortunes)
	return nil
}

// insertMissing inserts the rows whose primary key is not taken and
// returns how many it inserted.
func insertMissing[T any](ctx context.Context, tx *gorm.DB, rows []T) (int64, error) {
	var inserted int64
	// 1,000 rows × 2 columns stays far below both dialects' limits on
	// bound parameters.
	for start := 0; start < len(rows); start += 1000 {
		batch := rows[start:min(start+1000, len(rows))]
		res := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&batch)
		if res.Error != nil {
			return inserted, res.Error
		}
		inserted += res.RowsAffected
	}
	return inserted, nil
}
