// Package static finds, collects and serves a project's static files (CSS,
// JavaScript, images), as Django's django.contrib.staticfiles with
// ManifestStaticFilesStorage, and as WhiteNoise serves them.
//
// # Finding
//
// Apps that implement Provider contribute a tree namespaced by app
// ("polls/style.css"); the project's directories in Settings.Static.Dirs
// (default "static", relative to the working directory) come first and
// override apps; among apps, the earlier wins. The findstatic command shows
// where a name comes from (--all: every candidate, the winner first).
//
// # Collecting
//
// The collectstatic command (Collect) copies every file into
// Settings.Static.Root, writes each again under a content-hashed name
// ("css/site.3f2a1b9c8d7e.css": 12 hex digits of the MD5 of the content,
// as Django), rewrites url() and @import references in CSS to the hashed
// names, writes the manifest staticfiles.json in Django's format and
// precompressed ".br" and ".gz" copies of text files of 1 KiB or more.
// A CSS reference to a file that does not exist stops it with an error that
// names the stylesheet and the reference. A second run rewrites only what
// changed.
//
// # Serving
//
// The App serves Settings.Static.URL from a middleware layer at
// core.StageEarly, so static requests skip sessions, CSRF, the gzip
// middleware and the router. In DEBUG it reads the finders on every
// request (edit a file and reload). Otherwise it serves the collected tree
// with far-future immutable caching for hashed names, strong ETags, Range
// requests and the precompressed copy the client's Accept-Encoding
// prefers. The tree is indexed at start-up: restart after collectstatic.
// Templates link files with {{static "polls/style.css"}} (App.URL), which
// gives the hashed name in production.
//
// # One binary
//
// Run collectstatic before go build and embed its output:
//
//	//go:embed all:staticfiles
//	var staticFiles embed.FS
//
//	func main() {
//		s := core.Defaults()
//		collected, err := fs.Sub(staticFiles, "staticfiles")
//		if err != nil {
//			log.Fatal(err)
//		}
//		s.Static.Collected = collected
//		...
//	}
//
// The server then serves the embedded files, with the same headers and
// precompressed variants, and Static.Root need not exist at run time. The
// "all:" prefix keeps files whose names start with "." or "_". The
// directory must exist when the binary is built; the build embeds what
// collectstatic wrote last.
package static
