package contract

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// recordingHead is how the HAR file of a recording of taskmock proxy
// starts: the whole document before its first entry, on one line. Every
// entry then takes one line of its own, and the document ends with
// "\n]}}\n". The proxy appends an entry by one write over that end, so a
// crash (even SIGKILL) can only tear the last line: the entry being
// written, and what is left of the end it replaced.
const recordingHead = `{"log":{"version":"1.2","creator":{"name":"taskmock proxy","version":"1"},"entries":[`

// recordingTail is the end of a recording's document.
const recordingTail = "\n]}}\n"

// recordingCreator is the part of recordingHead a recording torn while it
// was being created must hold to be taken for one.
const recordingCreator = `{"log":{"version":"1.2","creator":{"name":"taskmock proxy"`

// errHARTorn stops the reading of a recording at its torn end, once
// OnWarning has been told.
var errHARTorn = errors.New("the recording ends in an interrupted write")

// isRecording tells from the first bytes of br whether the input is a HAR
// in the append layout of taskmock proxy: its head line, or a part of its
// head and tail as a crash while creating it leaves.
func isRecording(br *bufio.Reader) bool {
	b, _ := br.Peek(len(recordingHead) + 1)
	if bytes.Equal(b, []byte(recordingHead+"\n")) {
		return true
	}
	// A shorter peek is the whole input.
	return len(b) <= len(recordingHead) && len(b) >= len(recordingCreator) &&
		bytes.HasPrefix([]byte(recordingHead+recordingTail), b)
}

// harFail turns an error of the decoder reading a HAR into the input's
// *LoadError, or, for a recording of taskmock proxy whose torn end it is,
// into errHARTorn after telling OnWarning. read is how many entries were
// read before, and inEntry says the decoder was reading the next one.
func (l *loader) harFail(src string, read int, inEntry bool, dec *json.Decoder, rec *loadRecorder, err error) error {
	err = loadNoEOF(err)
	if l.recording && l.tornEnd(dec, err) {
		l.stats.TornEnds++
		if l.opts.OnWarning != nil {
			l.opts.OnWarning(tornWarning(src, read, inEntry))
		}
		return errHARTorn
	}
	name := src
	if inEntry {
		name = fmt.Sprintf("%s#%d", src, read+1)
	}
	return &LoadError{Source: name, Err: loadStreamError(dec, rec, err)}
}

// tornWarning is the warning for a recording whose end a crash tore.
func tornWarning(src string, read int, inEntry bool) *LoadError {
	const why = "the recording ends in an interrupted write (the proxy was stopped while it wrote)"
	entries := fmt.Sprintf("the %d entries before it were read", read)
	if read == 1 {
		entries = "the entry before it was read"
	}
	switch {
	case inEntry && read == 0:
		return &LoadError{Source: src + "#1", Err: errors.New("warning: incomplete first entry set aside: " + why)}
	case inEntry:
		return &LoadError{Source: fmt.Sprintf("%s#%d", src, read+1), Err: fmt.Errorf("warning: incomplete last entry set aside: %s; %s", why, entries)}
	case read == 0:
		return &LoadError{Source: src, Err: errors.New("warning: " + why + " before its first entry")}
	}
	if read == 1 {
		entries = "its one entry was read"
	} else {
		entries = fmt.Sprintf("all %d entries were read", read)
	}
	return &LoadError{Source: src, Err: fmt.Errorf("warning: incomplete end of the document: %s; %s", why, entries)}
}

// tornEnd tells whether the decoder's error err, reading a recording of
// taskmock proxy, is that of an interrupted write at its end: the input
// ends (unexpectedly, or with bytes that are not JSON) on the line where
// the decoder stopped, or on the lines after it that hold only what is
// left of the document's end ("]", "}", ","). The rest of the input is
// read to tell, keeping nothing of it.
func (l *loader) tornEnd(dec *json.Decoder, err error) bool {
	var se *json.SyntaxError
	if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.As(err, &se) {
		return false
	}
	l.lim.measureOnly = true // long strings of the rest are not kept
	l.lim.release(1 << 62)
	r := io.MultiReader(dec.Buffered(), l.lim)
	buf := make([]byte, 32<<10)
	started, firstLine := false, true
	for {
		n, rerr := r.Read(buf)
		for _, c := range buf[:n] {
			switch {
			case !started:
				started = !loadIsSpace(c)
			case firstLine:
				firstLine = c != '\n'
			case c == '\n' || c == '\r' || c == ' ' || c == ']' || c == '}' || c == ',' || c == 0:
			default:
				return false // more than the torn end follows
			}
		}
		if rerr == io.EOF {
			return true
		}
		if rerr != nil {
			return false
		}
	}
}
