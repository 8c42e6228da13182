package mockserver

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

// maxDelay bounds Prefer: delay. With WithLatency's bound, it bounds the
// wait before an answer, which wait keeps out of the server's write
// timeout.
const maxDelay = 20 * time.Second

// esriCodes are the codes a request can ask Esri for with Prefer: code=N;
// 200 asks for the task, which is the default.
func esriCodes() []int { return []int{200, 400, 403, 404, 498, 499, 500, esriNoTaskGroup} }

// oracleCodes are the codes a request can ask Oracle for.
func oracleCodes() []int { return []int{200, 401, 404, 429, 500, 503} }

// control is what a request asks of the mock beyond the vendor's API: the
// preferences of its Prefer header and their __name query parameters.
type control struct {
	code     int    // 0: no preference
	example  string // "seed" or ""
	status   string // Esri task status, canonical name of contract.EsriStatuses
	state    string // Oracle task state
	substate string // Oracle task substate
	priority int    // Oracle task priority, 0: any
	delay    time.Duration
	scenario string // "progress" or ""

	fromQuery map[string]bool // names given as __name parameters
	applied   []string        // name=value of each preference honoured
}

// controlError is a request's control the mock cannot honour: the caller's
// mistake, answered with a Taskmock-Error header.
type controlError struct{ msg string }

func (e *controlError) Error() string { return e.msg }

func controlErrorf(format string, args ...any) error {
	return &controlError{msg: fmt.Sprintf(format, args...)}
}

// controlNames are the preferences the mock knows, in the order they are
// read.
func controlNames() []string {
	return []string{"code", "example", "status", "state", "substate", "priority", "delay", "scenario"}
}

// label names where a preference came from, for messages.
func (c control) label(name string) string {
	if c.fromQuery[name] {
		return "__" + name
	}
	return "Prefer " + name
}

// parseControl reads the Prefer headers of h and the __name parameters of
// params (which win) for api. Unknown preferences are ignored (RFC 7240).
func parseControl(api specs.Name, h http.Header, params url.Values) (control, error) {
	prefs := preferences(h)
	var c control
	for _, name := range controlNames() {
		value, ok := prefs[name]
		if vs, inQuery := params["__"+name]; inQuery && len(vs) > 0 {
			for _, v := range vs[1:] {
				if v != vs[0] {
					// Which one the caller meant cannot be told.
					return control{}, controlErrorf("__%s: given %d times with different values", name, len(vs))
				}
			}
			value, ok = vs[0], true
			if c.fromQuery == nil {
				c.fromQuery = map[string]bool{}
			}
			c.fromQuery[name] = true
		}
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		if err := c.set(api, name, value); err != nil {
			return control{}, err
		}
		if !c.fromQuery[name] {
			c.applied = append(c.applied, name+"="+value)
		}
	}
	if c.scenario != "" {
		switch {
		case c.example != "":
			return control{}, controlErrorf("%s: the seed example does not move; scenario=progress moves a generated task", c.label("scenario"))
		case c.status != "" || c.state != "" || c.substate != "":
			return control{}, controlErrorf("%s: the scenario sets the task's status or state itself", c.label("scenario"))
		}
	}
	if c.state != "" && c.substate != "" {
		st, _ := contract.OracleStateByName(c.state)
		if !st.AllowsSubstate(c.substate) {
			return control{}, controlErrorf("%s: a %s task has substate %s", c.label("substate"), c.state, strings.Join(st.Substates, ", "))
		}
	}
	return c, nil
}

func (c *control) set(api specs.Name, name, value string) error {
	label := c.label(name)
	switch name {
	case "code":
		codes := esriCodes()
		if api == specs.Oracle {
			codes = oracleCodes()
		}
		n, err := strconv.Atoi(value)
		if err != nil || !slices.Contains(codes, n) {
			return controlErrorf("%s: expected one of %s, found %s", label, intList(codes), quoteValue(value))
		}
		c.code = n
	case "example":
		if !strings.EqualFold(value, "seed") {
			return controlErrorf("%s: expected seed, found %s", label, quoteValue(value))
		}
		c.example = "seed"
	case "status":
		if api != specs.Esri {
			return controlErrorf("%s: status constrains Esri tasks; an Oracle task has a state", label)
		}
		st, ok := contract.EsriStatusByName(value)
		if !ok {
			return controlErrorf("%s: expected one of %s, found %s", label, esriStatusNames(), quoteValue(value))
		}
		c.status = st.Name
	case "state":
		if api != specs.Oracle {
			return controlErrorf("%s: state constrains Oracle tasks; an Esri task has a status", label)
		}
		st, ok := contract.OracleStateByName(strings.ToUpper(value))
		if !ok {
			return controlErrorf("%s: expected one of %s, found %s", label, oracleStateNames(), quoteValue(value))
		}
		c.state = st.State
	case "substate":
		if api != specs.Oracle {
			return controlErrorf("%s: substate constrains Oracle tasks", label)
		}
		sub := strings.ToUpper(value)
		if !slices.Contains(oracleSubstates(), sub) {
			return controlErrorf("%s: expected one of %s, found %s", label, strings.Join(oracleSubstates(), ", "), quoteValue(value))
		}
		c.substate = sub
	case "priority":
		if api != specs.Oracle {
			return controlErrorf("%s: priority constrains Oracle tasks", label)
		}
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 || n > 3 {
			return controlErrorf("%s: expected 1, 2 or 3, found %s", label, quoteValue(value))
		}
		c.priority = n
	case "scenario":
		if !strings.EqualFold(value, "progress") {
			return controlErrorf("%s: expected progress, found %s", label, quoteValue(value))
		}
		c.scenario = "progress"
	case "delay":
		d, err := parseDelay(value)
		if err != nil {
			return controlErrorf("%s: expected a duration from 0 to %s such as 300ms (a bare number is milliseconds), found %s", label, maxDelay, quoteValue(value))
		}
		c.delay = d
	}
	return nil
}

// preferences parses the Prefer headers of h into name=value pairs. Names
// are folded to lower case; the first instance of a name counts (RFC 7240);
// parameters after ";" are ignored.
func preferences(h http.Header) map[string]string {
	lines := h.Values("Prefer")
	if len(lines) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, line := range lines {
		for _, pref := range strings.Split(line, ",") {
			pref, _, _ = strings.Cut(pref, ";")
			name, value, _ := strings.Cut(pref, "=")
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			value = strings.TrimSpace(value)
			if u, err := strconv.Unquote(value); err == nil && strings.HasPrefix(value, `"`) {
				value = u
			}
			if _, seen := out[name]; !seen {
				out[name] = value
			}
		}
	}
	return out
}

// parseDelay reads a Go duration, or a bare number of milliseconds, from 0
// to maxDelay.
func parseDelay(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		ms, errMS := strconv.ParseUint(s, 10, 32)
		if errMS != nil {
			return 0, err
		}
		d = time.Duration(ms) * time.Millisecond
	}
	if d < 0 || d > maxDelay {
		return 0, fmt.Errorf("out of range")
	}
	return d, nil
}

// wait waits for d before an answer is written, the request's Prefer delay
// and the injected latency, or until the client goes away. The wait is the
// time the simulated server takes, not the writing of the answer: when the
// server that runs the mock has a write timeout, the connection's write
// deadline is moved by d, so that an answer delayed within the maxima
// (20s of delay and 10s of latency) is written whole, never cut to an
// empty reply. A server whose writer cannot move its deadline keeps it.
func wait(w http.ResponseWriter, r *http.Request, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok && srv.WriteTimeout > 0 {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d + srv.WriteTimeout))
	}
	return sleep(r.Context(), d)
}

// sleep waits for d, or until ctx is done (the client went away).
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// setApplied lists the preferences honoured in Preference-Applied.
func (c control) setApplied(h http.Header) {
	if len(c.applied) > 0 {
		h.Set("Preference-Applied", strings.Join(c.applied, ", "))
	}
}

// quoteValue quotes a value taken from a request for a message: ASCII only,
// at most 40 characters, so it is safe in a header and short in a log.
func quoteValue(s string) string {
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return strconv.QuoteToASCII(s)
}

func intList(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

func esriStatusNames() string {
	var s []string
	for _, st := range contract.EsriStatuses {
		s = append(s, st.Name)
	}
	return strings.Join(s, ", ")
}

func oracleStateNames() string {
	var s []string
	for _, st := range contract.OracleStates {
		s = append(s, st.State)
	}
	return strings.Join(s, ", ")
}

// oracleSubstates lists every substate of the state table, in order.
func oracleSubstates() []string {
	var out []string
	for _, st := range contract.OracleStates {
		for _, sub := range st.Substates {
			if !slices.Contains(out, sub) {
				out = append(out, sub)
			}
		}
	}
	return out
}

// sameEsriStatus reports whether two status strings name the same row of
// the status table.
func sameEsriStatus(a, b string) bool {
	x, okA := contract.EsriStatusByName(a)
	y, okB := contract.EsriStatusByName(b)
	return okA && okB && x.Code == y.Code
}
