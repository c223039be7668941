package auth

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djinn-go/djinn/core"
	"github.com/google/go-cmp/cmp"
)

// djangoVectors is testdata/django_hashes.json, made by gen_vectors.py.
type djangoVectors struct {
	DjangoVersion   string   `json:"django_version"`
	UnusableExample string   `json:"unusable_example"`
	HelpTexts       []string `json:"help_texts"`
	Vectors         []struct {
		Note      string         `json:"note"`
		Algorithm string         `json:"algorithm"`
		Password  string         `json:"password"`
		Salt      string         `json:"salt"`
		Params    map[string]int `json:"params"`
		Encoded   string         `json:"encoded"`
	} `json:"vectors"`
	Validators []struct {
		Name     string            `json:"name"`
		Password string            `json:"password"`
		User     map[string]string `json:"user"`
		Messages []string          `json:"messages"`
	} `json:"validators"`
}

func loadVectors(t testing.TB) djangoVectors {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "django_hashes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v djangoVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Vectors) < 20 || v.DjangoVersion == "" {
		t.Fatalf("testdata/django_hashes.json: %d vectors, Django %q; regenerate with gen_vectors.py", len(v.Vectors), v.DjangoVersion)
	}
	return v
}

// allHashers reads every format with Django 5.2's parameters.
func allHashers(t testing.TB) *Passwords {
	t.Helper()
	p, err := NewPasswords(core.AuthSettings{PasswordHashers: []string{PBKDF2SHA256, Argon2, BCryptSHA256, PBKDF2SHA1, BCrypt}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func short(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}

func TestDjangoVectorsVerify(t *testing.T) {
	v := loadVectors(t)
	p := allHashers(t)
	for _, vec := range v.Vectors {
		t.Run(vec.Algorithm+"/"+vec.Note+"/"+short(vec.Password), func(t *testing.T) {
			t.Parallel()
			h, err := p.Identify(vec.Encoded)
			if err != nil {
				t.Fatalf("Identify(%q): %v", vec.Encoded, err)
			}
			if h.Algorithm() != vec.Algorithm {
				t.Fatalf("Identify(%q) = %s, want %s", vec.Encoded, h.Algorithm(), vec.Algorithm)
			}
			if ok, err := h.Verify(vec.Password, vec.Encoded); !ok || err != nil {
				t.Errorf("Verify(%q, %q) = %v, %v; want true", vec.Password, vec.Encoded, ok, err)
			}
			wrong := "x" + vec.Password
			if ok, err := h.Verify(wrong, vec.Encoded); ok || err != nil {
				t.Errorf("Verify(%q, %q) = %v, %v; want false", wrong, vec.Encoded, ok, err)
			}
		})
	}
}

func TestEncodeReproducesDjango(t *testing.T) {
	v := loadVectors(t)
	n := 0
	for _, vec := range v.Vectors {
		var h Hasher
		switch {
		case vec.Algorithm == PBKDF2SHA256 && vec.Params["iterations"] <= 260_000:
			h = NewPBKDF2SHA256(vec.Params["iterations"])
		case vec.Algorithm == PBKDF2SHA1:
			h = NewPBKDF2SHA1(vec.Params["iterations"])
		case vec.Algorithm == Argon2 && strings.HasPrefix(vec.Encoded, "argon2$argon2id$"):
			h = NewArgon2(Argon2Params{Time: uint32(vec.Params["time_cost"]), Memory: uint32(vec.Params["memory_cost"]), Threads: uint8(vec.Params["parallelism"])})
		default:
			continue // bcrypt draws its own salt; 1M-iteration pbkdf2 is checked by TestDjangoVectorsVerify
		}
		n++
		t.Run(vec.Algorithm+"/"+vec.Note+"/"+short(vec.Password), func(t *testing.T) {
			t.Parallel()
			got, err := h.Encode(vec.Password, vec.Salt)
			if err != nil || got != vec.Encoded {
				t.Errorf("Encode(%q, %q) = %q, %v; want Django's %q", vec.Password, vec.Salt, got, err, vec.Encoded)
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d vectors re-encoded", n)
	}
}

func vector(t *testing.T, note, password string) string {
	t.Helper()
	for _, vec := range loadVectors(t).Vectors {
		if vec.Note == note && vec.Password == password {
			return vec.Encoded
		}
	}
	t.Fatalf("no vector %q for %q", note, password)
	return ""
}

// TestDjangoHashUpgradedAtDefaultSettings is the issue's "a Django-made
// pbkdf2 hash logs in and is upgraded", with the real default settings
// (1,000,000 iterations).
func TestDjangoHashUpgradedAtDefaultSettings(t *testing.T) {
	const pw = "correct horse battery staple"
	p, err := NewPasswords(core.Defaults().Auth)
	if err != nil {
		t.Fatal(err)
	}
	old := vector(t, "low iterations", pw)
	if !p.MustUpdate(old) {
		t.Errorf("MustUpdate(%q) = false, want true", old)
	}
	ok, upgrade, err := p.Check(pw, old)
	if !ok || err != nil {
		t.Fatalf("Check(%q, %q) = %v, %q, %v; want true", pw, old, ok, upgrade, err)
	}
	if !strings.HasPrefix(upgrade, "pbkdf2_sha256$1000000$") {
		t.Fatalf("Check upgrade = %q, want a pbkdf2_sha256$1000000$ hash", upgrade)
	}
	ok, again, err := p.Check(pw, upgrade)
	if !ok || again != "" || err != nil {
		t.Errorf("Check(%q, upgraded %q) = %v, %q, %v; want true, no further upgrade", pw, upgrade, ok, again, err)
	}
}

func TestCheckUpgrades(t *testing.T) {
	const pw = "correct horse battery staple"
	const uni = "pässwörd🔑"
	cheapPBKDF2, err := NewPasswordsWith(NewPBKDF2SHA256(1000), NewArgon2(Argon2Params{}), NewBCryptSHA256(0), NewPBKDF2SHA1(1000), NewBCrypt(0))
	if err != nil {
		t.Fatal(err)
	}
	argon2First, err := NewPasswordsWith(NewArgon2(Argon2Params{Time: 2, Memory: 512, Threads: 2}), NewPBKDF2SHA256(1000))
	if err != nil {
		t.Fatal(err)
	}
	bcryptFirst, err := NewPasswordsWith(NewBCryptSHA256(5), NewPBKDF2SHA256(1000))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		p         *Passwords
		password  string
		encoded   string
		ok        bool
		upgradeTo string // prefix of the upgrade; "" for none
	}{
		{"current pbkdf2", cheapPBKDF2, pw, vector(t, "low iterations", pw), true, ""},
		{"current pbkdf2, wrong password", cheapPBKDF2, "nope", vector(t, "low iterations", pw), false, ""},
		{"short salt", cheapPBKDF2, pw, vector(t, "low iterations, short salt", pw), true, "pbkdf2_sha256$1000$"},
		{"other iterations", cheapPBKDF2, uni, vector(t, "Django 3.2 default iterations", uni), true, "pbkdf2_sha256$1000$"},
		{"argon2 to pbkdf2", cheapPBKDF2, uni, vector(t, "Django 5.2 default argon2id", uni), true, "pbkdf2_sha256$1000$"},
		{"argon2 to pbkdf2, wrong password", cheapPBKDF2, pw, vector(t, "Django 5.2 default argon2id", uni), false, ""},
		{"bcrypt_sha256 to pbkdf2", cheapPBKDF2, "", vector(t, "low-cost bcrypt_sha256", ""), true, "pbkdf2_sha256$1000$"},
		{"pbkdf2_sha1 to pbkdf2_sha256", cheapPBKDF2, uni, vector(t, "legacy pbkdf2_sha1", uni), true, "pbkdf2_sha256$1000$"},
		{"bcrypt to pbkdf2", cheapPBKDF2, pw, vector(t, "legacy bcrypt (no SHA-256, 72-byte truncation)", pw), true, "pbkdf2_sha256$1000$"},
		{"other argon2 parameters", argon2First, pw, vector(t, "Django 5.2 default argon2id", pw), true, "argon2$argon2id$v=19$m=512,t=2,p=2$"},
		{"argon2i to argon2id", argon2First, pw, vector(t, "argon2i (Django < 3.1)", pw), true, "argon2$argon2id$v=19$m=512,t=2,p=2$"},
		{"current argon2", argon2First, "", vector(t, "Django 3.1 argon2id parameters", ""), true, ""},
		{"bcrypt cost 4 to 5", bcryptFirst, uni, vector(t, "low-cost bcrypt_sha256", uni), true, "bcrypt_sha256$$2b$05$"},
		{"pbkdf2 to bcrypt_sha256", bcryptFirst, pw, vector(t, "low iterations", pw), true, "bcrypt_sha256$$2b$05$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, upgrade, err := tt.p.Check(tt.password, tt.encoded)
			if ok != tt.ok || err != nil {
				t.Fatalf("Check(%q, %q) = %v, %q, %v; want %v", tt.password, tt.encoded, ok, upgrade, err, tt.ok)
			}
			if tt.upgradeTo == "" {
				if upgrade != "" {
					t.Fatalf("Check(%q, %q) upgrade = %q, want none", tt.password, tt.encoded, upgrade)
				}
				return
			}
			if !strings.HasPrefix(upgrade, tt.upgradeTo) {
				t.Fatalf("Check(%q, %q) upgrade = %q, want prefix %q", tt.password, tt.encoded, upgrade, tt.upgradeTo)
			}
			ok, again, err := tt.p.Check(tt.password, upgrade)
			if !ok || again != "" || err != nil {
				t.Errorf("Check(%q, upgraded %q) = %v, %q, %v; want true, no upgrade", tt.password, upgrade, ok, again, err)
			}
			if ok, _, _ := tt.p.Check("x"+tt.password, upgrade); ok {
				t.Errorf("Check(wrong, upgraded %q) = true", upgrade)
			}
		})
	}
}

func TestCheckMalformed(t *testing.T) {
	p := allHashers(t)
	const b64 = "AFR+GPWgLONPJi/HUugHAS1tpU4EAYa+Mql/PpxroTc="
	const salt = "NnY0UFF5UFZNeUtEeFhTQTBabjNReA"
	const hash = "l2jmzEqxXb6AzS9ih6S0UQ"
	tests := []struct {
		name    string
		encoded string
		want    error
		reason  string
	}{
		{"unknown algorithm", "md5$salt$0123456789abcdef", ErrUnknownAlgorithm, `unknown password hashing algorithm "md5"`},
		{"scrypt not enabled", "scrypt$salt$16384$8$1$abc", ErrUnknownAlgorithm, `"scrypt": not in Auth.PasswordHashers`},
		{"no dollar", "5f4dcc3b5aa765d61d8327deb882cf99", ErrMalformedHash, "no algorithm prefix"},
		{"odd algorithm name", "PBKDF2$1$x$y", ErrMalformedHash, "no algorithm prefix"},
		{"pbkdf2 three fields", "pbkdf2_sha256$1000$salt", ErrMalformedHash, "3 fields, want 4"},
		{"pbkdf2 zero iterations", "pbkdf2_sha256$0$salt$" + b64, ErrMalformedHash, "iterations 0 out of range 1..100000000"},
		{"pbkdf2 absurd iterations", "pbkdf2_sha256$100000001$salt$" + b64, ErrMalformedHash, "iterations 100000001 out of range"},
		{"pbkdf2 huge iterations", "pbkdf2_sha256$99999999999999999999$salt$" + b64, ErrMalformedHash, "iterations is not a number"},
		{"pbkdf2 negative iterations", "pbkdf2_sha256$-5$salt$" + b64, ErrMalformedHash, "iterations is not a number"},
		{"pbkdf2 leading zero", "pbkdf2_sha256$01000$salt$" + b64, ErrMalformedHash, "iterations is not a number"},
		{"pbkdf2 empty salt", "pbkdf2_sha256$1000$$" + b64, ErrMalformedHash, "empty salt"},
		{"pbkdf2 bad base64", "pbkdf2_sha256$1000$salt$not*base64", ErrMalformedHash, "hash is not base64"},
		{"pbkdf2 short hash", "pbkdf2_sha256$1000$salt$AAAA", ErrMalformedHash, "hash is 3 bytes, want 32"},
		{"pbkdf2 extra field", "pbkdf2_sha256$1000$salt$" + b64 + "$x", ErrMalformedHash, "hash is not base64"},
		{"pbkdf2_sha1 sha256 length", "pbkdf2_sha1$1000$salt$" + b64, ErrMalformedHash, "hash is 32 bytes, want 20"},
		{"argon2 five fields", "argon2$argon2id$v=19$m=512,t=2,p=2$" + salt, ErrMalformedHash, "5 fields, want 6"},
		{"argon2 version 16", "argon2$argon2i$m=512,t=2,p=2$" + salt + "$" + hash, ErrMalformedHash, "version 16 (no v= field) is not supported"},
		{"argon2 version 20", "argon2$argon2id$v=20$m=512,t=2,p=2$" + salt + "$" + hash, ErrMalformedHash, "version 20 is not supported"},
		{"argon2d", "argon2$argon2d$v=19$m=512,t=2,p=2$" + salt + "$" + hash, ErrMalformedHash, "argon2d is not supported"},
		{"argon2 unknown variety", "argon2$argon2x$v=19$m=512,t=2,p=2$" + salt + "$" + hash, ErrMalformedHash, "unknown variety"},
		{"argon2 parameter order", "argon2$argon2id$v=19$t=2,m=512,p=2$" + salt + "$" + hash, ErrMalformedHash, "parameters are not m=,t=,p="},
		{"argon2 zero threads", "argon2$argon2id$v=19$m=512,t=2,p=0$" + salt + "$" + hash, ErrMalformedHash, "parameter p 0 out of range 1..255"},
		{"argon2 zero time", "argon2$argon2id$v=19$m=512,t=0,p=2$" + salt + "$" + hash, ErrMalformedHash, "parameter t 0 out of range"},
		{"argon2 absurd memory", "argon2$argon2id$v=19$m=4194304,t=2,p=2$" + salt + "$" + hash, ErrMalformedHash, "parameter m 4194304 out of range 1..2097152"},
		{"argon2 memory per thread", "argon2$argon2id$v=19$m=15,t=2,p=2$" + salt + "$" + hash, ErrMalformedHash, "memory 15 KiB is below 8 KiB per thread"},
		{"argon2 padded salt", "argon2$argon2id$v=19$m=512,t=2,p=2$" + salt + "==$" + hash, ErrMalformedHash, "salt is not unpadded base64"},
		{"argon2 short salt", "argon2$argon2id$v=19$m=512,t=2,p=2$c2FsdA$" + hash, ErrMalformedHash, "salt is 4 bytes, want 8..1024"},
		{"argon2 short hash", "argon2$argon2id$v=19$m=512,t=2,p=2$" + salt + "$AAA", ErrMalformedHash, "hash is 2 bytes, want 4..1024"},
		{"bcrypt cost 32", "bcrypt_sha256$$2b$32$Cw3b6zX6uZ2qh1lq3dHlVeWN8w18gCaH2awbuZ.N2.kWPZJtpmKui", ErrMalformedHash, "cost 32 out of range 4..31"},
		{"bcrypt cost 3", "bcrypt_sha256$$2b$03$Cw3b6zX6uZ2qh1lq3dHlVeWN8w18gCaH2awbuZ.N2.kWPZJtpmKui", ErrMalformedHash, "cost 3 out of range 4..31"},
		{"bcrypt truncated", "bcrypt_sha256$$2b$04$Cw3b6zX6uZ2qh1lq3dHlVeWN8w18g", ErrMalformedHash, "bcrypt part is 36 characters, want 60"},
		{"bcrypt missing empty field", "bcrypt_sha256$2b$04$Cw3b6zX6uZ2qh1lq3dHlVeWN8w18gCaH2awbuZ.N2.kWPZJtpmKuix", ErrMalformedHash, "does not start with $2b$NN$"},
		{"bcrypt version 2x", "bcrypt_sha256$$2x$04$Cw3b6zX6uZ2qh1lq3dHlVeWN8w18gCaH2awbuZ.N2.kWPZJtpmKui", ErrMalformedHash, "bcrypt version 2x is not supported"},
		{"bcrypt bad alphabet", "bcrypt_sha256$$2b$04$Cw3b6zX6uZ2qh1lq3dHlVeWN8w18gCaH2awbuZ.N2.kWPZJtpmK+i", ErrMalformedHash, "not bcrypt base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, upgrade, err := p.Check("secret-pw", tt.encoded)
			if ok || upgrade != "" || !errors.Is(err, tt.want) {
				t.Fatalf("Check(%q) = %v, %q, %v; want false and %v", tt.encoded, ok, upgrade, err, tt.want)
			}
			var he *HashError
			if !errors.As(err, &he) {
				t.Fatalf("Check(%q) error %T is not a *HashError", tt.encoded, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.reason) || !strings.HasPrefix(msg, "auth: ") {
				t.Errorf("Check(%q) error = %q, want it to contain %q", tt.encoded, msg, tt.reason)
			}
			if strings.Contains(msg, "secret-pw") || strings.Contains(msg, "Cw3b6zX6") || strings.Contains(msg, b64[:10]) || strings.Contains(msg, hash) {
				t.Errorf("Check(%q) error = %q leaks the password or hash", tt.encoded, msg)
			}
			if p.MustUpdate(tt.encoded) {
				t.Errorf("MustUpdate(%q) = true for an unreadable hash", tt.encoded)
			}
		})
	}
}

func TestUnusablePasswords(t *testing.T) {
	v := loadVectors(t)
	p := allHashers(t)
	a, b := MakeUnusable(), MakeUnusable()
	if len(a) != 41 || a[0] != '!' || a == b {
		t.Fatalf("MakeUnusable() = %q, %q; want distinct \"!\" + 40 characters", a, b)
	}
	for _, encoded := range []string{a, v.UnusableExample, "!", "!pbkdf2_sha256$1000$6v4PQyPVMyKDxXSA0Zn3Qx$XCiVYDy7f/AZolMfFdKQrGYfkPNCE+Vo25m4H/IZ4o0=", ""} {
		if IsUsable(encoded) {
			t.Errorf("IsUsable(%q) = true", encoded)
		}
		for _, pw := range []string{"", encoded, encoded[min(1, len(encoded)):], "correct horse battery staple"} {
			if ok, upgrade, err := p.Check(pw, encoded); ok || upgrade != "" || err != nil {
				t.Errorf("Check(%q, %q) = %v, %q, %v; want false, no error", pw, encoded, ok, upgrade, err)
			}
		}
		if p.MustUpdate(encoded) {
			t.Errorf("MustUpdate(%q) = true", encoded)
		}
	}
	if !IsUsable(vector(t, "low iterations", "")) {
		t.Error("IsUsable(hash of the empty password) = false")
	}
	sum, err := p.Summary(a)
	if err != nil || len(sum) != 1 || sum[0].Value != "No password set." {
		t.Errorf("Summary(unusable) = %v, %v", sum, err)
	}
}

func TestMakeEachHasher(t *testing.T) {
	for _, h := range []Hasher{NewPBKDF2SHA256(1000), NewPBKDF2SHA1(1000), NewArgon2(Argon2Params{Time: 1, Memory: 64, Threads: 2}), NewBCryptSHA256(4), NewBCrypt(4)} {
		t.Run(h.Algorithm(), func(t *testing.T) {
			p, err := NewPasswordsWith(h)
			if err != nil {
				t.Fatal(err)
			}
			const pw = "pässwörd🔑 with spaces"
			a, err := p.Make(pw)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := p.Make(pw)
			if !strings.HasPrefix(a, h.Algorithm()+"$") || a == b {
				t.Fatalf("Make(%q) = %q then %q; want distinct %s hashes", pw, a, b, h.Algorithm())
			}
			if ok, upgrade, err := p.Check(pw, a); !ok || upgrade != "" || err != nil {
				t.Errorf("Check(%q, %q) = %v, %q, %v; want true", pw, a, ok, upgrade, err)
			}
			if ok, _, err := p.Check(pw[:len(pw)-1], a); ok || err != nil {
				t.Errorf("Check(wrong, %q) = %v, %v; want false", a, ok, err)
			}
			if h.MustUpdate(a) {
				t.Errorf("MustUpdate(%q) = true for a fresh hash", a)
			}
			sum, err := p.Summary(a)
			if err != nil || sum[0] != (SummaryItem{"algorithm", h.Algorithm()}) {
				t.Fatalf("Summary(%q) = %v, %v", a, sum, err)
			}
			for _, item := range sum[1:] {
				if (item.Name == "salt" || item.Name == "hash" || item.Name == "checksum") && !strings.HasSuffix(item.Value, "***") {
					t.Errorf("Summary(%q) %s = %q, want it masked", a, item.Name, item.Value)
				}
			}
		})
	}
}

func TestSalt(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		s := NewPBKDF2SHA256(0).Salt()
		if len(s) != 22 || strings.Trim(s, saltChars) != "" || seen[s] {
			t.Fatalf("Salt() = %q; want 22 fresh characters of [a-zA-Z0-9]", s)
		}
		seen[s] = true
	}
	if _, err := NewPBKDF2SHA256(1000).Encode("pw", "a$b"); err == nil {
		t.Error(`Encode with salt "a$b": no error`)
	}
	if _, err := NewBCryptSHA256(4).Encode("pw", "salt"); err == nil {
		t.Error(`bcrypt Encode with a salt: no error`)
	}
}

func TestNewPasswords(t *testing.T) {
	p, err := NewPasswords(core.AuthSettings{})
	if err != nil {
		t.Fatal(err)
	}
	if h, ok := p.Preferred().(*PBKDF2Hasher); !ok || h.Iterations() != 1_000_000 {
		t.Errorf("zero settings: preferred = %#v, want pbkdf2_sha256 at 1000000", p.Preferred())
	}
	p, err = NewPasswords(core.AuthSettings{PasswordHashers: []string{BCryptSHA256}, PBKDF2Iterations: 5000})
	if err != nil || p.Preferred().Algorithm() != BCryptSHA256 {
		t.Fatalf("NewPasswords(bcrypt_sha256) = %v, %v", p, err)
	}
	if _, err := p.Identify("argon2$argon2id$v=19$m=512,t=2,p=2$c2FsdHNhbHQ$AAAAAA"); !errors.Is(err, ErrUnknownAlgorithm) {
		t.Errorf("argon2 not listed: Identify error = %v, want ErrUnknownAlgorithm", err)
	}
	if h, err := p.Identify("pbkdf2_sha1$1$s$h"); err != nil || h.(*PBKDF2Hasher).Iterations() != 5000 {
		t.Errorf("legacy pbkdf2_sha1 always readable: Identify = %v, %v", h, err)
	}
	for _, tt := range []struct {
		s    core.AuthSettings
		want string
	}{
		{core.AuthSettings{PasswordHashers: []string{"pbkdf2_sha256", "md5"}}, `auth: Auth.PasswordHashers[1]: unknown hasher "md5"`},
		{core.AuthSettings{PasswordHashers: []string{"argon2", "argon2"}}, `auth: password hasher "argon2" listed twice`},
		{core.AuthSettings{PBKDF2Iterations: -1}, "auth: Auth.PBKDF2Iterations -1 out of range"},
	} {
		if _, err := NewPasswords(tt.s); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewPasswords(%+v) error = %v, want %q", tt.s, err, tt.want)
		}
	}
}

// countingHasher wraps a hasher and counts Encode and HardenRuntime calls.
type countingHasher struct {
	*PBKDF2Hasher
	encodes, hardens int
}

func (c *countingHasher) Encode(password, salt string) (string, error) {
	c.encodes++
	return c.PBKDF2Hasher.Encode(password, salt)
}

func (c *countingHasher) HardenRuntime(password, encoded string) {
	c.hardens++
	c.PBKDF2Hasher.HardenRuntime(password, encoded)
}

func TestTimingEqualizers(t *testing.T) {
	c := &countingHasher{PBKDF2Hasher: NewPBKDF2SHA256(2000)}
	p, err := NewPasswordsWith(c, NewArgon2(Argon2Params{}))
	if err != nil {
		t.Fatal(err)
	}
	p.RunDummy("whatever")
	if c.encodes != 1 {
		t.Errorf("RunDummy hashed %d times with the preferred hasher, want 1", c.encodes)
	}
	old := vector(t, "low iterations", "")
	if ok, _, _ := p.Check("wrong", old); ok || c.hardens != 1 {
		t.Errorf("wrong password against a 1000-iteration hash: ok %v, HardenRuntime ran %d times; want false, 1", ok, c.hardens)
	}
	current, _ := p.Make("pw")
	if ok, _, _ := p.Check("wrong", current); ok || c.hardens != 1 {
		t.Errorf("wrong password against a current hash: ok %v, HardenRuntime ran %d times in all; want false, 1", ok, c.hardens)
	}
}

// TestDjangoVerifiesOurHashes hands hashes made here to the real Django
// (Debian's python3-django) when it is installed.
func TestDjangoVerifiesOurHashes(t *testing.T) {
	python := "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import django, argon2, bcrypt").Run(); err != nil {
		t.Skipf("needs %s with Django, argon2-cffi and bcrypt (apt-get install python3-django python3-argon2 python3-bcrypt): %v", python, err)
	}
	passwords := []string{"correct horse battery staple", "pässwörd🔑", "", strings.Repeat("long-", 40)}
	type pair struct{ Password, Encoded string }
	var pairs []pair
	for i, h := range []Hasher{NewArgon2(Argon2Params{}), NewPBKDF2SHA256(1000), NewPBKDF2SHA1(1000), NewArgon2(Argon2Params{Time: 1, Memory: 64, Threads: 1}), NewBCryptSHA256(4), NewBCrypt(4)} {
		for _, pw := range passwords {
			if i == 0 && pw != passwords[1] {
				continue // Django 5.2's argon2 costs ~0.3 s a hash: one is enough
			}
			enc, err := h.Encode(pw, h.Salt())
			if err != nil {
				t.Fatal(err)
			}
			pairs = append(pairs, pair{pw, enc})
		}
	}
	in, _ := json.Marshal(pairs)
	const script = `
import json, sys
from django.conf import settings
settings.configure()
from django.contrib.auth import hashers
H = {h.algorithm: h for h in (hashers.PBKDF2PasswordHasher(), hashers.PBKDF2SHA1PasswordHasher(),
     hashers.Argon2PasswordHasher(), hashers.BCryptSHA256PasswordHasher(), hashers.BCryptPasswordHasher())}
out = []
for p in json.load(sys.stdin):
    h = H[p["Encoded"].split("$", 1)[0]]
    out.append([h.verify(p["Password"], p["Encoded"]), h.verify("x" + p["Password"], p["Encoded"])])
json.dump(out, sys.stdout)
`
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("django: %v", err)
	}
	var got [][2]bool
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(pairs) {
		t.Fatalf("django output %q: %v", out, err)
	}
	for i, g := range got {
		if g != [2]bool{true, false} {
			t.Errorf("Django verify(%q, %q) = %v, wrong password %v; want true, false", pairs[i].Password, pairs[i].Encoded, g[0], g[1])
		}
	}
}

func TestSummaryMatchesDjangoShape(t *testing.T) {
	p := allHashers(t)
	got, err := p.Summary("pbkdf2_sha256$1000$6v4PQyPVMyKDxXSA0Zn3Qx$XCiVYDy7f/AZolMfFdKQrGYfkPNCE+Vo25m4H/IZ4o0=")
	if err != nil {
		t.Fatal(err)
	}
	want := []SummaryItem{{"algorithm", "pbkdf2_sha256"}, {"iterations", "1000"}, {"salt", "6v4PQy****************"}, {"hash", "XCiVYD**************************************"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Summary mismatch (-want +got):\n%s", diff)
	}
}

// FuzzCheck feeds arbitrary stored hashes to Check: it must never panic,
// and a hash it cannot read must come with an error.
func FuzzCheck(f *testing.F) {
	for _, vec := range loadVectors(f).Vectors {
		if !strings.Contains(vec.Encoded, "$1000000$") && !strings.Contains(vec.Encoded, "$12$") && !strings.Contains(vec.Encoded, "m=102400") {
			f.Add(vec.Password, vec.Encoded)
		}
	}
	f.Add("pw", "!unusable")
	f.Add("pw", "pbkdf2_sha256$0$a$b")
	f.Add("pw", "argon2$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$AAAAAA")
	p, err := NewPasswordsWith(NewPBKDF2SHA256(1000), NewArgon2(Argon2Params{Time: 1, Memory: 64, Threads: 1}), NewBCryptSHA256(4), NewPBKDF2SHA1(1000), NewBCrypt(4))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, password, encoded string) {
		if expensive(encoded) {
			t.Skip("work factor too high for fuzzing")
		}
		ok, upgrade, err := p.Check(password, encoded)
		if err != nil && (ok || upgrade != "") {
			t.Fatalf("Check(%q, %q) = %v, %q, %v", password, encoded, ok, upgrade, err)
		}
		if !ok && upgrade != "" {
			t.Fatalf("Check(%q, %q) gave an upgrade for a wrong password", password, encoded)
		}
		if ok {
			if ok2, _, err := p.Check(password, upgradeOr(upgrade, encoded)); !ok2 || err != nil {
				t.Fatalf("upgrade of %q does not verify: %v", encoded, err)
			}
		}
		_, _ = p.Summary(encoded)
	})
}

func upgradeOr(upgrade, encoded string) string {
	if upgrade != "" {
		return upgrade
	}
	return encoded
}

// expensive reports whether encoded decodes to work factors that would make
// one fuzz run take seconds.
func expensive(encoded string) bool {
	if d, err := NewPBKDF2SHA256(0).decode(encoded); err == nil {
		return d.iterations > 20_000
	}
	if d, err := NewPBKDF2SHA1(0).decode(encoded); err == nil {
		return d.iterations > 20_000
	}
	if d, err := NewArgon2(Argon2Params{}).decode(encoded); err == nil {
		return uint64(d.params.Memory)*uint64(d.params.Time) > 1<<14
	}
	for _, h := range []*BCryptHasher{NewBCryptSHA256(0), NewBCrypt(0)} {
		if d, err := h.decode(encoded); err == nil {
			return d.cost > 6
		}
	}
	return false
}

// BenchmarkHash measures one hash with each hasher at Django 5.2's work
// factors (what a login costs), and the equalizers: a wrong password
// against a current hash versus RunDummy for an unknown username.
func BenchmarkHash(b *testing.B) {
	const pw = "correct horse battery staple"
	for _, h := range []Hasher{NewPBKDF2SHA256(0), NewArgon2(Argon2Params{}), NewBCryptSHA256(0), NewPBKDF2SHA1(0)} {
		b.Run(h.Algorithm(), func(b *testing.B) {
			salt := h.Salt()
			for b.Loop() {
				if _, err := h.Encode(pw, salt); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
		})
	}
	p, err := NewPasswords(core.AuthSettings{})
	if err != nil {
		b.Fatal(err)
	}
	stored, err := p.Make(pw)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("check-wrong-password", func(b *testing.B) {
		for b.Loop() {
			if ok, _, _ := p.Check("wrong", stored); ok {
				b.Fatal("matched")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
	})
	b.Run("run-dummy", func(b *testing.B) {
		for b.Loop() {
			p.RunDummy("wrong")
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
	})
}
