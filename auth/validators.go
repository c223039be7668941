package auth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/djinn-go/djinn/core"
)

// UserAttrs are the user fields UserAttributeSimilarity compares a password
// with. The zero value means "no user" (a password chosen before the user
// exists): the similarity check is skipped.
type UserAttrs struct {
	Username  string
	Email     string
	FirstName string
	LastName  string
}

// PasswordValidator is one password rule (an entry of Django's
// AUTH_PASSWORD_VALIDATORS).
type PasswordValidator interface {
	// ValidatePassword returns nil when password is acceptable for user, a
	// *PasswordError with the messages to show when it is not, or another
	// error when the validator itself failed.
	ValidatePassword(password string, user UserAttrs) error
	// HelpText describes the rule to the user ("Your password can’t be
	// entirely numeric.").
	HelpText() string
}

// PasswordError lists why a password was refused, in sentences for the
// user, such as "This password is too common.".
type PasswordError struct {
	messages []string
}

// NewPasswordError returns a *PasswordError with messages, for custom
// validators.
func NewPasswordError(messages ...string) *PasswordError {
	return &PasswordError{messages: append([]string(nil), messages...)}
}

// Error joins the messages with spaces (they are whole sentences).
func (e *PasswordError) Error() string { return strings.Join(e.messages, " ") }

// Messages returns a copy of the messages, one per failed rule.
func (e *PasswordError) Messages() []string { return append([]string(nil), e.messages...) }

// Validators is an ordered list of password rules. The zero value accepts
// every password. It is safe for concurrent use when its validators are;
// the ones in this package are.
type Validators []PasswordValidator

// DefaultValidators returns Django's default rules, in Django's order:
// UserAttributeSimilarity (0.7), MinimumLength (s.MinPasswordLength; 0
// means 8), CommonPassword and NumericPassword.
func DefaultValidators(s core.AuthSettings) Validators {
	n := s.MinPasswordLength
	if n <= 0 {
		n = 8
	}
	return Validators{UserAttributeSimilarity(0), MinimumLength(n), CommonPassword(), NumericPassword()}
}

// Validate runs every validator and returns nil, or a *PasswordError with
// the messages of all that refused password (Django's validate_password).
// A validator that fails for another reason stops the run with its error.
func (vs Validators) Validate(password string, user UserAttrs) error {
	var messages []string
	for _, v := range vs {
		err := v.ValidatePassword(password, user)
		if err == nil {
			continue
		}
		var pe *PasswordError
		if !errors.As(err, &pe) {
			return fmt.Errorf("auth: password validator %T: %w", v, err)
		}
		messages = append(messages, pe.messages...)
	}
	if len(messages) == 0 {
		return nil
	}
	return &PasswordError{messages: messages}
}

// HelpTexts returns each validator's help text, in order.
func (vs Validators) HelpTexts() []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.HelpText())
	}
	return out
}

// MinimumLength refuses passwords shorter than n characters (Unicode code
// points, as Python's len).
func MinimumLength(n int) PasswordValidator { return minimumLength(n) }

type minimumLength int

func (n minimumLength) ValidatePassword(password string, _ UserAttrs) error {
	if utf8.RuneCountInString(password) >= int(n) {
		return nil
	}
	return NewPasswordError(fmt.Sprintf("This password is too short. It must contain at least %d %s.", int(n), plural(int(n), "character", "characters")))
}

func (n minimumLength) HelpText() string {
	return fmt.Sprintf("Your password must contain at least %d %s.", int(n), plural(int(n), "character", "characters"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// NumericPassword refuses passwords made only of decimal digits of any
// script (Unicode Nd; Python's str.isdigit also counts a few others, such
// as superscripts).
func NumericPassword() PasswordValidator { return numericPassword{} }

type numericPassword struct{}

func (numericPassword) ValidatePassword(password string, _ UserAttrs) error {
	if password == "" || strings.IndexFunc(password, func(r rune) bool { return !unicode.IsDigit(r) }) >= 0 {
		return nil
	}
	return NewPasswordError("This password is entirely numeric.")
}

func (numericPassword) HelpText() string { return "Your password can’t be entirely numeric." }

// commonPasswordsGz is Django's list; see common-passwords.LICENSE
// (BSD 3-clause, Django Software Foundation).
//
//go:embed common-passwords.txt.gz
var commonPasswordsGz []byte

// CommonPassword refuses the 20,000 common passwords Django ships
// (compared lowercased and trimmed). The list is read on first use.
func CommonPassword() PasswordValidator {
	return &commonPassword{load: func() (map[string]struct{}, error) { return readPasswordList(commonPasswordsGz) }}
}

// CommonPasswordList refuses the given passwords, compared lowercased and
// trimmed; list them in lower case.
func CommonPasswordList(passwords []string) PasswordValidator {
	return &commonPassword{load: func() (map[string]struct{}, error) {
		set := make(map[string]struct{}, len(passwords))
		for _, p := range passwords {
			set[strings.TrimSpace(p)] = struct{}{}
		}
		return set, nil
	}}
}

type commonPassword struct {
	load func() (map[string]struct{}, error)
	once sync.Once
	set  map[string]struct{}
	err  error
}

func readPasswordList(gz []byte) (map[string]struct{}, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("auth: read common-passwords.txt.gz: %w", err)
	}
	set := make(map[string]struct{}, 20000)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		set[strings.TrimSpace(sc.Text())] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("auth: read common-passwords.txt.gz: %w", err)
	}
	return set, nil
}

func (c *commonPassword) ValidatePassword(password string, _ UserAttrs) error {
	c.once.Do(func() { c.set, c.err = c.load() })
	if c.err != nil {
		return c.err
	}
	if _, ok := c.set[strings.TrimSpace(strings.ToLower(password))]; ok {
		return NewPasswordError("This password is too common.")
	}
	return nil
}

func (c *commonPassword) HelpText() string {
	return "Your password can’t be a commonly used password."
}

// UserAttributeSimilarity refuses passwords too similar to the user's
// username, first name, last name or e-mail address, or to any of their
// parts split at non-word characters ("john.smith@example.com" gives john,
// smith, example and com too), as Django: similarity is difflib's
// SequenceMatcher.quick_ratio on the lowercased strings, refused at
// maxSimilarity or more (0 means Django's 0.7; at least 0.1).
func UserAttributeSimilarity(maxSimilarity float64) PasswordValidator {
	if maxSimilarity == 0 {
		maxSimilarity = 0.7
	}
	if maxSimilarity < 0.1 {
		maxSimilarity = 0.1
	}
	return &attributeSimilarity{max: maxSimilarity, nonWord: regexp.MustCompile(`[^\p{L}\p{N}_]+`)}
}

type attributeSimilarity struct {
	max     float64
	nonWord *regexp.Regexp
}

func (a *attributeSimilarity) ValidatePassword(password string, user UserAttrs) error {
	if user == (UserAttrs{}) {
		return nil
	}
	pw := []rune(strings.ToLower(password))
	for _, attr := range []struct{ value, name string }{
		{user.Username, "username"},
		{user.FirstName, "first name"},
		{user.LastName, "last name"},
		{user.Email, "email address"},
	} {
		if attr.value == "" {
			continue
		}
		lower := strings.ToLower(attr.value)
		parts := append(a.nonWord.Split(lower, -1), lower)
		for _, part := range parts {
			p := []rune(part)
			if exceedsLengthRatio(len(pw), a.max, len(p)) {
				continue
			}
			if quickRatio(pw, p) >= a.max {
				return NewPasswordError("The password is too similar to the " + attr.name + ".")
			}
		}
	}
	return nil
}

func (a *attributeSimilarity) HelpText() string {
	return "Your password can’t be too similar to your other personal information."
}

// exceedsLengthRatio is Django's exceeds_maximum_length_ratio: a value much
// shorter than the password cannot reach the similarity bound.
func exceedsLengthRatio(pwLen int, max float64, valueLen int) bool {
	return pwLen >= 10*valueLen && float64(valueLen) < max/2*float64(pwLen)
}

// quickRatio is difflib.SequenceMatcher(a=a, b=b).quick_ratio(): twice the
// number of characters the two have in common (as multisets) over their
// total length.
func quickRatio(a, b []rune) float64 {
	if len(a)+len(b) == 0 {
		return 1
	}
	avail := make(map[rune]int, len(b))
	for _, r := range b {
		avail[r]++
	}
	matches := 0
	for _, r := range a {
		if avail[r] > 0 {
			matches++
		}
		avail[r]--
	}
	return 2 * float64(matches) / float64(len(a)+len(b))
}
