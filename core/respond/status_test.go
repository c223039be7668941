package respond

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"testing"
)

// statusErr is another package's error type that states its status, like
// orm.ErrNotFound will.
type statusErr int

func (e statusErr) Error() string   { return fmt.Sprintf("status error %d", int(e)) }
func (e statusErr) HTTPStatus() int { return int(e) }

func TestStatus(t *testing.T) {
	_, openErr := os.Open("/definitely/not/there")
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 200},
		{"plain error", errors.New("boom"), 500},
		{"HTTPError", NewError(404, "no poll"), 404},
		{"HTTPError zero status", &HTTPError{}, 500},
		{"wrapped HTTPError", fmt.Errorf("view: %w", NewError(409, "taken")), 409},
		{"other type with HTTPStatus", fmt.Errorf("load: %w", statusErr(403)), 403},
		{"HTTPStatus not an error status", statusErr(302), 500},
		{"HTTPStatus 200", statusErr(200), 500},
		{"HTTPStatus out of range", statusErr(1000), 500},
		{"outer HTTPError wins over inner", &HTTPError{Status: 400, Err: statusErr(404)}, 400},
		{"HTTPError over stdlib cause", &HTTPError{Status: 500, Err: fs.ErrNotExist}, 500},
		{"MaxBytesError", fmt.Errorf("read body: %w", &http.MaxBytesError{Limit: 10}), 413},
		{"fs.ErrNotExist", fmt.Errorf("open: %w", fs.ErrNotExist), 404},
		{"os.Open of a missing file", openErr, 404},
		{"fs.ErrPermission", &fs.PathError{Op: "open", Path: "x", Err: fs.ErrPermission}, 403},
		{"http.ErrHandlerTimeout", http.ErrHandlerTimeout, 503},
		{"context.DeadlineExceeded", fmt.Errorf("query: %w", context.DeadlineExceeded), 503},
		{"context.Canceled", fmt.Errorf("query: %w", context.Canceled), StatusClientClosedRequest},
		{"PanicError", NewPanicError("nil map"), 500},
		{"PanicError wrapping a 404", NewPanicError(NewError(404, "")), 500},
		{"PanicError wrapping ErrNotExist", NewPanicError(fs.ErrNotExist), 500},
		{"HTTPError wrapping a panic", &HTTPError{Status: 503, Err: NewPanicError("x")}, 503},
		{"joined: first stating a status wins", errors.Join(errors.New("a"), NewError(422, "bad")), 422},
		{"joined stdlib", errors.Join(errors.New("a"), context.Canceled), StatusClientClosedRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Status(tt.err); got != tt.want {
				t.Errorf("Status(%v) = %d; want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestStatusText(t *testing.T) {
	tests := []struct {
		code int
		want string
	}{
		{404, "Not Found"},
		{499, "Client Closed Request"},
		{599, "Error"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			if got := statusText(tt.code); got != tt.want {
				t.Errorf("statusText(%d) = %q; want %q", tt.code, got, tt.want)
			}
		})
	}
}
