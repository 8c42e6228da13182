package proxy_test

import (
	"os"
	"testing"
)

// TestMain keeps the tests away from the user's configuration: the key of
// proxy --anonymize is made under a temporary directory.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "taskmock-config-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
