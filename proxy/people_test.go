package proxy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// personBody is a task body that names one person, with an id, a login,
// a display name and an address.
func personBody(id, login, display string) []byte {
	return fmt.Appendf(nil, `{"id":"t-%d","title":"Review for %s","createdBy":{"id":%q,"name":%q,"type":"USER","email":"%s@corp.example.org"}}`,
		len(login), display, id, login, login)
}

// recordedCreators returns the fake createdBy names of the HAR entries of
// dir, in order.
func recordedCreators(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, HARName))
	require.NoError(t, err)
	var har struct {
		Log struct {
			Entries []harEntry `json:"entries"`
		} `json:"log"`
	}
	require.NoError(t, json.Unmarshal(b, &har))
	var names []string
	for _, e := range har.Log.Entries {
		var task struct {
			CreatedBy struct{ Name string } `json:"createdBy"`
		}
		require.NoError(t, json.Unmarshal([]byte(e.Response.Content.Text), &task), e.Response.Content.Text)
		names = append(names, task.CreatedBy.Name)
	}
	return names
}

// TestAnonymizeAcrossRuns: the recorders of one directory give a person
// the fake an earlier one gave, number new people after the others, and
// leave in the directory nothing that names a person, even to someone
// who guesses the name.
func TestAnonymizeAcrossRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rec")
	keys := t.TempDir()
	key := filepath.Join(keys, "anonymize.key")
	mathieu := personBody("U-1001", "mathieu.moreau", "Mathieu Moreau")
	zoe := personBody("U-2002", "zoe.oconnor", "Zoë O'Connor")
	anna := personBody("U-3003", "anna.berg", "Anna Berg")
	run := func(keyFile string, bodies ...[]byte) string {
		r, err := NewRecorder(dir, AnonymizeKeyFile(keyFile))
		require.NoError(t, err)
		for i, b := range bodies {
			record1(r, i, b, notFixture)
		}
		require.NoError(t, r.Err())
		require.NoError(t, r.Close())
		return r.Notice()
	}

	assert.Empty(t, run(key, mathieu))
	assert.Empty(t, run(key, zoe, mathieu))
	assert.Equal(t, []string{"user1", "user2", "user1"}, recordedCreators(t, dir), "the same person, the same fake, across runs")

	info, err := os.Stat(key)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the key is the user's only")

	// Another key cannot match the people recorded: new fakes, never one
	// already given.
	notice := run(filepath.Join(keys, "other.key"), anna, mathieu)
	assert.Contains(t, notice, "another key")
	assert.Equal(t, []string{"user1", "user2", "user1", "user3", "user4"}, recordedCreators(t, dir))

	// Nothing in the directory names a person, nor lets a guess be
	// checked: no real id, login, name or address, no unkeyed hash of
	// one, no key.
	keyHex, err := os.ReadFile(key)
	require.NoError(t, err)
	secrets := []string{strings.TrimSpace(string(keyHex))}
	for _, k := range []string{"i:u-1001", "n:mathieu.moreau", "m:mathieu.moreau@corp.example.org", "l:mathieu.moreau", "i:u-2002", "n:zoe.oconnor"} {
		h := sha256.Sum256([]byte(k))
		secrets = append(secrets, hex.EncodeToString(h[:]), hex.EncodeToString(h[:])[:32])
	}
	secrets = append(secrets, "u-1001", "u-2002", "u-3003", "mathieu", "moreau", "zoe", "o'connor", "oconnor", "anna", "berg", "corp.example.org")
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.Name()))
		require.NoError(t, err)
		text := strings.ToLower(string(b))
		for _, s := range secrets {
			assert.False(t, strings.Contains(text, s), "%s holds %q", f.Name(), s)
		}
	}
}

// TestAnonymizeKeyFile: the key file is created once, outside the
// recording; one inside it, or one that holds no key, is refused.
func TestAnonymizeKeyFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		key  func(t *testing.T) string
		err  string
	}{
		{"inside the recording", func(*testing.T) string { return filepath.Join(dir, "anonymize.key") }, "inside the recording directory"},
		{"inside a folder of the recording", func(*testing.T) string { return filepath.Join(dir, "sub", "k") }, "inside the recording directory"},
		{"not a key", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "k")
			require.NoError(t, os.WriteFile(p, []byte("hunter2\n"), 0o600))
			return p
		}, "not a key written by taskmock"},
		{"created", func(t *testing.T) string { return filepath.Join(t.TempDir(), "new", "k") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.key(t)
			r, err := NewRecorder(dir, AnonymizeKeyFile(path))
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				assert.NotContains(t, err.Error(), "hunter2")
				_, serr := os.Stat(filepath.Join(dir, "anonymize.key"))
				assert.ErrorIs(t, serr, os.ErrNotExist, "no key written in the recording")
				return
			}
			require.NoError(t, err)
			require.NoError(t, r.Close())
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Len(t, strings.TrimSpace(string(b)), 64)
		})
	}
}
