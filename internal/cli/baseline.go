package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/internal/jsonlimit"
	"github.com/taskmock/taskmock/internal/outfile"
	"github.com/taskmock/taskmock/internal/textutil"
)

// A baseline is the violations a team has accepted: validate --baseline
// FILE leaves them out, so that only new ones fail (the linter
// convention); --write-baseline FILE records those of a run. A violation
// is known by its source, rule and location, not by its message, which
// quotes values that change.

// baselineVersion is the version of the baseline file's layout.
const baselineVersion = 1

// maxBaselineBytes bounds a baseline file, read or written: some 600,000
// violations of short names.
var maxBaselineBytes = 64 << 20 // a variable for the tests

// baselineEntry is one accepted violation.
type baselineEntry struct {
	Source   string        `json:"source"`
	Rule     contract.Rule `json:"rule"`
	Location string        `json:"location"`
}

// baselineFile is the file's JSON.
type baselineFile struct {
	Version    int             `json:"version"`
	Violations []baselineEntry `json:"violations"`
}

// baseline is the set of accepted violations.
type baseline map[baselineEntry]bool

// readBaseline reads a baseline file; the error says what is wrong with it
// in one line.
func readBaseline(path string) (baseline, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, int64(maxBaselineBytes)+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxBaselineBytes {
		return nil, fmt.Errorf("larger than %s", jsonlimit.Size(int64(maxBaselineBytes)))
	}
	if err := jsonlimit.Check(b, jsonlimit.Limits{MaxDepth: 8}); err != nil {
		return nil, err
	}
	var bf baselineFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&bf); err != nil {
		msg := textutil.OneLine(err.Error())
		if found, want, ok := jsonlimit.Kinds(err); ok {
			te, _ := errors.AsType[*json.UnmarshalTypeError](err)
			what := "the file"
			if te.Field != "" {
				what = te.Field
			}
			msg = fmt.Sprintf("%s: expected %s, found %s", what, want, found)
		}
		return nil, fmt.Errorf("%snot a baseline written by --write-baseline: %s", lineAt(b, jsonErrorOffset(err, dec)), msg)
	}
	if bf.Version != baselineVersion {
		return nil, fmt.Errorf("baseline version %d, expected %d", bf.Version, baselineVersion)
	}
	set := baseline{}
	for i, v := range bf.Violations {
		if v.Source == "" || v.Rule == "" {
			line, _ := contract.LineOf(b, fmt.Sprintf("/violations/%d", i))
			return nil, fmt.Errorf("line %d: violation %d: expected a source and a rule", line, i+1)
		}
		set[v] = true
	}
	return set, nil
}

// jsonErrorOffset is the byte offset of a decoding error in its input:
// where the syntax broke, the value of the wrong type, or the end of a file
// cut short; else where the decoder stopped.
func jsonErrorOffset(err error, dec *json.Decoder) int64 {
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return se.Offset
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return te.Offset
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		// The file ends inside a value: the break is at its end.
		return math.MaxInt64
	}
	return dec.InputOffset()
}

// lineAt is "line N: " for the byte offset off of b.
func lineAt(b []byte, off int64) string {
	off = min(max(off, 0), int64(len(b)))
	return fmt.Sprintf("line %d: ", 1+bytes.Count(b[:off], []byte("\n")))
}

// accepted reports whether the baseline holds v of source.
func (b baseline) accepted(source string, v contract.Violation) bool {
	return b[baselineEntry{Source: source, Rule: v.Rule, Location: v.Location}]
}

// writeBaseline writes the violations of results to path, sorted, through
// package outfile, so that a crash never leaves half a baseline.
func writeBaseline(path string, results []baselineEntry) error {
	slices.SortFunc(results, func(a, b baselineEntry) int {
		return strings.Compare(a.Source+"\x00"+string(a.Rule)+"\x00"+a.Location, b.Source+"\x00"+string(b.Rule)+"\x00"+b.Location)
	})
	results = slices.Compact(results)
	b, err := json.MarshalIndent(baselineFile{Version: baselineVersion, Violations: append([]baselineEntry{}, results...)}, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if len(b) > maxBaselineBytes {
		return fmt.Errorf("the %s of this run make a baseline of %s, over the %s --baseline reads; nothing was written: fix some, or give each part of the input a baseline of its own",
			textutil.Plural(len(results), "violation"), jsonlimit.Size(int64(len(b))), jsonlimit.Size(int64(maxBaselineBytes)))
	}
	return outfile.WriteFile(path, ".taskmock-baseline-*", b)
}
