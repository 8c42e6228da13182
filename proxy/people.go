package proxy

import (
	"bufio"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// PeopleName is the file of a recording directory that lets an anonymized
// recording go on across runs of the recorder: for each id, login and
// e-mail address of a person met, a keyed hash (HMAC-SHA256) of it and the
// fake it was given ("user3"). The key is kept outside the directory
// (KeyFile), so the file names nobody: without the key, a hash cannot be
// told from random bytes nor checked against a guessed name.
const PeopleName = "taskmock.people"

// keyFileName is the key file under the user's configuration directory.
const keyFileName = "anonymize.key"

// DefaultKeyFile returns where the anonymization key is kept when no other
// file is chosen: anonymize.key in the taskmock folder of the user's
// configuration directory (os.UserConfigDir: $XDG_CONFIG_HOME or
// ~/.config on Linux).
func DefaultKeyFile() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no configuration directory for the anonymization key (%v); choose a key file", err)
	}
	return filepath.Join(dir, "taskmock", keyFileName), nil
}

// loadKey reads the key of the file at path, creating the file (mode
// 0600, in a directory of mode 0700) with a new random key when it does
// not exist. A key file inside dir, the recording, is refused: whoever has
// the recording would have the key.
func loadKey(path, dir string) ([]byte, error) {
	if inside(path, dir) {
		return nil, fmt.Errorf("anonymization key %s: inside the recording directory, it would let anyone with the recording check guessed names; keep it elsewhere", path)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("anonymization key: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("anonymization key %s: not a key written by taskmock (at least 32 hex digits)", path)
	}
	return key, nil
}

func createKey(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("anonymization key: %w", err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process made it first
		return loadKey(path, "")
	}
	if err != nil {
		return nil, fmt.Errorf("anonymization key: %w", err)
	}
	_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("anonymization key: %w", err)
	}
	return key, nil
}

// inside tells whether path is in the directory dir (at any depth).
func inside(path, dir string) bool {
	if dir == "" {
		return false
	}
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	if rp, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
		p = filepath.Join(rp, filepath.Base(p))
	}
	if rd, err := filepath.EvalSymlinks(d); err == nil {
		d = rd
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// peopleBook is what a recording remembers of its people across runs:
// the fake given to each keyed hash of an id, login or address. Its file
// has one line per hash, "CHECK HASH FAKE", CHECK telling the key it was
// made with; lines of another key still count for the numbering, which
// goes on after the highest fake of the file, so that no fake is given to
// two people.
type peopleBook struct {
	key     []byte
	check   string            // hash of a fixed text: which key
	known   map[string]string // hash to fake, for this key
	users   int               // the highest userN of the file
	clients int               // the highest clientN
	path    string
	pending []byte // lines not yet appended
	other   int    // lines of another key
	fresh   bool   // no file yet: the first write starts with a comment
}

// openPeople reads the book of dir, made with key; a missing file is an
// empty book.
func openPeople(dir string, key []byte) (*peopleBook, error) {
	b := &peopleBook{key: key, known: map[string]string{}, path: filepath.Join(dir, PeopleName)}
	b.check = b.mac("taskmock anonymize key check")[:16]
	f, err := os.Open(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		b.fresh = true
		return b, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 || strings.HasPrefix(fields[0], "#") {
			continue // a comment, or a line torn by a crash
		}
		check, hash, fake := fields[0], fields[1], fields[2]
		if n, ok := fakeNumber(fake, "user"); ok {
			b.users = max(b.users, n)
		} else if n, ok := fakeNumber(fake, "client"); ok {
			b.clients = max(b.clients, n)
		} else {
			continue
		}
		if check == b.check {
			b.known[hash] = fake
		} else {
			b.other++
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", b.path, err)
	}
	return b, nil
}

// fakeNumber returns N of a fake prefixN.
func fakeNumber(fake, prefix string) (int, bool) {
	s, ok := strings.CutPrefix(fake, prefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// mac returns the keyed hash of s, in hex.
func (b *peopleBook) mac(s string) string {
	m := hmac.New(sha256.New, b.key)
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}

// lookup returns the fake of a key of the anonymizer ("i:" and an id ...).
func (b *peopleBook) lookup(k string) (string, bool) {
	f, ok := b.known[b.mac(k)]
	return f, ok
}

// remember records that the key k is the person fake.
func (b *peopleBook) remember(k, fake string) {
	h := b.mac(k)
	if b.known[h] == fake {
		return
	}
	b.known[h] = fake
	if b.fresh {
		b.pending = append(b.pending, "# taskmock proxy --anonymize: keyed hashes (HMAC-SHA256) of the people of this recording and their fakes; the key is kept outside this directory\n"...)
		b.fresh = false
	}
	b.pending = fmt.Appendf(b.pending, "%s %s %s\n", b.check, h, fake)
}

// flush appends the pending lines to the file, in one write.
func (b *peopleBook) flush() error {
	if len(b.pending) == 0 {
		return nil
	}
	f, err := os.OpenFile(b.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, werr := f.Write(b.pending)
	if err := errors.Join(werr, f.Close()); err != nil {
		return fmt.Errorf("%s: %w", b.path, err)
	}
	b.pending = b.pending[:0]
	return nil
}
