package templates

import (
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"text/template/parse"
)

// ErrNotExist is wrapped by the error for a template name that no source
// provides (Django's TemplateDoesNotExist). It is a programming error, so
// it does not wrap fs.ErrNotExist: a missing template is a 500, not a 404.
var ErrNotExist = errors.New("templates: template does not exist")

// file is one template's source text and where it was found.
type file struct {
	name   string
	text   string
	origin string // Source.Name
}

// read returns the template called name from the first source that has it.
func (e *Engine) read(name string) (file, error) {
	if !fs.ValidPath(name) || name == "." {
		return file{}, e.notExist(name, "")
	}
	for _, src := range e.cfg.Sources {
		b, err := fs.ReadFile(src.FS, name)
		if err == nil {
			return file{name: name, text: string(b), origin: src.Name}, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return file{}, fmt.Errorf("templates: read %s from %s: %v", name, src.Name, err)
		}
	}
	return file{}, e.notExist(name, "")
}

// notExist returns the error for a missing template, saying who wanted it
// and where the engine looked.
func (e *Engine) notExist(name, wantedBy string) error {
	where := make([]string, len(e.cfg.Sources))
	for i, s := range e.cfg.Sources {
		where[i] = s.Name
	}
	searched := "no template sources"
	if len(where) > 0 {
		searched = "searched " + strings.Join(where, ", ")
	}
	if wantedBy != "" {
		return fmt.Errorf("%w: %q (%s; %s)", ErrNotExist, name, wantedBy, searched)
	}
	return fmt.Errorf("%w: %q (%s)", ErrNotExist, name, searched)
}

// extendsRE matches the extends directive: a comment that is the first
// thing in the file, trim markers allowed.
var extendsRE = regexp.MustCompile(`^\s*\{\{-?\s*/\*\s*extends\s+"([^"]+)"\s*\*/\s*-?\}\}`)

// extendsOf returns the layout a template's text names, or "".
func extendsOf(text string) string {
	m := extendsRE.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return m[1]
}

// checkName is the template added to every set to escape the page at
// compile time without executing anything: {{if false}} is never taken,
// but html/template escapes both branches, so context errors ("ends in a
// non-text context", "no such template") surface at start-up.
const checkName = "\x00check"

// compile builds the set of the page called name: its layout chain parsed
// root first (so that the page's {{define}}s override the layouts' blocks),
// then every template a {{template "x"}} in the set names that is a file,
// until none is missing.
func (e *Engine) compile(name string) (*page, error) {
	var chain []file
	for cur, wantedBy := name, ""; cur != ""; {
		for _, f := range chain {
			if f.name == cur {
				return nil, fmt.Errorf("templates: %s: layouts extend each other in a cycle: %s", name, chainString(chain, cur))
			}
		}
		f, err := e.read(cur)
		if err != nil {
			if wantedBy != "" && errors.Is(err, ErrNotExist) {
				return nil, e.notExist(cur, "extended by "+wantedBy)
			}
			return nil, err
		}
		chain = append(chain, f)
		wantedBy, cur = cur, extendsOf(f.text)
	}
	root := chain[len(chain)-1]
	set := template.New(root.name).Funcs(e.funcs)
	if _, err := set.Parse(root.text); err != nil {
		return nil, parseError(root, err)
	}
	for i := len(chain) - 2; i >= 0; i-- {
		f := chain[i]
		t, err := set.New(f.name).Parse(f.text)
		if err != nil {
			return nil, parseError(f, err)
		}
		if err := onlyDefines(f, chain[i+1].name, t.Tree); err != nil {
			return nil, err
		}
	}
	if err := e.addIncludes(set); err != nil {
		return nil, err
	}
	if _, err := set.New(checkName).Parse(`{{if false}}{{template ` + strconv.Quote(root.name) + ` .}}{{end}}`); err != nil {
		return nil, fmt.Errorf("templates: %s: %v", name, err)
	}
	if err := set.ExecuteTemplate(discard{}, checkName, nil); err != nil {
		var te *template.Error
		if errors.As(err, &te) && te.Name == checkName {
			// The root ends in a non-text context, which the checker
			// reports as its own {{if}} branches disagreeing. Escaping
			// the root itself fails before anything runs and names the
			// file.
			if rerr := set.Execute(discard{}, nil); rerr != nil {
				err = rerr
			}
		}
		hint := ""
		if errors.As(err, &te) && te.ErrorCode == template.ErrEndContext {
			hint = " (an unclosed quote, tag or comment?)"
		}
		return nil, fmt.Errorf("templates: %s (%s): %v%s", name, chain[0].origin, err, hint)
	}
	return &page{t: set}, nil
}

func chainString(chain []file, last string) string {
	var b strings.Builder
	for _, f := range chain {
		b.WriteString(f.name)
		b.WriteString(" -> ")
	}
	b.WriteString(last)
	return b.String()
}

// parseError names the source next to html/template's message, which
// already holds the file and line.
func parseError(f file, err error) error {
	return fmt.Errorf("templates: parse %s (%s): %v", f.name, f.origin, err)
}

// onlyDefines reports an error when a template that extends a layout has
// text or actions outside its {{define}} blocks: they would never show.
func onlyDefines(f file, layout string, tree *parse.Tree) error {
	if tree == nil || tree.Root == nil {
		return nil
	}
	for _, n := range tree.Root.Nodes {
		if t, ok := n.(*parse.TextNode); ok && strings.TrimSpace(string(t.Text)) == "" {
			continue
		}
		if _, ok := n.(*parse.CommentNode); ok {
			continue
		}
		line := f.name
		if t, ok := n.(*parse.TextNode); ok {
			lead := len(t.Text) - len(strings.TrimLeft(string(t.Text), " \t\r\n"))
			line += ":" + strconv.Itoa(1+strings.Count(f.text[:int(n.Position())+lead], "\n"))
		} else {
			line, _ = tree.ErrorContext(n)
		}
		return fmt.Errorf("templates: %s (%s): %s: it extends %q, so everything outside {{define}} blocks is never shown: %.40q", f.name, f.origin, line, layout, n.String())
	}
	return nil
}

// addIncludes parses into set every file that a {{template}} action or a
// `cached` call in the set names and that the set does not define yet.
func (e *Engine) addIncludes(set *template.Template) error {
	for {
		var missing []string
		for _, t := range set.Templates() {
			if t.Tree == nil {
				continue
			}
			for ref, fragment := range references(t.Tree.Root) {
				if fragment {
					// Fragments render as pages of their own; they only
					// need to exist.
					if _, err := e.read(ref); err != nil {
						if errors.Is(err, ErrNotExist) {
							return e.notExist(ref, "rendered by cached in "+t.Tree.ParseName)
						}
						return err
					}
					continue
				}
				if set.Lookup(ref) == nil {
					missing = append(missing, ref)
				}
			}
		}
		added := false
		for _, ref := range missing {
			if set.Lookup(ref) != nil {
				continue
			}
			f, err := e.read(ref)
			if errors.Is(err, ErrNotExist) {
				continue // a {{define}}d name or a typo; escaping reports the latter
			}
			if err != nil {
				return err
			}
			if _, err := set.New(f.name).Parse(f.text); err != nil {
				return parseError(f, err)
			}
			added = true
		}
		if !added {
			return nil
		}
	}
}

// references returns the names n's {{template}} actions call (false) and
// the fragments its `cached "key" ttl "name" .` calls render (true).
func references(n parse.Node) map[string]bool {
	refs := map[string]bool{}
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			if len(n.Args) >= 4 {
				if id, ok := n.Args[0].(*parse.IdentifierNode); ok && id.Ident == "cached" {
					if s, ok := n.Args[3].(*parse.StringNode); ok {
						refs[s.Text] = true
					}
				}
			}
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			if _, ok := refs[n.Name]; !ok {
				refs[n.Name] = false
			}
			walk(n.Pipe)
		}
	}
	walk(n)
	return refs
}

// discard is an io.Writer that drops everything.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
