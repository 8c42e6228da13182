//go:build unix

package proxy_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/proxy"
	"github.com/taskmock/taskmock/specs"
)

// TestRecordHelper is the process TestRecorderSurvivesKill and
// TestRecorderFullDisk start: it records tasks from RECORD_FROM on into
// RECORD_DIR, printing "done ID" once each is recorded, under a file
// size limit of RECORD_FSIZE bytes when set, the tasks' descriptions
// RECORD_PAD bytes long when set, killing itself in the middle of the
// write that follows the RECORD_TEAR-th exchange when set.
func TestRecordHelper(t *testing.T) {
	if os.Getenv("GO_WANT_HELPER") != "record" {
		t.Skip("the helper process of TestRecorderSurvivesKill and TestRecorderFullDisk")
	}
	from, err := strconv.Atoi(os.Getenv("RECORD_FROM"))
	require.NoError(t, err)
	count, err := strconv.Atoi(os.Getenv("RECORD_COUNT"))
	require.NoError(t, err)
	r, err := proxy.NewRecorder(os.Getenv("RECORD_DIR"))
	require.NoError(t, err)
	if n := r.Notice(); n != "" {
		fmt.Println("notice", n)
	}
	if s := os.Getenv("RECORD_FSIZE"); s != "" {
		limit, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err)
		var rl unix.Rlimit
		require.NoError(t, unix.Getrlimit(unix.RLIMIT_FSIZE, &rl))
		rl.Cur = limit
		require.NoError(t, unix.Setrlimit(unix.RLIMIT_FSIZE, &rl))
	}
	pad, _ := strconv.Atoi(os.Getenv("RECORD_PAD"))
	tear, _ := strconv.Atoi(os.Getenv("RECORD_TEAR"))
	failed, done := false, 0
	recordTasks(t, r, from, from+count, pad, func(id string, err error) {
		if err != nil || failed {
			failed = true
			fmt.Println("failed", id)
			return
		}
		fmt.Println("done", id)
		if done++; done == tear {
			go killInWrite(filepath.Join(os.Getenv("RECORD_DIR"), proxy.HARName))
		}
	})
	if err := r.Close(); err != nil {
		fmt.Println("close", err)
	}
}

// killInWrite kills the process (SIGKILL) once the file at path has grown
// by 64 KiB: in the middle of the write of a large entry.
func killInWrite(path string) {
	info, err := os.Stat(path)
	if err != nil {
		panic(err)
	}
	for {
		now, err := os.Stat(path)
		if err != nil {
			panic(err)
		}
		if now.Size() > info.Size()+64<<10 {
			_ = unix.Kill(os.Getpid(), unix.SIGKILL)
		}
	}
}

// helper starts TestRecordHelper recording count tasks from from into
// dir, and returns it with its output.
func helper(t *testing.T, dir string, from, count int, env ...string) (*exec.Cmd, *bufio.Scanner) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestRecordHelper$")
	cmd.Env = append(os.Environ(), append(env, "GO_WANT_HELPER=record", "RECORD_DIR="+dir,
		"RECORD_FROM="+strconv.Itoa(from), "RECORD_COUNT="+strconv.Itoa(count))...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, bufio.NewScanner(out)
}

// TestRecorderSurvivesKill: a recording process killed (SIGKILL), again
// and again, at a random moment or in the middle of a write, leaves a
// valid HAR holding every exchange it reported recorded, and at most the
// one being written more.
func TestRecorderSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	reported := map[string]bool{}
	const rounds = 6
	for round := range rounds {
		var env []string
		kill := 1 + rand.IntN(30) // the parent kills it after that many exchanges
		if round%2 == 1 {
			// It kills itself while it writes a large task.
			env, kill = []string{"RECORD_PAD=2000000", "RECORD_TEAR=" + strconv.Itoa(1+rand.IntN(2))}, 0
		}
		cmd, out := helper(t, dir, round*1000, 1000, env...)
		done := 0
		for out.Scan() { // to the end: what it printed before it died
			if n, ok := strings.CutPrefix(out.Text(), "notice "); ok {
				t.Log(n)
			}
			if id, ok := strings.CutPrefix(out.Text(), "done "); ok {
				reported[id] = true
				if done++; done == kill {
					time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
					require.NoError(t, cmd.Process.Signal(unix.SIGKILL))
				}
			}
		}
		err := cmd.Wait()
		require.Error(t, err, "killed")
		// Before any repair, the loader of taskmock validate reads every
		// exchange reported recorded; a torn end is only a warning.
		seen := map[string]bool{}
		_, err = contract.Walk(filepath.Join(dir, proxy.HARName), contract.LoadOptions{API: specs.Oracle}, func(it contract.Item) error {
			u, err := url.Parse(it.Exchange.Request.URL)
			require.NoError(t, err)
			seen[strings.TrimPrefix(u.Path, mockserver.OraclePrefix)] = true
			return nil
		})
		require.NoError(t, err, "round %d: the HAR as the kill left it", round)
		for id := range reported {
			assert.True(t, seen[id], "round %d: %s reported recorded, not read", round, id)
		}
	}
	// A write cut short is removed when the next recording starts.
	r, err := proxy.NewRecorder(dir)
	require.NoError(t, err)
	if r.Notice() != "" {
		t.Log(r.Notice())
	}
	require.NoError(t, r.Close())
	got := harIDs(t, dir)
	seen := map[string]bool{}
	for _, id := range got {
		assert.False(t, seen[id], "%s recorded twice", id)
		seen[id] = true
	}
	for id := range reported {
		assert.True(t, seen[id], "%s reported recorded, missing from the HAR", id)
	}
	assert.LessOrEqual(t, len(got), len(reported)+rounds)
}

// TestRecorderFullDisk: when the file cannot grow (a file size limit, as
// a full disk), the HAR stays valid with every exchange recorded before,
// and a later start goes on.
func TestRecorderFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	run := func(from, count int, env ...string) (done, failed []string) {
		cmd, out := helper(t, dir, from, count, env...)
		for out.Scan() {
			kind, id, _ := strings.Cut(out.Text(), " ")
			switch kind {
			case "done":
				done = append(done, id)
			case "failed":
				failed = append(failed, id)
			}
		}
		require.NoError(t, cmd.Wait())
		return done, failed
	}
	first, failed := run(0, 5)
	require.Empty(t, failed)
	info, err := os.Stat(filepath.Join(dir, proxy.HARName))
	require.NoError(t, err)
	perEntry := info.Size() / 5

	limit := info.Size() + 3*perEntry + perEntry/2
	second, failed := run(100, 10, "RECORD_FSIZE="+strconv.FormatInt(limit, 10))
	require.NotEmpty(t, failed, "the limit was reached")
	require.NotEmpty(t, second)
	assert.Equal(t, append(append([]string(nil), first...), second...), harIDs(t, dir))

	third, failed := run(200, 2)
	require.Empty(t, failed)
	assert.Equal(t, append(append(append([]string(nil), first...), second...), third...), harIDs(t, dir))
}
