package sessions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/sessions"
	"gorm.io/gorm"
)

// Record is a session row of the database store, in table
// sessions_session (Django's django_session, with the same column names).
// Data holds the encoded values (see the package doc).
type Record struct {
	Key        string    `gorm:"column:session_key;primaryKey;size:64;not null"`
	Data       []byte    `gorm:"column:session_data;not null"`
	ExpireDate time.Time `gorm:"column:expire_date;not null;index"`
}

// TableName returns "sessions_session".
func (Record) TableName() string { return "sessions_session" }

// VerboseName returns "session".
func (Record) VerboseName() string { return "session" }

// DBStore keeps sessions in the sessions_session table (Record), created
// by this app's migrations. Rows past their ExpireDate are ignored when
// read and deleted by ClearExpired (the clearsessions command). The cookie
// holds only the id (32 random bytes, base64url) and its signature.
//
// A session loaded from the database is saved with an UPDATE, so a
// request that finishes after another one deleted the session (logout)
// does not bring it back: that save fails with ErrInterrupted. A new
// session is INSERTed. Database errors wrap ErrUnavailable.
//
// It is safe for concurrent use.
type DBStore struct {
	db  *gorm.DB
	cfg Config
	ids idCookie
	now func() time.Time
}

var _ Store = (*DBStore)(nil)

// NewDBStore returns a store on db; it fails without cfg.SecretKey.
func NewDBStore(db *gorm.DB, cfg Config) (*DBStore, error) {
	if db == nil {
		return nil, errors.New("sessions: NewDBStore: the database is nil")
	}
	cfg = cfg.withDefaults()
	ids, err := newIDCookie(cfg)
	if err != nil {
		return nil, err
	}
	return &DBStore{db: db, cfg: cfg, ids: ids, now: time.Now}, nil
}

// Name returns the cookie's name.
func (s *DBStore) Name() string { return s.cfg.CookieName }

// Get returns the request's session through gorilla's per-request
// registry (see sessions.Store); the middleware uses New.
func (s *DBStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session whose id r's cookie holds: one SELECT. Without a
// valid cookie, or when the row is gone or expired, it returns a new empty
// session; when the database fails, a new session and an error wrapping
// ErrUnavailable.
func (s *DBStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := newSession(s, name, s.cfg)
	id, ok := s.ids.read(r, name)
	if !ok {
		return sess, nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()
	var rows []Record
	err := s.db.WithContext(ctx).
		Where("session_key = ? AND expire_date > ?", id, s.now().UTC()).
		Limit(1).Find(&rows).Error
	if err != nil {
		return sess, unavailable("load", "db", err)
	}
	if len(rows) == 0 {
		return sess, nil
	}
	values, err := decodeValues(rows[0].Data)
	if err != nil {
		return sess, nil // unreadable data is no session
	}
	sess.ID, sess.Values, sess.IsNew = id, values, false
	return sess, nil
}

// Save stores the session and sets the cookie; with a negative
// Options.MaxAge it deletes the session and expires the cookie. A session
// without an ID gets a new one.
func (s *DBStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.Delete(ctx, sess.ID); err != nil {
				return err
			}
			sess.ID = ""
		}
		return s.ids.write(w, sess)
	}
	b, err := encodeValues(sess.Values)
	if err != nil {
		return err
	}
	expire := s.now().UTC().Add(s.cfg.MaxAge)
	db := s.db.WithContext(ctx)
	if sess.ID == "" {
		rec := Record{Key: newID(), Data: b, ExpireDate: expire}
		if err := db.Create(&rec).Error; err != nil {
			return unavailable("save", "db", err)
		}
		sess.ID = rec.Key
	} else {
		res := db.Model(&Record{}).Where("session_key = ?", sess.ID).
			Updates(map[string]any{"session_data": b, "expire_date": expire})
		if res.Error != nil {
			return unavailable("save", "db", res.Error)
		}
		if res.RowsAffected == 0 {
			return &StoreError{Op: "save", Store: "db", Err: errors.New("the session no longer exists"), kind: ErrInterrupted}
		}
	}
	return s.ids.write(w, sess)
}

// Delete removes the session with the id.
func (s *DBStore) Delete(ctx context.Context, id string) error {
	if err := s.db.WithContext(ctx).Where("session_key = ?", id).Delete(&Record{}).Error; err != nil {
		return unavailable("delete", "db", err)
	}
	return nil
}

// ClearExpired deletes the rows whose ExpireDate has passed and returns
// how many it deleted.
func (s *DBStore) ClearExpired(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Where("expire_date <= ?", s.now().UTC()).Delete(&Record{})
	if res.Error != nil {
		return 0, fmt.Errorf("sessions: clear expired sessions from sessions_session: %w", res.Error)
	}
	return res.RowsAffected, nil
}
