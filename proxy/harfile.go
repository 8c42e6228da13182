package proxy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// The layout of the HAR file of a recording: harHead on the first line,
// one entry per line (each but the last followed by a comma), and harTail
// on the last line.
//
//	{"log":{"version":"1.2","creator":{...},"entries":[
//	{"startedDateTime":...},
//	{"startedDateTime":...}
//	]}}
//
// An entry is added by one write at the offset where harTail starts:
// ",\n" (or "\n" for the first), the entry, and harTail again. So the file
// is a complete HAR before and after each write, and only the write in
// progress can be torn; openHAR repairs that on the next start.
const (
	harHead = `{"log":{"version":"1.2","creator":{"name":"taskmock proxy","version":"1"},"entries":[`
	harTail = "\n]}}\n"
)

// harEntryStart is how every entry line begins (the first member of
// harEntry).
var harEntryStart = []byte(`{"startedDateTime":`)

// harRecoverLines is how many lines at the end of a file a torn write can
// leave behind the last complete entry: the partial entry, and pieces of
// harTail.
const harRecoverLines = 3

// harMaxLine bounds the bytes read of one line while checking the end of
// a file at start-up: an entry of a body of DefaultMaxBody, every byte of
// it escaped as \u00XX.
const harMaxLine = 6*DefaultMaxBody + 1<<20

// harStore is what a harFile writes to: an *os.File, or a test's file
// that fails on purpose.
type harStore interface {
	io.ReaderAt
	io.WriterAt
	Truncate(size int64) error
	Sync() error
	Close() error
}

// harFile appends entries to the HAR file of a recording. It keeps no
// entry in memory: only where the tail starts and whether an entry was
// written. It is not safe for concurrent use (the Recorder holds a lock).
type harFile struct {
	path  string
	f     harStore
	end   int64 // the offset where harTail starts
	empty bool  // no entry yet
	buf   bytes.Buffer
}

// errHARLocked is returned when another process records into the file.
var errHARLocked = errors.New("another taskmock proxy is recording into it (stop it, or choose another --record directory)")

// openHAR opens the HAR file at path for appending, creating it when
// missing, and locks it for this process. A file that ends in a torn
// write (a crash, a full disk) is repaired by cutting the incomplete end
// and restoring the tail, and a file of an earlier version is converted;
// notice then says so. A file that is not a HAR written by taskmock proxy
// is left untouched and refused.
func openHAR(path string) (h *harFile, notice string, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, "", err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
		}
	}()
	if err := lockFile(f); err != nil {
		if errors.Is(err, errHARLocked) {
			return nil, "", fmt.Errorf("%s: %w", path, err)
		}
		return nil, "", fmt.Errorf("%s: cannot lock it: %w", path, err)
	}
	info, err := f.Stat()
	if err != nil {
		return nil, "", err
	}
	if !info.Mode().IsRegular() {
		return nil, "", fmt.Errorf("%s: not a regular file", path)
	}
	size := info.Size()
	head := make([]byte, 512)
	n, err := f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	head = head[:n]
	switch {
	case int64(n) == size && bytes.HasPrefix([]byte(harHead+harTail), head):
		// New, or torn while it was being created.
		size = 0
	case bytes.HasPrefix(head, []byte(harHead+"\n")):
	case bytes.HasPrefix(head, []byte("{\n")) && bytes.Contains(head, oldHARCreator):
		nf, entries, err := convertOldHAR(path, f, size)
		if err != nil {
			return nil, "", err
		}
		_ = f.Close()
		f = nf
		if info, err = f.Stat(); err != nil {
			return nil, "", err
		}
		size = info.Size()
		notice = fmt.Sprintf("%s was written by an earlier version of taskmock: converted it, keeping its %d exchanges", path, entries)
	default:
		return nil, "", foreignHAR(path, head)
	}
	h = &harFile{path: path, f: f}
	repaired, err := h.load(size)
	if err != nil {
		return nil, "", err
	}
	if repaired != "" {
		notice = repaired
	}
	return h, notice, nil
}

// foreignHAR is the error for a file taskmock did not write, head being
// its first bytes.
func foreignHAR(path string, head []byte) error {
	what := "not a HAR file"
	if bytes.Contains(head, []byte(`"log"`)) {
		what = "not a HAR file written by taskmock proxy"
	}
	return fmt.Errorf("%s: %s; it was left as it is: move it away or choose another --record directory", path, what)
}

// load reads where the tail of a file of size bytes starts, writing a new
// file's head and tail, or repairing a torn end.
func (h *harFile) load(size int64) (notice string, err error) {
	if size == 0 {
		if err := h.f.Truncate(0); err != nil {
			return "", fmt.Errorf("%s: %w", h.path, err)
		}
		if _, err := h.f.WriteAt([]byte(harHead+harTail), 0); err != nil {
			return "", h.restore(0, fmt.Errorf("%s: %w", h.path, err))
		}
		h.end, h.empty = int64(len(harHead)), true
		return "", nil
	}
	// The end as a write that completed leaves it: the tail after the
	// head or after a whole entry line.
	if size >= int64(len(harHead)+len(harTail)) {
		tail := make([]byte, len(harTail))
		if _, err := h.f.ReadAt(tail, size-int64(len(harTail))); err != nil {
			return "", fmt.Errorf("%s: %w", h.path, err)
		}
		if string(tail) == harTail {
			end := size - int64(len(harTail))
			if end == int64(len(harHead)) {
				h.end, h.empty = end, true
				return "", nil
			}
			start, line, err := h.lineBefore(end)
			if err != nil {
				return "", err
			}
			if start > int64(len(harHead)) {
				if n, ok := entryPrefix(line); ok && n == len(line) {
					h.end = end
					return "", nil
				}
			}
		}
	}

	// A torn write: find the end of the last complete entry (or of the
	// head) among the last lines, cut what follows, restore the tail.
	end := size
	for range harRecoverLines + 1 {
		start, line, err := h.lineBefore(end)
		if err != nil {
			return "", err
		}
		if start == 0 { // the head's line
			return h.repair(int64(len(harHead)), true, size)
		}
		if n, ok := entryPrefix(line); ok {
			return h.repair(start+int64(n), false, size)
		}
		end = start - 1
	}
	return "", fmt.Errorf("%s: damaged before its last write (no complete entry in its last %d lines); it was left as it is: move it away or choose another --record directory", h.path, harRecoverLines+1)
}

// lineBefore returns the line that ends at end (excluding the newline
// before it): its start offset and its bytes.
func (h *harFile) lineBefore(end int64) (start int64, line []byte, err error) {
	const chunk = 64 << 10
	start = 0
	buf := make([]byte, chunk)
	for at := end; at > 0; {
		n := int64(chunk)
		if at < n {
			n = at
		}
		if _, err := h.f.ReadAt(buf[:n], at-n); err != nil && !errors.Is(err, io.EOF) {
			return 0, nil, fmt.Errorf("%s: %w", h.path, err)
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			start = at - n + int64(i) + 1
			break
		}
		at -= n
		if end-at > harMaxLine {
			return 0, nil, fmt.Errorf("%s: damaged (a line of more than %d bytes at its end); it was left as it is: move it away or choose another --record directory", h.path, harMaxLine)
		}
	}
	line = make([]byte, end-start)
	if _, err := h.f.ReadAt(line, start); err != nil && !errors.Is(err, io.EOF) {
		return 0, nil, fmt.Errorf("%s: %w", h.path, err)
	}
	return start, line, nil
}

// entryPrefix returns the length of the complete entry that line starts
// with, if it does.
func entryPrefix(line []byte) (int, bool) {
	if !bytes.HasPrefix(line, harEntryStart) {
		return 0, false
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return 0, false
	}
	return int(dec.InputOffset()), true
}

// repair cuts the file at end (after the head, or after a complete entry)
// and writes the tail there.
func (h *harFile) repair(end int64, empty bool, size int64) (string, error) {
	if err := h.f.Truncate(end); err != nil {
		return "", fmt.Errorf("%s: cannot repair its end: %w", h.path, err)
	}
	if _, err := h.f.WriteAt([]byte(harTail), end); err != nil {
		return "", fmt.Errorf("%s: cannot repair its end: %w", h.path, err)
	}
	h.end, h.empty = end, empty
	dropped := size - end
	if dropped == 0 {
		return fmt.Sprintf("%s ended in an interrupted write: kept every exchange, restored its end", h.path), nil
	}
	return fmt.Sprintf("%s ended in an interrupted write: kept every complete exchange, dropped its last %d bytes (at most the exchange being written)", h.path, dropped), nil
}

// add writes one entry, already encoded as one line of JSON: the file
// then ends with it and the tail. On an error (a full disk) the file is
// cut back to where it was and the tail restored, so that it stays a
// complete HAR without the entry.
func (h *harFile) add(entry []byte) error {
	h.buf.Reset()
	if !h.empty {
		h.buf.WriteByte(',')
	}
	h.buf.WriteByte('\n')
	h.buf.Write(entry)
	h.buf.WriteString(harTail)
	b := h.buf.Bytes()
	if h.buf.Cap() > 1<<20 {
		h.buf = bytes.Buffer{} // do not keep a large body's buffer
	}
	if _, err := h.f.WriteAt(b, h.end); err != nil {
		return h.restore(h.end, fmt.Errorf("%s: %w", h.path, err))
	}
	h.end += int64(len(b) - len(harTail))
	h.empty = false
	return nil
}

// restore cuts the file back to end and writes the tail there after a
// failed write; err is that write's error.
func (h *harFile) restore(end int64, err error) error {
	if end == 0 {
		if terr := h.f.Truncate(0); terr != nil {
			return fmt.Errorf("%w (and it could not be cut back: %v)", err, terr)
		}
		return err
	}
	if terr := h.f.Truncate(end); terr != nil {
		return fmt.Errorf("%w (and it could not be cut back: %v; it is repaired on the next start)", err, terr)
	}
	if _, werr := h.f.WriteAt([]byte(harTail), end); werr != nil {
		return fmt.Errorf("%w (and its end could not be rewritten: %v; it is repaired on the next start)", err, werr)
	}
	return err
}

// close syncs and closes the file, releasing the lock.
func (h *harFile) close() error {
	return errors.Join(h.f.Sync(), h.f.Close())
}

// oldHARCreator is how the HAR files of earlier versions, one indented
// document rewritten after each exchange, name their creator.
var oldHARCreator = []byte(`"name": "taskmock proxy"`)

// convertOldHAR rewrites a HAR file of an earlier version (old, locked)
// into the layout of harFile, entry by entry, through a locked temporary
// file renamed over path; it returns the new file, locked, and its size.
func convertOldHAR(path string, old *os.File, size int64) (f *os.File, n int, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), tempPattern)
	if err != nil {
		return nil, 0, err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := lockFile(tmp); err != nil {
		return nil, 0, err
	}
	w := bufio.NewWriterSize(tmp, 64<<10)
	w.WriteString(harHead)
	dec := json.NewDecoder(bufio.NewReaderSize(io.NewSectionReader(old, 0, size), 64<<10))
	// Each entry is one taskmock wrote: read whole into a harEntry,
	// written again as one line.
	dec.DisallowUnknownFields()
	entry := func() error {
		var e harEntry
		if err := dec.Decode(&e); err != nil {
			return fmt.Errorf("entry %d: %w", n+1, err)
		}
		line, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if n > 0 {
			w.WriteByte(',')
		}
		w.WriteByte('\n')
		w.Write(line)
		n++
		return nil
	}
	if err := walkOldHAR(dec, entry); err != nil {
		return nil, 0, fmt.Errorf("%s: a HAR file written by an older taskmock proxy that cannot be read (%v); it was left as it is: move it away or choose another --record directory", path, err)
	}
	w.WriteString(harTail)
	if err := errors.Join(w.Flush(), tmp.Sync(), tmp.Chmod(0o644)); err != nil {
		return nil, 0, fmt.Errorf("%s: cannot convert it: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, 0, fmt.Errorf("%s: cannot convert it: %w", path, err)
	}
	return tmp, n, nil
}

// walkOldHAR reads {"log": {..., "entries": [...], ...}} from dec,
// calling entry with dec at each entry.
func walkOldHAR(dec *json.Decoder, entry func() error) error {
	delim := func(want json.Delim) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if tok != want {
			return fmt.Errorf("expected %v, found %v", want, tok)
		}
		return nil
	}
	skip := func() error {
		var v json.RawMessage
		return dec.Decode(&v)
	}
	// members reads an object, calling each for each key.
	members := func(each func(key string) error) error {
		if err := delim('{'); err != nil {
			return err
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			if err := each(key); err != nil {
				return err
			}
		}
		return delim('}')
	}
	entries := false
	err := members(func(key string) error {
		if key != "log" {
			return skip()
		}
		return members(func(key string) error {
			if key != "entries" {
				return skip()
			}
			entries = true
			if err := delim('['); err != nil {
				return err
			}
			for dec.More() {
				if err := entry(); err != nil {
					return err
				}
			}
			return delim(']')
		})
	})
	if err == nil && !entries {
		err = errors.New("no log.entries")
	}
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = errors.New("data after the document")
		}
	}
	return err
}
