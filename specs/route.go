package specs

import (
	"net/url"
	"strings"
)

// Route is the operation a request names by its method and path.
type Route struct {
	// API is the registry name of the API.
	API Name
	// Operation is the operation of the API.
	Operation Operation
	// TaskID is the {id} segment of an Oracle path, unescaped; "" for an
	// operation without one.
	TaskID string
}

// Match routes a request to its operation by method and URL (absolute, or a
// path with its query), the one routing rule of taskmock:
//
//   - Esri: any path that ends in an operation's path, such as
//     "/TopographicProductionServer/workflows/taskgroups/hasNextTask", after
//     any prefix (web adaptor, folders, service, ".../MapServer/exts"); the
//     suffix compares in any letter case (the vendor spells the resource
//     "taskGroups" and its operation URLs "taskgroups"), and one trailing
//     slash is tolerated.
//   - Oracle: paths that start with "/process/api/v1/tasks/": "reassign"
//     (the bulk operation; a fixed segment wins over {id}), "{id}" and
//     "{id}/reassign", with one non-empty {id} segment.
//
// Methods are case-sensitive, as in HTTP. ok is false when no operation of
// the registry has the path, or the operation does not take the method.
func Match(method, rawURL string) (r Route, ok bool) {
	r, ok = MatchPath(rawURL)
	if !ok || !r.Operation.Allows(method) {
		return Route{}, false
	}
	return r, true
}

// MatchPath is Match without the method: it returns the operation whose
// path the URL has, whatever method it takes, so that a caller can tell "no
// such operation" from "method not allowed".
func MatchPath(rawURL string) (Route, bool) {
	path := URLPath(rawURL)
	trimmed := strings.TrimSuffix(path, "/")
	for _, op := range registry[Esri].Operations {
		if n := len(trimmed) - len(op.Path); n >= 0 && strings.EqualFold(trimmed[n:], op.Path) {
			return Route{API: Esri, Operation: op}, true
		}
	}
	const tasks = "/process/api/v1/tasks/"
	rest, found := strings.CutPrefix(path, tasks)
	if !found || rest == "" {
		return Route{}, false
	}
	ops := registry[Oracle].Operations
	id, tail, two := strings.Cut(rest, "/")
	switch {
	case !two && id == "reassign":
		return Route{API: Oracle, Operation: ops[2]}, true
	case !two:
		return Route{API: Oracle, Operation: ops[0], TaskID: unescape(id)}, true
	case tail == "reassign" && id != "":
		return Route{API: Oracle, Operation: ops[1], TaskID: unescape(id)}, true
	}
	return Route{}, false
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// URLPath returns the path of a URL as written (still escaped): the part
// before any query or fragment, after any scheme and host.
func URLPath(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	rest, hasScheme := "", false
	if i := strings.Index(raw, "://"); i > 0 && !strings.Contains(raw[:i], "/") {
		rest, hasScheme = raw[i+3:], true
	} else if strings.HasPrefix(raw, "//") {
		rest, hasScheme = raw[2:], true
	}
	if !hasScheme {
		return raw
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[i:]
	}
	return ""
}
