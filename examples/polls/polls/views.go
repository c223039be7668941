package polls

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/djinn-go/djinn/cache"
	"github.com/djinn-go/djinn/core/respond"
	"github.com/djinn-go/djinn/core/urls"
	"github.com/djinn-go/djinn/forms"
	"github.com/djinn-go/djinn/messages"
	"github.com/djinn-go/djinn/orm"
	"github.com/djinn-go/djinn/templates"
)

// resultsTTL is how long the results page's tally stays cached; a vote
// deletes it at once, on every node that shares the cache.
const resultsTTL = 5 * time.Minute

// noChoice is the detail page's error when a vote names no choice of the
// question.
const noChoice = "You didn't select a choice."

// indexData is the index page's template data.
type indexData struct {
	Questions []Question
}

// index lists the five latest published questions; questions published
// in the future are not shown.
func (a *App) index(w http.ResponseWriter, r *http.Request) error {
	var latest []Question
	err := orm.DB(r.Context(), a.db).
		Where("pub_date <= ?", time.Now()).
		Order("pub_date DESC").Limit(5).
		Find(&latest).Error
	if err != nil {
		return err
	}
	return templates.Render(w, r, http.StatusOK, "polls/index.html", indexData{Questions: latest})
}

// published returns the published question of the URL's id, with its
// choices; an unknown id or a question published in the future is a 404.
func (a *App) published(ctx context.Context, r *http.Request) (*Question, error) {
	id, err := strconv.ParseUint(urls.Param(r, "id"), 10, 64)
	if err != nil {
		return nil, respond.NewError(http.StatusNotFound, "no such question")
	}
	db := orm.DB(ctx, a.db).Preload("Choices", func(db *gorm.DB) *gorm.DB { return db.Order("id") })
	return orm.Get[Question](ctx, db, "id = ? AND pub_date <= ?", id, time.Now())
}

// detailData is the detail page's template data.
type detailData struct {
	Question *Question
	Error    string
}

// detail shows a question and its choices, with a form to vote.
func (a *App) detail(w http.ResponseWriter, r *http.Request) error {
	q, err := a.published(r.Context(), r)
	if err != nil {
		return err
	}
	return templates.Render(w, r, http.StatusOK, "polls/detail.html", detailData{Question: q})
}

// resultsKey names the cached tally of a question's votes.
func resultsKey(questionID uint) string {
	return fmt.Sprintf("polls:results:%d", questionID)
}

// tally is a choice's line on the results page, as cached.
type tally struct {
	Text  string
	Votes int
}

// resultsData is the results page's template data.
type resultsData struct {
	Question *Question
	Tallies  []tally
}

// results shows the votes of a question. The tally comes from the cache
// (shared by every node when it is Redis) until a vote invalidates it.
func (a *App) results(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q, err := a.published(ctx, r)
	if err != nil {
		return err
	}
	tallies, err := cache.GetOrSetAs(ctx, a.cache, resultsKey(q.ID), resultsTTL, func(context.Context) ([]tally, error) {
		t := make([]tally, 0, len(q.Choices))
		for _, c := range q.Choices {
			t = append(t, tally{Text: c.ChoiceText, Votes: c.Votes})
		}
		return t, nil
	})
	if err != nil {
		return err
	}
	return templates.Render(w, r, http.StatusOK, "polls/results.html", resultsData{Question: q, Tallies: tallies})
}

// voteForm is the detail page's form.
type voteForm struct {
	Choice string `form:"choice"`
}

// vote counts one vote for the posted choice with one atomic UPDATE (votes
// = votes + 1, Django's F("votes") + 1), so that concurrent votes are all
// counted, then sends the browser to the results. A vote without a choice
// of this question shows the question again with an error.
func (a *App) vote(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q, err := a.published(ctx, r)
	if err != nil {
		return err
	}
	f, errs := forms.Bind[voteForm](r, a.limits)
	if errs.Any() {
		return errs // a malformed or oversized body: 400
	}
	choiceID, err := strconv.ParseUint(f.Choice, 10, 64)
	if err != nil {
		return templates.Render(w, r, http.StatusOK, "polls/detail.html", detailData{Question: q, Error: noChoice})
	}
	var counted int64
	err = orm.Atomic(ctx, a.db, func(tx *gorm.DB) error {
		res := tx.Model(&Choice{}).
			Where("id = ? AND question_id = ?", choiceID, q.ID).
			Update("votes", gorm.Expr("votes + 1"))
		counted = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return err
	}
	if counted == 0 {
		return templates.Render(w, r, http.StatusOK, "polls/detail.html", detailData{Question: q, Error: noChoice})
	}
	// The vote is committed: drop the cached tally (a cache outage only
	// leaves it stale until resultsTTL).
	if err := a.cache.Delete(ctx, resultsKey(q.ID)); err != nil {
		return err
	}
	if err := messages.Success(r, "Thanks for voting."); err != nil {
		return err
	}
	path, err := a.router.Reverse("polls:results", q.ID)
	if err != nil {
		return err
	}
	respond.Redirect(w, r, path, http.StatusSeeOther)
	return nil
}
