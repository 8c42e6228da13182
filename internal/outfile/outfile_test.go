package outfile_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/internal/outfile"
)

const pattern = ".out-*"

// leftovers lists the temporary files left in dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".out-*"))
	require.NoError(t, err)
	return m
}

func TestReplacesRegularFileWhole(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.json")
	require.NoError(t, os.WriteFile(p, []byte("old"), 0o600))

	f, err := outfile.Create(p, pattern)
	require.NoError(t, err)
	_, err = f.Write([]byte("new"))
	require.NoError(t, err)
	got, _ := os.ReadFile(p)
	assert.Equal(t, "old", string(got), "the earlier file stays until the new one is whole")
	require.NoError(t, f.Commit())
	got, _ = os.ReadFile(p)
	assert.Equal(t, "new", string(got))
	fi, err := os.Stat(p)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o644), fi.Mode().Perm())
	assert.Empty(t, leftovers(t, dir))
}

func TestDiscardLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.json")
	require.NoError(t, os.WriteFile(p, []byte("old"), 0o644))
	f, err := outfile.Create(p, pattern)
	require.NoError(t, err)
	_, _ = f.Write([]byte("half"))
	f.Discard()
	f.Discard()
	got, _ := os.ReadFile(p)
	assert.Equal(t, "old", string(got))
	assert.Empty(t, leftovers(t, dir))
}

// TestLinkStaysALink: a report path that is a symbolic link keeps the link;
// its target gets the content, untouched until the content is whole.
func TestLinkStaysALink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.sarif")
	link := filepath.Join(dir, "latest.sarif")
	require.NoError(t, os.WriteFile(target, []byte("old"), 0o644))
	require.NoError(t, os.Symlink("real.sarif", link))

	f, err := outfile.Create(link, pattern)
	require.NoError(t, err)
	_, _ = f.Write([]byte("new"))
	got, _ := os.ReadFile(target)
	assert.Equal(t, "old", string(got), "the target is written only once the content is whole")
	require.NoError(t, f.Commit())

	fi, err := os.Lstat(link)
	require.NoError(t, err)
	assert.Equal(t, fs.ModeSymlink, fi.Mode().Type(), "the link stays a link")
	got, _ = os.ReadFile(target)
	assert.Equal(t, "new", string(got))
	assert.Empty(t, leftovers(t, dir), "nothing is spooled beside a link")
}

// TestDanglingLinkCreatesItsTarget: as the shell's > would.
func TestDanglingLinkCreatesItsTarget(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "out")
	require.NoError(t, os.Symlink("made", link))
	require.NoError(t, outfile.WriteFile(link, pattern, []byte("x")))
	got, err := os.ReadFile(filepath.Join(dir, "made"))
	require.NoError(t, err)
	assert.Equal(t, "x", string(got))
}

func TestRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := outfile.Create(dir, pattern)
	assert.ErrorContains(t, err, "is a directory")
	link := filepath.Join(dir, "d")
	require.NoError(t, os.Symlink(".", link))
	_, err = outfile.Create(link, pattern)
	assert.ErrorContains(t, err, "is a link to a directory")
	assert.Empty(t, leftovers(t, dir))
}

func TestMissingDirectory(t *testing.T) {
	_, err := outfile.Create(filepath.Join(t.TempDir(), "no", "r.json"), pattern)
	require.Error(t, err)
	assert.Regexp(t, `^cannot write there: `, err.Error())
	assert.NotContains(t, err.Error(), ".out-", "the temporary name means nothing to the user")
}
