package contract

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/taskmock/taskmock/internal/jsonlimit"
	"github.com/taskmock/taskmock/specs"
)

// Item is one exchange read from recorded traffic, named by where it came from.
type Item struct {
	// Source names the input: "path/to/file.json", "rec.har#3" (the 1-based
	// index of the entry among all entries of the HAR), "pact.json: the
	// interaction's description", or "-" for standard input.
	Source   string
	Exchange Exchange
	// CheckRequest is set when the exchange's request is an expectation to
	// check against its operation too (a Pact interaction), not a request
	// a server answered.
	CheckRequest bool
	// File is the file the exchange was read from; "" for a stream.
	File string
	// Line, when set, is the 1-based line of File (or of the stream) where
	// the value at a location of the body (a JSON pointer, as in
	// Violation.Location; any other location means the body itself) is
	// written, from a position-aware reading of the input as written; 0
	// when unknown, such as inside a HAR entry's recorded text. Nil when
	// no line is known at all.
	Line func(location string) int
}

// linesIn places the locations of a body written at the JSON pointer at
// inside doc: the lines of doc as written.
func linesIn(doc []byte, at string) func(string) int {
	return func(location string) int {
		if !strings.HasPrefix(location, "/") {
			location = ""
		}
		if at == "" && location == "" {
			line, _ := LineOf(doc, "")
			return line
		}
		if line, ok := LineOf(doc, at+location); ok {
			return line
		}
		return 0
	}
}

// LoadOptions are per-call settings of Walk and ReadStream; the zero value
// detects the API of every body.
type LoadOptions struct {
	// API, when set, is the API every body is taken to belong to. In a HAR,
	// where each request is routed by its method and URL, it keeps only the
	// entries of that API. "" detects the API of each body.
	API specs.Name
	// OnError, when set, receives each file of a directory walk that cannot
	// be read or parsed, and the walk goes on with the next file; and each
	// entry of a HAR that is well-formed JSON but cannot be checked (not a
	// HAR entry, a body in bad base64 or over MaxBody), and the next entry
	// is read. When nil, the first such file or entry stops the walk.
	OnError func(*LoadError)
	// OnProgress, when set, is told how far the reading of each input has
	// gone: source names the input as in Item.Source (without "#N"), read
	// counts the bytes read from it so far and total is its size, or -1
	// when unknown (a stream, a pipe, a device). It is called with read 0
	// when the input is opened, then each time at least 64 KiB more have
	// been read, and at the end of input, so that the last call for a file
	// read to its end has read == total. read never decreases for one
	// input, and stops short of total when reading stops early (an error,
	// a limit). It is called on the goroutine of Walk or ReadStream, in
	// between calls of fn, and should return quickly: it is meant for a
	// progress display.
	OnProgress func(source string, read, total int64)
	// OnWarning, when set, receives what was set aside without failing
	// the load, one line each: the incomplete last entry of a recording
	// written by taskmock proxy, whose write a crash interrupted (see
	// LoadStats.TornEnds), its Source naming the entry ("rec.har#7"), or
	// the file when every entry is whole and only the end of the document
	// is missing; and each file of a directory walk named *.json or *.har
	// that is not read because it is not a regular file (a named pipe, a
	// device, a socket, or a link to one), its Source naming the file.
	OnWarning func(*LoadError)
	// MaxBody is the largest body held in memory: a JSON body, a raw HTTP
	// response, the response body of a HAR entry. A larger one is a
	// *LoadError wrapping a *BodyTooLargeError, read no further; in a HAR,
	// the entry is handed to OnError (when set) and the next entry is read.
	// 0 means DefaultMaxBody.
	MaxBody int64
}

// DefaultMaxBody is LoadOptions.MaxBody when not set: the size bound
// jsonlimit puts on outside JSON.
const DefaultMaxBody = jsonlimit.DefaultMaxBytes

// BodyTooLargeError is a body over LoadOptions.MaxBody.
type BodyTooLargeError struct {
	// Size is the size of the body in bytes, or -1 when it is only known
	// to be over Limit (a stream, read up to the limit).
	Size int64
	// Limit is LoadOptions.MaxBody.
	Limit int64
	// Recorded says that Size is of the body as a HAR records it
	// (response.content.text, escaped or base64), not yet decoded.
	Recorded bool
}

// Error says how large the body is and what the limit is: "body of
// 536870912 bytes (512.0 MiB) is over the limit of 64 MiB".
func (e *BodyTooLargeError) Error() string {
	switch {
	case e.Size < 0:
		return fmt.Sprintf("body larger than the limit of %s (not read further)", jsonlimit.Size(e.Limit))
	case e.Recorded:
		return fmt.Sprintf("response body of %s as recorded (response.content.text) is over the limit of %s", byteSize(e.Size), jsonlimit.Size(e.Limit))
	}
	return fmt.Sprintf("body of %s is over the limit of %s", byteSize(e.Size), jsonlimit.Size(e.Limit))
}

// LoadStats counts what a load saw.
type LoadStats struct {
	Files   int // files (or streams) read
	Items   int // exchanges handed to fn
	Skipped int // HAR entries of other hosts, paths, methods or APIs, entries without a response, and NotRecorded
	// NotRecorded counts the HAR entries of the APIs skipped because their
	// response body was not saved ("body not recorded": content.size > 0 and
	// no content.text, as browsers export a HAR without content). They are
	// counted in Skipped too.
	NotRecorded int
	// TornEnds counts the recordings of taskmock proxy read up to an
	// interrupted write at their end: every complete entry before it is
	// read, and the incomplete rest is set aside (told to OnWarning).
	TornEnds int
}

// LoadError is input that cannot be read or parsed. Its message is one line:
// "<source>: <what is wrong>".
type LoadError struct {
	Source string
	Err    error
}

// Error returns "<source>: <what is wrong>" on one line.
func (e *LoadError) Error() string {
	msg := "unknown error"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	return loadOneLine(e.Source + ": " + msg)
}

// Unwrap returns the underlying error.
func (e *LoadError) Unwrap() error { return e.Err }

// loadPeekSize is the buffer used to tell the kind of an input from its
// first bytes.
const loadPeekSize = 64 << 10

var (
	errLoadTooLarge = errors.New("over the body limit")
	errLoadBOM      = errors.New("invalid JSON (starts with a UTF-8 byte order mark; save it as UTF-8 without BOM)")
)

const (
	loadBOM        = "\xEF\xBB\xBF"
	loadHTTPPrefix = "HTTP/"
)

// loadEmpty is the error for an input with no JSON value.
func loadEmpty(isFile bool) error {
	if isFile {
		return errors.New("empty file")
	}
	return errors.New("empty input")
}

// loadKind says how an input is to be read.
type loadKind int

const (
	loadByContent loadKind = iota // a body, a HAR or a raw response, told by content
	loadHAR                       // must be a HAR document
)

// loader carries the state of one call of Walk or ReadStream.
type loader struct {
	opts   LoadOptions
	fn     func(Item) error
	stats  LoadStats
	limit  int64  // most bytes held in memory for a body or raw response (MaxBody)
	isFile bool   // the inputs are files (for the wording of messages)
	file   string // the file being read, "" for a stream
	// lineBase is the number of lines of the input before the body being
	// read (the line of an NDJSON body, less one).
	lineBase int
	lim      *harLimiter
	// recording is set while reading a HAR in the append layout of
	// taskmock proxy, whose end may be torn by an interrupted write.
	recording bool
	harRead   int // entries of the current HAR decoded so far
}

// Walk loads path — a JSON body file, a HAR file, a raw HTTP response, or a
// directory — and calls fn for each exchange, in order.
//
// A directory is walked recursively in lexical order; files whose names end
// in .json or .har (any case) are read, other files are ignored, and
// symbolic links to directories are not followed. A file given explicitly is
// read by its content whatever its name: a raw HTTP response if it starts
// with "HTTP/", a HAR if it is a JSON object with a "log" member, a JSON body
// otherwise. Files named *.har must be HAR documents.
//
// Directories whose names start with a dot are skipped, and so is a file
// of the walk that is not a regular file (a named pipe, a device, a link
// to one), told to opts.OnWarning: it could block the walk or never end.
//
// An error returned by fn stops the walk and is returned as is; a nil fn
// only counts. Input that cannot be read or parsed stops the walk with a
// *LoadError, unless opts.OnError is set: then each file of a directory
// that fails is handed to it and the walk goes on. A path that does not
// exist is always returned ("<path>: no such file or directory"). An unknown
// opts.API is reported before anything is read.
func Walk(path string, opts LoadOptions, fn func(Item) error) (LoadStats, error) {
	l, err := newLoader(opts, fn)
	if err != nil {
		return LoadStats{}, err
	}
	l.isFile = true
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		err = loadPathError(path, err)
	case fi.IsDir():
		err = l.walkDir(path)
	default:
		err = l.loadFile(path)
	}
	return l.stats, err
}

// ReadStream reads one input from r, named name in sources and messages
// ("-" for standard input): a JSON body, a HAR document, or a raw HTTP
// response as printed by curl -si (status line, headers, blank line, body),
// told apart by the first bytes. A HAR is read entry by entry; a body or a
// raw response is held in memory, up to 64 MiB.
//
// Errors are as for Walk.
func ReadStream(name string, r io.Reader, opts LoadOptions, fn func(Item) error) (LoadStats, error) {
	l, err := newLoader(opts, fn)
	if err != nil {
		return LoadStats{}, err
	}
	l.stats.Files++
	err = l.read(name, l.counted(name, r, -1), loadByContent, -1)
	return l.stats, err
}

func newLoader(opts LoadOptions, fn func(Item) error) (*loader, error) {
	if opts.API != "" {
		api, err := specs.Get(string(opts.API))
		if err != nil {
			return nil, err
		}
		opts.API = api.Name
	}
	if fn == nil {
		fn = func(Item) error { return nil }
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	return &loader{opts: opts, fn: fn, limit: opts.MaxBody}, nil
}

// walkDir loads the .json and .har files under dir, in lexical order.
func (l *loader) walkDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return loadPathError(dir, err)
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch t := e.Type(); {
		case t.IsDir():
			if strings.HasPrefix(e.Name(), ".") {
				continue // .git, .vscode and the like hold no recordings
			}
			// A subdirectory that cannot be read is a failed input like a
			// file: handed to OnError, and the walk goes on.
			if err := l.fileFailed(l.walkDir(p)); err != nil {
				return err
			}
		case !loadWanted(e.Name()):
			continue
		case t&fs.ModeSymlink != 0:
			fi, err := os.Stat(p)
			if err != nil {
				if err := l.fileFailed(loadPathError(p, err)); err != nil {
					return err
				}
				continue
			}
			if !fi.Mode().IsRegular() {
				// A linked directory is not followed, nor a device read.
				if !fi.IsDir() {
					l.notRegular(p, fi.Mode(), "a link to ")
				}
				continue
			}
			if err := l.fileFailed(l.loadFile(p)); err != nil {
				return err
			}
		case t.IsRegular():
			if err := l.fileFailed(l.loadFile(p)); err != nil {
				return err
			}
		default:
			l.notRegular(p, t, "")
		}
	}
	return nil
}

// notRegular tells OnWarning that the file at path, of the given type,
// is skipped.
func (l *loader) notRegular(path string, mode fs.FileMode, link string) {
	if l.opts.OnWarning == nil {
		return
	}
	kind := "an irregular file"
	switch {
	case mode&fs.ModeNamedPipe != 0:
		kind = "a named pipe"
	case mode&fs.ModeSocket != 0:
		kind = "a socket"
	case mode&fs.ModeDevice != 0:
		kind = "a device"
	}
	l.opts.OnWarning(&LoadError{Source: path, Err: fmt.Errorf("skipped: not a regular file (%s%s)", link, kind)})
}

// fileFailed hands a file's *LoadError to opts.OnError, when set, so the
// walk goes on; any other error, or any error without OnError, is returned.
func (l *loader) fileFailed(err error) error {
	var le *LoadError
	if err == nil || l.opts.OnError == nil || !errors.As(err, &le) {
		return err
	}
	l.opts.OnError(le)
	return nil
}

// loadWanted reports whether a directory walk reads the file named name.
func loadWanted(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".json" || ext == ".har"
}

func (l *loader) loadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return loadPathError(path, err)
	}
	defer f.Close()
	l.stats.Files++
	kind := loadByContent
	if strings.EqualFold(filepath.Ext(path), ".har") {
		kind = loadHAR
	}
	total := int64(-1)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		total = fi.Size()
	}
	l.file = path
	return l.read(path, l.counted(path, f, total), kind, total)
}

// loadProgressStep is how many bytes a loadCounter lets pass between two
// calls of OnProgress.
const loadProgressStep = 64 << 10

// counted returns r, wrapped in a loadCounter when opts.OnProgress is set,
// after telling OnProgress that the input is opened.
func (l *loader) counted(src string, r io.Reader, total int64) io.Reader {
	if l.opts.OnProgress == nil {
		return r
	}
	l.opts.OnProgress(src, 0, total)
	return &loadCounter{r: r, src: src, total: total, fn: l.opts.OnProgress}
}

// loadCounter counts the bytes read through it and reports them to fn
// every loadProgressStep bytes and at the end of input.
type loadCounter struct {
	r        io.Reader
	src      string
	total    int64
	fn       func(source string, read, total int64)
	n        int64 // bytes read
	reported int64 // n at the last call of fn
}

func (c *loadCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n-c.reported >= loadProgressStep || (err == io.EOF && c.n > c.reported) {
		c.reported = c.n
		c.fn(c.src, c.n, c.total)
	}
	return n, err
}

// loadPathError turns an error of the file system into a LoadError that
// names path once: "<path>: no such file or directory".
func loadPathError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &LoadError{Source: path, Err: pe.Err}
	}
	return &LoadError{Source: path, Err: err}
}

// read loads one input: it tells its kind from the first bytes and hands
// each exchange to l.fn.
func (l *loader) read(src string, r io.Reader, kind loadKind, total int64) error {
	br := bufio.NewReaderSize(r, loadPeekSize)
	head, err := loadPeekHead(br)
	if err != nil {
		return &LoadError{Source: src, Err: fmt.Errorf("read: %w", err)}
	}
	recording := isRecording(br)
	if kind == loadByContent && loadStartsNDJSON(br) {
		// NDJSON: read line by line, each line a body within the limit,
		// whatever the size of the whole.
		return l.ndjsonStream(src, br)
	}
	if total > l.limit && !loadStartsHAR(br) {
		// Over the limit, and not a HAR (whose first member is "log", as
		// every HAR writer puts it), which would be read entry by entry:
		// not read at all.
		return &LoadError{Source: src, Err: &BodyTooLargeError{Size: total, Limit: l.limit}}
	}
	switch {
	case bytes.HasPrefix(head, []byte(loadBOM)):
		if kind == loadHAR {
			return &LoadError{Source: src, Err: errLoadBOM}
		}
		return l.body(src, br, nil, total)
	case kind == loadByContent && bytes.HasPrefix(head, []byte(loadHTTPPrefix)):
		data, err := l.readAll(br, nil, total)
		if err != nil {
			return &LoadError{Source: src, Err: l.tooLarge(err, total)}
		}
		return l.raw(src, data)
	case kind == loadByContent && (len(head) == 0 || head[0] != '{'):
		return l.body(src, br, nil, total)
	}

	if kind == loadByContent {
		// A JSON object: read it whole (within the limit), looking for a
		// top-level "log" as the bytes arrive, without decoding them.
		data, head, har, err := l.readObject(br, total)
		switch {
		case err != nil && !(har && errors.Is(err, errLoadTooLarge)):
			return &LoadError{Source: src, Err: l.tooLarge(err, total)}
		case !har:
			return l.bodyData(src, data)
		}
		// A HAR: read entry by entry, from the bytes already read on.
		if head == nil {
			head = bytes.NewReader(data)
		}
		br = bufio.NewReaderSize(io.MultiReader(head, br), loadPeekSize)
		kind = loadHAR
	}

	// A file that must be a HAR: look for a top-level "log".
	rec := &loadRecorder{r: br, keep: kind == loadByContent, limit: l.limit}
	l.lim = newHARLimiter(rec, l.limit)
	// While rec keeps the bytes, a long string before "log" is not kept
	// again; a long string can only start being kept after "log" is read
	// (it needs more than one chunk of input beyond where it starts).
	l.lim.measureOnly = rec.keep
	dec := json.NewDecoder(l.lim)
	found, object, err := harFindLog(dec, rec.keep)
	l.lim.release(dec.InputOffset())
	l.lim.measureOnly = false
	if found {
		rec.keep, rec.kept = false, nil
		l.recording = recording
		err := l.har(src, dec, rec)
		if errors.Is(err, errHARTorn) {
			return nil
		}
		return err
	}
	if kind == loadHAR {
		switch {
		case err == io.EOF:
			return &LoadError{Source: src, Err: loadEmpty(l.isFile)}
		case err != nil:
			return &LoadError{Source: src, Err: loadStreamError(dec, rec, err)}
		case !object:
			return &LoadError{Source: src, Err: errors.New("not a HAR 1.2 file: the top level is not a JSON object")}
		}
		return &LoadError{Source: src, Err: errors.New("not a HAR 1.2 file: missing log")}
	}
	if errors.Is(err, errLoadTooLarge) {
		return &LoadError{Source: src, Err: l.tooLarge(err, total)}
	}
	// Not a HAR: a body, read in full with the bytes already seen.
	return l.body(src, br, rec.kept, total)
}

// tooLarge turns errLoadTooLarge into a *BodyTooLargeError for a body of
// total bytes (-1: unknown); other errors are returned as they are.
func (l *loader) tooLarge(err error, total int64) error {
	if errors.Is(err, errLoadTooLarge) {
		if total <= l.limit {
			total = -1 // the input grew while it was read
		}
		return &BodyTooLargeError{Size: total, Limit: l.limit}
	}
	return err
}

// loadStartsHAR tells from the bytes br holds whether the input is a JSON
// object whose first member is "log".
func loadStartsHAR(br *bufio.Reader) bool {
	b, _ := br.Peek(br.Size())
	return startsHAR(b)
}

// startsHAR tells whether b starts a JSON object whose first member is
// "log".
func startsHAR(b []byte) bool {
	i := 0
	skip := func() {
		for i < len(b) && loadIsSpace(b[i]) {
			i++
		}
	}
	skip()
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i++
	skip()
	return bytes.HasPrefix(b[i:], []byte(`"log"`))
}

// loadPeekHead returns the first bytes of br from its first non-whitespace
// byte (up to 5), without consuming anything; nil when the peek window holds
// only whitespace.
func loadPeekHead(br *bufio.Reader) ([]byte, error) {
	for n := 512; ; n *= 2 {
		n = min(n, br.Size())
		b, err := br.Peek(n)
		i := 0
		for i < len(b) && loadIsSpace(b[i]) {
			i++
		}
		if len(b)-i >= 5 || err != nil || n == br.Size() {
			if err != nil && err != io.EOF {
				return nil, err
			}
			return b[i:min(len(b), i+5)], nil
		}
	}
}

// body reads a JSON body in full (prefix is what was already read of it)
// and hands it on as one exchange.
func (l *loader) body(src string, r io.Reader, prefix []byte, total int64) error {
	data, err := l.readAll(r, prefix, total)
	if err != nil {
		return &LoadError{Source: src, Err: l.tooLarge(err, total)}
	}
	return l.bodyData(src, data)
}

// readObject reads a JSON object in full, within l.limit, and tells
// whether it has a top-level member "log" (a HAR). The input is read once,
// into one buffer made at its size when total (else -1) gives it, or into
// chunks joined once at the end: a large body costs its size once, not the
// copies of a growing buffer or of a decoder's window. Over the limit, the
// error is errLoadTooLarge, with what was read, as a reader, and whether a
// "log" was seen in it. As soon as a top-level "log" is seen, readObject
// stops and returns what it read as a reader: a HAR is read entry by entry,
// as its bytes arrive.
func (l *loader) readObject(r io.Reader, total int64) ([]byte, io.Reader, bool, error) {
	var sc topLevelKeys
	if total >= 0 && total <= l.limit {
		buf := make([]byte, 0, total+1) // room to see the end of input
		for {
			if len(buf) == cap(buf) {
				buf = append(buf, 0)[:len(buf)] // the input grew while it was read
			}
			n, err := r.Read(buf[len(buf):min(cap(buf), len(buf)+loadPeekSize)])
			sc.feed(buf[len(buf) : len(buf)+n])
			buf = buf[:len(buf)+n]
			if sc.log {
				return nil, bytes.NewReader(buf), true, nil // a HAR: read on entry by entry
			}
			if int64(len(buf)) > l.limit {
				return nil, bytes.NewReader(buf), sc.log, errLoadTooLarge
			}
			if err == io.EOF {
				return buf, nil, sc.log, nil
			}
			if err != nil {
				return nil, nil, false, fmt.Errorf("read: %w", err)
			}
		}
	}
	const chunk = 1 << 20
	var chunks [][]byte
	size := int64(0)
	for done := false; !done; {
		c := make([]byte, 0, min(chunk, l.limit+1-size))
		for len(c) < cap(c) {
			n, err := r.Read(c[len(c):min(cap(c), len(c)+loadPeekSize)])
			sc.feed(c[len(c) : len(c)+n])
			c = c[:len(c)+n]
			if sc.log {
				return nil, chunksReader(append(chunks, c)), true, nil // a HAR: read on entry by entry
			}
			if err == io.EOF {
				done = true
				break
			}
			if err != nil {
				return nil, nil, false, fmt.Errorf("read: %w", err)
			}
		}
		chunks = append(chunks, c)
		size += int64(len(c))
		if size > l.limit {
			return nil, chunksReader(chunks), sc.log, errLoadTooLarge
		}
	}
	data := make([]byte, 0, size)
	for i, c := range chunks {
		data = append(data, c...)
		chunks[i] = nil // freed as soon as copied
	}
	if size > largeStreamBody {
		// The chunks are garbage now: collect them before the body is
		// decoded, so that the decoder's allocations reuse their memory
		// rather than add to it (the peak stays near twice the body).
		runtime.GC()
	}
	return data, nil, sc.log, nil
}

// chunksReader reads chunks one after the other, letting each go once
// read.
func chunksReader(chunks [][]byte) io.Reader {
	rs := make([]io.Reader, len(chunks))
	for i, c := range chunks {
		rs[i] = bytes.NewReader(c)
	}
	return io.MultiReader(rs...)
}

// largeStreamBody is the size from which a body read from a stream is
// followed by a garbage collection (see readObject).
const largeStreamBody = 16 << 20

// topLevelKeys scans a JSON object as its bytes arrive and notes whether a
// member of the top-level object is named "log". It keeps no more than
// the few bytes of a key; string contents are skipped, not copied.
type topLevelKeys struct {
	depth     int
	inString  bool
	escaped   bool
	expectKey bool   // the next string at depth 1 is a member name
	inKey     bool   // the string being read is a top-level member name
	key       []byte // its first bytes
	keyLong   bool   // longer than "log", or escaped
	log       bool
}

func (s *topLevelKeys) feed(b []byte) {
	for _, c := range b {
		if s.inString {
			switch {
			case s.escaped:
				s.escaped = false
			case c == '\\':
				s.escaped = true
				s.keyLong = true // an escaped name is not spelt "log" as HAR writers write it
			case c == '"':
				s.inString = false
				if s.inKey {
					s.inKey = false
					if !s.keyLong && string(s.key) == "log" {
						s.log = true
					}
				}
			case s.inKey:
				if len(s.key) < 3 {
					s.key = append(s.key, c)
				} else {
					s.keyLong = true
				}
			}
			continue
		}
		switch c {
		case '"':
			s.inString = true
			if s.depth == 1 && s.expectKey {
				s.inKey, s.expectKey, s.keyLong, s.key = true, false, false, s.key[:0]
			}
		case '{', '[':
			s.depth++
			if c == '{' && s.depth == 1 {
				s.expectKey = true
			}
		case '}', ']':
			s.depth--
		case ',':
			if s.depth == 1 {
				s.expectKey = true
			}
		}
	}
}

// bodyData checks a JSON body read in full and hands it on as one
// exchange.
func (l *loader) bodyData(src string, data []byte) error {
	if err := loadCheckJSON(data, l.isFile); err != nil {
		if lines := ndjsonLines(data); lines != nil {
			return l.ndjson(src, data, lines)
		}
		return &LoadError{Source: src, Err: err}
	}
	if version := pactVersion(data); version != "" {
		return l.pact(src, data, version)
	}
	if elems := jsonArrayOfObjects(data); elems != nil {
		for i, e := range elems {
			if err := l.element(src+"#"+strconv.Itoa(i+1), e, linesIn(data, "/"+strconv.Itoa(i))); err != nil {
				if l.opts.OnError == nil {
					return err
				}
				l.opts.OnError(err.(*LoadError))
			}
		}
		return nil
	}
	return l.element(src, data, linesIn(data, ""))
}

// element hands on one JSON body, whose locations line places.
func (l *loader) element(src string, data []byte, line func(string) int) error {
	api, err := l.apiOf(data)
	if err != nil {
		return &LoadError{Source: src, Err: err}
	}
	if base := l.lineBase; base > 0 {
		inner := line
		line = func(location string) int {
			if n := inner(location); n > 0 {
				return base + n
			}
			return 0
		}
	}
	return l.emit(Item{Source: src, Exchange: Exchange{API: api, Body: data}, Line: line})
}

// ndjsonLines returns the 1-based numbers of the non-blank lines of data
// when its first non-blank line is one JSON object and at least one other
// line follows (NDJSON, as taskmock fixtures writes it); nil otherwise.
func ndjsonLines(data []byte) []int {
	var lines []int
	firstOK := false
	n := 0
	for rest := data; len(rest) > 0; {
		line, tail, _ := bytes.Cut(rest, []byte("\n"))
		rest = tail
		n++
		t := bytes.TrimSpace(line)
		if len(t) == 0 {
			continue
		}
		if len(lines) == 0 {
			firstOK = t[0] == '{' && json.Valid(t)
		}
		lines = append(lines, n)
	}
	if !firstOK || len(lines) < 2 {
		return nil
	}
	return lines
}

// loadStartsNDJSON tells from the first bytes of br whether the input is
// NDJSON: its first non-blank line is one JSON object that is not a HAR,
// and another non-blank line follows. It reads no more than it needs to
// tell (a stream is not waited for once the answer is known) and consumes
// nothing. An input whose first line does not fit in br's window is told
// apart once read whole (see ndjsonLines).
func loadStartsNDJSON(br *bufio.Reader) bool {
	for n := br.Buffered(); ; n = min(br.Buffered()+1, br.Size()) {
		b, err := br.Peek(n) // what is buffered, then one byte more
		full := err != nil || len(b) == br.Size()
		b = bytes.TrimLeft(b, " \t\r\n")
		firstLine := false // a whole first line of JSON, then only white space so far
		switch {
		case len(b) == 0:
		case b[0] != '{' || startsHAR(b):
			return false
		default:
			line, rest, ok := bytes.Cut(b, []byte("\n"))
			if ok {
				if line = bytes.TrimSpace(line); !json.Valid(line) {
					return false
				}
				if len(bytes.TrimSpace(rest)) > 0 {
					return true
				}
				firstLine = true
			}
		}
		if full {
			// A first line of JSON followed by more white space than the
			// buffer holds and then more input is NDJSON with a blank
			// line, not one document: a document cannot go on after its
			// value.
			return firstLine && err == nil
		}
	}
}

// ndjsonStream hands on each non-blank line of r as a body of its own,
// named SRC:LINE, holding one line at a time. A line over the limit is
// not kept: it is an input that could not be read (told to OnError when
// set, and the next lines are still read), as is a line that is not JSON.
func (l *loader) ndjsonStream(src string, r *bufio.Reader) error {
	for n := 1; ; n++ {
		line, size, blank, readErr := loadLine(r, l.limit)
		name := src + ":" + strconv.Itoa(n)
		var err error
		switch {
		case blank:
		case size > l.limit:
			err = &LoadError{Source: name, Err: &BodyTooLargeError{Size: size, Limit: l.limit}}
		case len(bytes.TrimSpace(line)) > 0:
			l.lineBase = n - 1
			err = l.bodyData(name, bytes.TrimSpace(line))
			l.lineBase = 0
		}
		if err != nil {
			le, ok := err.(*LoadError)
			if !ok || l.opts.OnError == nil {
				return err
			}
			l.opts.OnError(le)
		}
		if readErr == io.EOF {
			return nil
		}
		if readErr != nil {
			return &LoadError{Source: name, Err: fmt.Errorf("read: %w", readErr)}
		}
	}
}

// loadLine reads one line of r, without its "\n", its size, and whether it
// is only white space, however long. A line longer than limit is read to
// its end but not kept (nil). The error is io.EOF at the end of input.
func loadLine(r *bufio.Reader, limit int64) (line []byte, size int64, blank bool, err error) {
	blank = true
	for {
		chunk, err := r.ReadSlice('\n')
		blank = blank && len(bytes.TrimSpace(chunk)) == 0
		size += int64(len(chunk))
		if size <= limit+1 {
			line = append(line, chunk...)
		} else {
			line = nil
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if len(line) > 0 && line[len(line)-1] == '\n' {
			line = line[:len(line)-1]
			size--
		}
		return line, size, blank, err
	}
}

// ndjson hands on each non-blank line of data as a body of its own, named
// SRC:LINE; a line that is not JSON is an error of that line (told to
// OnError when set, and the others are still read).
func (l *loader) ndjson(src string, data []byte, lines []int) error {
	all := bytes.Split(data, []byte("\n"))
	for _, n := range lines {
		l.lineBase = n - 1
		err := l.bodyData(src+":"+strconv.Itoa(n), bytes.TrimSpace(all[n-1]))
		l.lineBase = 0
		if err != nil {
			le, ok := err.(*LoadError)
			if !ok || l.opts.OnError == nil {
				return err
			}
			l.opts.OnError(le)
		}
	}
	return nil
}

// jsonArrayOfObjects returns the elements of data when it is a JSON array
// of one or more objects (as taskmock fixtures --format json writes it);
// nil otherwise. data is valid JSON.
func jsonArrayOfObjects(data []byte) [][]byte {
	t := bytes.TrimLeft(data, " \t\r\n")
	if len(t) == 0 || t[0] != '[' {
		return nil
	}
	var elems []json.RawMessage
	if json.Unmarshal(data, &elems) != nil || len(elems) == 0 {
		return nil
	}
	out := make([][]byte, len(elems))
	for i, e := range elems {
		if e = bytes.TrimSpace(e); len(e) == 0 || e[0] != '{' {
			return nil
		}
		out[i] = e
	}
	return out
}

// apiOf returns opts.API, or the API detected from the body.
func (l *loader) apiOf(body []byte) (specs.Name, error) {
	if l.opts.API != "" {
		return l.opts.API, nil
	}
	if api, ok := DetectAPI(body); ok {
		return api, nil
	}
	var flags []string
	for _, n := range specs.Names() {
		flags = append(flags, "--api "+string(n))
	}
	return "", fmt.Errorf("cannot tell which API this body belongs to; pass %s", strings.Join(flags, " or "))
}

func (l *loader) emit(it Item) error {
	l.stats.Items++
	it.File = l.file
	return l.fn(it)
}

// readAll returns prefix followed by the rest of r, within l.limit. total
// is the size of the whole input when known (else -1): the buffer is then
// made once, at its size.
func (l *loader) readAll(r io.Reader, prefix []byte, total int64) ([]byte, error) {
	if int64(len(prefix)) > l.limit {
		return nil, errLoadTooLarge
	}
	r = io.LimitReader(r, l.limit-int64(len(prefix))+1)
	size := int64(bytes.MinRead)
	if total > int64(len(prefix)) && total <= l.limit {
		size = total + 1 // room to see the end of input
	}
	buf := bytes.NewBuffer(make([]byte, 0, max(size, int64(len(prefix)))))
	buf.Write(prefix)
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if int64(buf.Len()) > l.limit {
		return nil, errLoadTooLarge
	}
	return buf.Bytes(), nil
}

// loadCheckJSON reports why data is not one JSON value, with the line and
// byte offset where it can.
func loadCheckJSON(data []byte, isFile bool) error {
	first := 0
	for first < len(data) && loadIsSpace(data[first]) {
		first++
	}
	if first == len(data) {
		return loadEmpty(isFile)
	}
	if bytes.HasPrefix(data, []byte(loadBOM)) {
		return errLoadBOM
	}
	if json.Valid(data) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var v json.RawMessage
	err := dec.Decode(&v)
	var se *json.SyntaxError
	switch {
	case err == nil:
		at := dec.InputOffset()
		for at < int64(len(data)) && loadIsSpace(data[at]) {
			at++
		}
		return fmt.Errorf("invalid JSON (unexpected data after the top-level value at %s)", loadPlace(data, at+1))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("truncated JSON (unexpected end of input at %s)", loadPlace(data, int64(len(data))))
	case errors.As(err, &se):
		if se.Offset <= int64(first)+1 {
			return fmt.Errorf("not JSON (%s at %s)", se.Error(), loadPlace(data, se.Offset))
		}
		return fmt.Errorf("invalid JSON (%s at %s)", se.Error(), loadPlace(data, se.Offset))
	default:
		return fmt.Errorf("invalid JSON (%v)", err)
	}
}

// loadPlace names the 1-based byte offset off of data by its line and
// byte, "line 3, byte 42", so that a person finds it in an editor and a
// tool by the offset; data of one line (an NDJSON line, a body on standard
// input) by its byte only.
func loadPlace(data []byte, off int64) string {
	if bytes.IndexByte(data, '\n') < 0 {
		return fmt.Sprintf("byte %d", off)
	}
	at := min(max(off-1, 0), int64(len(data)))
	return fmt.Sprintf("line %d, byte %d", 1+bytes.Count(data[:at], []byte("\n")), off)
}

func loadTruncated(at int64) error {
	return fmt.Errorf("truncated JSON (unexpected end of input at byte %d)", at)
}

// loadStreamError describes an error of a streaming decoder reading from
// rec. Byte offsets count from the start of the input, 1-based.
func loadStreamError(dec *json.Decoder, rec *loadRecorder, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, errLoadTooLarge):
		return errLoadTooLarge
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return loadTruncated(rec.n)
	case errors.As(err, &se):
		// Errors of the decoder's value scanner count bytes from where it
		// started scanning, not from the start of the input: scan the
		// remaining buffered bytes again to place the error. Errors between
		// tokens are already placed (0-based).
		at := se.Offset + 1
		start := dec.InputOffset()
		rest, _ := io.ReadAll(dec.Buffered())
		again := json.NewDecoder(bytes.NewReader(rest))
		var v json.RawMessage
		var se2 *json.SyntaxError
		if errors.As(again.Decode(&v), &se2) && se2.Error() == se.Error() {
			at = start + se2.Offset
		}
		return fmt.Errorf("invalid JSON (%s at byte %d)", se.Error(), at)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the entry"
		}
		found, want, _ := jsonlimit.Kinds(err)
		return fmt.Errorf("not a HAR 1.2 entry: %s is %s, want %s", field, found, want)
	default:
		return err
	}
}

// loadRecorder counts the bytes read through it and, while keep is set,
// keeps a copy of them, up to limit.
type loadRecorder struct {
	r     io.Reader
	n     int64
	keep  bool
	kept  []byte
	limit int64
}

func (r *loadRecorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n += int64(n)
	if r.keep {
		r.kept = append(r.kept, p[:n]...)
		if r.limit > 0 && int64(len(r.kept)) > r.limit {
			return n, errLoadTooLarge
		}
	}
	return n, err
}

func loadIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// loadOneLine replaces line breaks so that a message stays on one line.
func loadOneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}
