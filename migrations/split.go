package migrations

import (
	"strings"
	"unicode/utf8"
)

// statement is one SQL statement of a migration file.
type statement struct {
	// text runs from the statement's first token to its last, without the
	// terminating ';' and without leading or trailing comments.
	text string
	// offset is text's byte offset in the file; line the 1-based line it
	// starts on.
	offset, line int
}

// splitSQL splits a migration file into statements on the semicolons that
// end them. A ';' does not end a statement inside a single-quoted string
// (a doubled quote escapes one; in PostgreSQL, E-prefixed strings also
// take backslash escapes), a double-quoted or backquoted identifier, a --
// line comment, a /* */ block comment (nested on PostgreSQL, as it nests
// them), a PostgreSQL dollar-quoted string ($$…$$, $tag$…$tag$), or the body of a
// CREATE [TEMP|TEMPORARY] TRIGGER (or PostgreSQL's CREATE FUNCTION …
// BEGIN ATOMIC), which ends at the ';' after the END matching its BEGIN,
// CASE … END included. Statements holding only comments are dropped.
// An unterminated string, identifier or comment runs to the end of the
// file, so that the database reports it.
func splitSQL(body string, postgres bool) []statement {
	var (
		out   []statement
		start = -1 // offset of the current statement's first token
		end   int  // end of its last token
		words []string
		block bool // the statement may hold a BEGIN … END body
		depth int  // BEGIN/CASE … END nesting inside it
		line  = 1
		seen  int // body[:seen] has been counted into line
	)
	emit := func() {
		line += strings.Count(body[seen:start], "\n")
		seen = start
		out = append(out, statement{text: body[start:end], offset: start, line: line})
		start, words, block, depth = -1, words[:0], false, 0
	}
	n := len(body)
	for i := 0; i < n; {
		c := body[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
			continue
		case c == '-' && i+1 < n && body[i+1] == '-':
			i = skipLine(body, i)
			continue
		case c == '/' && i+1 < n && body[i+1] == '*':
			i = skipBlockComment(body, i, postgres)
			continue
		case c == ';':
			i++
			if start < 0 {
				continue // an empty statement
			}
			if depth > 0 {
				end = i // a statement inside a trigger body
				continue
			}
			emit()
			continue
		}
		if start < 0 {
			start = i
		}
		switch {
		case c == '\'':
			i = skipQuoted(body, i, '\'', false)
		case c == '"' || c == '`':
			i = skipQuoted(body, i, c, false)
		case c == '$' && postgres:
			if tag, ok := dollarTag(body, i); ok {
				i = skipDollar(body, i, tag)
			} else {
				i++
			}
		case isWordStart(c):
			j := i + 1
			for j < n && isWordChar(body[j]) {
				j++
			}
			word := body[i:j]
			if postgres && (word == "E" || word == "e") && j < n && body[j] == '\'' {
				i = skipQuoted(body, j, '\'', true)
				break
			}
			i = j
			if len(words) < 6 {
				words = append(words, strings.ToUpper(word))
				block = hasBody(words)
			}
			if block {
				switch {
				case strings.EqualFold(word, "BEGIN"), strings.EqualFold(word, "CASE"):
					depth++
				case strings.EqualFold(word, "END") && depth > 0:
					depth--
				}
			}
		default:
			i++
		}
		end = i
	}
	if start >= 0 {
		emit()
	}
	return out
}

// hasBody reports whether a statement starting with words may hold a
// BEGIN … END body whose semicolons do not end it: CREATE [OR REPLACE]
// [TEMP|TEMPORARY] [CONSTRAINT] TRIGGER, FUNCTION or PROCEDURE.
func hasBody(words []string) bool {
	if len(words) == 0 || words[0] != "CREATE" {
		return false
	}
	w := words[1:]
	if len(w) >= 2 && w[0] == "OR" && w[1] == "REPLACE" {
		w = w[2:]
	}
	if len(w) > 0 && (w[0] == "TEMP" || w[0] == "TEMPORARY" || w[0] == "CONSTRAINT") {
		w = w[1:]
	}
	return len(w) > 0 && (w[0] == "TRIGGER" || w[0] == "FUNCTION" || w[0] == "PROCEDURE")
}

func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= utf8.RuneSelf
}

func isWordChar(c byte) bool {
	return isWordStart(c) || c >= '0' && c <= '9' || c == '$'
}

// skipLine returns the offset after the line comment at i (its newline
// stays outside, as whitespace).
func skipLine(s string, i int) int {
	if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(s)
}

// skipBlockComment returns the offset after the block comment at i.
func skipBlockComment(s string, i int, nested bool) int {
	depth := 0
	for i < len(s) {
		switch {
		case s[i] == '/' && i+1 < len(s) && s[i+1] == '*':
			if depth == 0 || nested {
				depth++
			}
			i += 2
		case s[i] == '*' && i+1 < len(s) && s[i+1] == '/':
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return len(s)
}

// skipQuoted returns the offset after the string or identifier opened by
// the quote q at i, where a doubled quote escapes it, and a backslash any
// character when backslash is set.
func skipQuoted(s string, i int, q byte, backslash bool) int {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if backslash {
				i++
			}
		case q:
			if i+1 < len(s) && s[i+1] == q {
				i++
				continue
			}
			return i + 1
		}
	}
	return len(s)
}

// dollarTag returns the delimiter ("$$", "$body$") of the dollar-quoted
// string opening at i, if one does: PostgreSQL's tag is empty or an
// identifier without '$' that does not start with a digit ($1 is a
// parameter).
func dollarTag(s string, i int) (string, bool) {
	j := i + 1
	if j < len(s) && s[j] != '$' && (!isWordStart(s[j])) {
		return "", false
	}
	for j < len(s) && s[j] != '$' {
		if !isWordChar(s[j]) {
			return "", false
		}
		j++
	}
	if j >= len(s) {
		return "", false
	}
	return s[i : j+1], true
}

// skipDollar returns the offset after the dollar-quoted string opening at
// i with tag.
func skipDollar(s string, i int, tag string) int {
	if j := strings.Index(s[i+len(tag):], tag); j >= 0 {
		return i + len(tag) + j + len(tag)
	}
	return len(s)
}

// isForeignKeysPragma reports whether sql is a statement that turns
// SQLite's foreign key enforcement off or on ("PRAGMA foreign_keys = OFF"),
// which the runner drops: inside the file's transaction it would be a
// no-op, and the runner turns enforcement off around the file itself.
func isForeignKeysPragma(sql string) bool {
	f := strings.Fields(sql)
	if len(f) < 2 || !strings.EqualFold(f[0], "PRAGMA") {
		return false
	}
	rest := strings.ToLower(strings.Join(f[1:], ""))
	value, ok := strings.CutPrefix(rest, "foreign_keys=")
	if !ok {
		return false
	}
	value = strings.Trim(value, `'"`)
	switch value {
	case "on", "off", "true", "false", "yes", "no", "0", "1":
		return true
	}
	return false
}

// shorten returns sql on one line, whitespace runs collapsed, cut to about
// limit bytes, for error messages.
func shorten(sql string, limit int) string {
	s := strings.Join(strings.Fields(sql), " ")
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
