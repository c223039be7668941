package forms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// requestData is what readRequest took from a request: form values and
// files, or a JSON body.
type requestData struct {
	values   url.Values
	files    map[string][]*File
	fileErrs Errors
	json     []byte
}

// Messages of the limits, shared by the tests.
const (
	msgTooManyFields = "The request has too many fields (more than %d)."
	msgTooManyFiles  = "The request has too many files (more than %d)."
	msgTooLarge      = "The request data is too large (more than %s, files excepted)."
	msgUnreadable    = "The request body could not be read."
	msgMalformed     = "The form data is malformed."
	msgBadJSON       = "The request body is not valid JSON."
	msgContentType   = "Unsupported content type %q: send a form or JSON."
	msgFileTooLarge  = "File too large (max %s)."
	msgFileEmpty     = "The submitted file is empty."
)

// readRequest reads the data of r within the limits of o: the query string
// for GET and HEAD, else the body by its Content-Type. A limit exceeded is
// a non-field error, found before more than the limit is read. wantFile
// says which file fields the target has; other files are skipped.
func readRequest(r *http.Request, o *options, wantFile func(string) bool) (*requestData, Errors) {
	var errs Errors
	lim := o.limits
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		values, err := parseQuery(r.URL.RawQuery, lim.MaxNumberFields)
		if err != nil {
			errs.Add(NonFieldErrors, err.Error())
			return nil, errs
		}
		return &requestData{values: values}, nil
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" && (r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0) {
		return &requestData{values: url.Values{}}, nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = ""
	}
	switch {
	case mt == "application/x-www-form-urlencoded":
		body, msg := readBody(r, lim.MaxMemorySize)
		if msg != "" {
			errs.Add(NonFieldErrors, msg)
			return nil, errs
		}
		values, err := parseQuery(string(body), lim.MaxNumberFields)
		if err != nil {
			errs.Add(NonFieldErrors, err.Error())
			return nil, errs
		}
		return &requestData{values: values}, nil
	case mt == "multipart/form-data":
		return readMultipart(r, o, wantFile)
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		body, msg := readBody(r, lim.MaxMemorySize)
		if msg != "" {
			errs.Add(NonFieldErrors, msg)
			return nil, errs
		}
		return &requestData{json: body}, nil
	}
	errs.Add(NonFieldErrors, fmt.Sprintf(msgContentType, mt))
	return nil, errs
}

// readBody reads at most max bytes of the body; more is a message.
func readBody(r *http.Request, max int64) ([]byte, string) {
	tooLarge := fmt.Sprintf(msgTooLarge, formatSize(max))
	if r.ContentLength > max {
		return nil, tooLarge
	}
	if r.Body == nil {
		return nil, ""
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge
	case err != nil:
		return nil, msgUnreadable
	case int64(len(body)) > max:
		return nil, tooLarge
	}
	return body, ""
}

// limitError is a limit exceeded, with its public message.
type limitError string

func (e limitError) Error() string { return string(e) }

// parseQuery parses URL-encoded data after counting its fields, so that a
// body with too many fields never becomes a map. maxFields < 0 means no
// limit.
func parseQuery(s string, maxFields int) (url.Values, error) {
	if maxFields >= 0 {
		n := 0
		for part := range strings.SplitSeq(s, "&") {
			if part == "" {
				continue
			}
			if n++; n > maxFields {
				return nil, limitError(fmt.Sprintf(msgTooManyFields, maxFields))
			}
		}
	}
	values, err := url.ParseQuery(s)
	if err != nil {
		return nil, limitError(msgMalformed)
	}
	return values, nil
}

// readMultipart streams the parts of a multipart body: values count
// against MaxNumberFields and MaxMemorySize, files against MaxNumberFields
// (separately) and MaxUploadSize each. Files are kept in memory while they
// fit in a budget of MaxMemorySize for all files, else spooled to
// temporary files removed when the request's context is done.
func readMultipart(r *http.Request, o *options, wantFile func(string) bool) (*requestData, Errors) {
	var errs Errors
	lim := o.limits
	fail := func(msg string) (*requestData, Errors) {
		errs.Add(NonFieldErrors, msg)
		return nil, errs
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return fail(msgMalformed)
	}
	data := &requestData{values: url.Values{}, files: map[string][]*File{}}
	var cleanup []*File
	defer func() {
		if errs != nil {
			for _, f := range cleanup {
				_ = f.Remove()
			}
		}
	}()
	var fields, files int
	valueBytes := int64(0)
	fileMemory := lim.MaxMemorySize
	tooLarge := fmt.Sprintf(msgTooLarge, formatSize(lim.MaxMemorySize))
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fail(tooLarge)
		}
		if err != nil {
			return fail(msgMalformed)
		}
		name := part.FormName()
		if name == "" {
			continue
		}
		filename := part.FileName()
		if filename == "" {
			if fields++; lim.MaxNumberFields >= 0 && fields > lim.MaxNumberFields {
				return fail(fmt.Sprintf(msgTooManyFields, lim.MaxNumberFields))
			}
			left := lim.MaxMemorySize - valueBytes - int64(len(name))
			if left < 0 {
				return fail(tooLarge)
			}
			var b strings.Builder
			n, err := io.Copy(&b, io.LimitReader(part, left+1))
			if err != nil {
				if errors.As(err, &mbe) {
					return fail(tooLarge)
				}
				return fail(msgUnreadable)
			}
			if n > left {
				return fail(tooLarge)
			}
			valueBytes += int64(len(name)) + n
			data.values[name] = append(data.values[name], b.String())
			continue
		}
		if files++; lim.MaxNumberFields >= 0 && files > lim.MaxNumberFields {
			return fail(fmt.Sprintf(msgTooManyFiles, lim.MaxNumberFields))
		}
		if !wantFile(name) {
			continue // NextPart skips the rest of the part
		}
		f, msg, err := readFile(r.Context(), part, filename, lim.MaxUploadSize, &fileMemory)
		if err != nil {
			if errors.As(err, &mbe) {
				return fail(tooLarge)
			}
			return fail(msgUnreadable)
		}
		if msg != "" {
			data.fileErrs.Add(name, msg)
			continue
		}
		cleanup = append(cleanup, f)
		data.files[name] = append(data.files[name], f)
	}
	return data, nil
}

// readFile reads one file part of at most max bytes, in memory while
// *memory allows, else into a temporary file. A file too large or empty
// is a message for its field.
func readFile(ctx context.Context, part *multipart.Part, filename string, max int64, memory *int64) (*File, string, error) {
	f := &File{Filename: baseName(filename), Header: part.Header}
	inMemory := min(*memory, max)
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, part, inMemory+1)
	switch {
	case err == io.EOF && n <= max:
		*memory -= n
		f.data = buf.Bytes()
		f.Size = n
	case err != nil && err != io.EOF:
		return nil, "", err
	case n > max:
		return nil, fmt.Sprintf(msgFileTooLarge, formatSize(max)), nil
	default: // more to come than the memory budget: spool to disk
		tmp, err := os.CreateTemp("", "djinn-upload-*")
		if err != nil {
			return nil, "", err
		}
		f.tmp = tmp.Name()
		f.remove = context.AfterFunc(ctx, func() { _ = os.Remove(f.tmp) })
		written, err := io.Copy(tmp, io.MultiReader(&buf, io.LimitReader(part, max+1-n)))
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil || written > max {
			_ = f.Remove()
			if err != nil {
				return nil, "", err
			}
			return nil, fmt.Sprintf(msgFileTooLarge, formatSize(max)), nil
		}
		f.Size = written
		buf.Reset()
	}
	if f.Size == 0 {
		return nil, msgFileEmpty, nil
	}
	if err := f.readSniff(); err != nil {
		_ = f.Remove()
		return nil, "", err
	}
	return f, "", nil
}

// readSniff keeps the first 512 bytes for ContentType.
func (f *File) readSniff() error {
	if f.tmp == "" {
		f.sniff = f.data[:min(len(f.data), 512)]
		return nil
	}
	fh, err := os.Open(f.tmp)
	if err != nil {
		return err
	}
	defer fh.Close()
	b := make([]byte, 512)
	n, err := io.ReadFull(fh, b)
	if err != nil && err != io.ErrUnexpectedEOF {
		return err
	}
	f.sniff = b[:n]
	return nil
}
