package polls

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/core/command"
	"github.com/djinn-go/djinn/orm"
)

// seedQuestion is a question seed creates, with its choices.
type seedQuestion struct {
	text    string
	choices []string
}

// seedQuestions returns the questions seed creates.
func seedQuestions() []seedQuestion {
	return []seedQuestion{
		{"What's new?", []string{"Not much", "The sky", "Just hacking again"}},
		{"Which database do you deploy on?", []string{"PostgreSQL", "SQLite", "Something else"}},
		{"How do you like your templates?", []string{"Server-rendered", "With a sprinkle of JavaScript", "A single-page app"}},
	}
}

// Commands returns the app's manage commands: seed.
func (a *App) Commands() []*command.Command {
	return []*command.Command{{
		Name:  "seed",
		Short: "Create a few questions with choices (again: nothing new)",
		Long: `seed creates the example questions, each with its choices, published now.
A question whose text exists already is left alone, so running seed twice
creates nothing the second time.`,
		Run: a.runSeed,
	}}
}

func (a *App) runSeed(ctx context.Context, env *command.Env) error {
	all := seedQuestions()
	created := 0
	err := orm.Atomic(ctx, a.db, func(tx *gorm.DB) error {
		for _, sq := range all {
			var n int64
			if err := tx.Model(&Question{}).Where("question_text = ?", sq.text).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			q := Question{QuestionText: sq.text, PubDate: time.Now()}
			for _, c := range sq.choices {
				q.Choices = append(q.Choices, Choice{ChoiceText: c})
			}
			if err := tx.Create(&q).Error; err != nil {
				return fmt.Errorf("polls: seed %q: %w", sq.text, err)
			}
			created++
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Created %d questions; %d existed already.\n", created, len(all)-created)
	return nil
}
