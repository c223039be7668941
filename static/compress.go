package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"path"
	"strings"

	"github.com/andybalholm/brotli"
)

// minCompressSize is the smallest file collectstatic precompresses: a
// smaller response fits in one TCP segment either way (the GZip
// middleware uses the same bound).
const minCompressSize = 1024

// compressible lists the extensions collectstatic precompresses: text
// formats and uncompressed fonts and icons. Images, woff/woff2 fonts and
// archives are compressed already.
var compressible = map[string]bool{
	".css": true, ".js": true, ".mjs": true, ".json": true, ".map": true,
	".svg": true, ".txt": true, ".html": true, ".htm": true, ".xml": true,
	".ico": true, ".wasm": true, ".webmanifest": true, ".csv": true,
	".md": true, ".ttf": true, ".otf": true, ".eot": true,
}

// isCompressible reports whether collectstatic precompresses a file of
// this name and size.
func isCompressible(name string, size int) bool {
	return size >= minCompressSize && compressible[strings.ToLower(path.Ext(name))]
}

// encoding is a precompressed variant's content coding.
type encoding struct {
	// ext is the suffix of the variant's file name, token the
	// Content-Encoding.
	ext, token string
	compress   func([]byte) ([]byte, error)
	decompress func([]byte) ([]byte, error)
}

// encodings are the precompressed variants, in the server's order of
// preference.
var encodings = [...]encoding{
	{ext: ".br", token: "br", compress: brotliBest, decompress: unbrotli},
	{ext: ".gz", token: "gzip", compress: gzipBest, decompress: gunzip},
}

// worthIt reports whether a compressed copy is worth storing: at most 95%
// of the original's size (WhiteNoise's rule), so that barely compressible
// files are served as they are.
func worthIt(compressed, original int) bool {
	return compressed*100 <= original*95
}

func gzipBest(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

func brotliBest(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	bw := brotli.NewWriterLevel(&buf, brotli.BestCompression)
	if _, err := bw.Write(b); err != nil {
		return nil, err
	}
	if err := bw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func unbrotli(b []byte) ([]byte, error) {
	return io.ReadAll(brotli.NewReader(bytes.NewReader(b)))
}
