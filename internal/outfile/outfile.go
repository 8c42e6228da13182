// Package outfile writes the files taskmock produces (reports, baselines,
// recorded fixtures) so that nothing is lost or destroyed on the way.
//
// A path that does not exist yet, or is a regular file, is written to a
// temporary file beside it that is renamed over it once complete: a run
// that is interrupted leaves no torn file, and the earlier one stays until
// replaced.
//
// Anything else a path can name is written through, as the shell's >
// would: a symbolic link stays a link and its target gets the content, a
// device such as /dev/null or /dev/stdout or a named pipe stays what it
// is. Renaming over them would replace the system's /dev/null with a
// regular file when run as root. The content is still held in a temporary
// file until complete, so a link's target is only truncated and written
// once there is a whole file to write.
package outfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// File is an output being written; Commit puts it in place, Discard
// drops it. It is not safe for concurrent use.
type File struct {
	path    string
	tmp     *os.File
	buf     *bufio.Writer
	through bool // path is a link, a device or a pipe: copy through it
	done    bool
}

// Create starts the file at path. tempPattern names the temporary file as
// os.CreateTemp does; it is made beside path when path is replaced by a
// rename, in the default temporary directory when path is written
// through. A directory is refused.
func Create(path, tempPattern string) (*File, error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	case fi.IsDir():
		return nil, fmt.Errorf("%s is a directory", path)
	case !fi.Mode().IsRegular():
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			return nil, fmt.Errorf("%s is a link to a directory", path)
		}
		return create(path, "", tempPattern, true)
	}
	return create(path, filepath.Dir(path), tempPattern, false)
}

func create(path, dir, pattern string, through bool) (*File, error) {
	tmp, err := os.CreateTemp(dir, pattern)
	if err == nil {
		if err = tmp.Chmod(0o644); err != nil { // read by others, as a file os.Create makes
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}
	if err != nil {
		if pe, ok := errors.AsType[*os.PathError](err); ok {
			err = pe.Err // the temporary name means nothing to the user
		}
		return nil, fmt.Errorf("cannot write there: %w", err)
	}
	return &File{path: path, tmp: tmp, buf: bufio.NewWriterSize(tmp, 64<<10), through: through}, nil
}

// Write adds p to the file.
func (f *File) Write(p []byte) (int, error) { return f.buf.Write(p) }

// Commit completes the file and puts it in place. The temporary file is
// removed whatever happens.
func (f *File) Commit() error {
	if f.done {
		return errors.New("outfile: committed twice")
	}
	f.done = true
	defer os.Remove(f.tmp.Name())
	if f.through {
		return errors.Join(f.buf.Flush(), f.copyThrough(), f.tmp.Close())
	}
	if err := errors.Join(f.buf.Flush(), f.tmp.Close()); err != nil {
		return err
	}
	return os.Rename(f.tmp.Name(), f.path)
}

// copyThrough writes the temporary file's content to path, opened as the
// shell's > opens it.
func (f *File) copyThrough() error {
	if _, err := f.tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	out, err := os.OpenFile(f.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, f.tmp)
	return errors.Join(err, out.Close())
}

// Discard drops a file not committed; after Commit it does nothing.
func (f *File) Discard() {
	if f.done {
		return
	}
	f.done = true
	_ = f.tmp.Close()
	_ = os.Remove(f.tmp.Name())
}

// WriteFile writes b to path as Create, Write and Commit do.
func WriteFile(path, tempPattern string, b []byte) error {
	f, err := Create(path, tempPattern)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Discard()
		return err
	}
	return f.Commit()
}
