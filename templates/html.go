package templates

import (
	"encoding/json"
	"fmt"
	"html/template"
	"regexp"
	"strings"
)

// urlize is `urlize`: the text, escaped, with http:// and https:// URLs,
// www. addresses and e-mail addresses turned into links with
// rel="nofollow". Only those schemes are linked, so "javascript:" text
// stays text. The value is always treated as text, template.HTML too;
// apply urlize before linebreaks: {{.Body | urlize | linebreaks}}.
func urlize(v any) template.HTML {
	s := toString(v)
	var b strings.Builder
	start := -1 // start of the current word
	flush := func(end int) {
		if start >= 0 {
			b.WriteString(urlizeWord(s[start:end]))
			start = -1
		}
	}
	for i, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' {
			flush(i)
			b.WriteRune(r)
			continue
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(s))
	return template.HTML(b.String())
}

var emailRE = regexp.MustCompile(`^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$`)

// urlizeWord links one whitespace-free word if it is a URL, after taking
// off opening punctuation and closing punctuation that is not part of it.
func urlizeWord(w string) string {
	lead, mid, trail := splitPunctuation(w)
	lower := strings.ToLower(mid)
	var href string
	switch {
	case (strings.HasPrefix(lower, "http://") && len(mid) > len("http://")) ||
		(strings.HasPrefix(lower, "https://") && len(mid) > len("https://")):
		href = mid
	case strings.HasPrefix(lower, "www.") && len(mid) > len("www."):
		href = "http://" + mid
	case emailRE.MatchString(mid):
		href = "mailto:" + mid
	default:
		return template.HTMLEscapeString(w)
	}
	e := template.HTMLEscapeString
	return e(lead) + `<a href="` + e(href) + `" rel="nofollow">` + e(mid) + `</a>` + e(trail)
}

// splitPunctuation cuts w into leading "(<[", the middle, and trailing
// ".,:;!?'\"" and closing brackets that have no opening one in the middle.
func splitPunctuation(w string) (lead, mid, trail string) {
	i := 0
	for i < len(w) && strings.IndexByte("(<[\"'", w[i]) >= 0 {
		i++
	}
	lead, mid = w[:i], w[i:]
	for len(mid) > 0 {
		c := mid[len(mid)-1]
		switch {
		case strings.IndexByte(".,:;!?\"'>", c) >= 0:
		case c == ')' && strings.Count(mid, "(") < strings.Count(mid, ")"):
		case c == ']' && strings.Count(mid, "[") < strings.Count(mid, "]"):
		default:
			return lead, mid, trail
		}
		trail = string(c) + trail
		mid = mid[:len(mid)-1]
	}
	return lead, mid, trail
}

// jsonScript is `json_script "id"` (or `json_script` without an id): the
// value as JSON in <script type="application/json">, with <, > and &
// written \u003c, \u003e, \u0026 so that no value can close the script
// element. Read it in JavaScript with
// JSON.parse(document.getElementById("id").textContent).
func jsonScript(args ...any) (template.HTML, error) {
	arg, v, hasArg, err := splitFilterArgs("json_script", args)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(v) // escapes <, >, &, U+2028 and U+2029
	if err != nil {
		return "", fmt.Errorf("json_script: %w", err)
	}
	id := ""
	if hasArg {
		if s := toString(arg); s != "" {
			id = ` id="` + template.HTMLEscapeString(s) + `"`
		}
	}
	return template.HTML(`<script` + id + ` type="application/json">` + string(b) + `</script>`), nil
}
