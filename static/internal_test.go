package static

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestCleanPath(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" means refused
	}{
		{"css/site.css", "css/site.css"},
		{"a", "a"},
		{"file with space.txt", "file with space.txt"},
		{"", ""},
		{"/etc/passwd", ""},
		{"../secret", ""},
		{"css/../../secret", ""},
		{"css/../site.css", ""}, // no "..", even harmless ones
		{"./site.css", ""},
		{".", ""},
		{"..", ""},
		{"css/", ""},
		{"css//site.css", ""},
		{`..\secret`, ""},
		{`css\site.css`, ""},
		{"site.css\x00.png", ""},
		{"site\n.css", ""},
		{"%2e%2e/secret", "%2e%2e/secret"}, // a literal name: never decoded twice
	}
	for _, tt := range tests {
		got, ok := cleanPath(tt.in)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("cleanPath(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"css/site.css", "../x", "a/../../b", `..\x`, "a\x00b", "/abs", "a//b", ".", "%2e%2e/x", "C:x", "a/./b"} {
		f.Add(s)
	}
	root := filepath.FromSlash("/srv/root")
	f.Fuzz(func(t *testing.T, in string) {
		name, ok := cleanPath(in)
		if !ok {
			return
		}
		if name != in {
			t.Fatalf("cleanPath(%q) = %q: an accepted path must be returned as is", in, name)
		}
		joined := filepath.Join(root, filepath.FromSlash(name))
		rel, err := filepath.Rel(root, joined)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || rel == "." {
			t.Fatalf("cleanPath(%q) = %q escapes the root: %s", in, name, joined)
		}
		for _, elem := range strings.Split(name, "/") {
			if elem == ".." || elem == "." || elem == "" {
				t.Fatalf("cleanPath(%q) = %q has element %q", in, name, elem)
			}
		}
		if strings.ContainsAny(name, "\\\x00") {
			t.Fatalf("cleanPath(%q) = %q has a backslash or NUL", in, name)
		}
	})
}

func TestRewriteCSS(t *testing.T) {
	hashed := map[string]string{
		"css/a.css":        "css/a.111111111111.css",
		"img/x.png":        "img/x.222222222222.png",
		"css/img/y.png":    "css/img/y.333333333333.png",
		"fonts/f.woff2":    "fonts/f.444444444444.woff2",
		"img/sp ace.png":   "img/sp ace.555555555555.png",
		"vendor/lib/z.gif": "vendor/lib/z.666666666666.gif",
	}
	tests := []struct{ name, in, want string }{
		{"unquoted", "a{b:url(../img/x.png)}", "a{b:url(../img/x.222222222222.png)}"},
		{"double quotes", `a{b:url("../img/x.png")}`, `a{b:url("../img/x.222222222222.png")}`},
		{"single quotes", `a{b:url('../img/x.png')}`, `a{b:url('../img/x.222222222222.png')}`},
		{"spaces", `a{b:url(  ../img/x.png  )}`, `a{b:url(  ../img/x.222222222222.png  )}`},
		{"same dir nested", "a{b:url(img/y.png)}", "a{b:url(img/y.333333333333.png)}"},
		{"dot slash", "a{b:url(./img/y.png)}", "a{b:url(./img/y.333333333333.png)}"},
		{"deep", "a{b:url(../vendor/lib/z.gif)}", "a{b:url(../vendor/lib/z.666666666666.gif)}"},
		{"query and fragment", "a{b:url(../fonts/f.woff2?v=1#iefix)}", "a{b:url(../fonts/f.444444444444.woff2?v=1#iefix)}"},
		{"fragment only", "a{b:url(../fonts/f.woff2#x)}", "a{b:url(../fonts/f.444444444444.woff2#x)}"},
		{"absolute static", "a{b:url(/static/img/x.png)}", "a{b:url(/static/img/x.222222222222.png)}"},
		{"absolute other", "a{b:url(/media/x.png)}", "a{b:url(/media/x.png)}"},
		{"import string", `@import "a.css";`, `@import "a.111111111111.css";`},
		{"import url", `@import url(a.css);`, `@import url(a.111111111111.css);`},
		{"IMPORT case", `@IMPORT 'a.css';`, `@IMPORT 'a.111111111111.css';`},
		{"data", "a{b:url(data:image/svg+xml;utf8,<svg></svg>)}", "a{b:url(data:image/svg+xml;utf8,<svg></svg>)}"},
		{"data quoted", `a{b:url("data:image/png;base64,AAA=")}`, `a{b:url("data:image/png;base64,AAA=")}`},
		{"https", "a{b:url(https://x.test/y.png)}", "a{b:url(https://x.test/y.png)}"},
		{"protocol relative", "a{b:url(//x.test/y.png)}", "a{b:url(//x.test/y.png)}"},
		{"fragment ref", "a{b:url(#f)}", "a{b:url(#f)}"},
		{"empty", "a{b:url()}", "a{b:url()}"},
		{"comment", "/* url(nope.png) */a{}", "/* url(nope.png) */a{}"},
		{"string", `a::after{content:"url(nope.png)"}`, `a::after{content:"url(nope.png)"}`},
		{"not a url function", "a{b:myurl(nope.png)}", "a{b:myurl(nope.png)}"},
		{"percent encoded", "a{b:url(../img/sp%20ace.png)}", "a{b:url(../img/sp%20ace.555555555555.png)}"},
		{"two", "a{b:url(../img/x.png), url('img/y.png')}", "a{b:url(../img/x.222222222222.png), url('img/y.333333333333.png')}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rewriteCSS("css/site.css", tt.in, "/static/", hashed)
			if err != nil {
				t.Fatalf("rewriteCSS(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("rewriteCSS(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
	for _, in := range []string{"a{b:url(nope.png)}", "a{b:url(../../../etc/passwd)}", `@import "missing.css";`, "a{b:url(/static/nope.png)}"} {
		if _, err := rewriteCSS("css/site.css", in, "/static/", hashed); err == nil {
			t.Errorf("rewriteCSS(%q): no error for a missing file", in)
		}
	}
}

func TestPickVariant(t *testing.T) {
	br := &variant{encoding: "br"}
	gz := &variant{encoding: "gzip"}
	both := []*variant{br, gz}
	tests := []struct {
		ae   []string
		vs   []*variant
		want *variant
	}{
		{nil, both, nil},
		{[]string{""}, both, nil},
		{[]string{"gzip, deflate, br, zstd"}, both, br},
		{[]string{"gzip"}, both, gz},
		{[]string{"x-gzip"}, both, gz},
		{[]string{"br;q=0.8, gzip"}, both, gz},
		{[]string{"br;q=0"}, both, nil},
		{[]string{"*;q=0.5, gzip;q=0.4"}, both, br},
		{[]string{"*;q=0"}, both, nil},
		{[]string{"identity"}, both, nil},
		{[]string{"gzip", "br"}, both, br},
		{[]string{"br"}, []*variant{gz}, nil},
		{[]string{"GZIP;Q=1.0"}, both, gz},
		{[]string{"br;q=bogus, gzip"}, both, gz},
	}
	for _, tt := range tests {
		if got := pickVariant(tt.ae, tt.vs); got != tt.want {
			t.Errorf("pickVariant(%q) = %v; want %v", tt.ae, got, tt.want)
		}
	}
}

func TestPathsHash(t *testing.T) {
	// Python: hashlib.md5(json.dumps(sorted({"a.css": "a.1.css", "é.js": "é.2.js"}.items())).encode()).hexdigest()[:12]
	// json.dumps gives [["a.css", "a.1.css"], ["\u00e9.js", "\u00e9.2.js"]].
	want := contentHash([]byte(`[["a.css", "a.1.css"], ["\u00e9.js", "\u00e9.2.js"]]`))
	if got := pathsHash(map[string]string{"é.js": "é.2.js", "a.css": "a.1.css"}); got != want {
		t.Errorf("pathsHash = %s; want %s", got, want)
	}
}

func TestHashedName(t *testing.T) {
	for in, want := range map[string]string{
		"css/site.css": "css/site.0123456789ab.css",
		"LICENSE":      "LICENSE.0123456789ab",
		"a.tar.gz":     "a.tar.0123456789ab.gz",
		"dir.v1/file":  "dir.v1/file.0123456789ab",
	} {
		if got := hashedName(in, "0123456789ab"); got != want {
			t.Errorf("hashedName(%q) = %q; want %q", in, got, want)
		}
	}
}
