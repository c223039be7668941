package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestValidatorsMatchDjango runs the cases of gen_vectors.py through
// DefaultValidators and expects the messages Django gave.
func TestValidatorsMatchDjango(t *testing.T) {
	v := loadVectors(t)
	vs := DefaultValidators(core.Defaults().Auth)
	if diff := cmp.Diff(v.HelpTexts, vs.HelpTexts()); diff != "" {
		t.Errorf("HelpTexts mismatch (-django +ours):\n%s", diff)
	}
	if len(v.Validators) < 10 {
		t.Fatalf("%d validator cases in testdata", len(v.Validators))
	}
	for _, c := range v.Validators {
		t.Run(c.Name, func(t *testing.T) {
			user := UserAttrs{Username: c.User["username"], Email: c.User["email"], FirstName: c.User["first_name"], LastName: c.User["last_name"]}
			err := vs.Validate(c.Password, user)
			var got []string
			if err != nil {
				var pe *PasswordError
				if !errors.As(err, &pe) {
					t.Fatalf("Validate(%q) error %T %v is not a *PasswordError", c.Password, err, err)
				}
				got = pe.Messages()
			}
			if diff := cmp.Diff(c.Messages, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Validate(%q, %+v) messages mismatch (-django +ours):\n%s", c.Password, user, diff)
			}
		})
	}
}

func messages(err error) []string {
	var pe *PasswordError
	if errors.As(err, &pe) {
		return pe.Messages()
	}
	if err != nil {
		return []string{"unexpected error: " + err.Error()}
	}
	return nil
}

func TestValidators(t *testing.T) {
	john := UserAttrs{Username: "johnsmith", Email: "jsmith@example.com", FirstName: "John", LastName: "Smith"}
	tests := []struct {
		name     string
		v        PasswordValidator
		password string
		user     UserAttrs
		want     []string
	}{
		{"min length ok", MinimumLength(8), "12345678", UserAttrs{}, nil},
		{"min length short", MinimumLength(8), "1234567", UserAttrs{}, []string{"This password is too short. It must contain at least 8 characters."}},
		{"min length singular", MinimumLength(1), "", UserAttrs{}, []string{"This password is too short. It must contain at least 1 character."}},
		{"min length counts characters not bytes", MinimumLength(9), "pässwörd🔑", UserAttrs{}, nil},
		{"min length 10 unicode", MinimumLength(10), "pässwörd🔑", UserAttrs{}, []string{"This password is too short. It must contain at least 10 characters."}},
		{"numeric", NumericPassword(), "0123456789", UserAttrs{}, []string{"This password is entirely numeric."}},
		{"numeric arabic-indic", NumericPassword(), "٠١٢٣٤٥٦٧٨٩", UserAttrs{}, []string{"This password is entirely numeric."}},
		{"numeric with letter", NumericPassword(), "0123456789a", UserAttrs{}, nil},
		{"numeric with space", NumericPassword(), "1234 5678", UserAttrs{}, nil},
		{"numeric empty", NumericPassword(), "", UserAttrs{}, nil},
		{"common", CommonPassword(), "password", UserAttrs{}, []string{"This password is too common."}},
		{"common case and space", CommonPassword(), "\tQwerty123 ", UserAttrs{}, []string{"This password is too common."}},
		{"common last entry", CommonPassword(), "bigpimpin1", UserAttrs{}, []string{"This password is too common."}},
		{"not common", CommonPassword(), "vq8#Lr2@xZ", UserAttrs{}, nil},
		{"custom list", CommonPasswordList([]string{"djinn123", "letmein"}), "DJINN123", UserAttrs{}, []string{"This password is too common."}},
		{"custom list miss", CommonPasswordList([]string{"djinn123"}), "password", UserAttrs{}, nil},
		{"similar username", UserAttributeSimilarity(0), "johnsmith99", john, []string{"The password is too similar to the username."}},
		{"similar first name", UserAttributeSimilarity(0), "JOHN!", john, []string{"The password is too similar to the first name."}},
		{"similar last name", UserAttributeSimilarity(0), "smith12", john, []string{"The password is too similar to the last name."}},
		{"similar email local part", UserAttributeSimilarity(0), "jsmith", john, []string{"The password is too similar to the username."}},
		{"similar email domain", UserAttributeSimilarity(0), "example!", UserAttrs{Email: "jsmith@example.com"}, []string{"The password is too similar to the email address."}},
		{"not similar", UserAttributeSimilarity(0), "v8#Kd0!qLr2@", john, nil},
		{"no user", UserAttributeSimilarity(0), "johnsmith", UserAttrs{}, nil},
		{"strict similarity", UserAttributeSimilarity(0.3), "johnny-99", UserAttrs{Username: "johnsmith"}, []string{"The password is too similar to the username."}},
		{"default similarity", UserAttributeSimilarity(0), "johnny-99", UserAttrs{Username: "johnsmith"}, nil},
		{"lenient similarity", UserAttributeSimilarity(1), "johnsmith1", UserAttrs{Username: "johnsmith"}, nil},
		{"exact match at max 1", UserAttributeSimilarity(1), "JohnSmith", UserAttrs{Username: "johnsmith"}, []string{"The password is too similar to the username."}},
		{"long password short attribute skipped", UserAttributeSimilarity(0), "abcdefghijklmnopqrstuvwxyz0123", UserAttrs{Username: "ab"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := messages(tt.v.ValidatePassword(tt.password, tt.user))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ValidatePassword(%q, %+v) (-want +got):\n%s", tt.password, tt.user, diff)
			}
		})
	}
}

func TestValidateCollectsAll(t *testing.T) {
	vs := DefaultValidators(core.AuthSettings{MinPasswordLength: 12})
	err := vs.Validate("12345678", UserAttrs{Username: "alice"})
	want := []string{
		"This password is too short. It must contain at least 12 characters.",
		"This password is too common.",
		"This password is entirely numeric.",
	}
	if diff := cmp.Diff(want, messages(err)); diff != "" {
		t.Fatalf("Validate (-want +got):\n%s", diff)
	}
	if got := err.Error(); got != strings.Join(want, " ") {
		t.Errorf("Error() = %q", got)
	}
	if err := vs.Validate("a much better passphrase", UserAttrs{Username: "alice"}); err != nil {
		t.Errorf("Validate(good) = %v", err)
	}
	if err := (Validators{}).Validate("", UserAttrs{}); err != nil {
		t.Errorf("empty Validators refused: %v", err)
	}
}

type brokenValidator struct{}

func (brokenValidator) ValidatePassword(string, UserAttrs) error {
	return errors.New("list unavailable")
}
func (brokenValidator) HelpText() string { return "" }

func TestValidateValidatorFailure(t *testing.T) {
	err := Validators{MinimumLength(8), brokenValidator{}}.Validate("short", UserAttrs{})
	var pe *PasswordError
	if err == nil || errors.As(err, &pe) || !strings.Contains(err.Error(), "list unavailable") {
		t.Fatalf("Validate with a failing validator = %v; want its error, not user messages", err)
	}
}

func TestCommonPasswordListSize(t *testing.T) {
	set, err := readPasswordList(commonPasswordsGz)
	if err != nil {
		t.Fatal(err)
	}
	if len(set) < 19000 || len(set) > 20001 {
		t.Errorf("embedded list has %d passwords, want Django's ~20,000", len(set))
	}
}

func TestQuickRatio(t *testing.T) {
	// Values printed by Python's difflib.SequenceMatcher(a=a, b=b).quick_ratio().
	tests := []struct {
		a, b string
		want float64
	}{
		{"A", "A", 1},
		{"A", "AAAAAAAAAA", 0.18181818181818182},
		{"abcd", "bcde", 0.75},
		{"", "", 1},
		{"abc", "", 0},
		{"aab", "abb", 2.0 / 3},
		{"jöhnsmith", "johnsmith", 8.0 / 9},
	}
	for _, tt := range tests {
		if got := quickRatio([]rune(tt.a), []rune(tt.b)); got != tt.want {
			t.Errorf("quickRatio(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
