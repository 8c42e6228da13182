package mockserver

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/specs"
)

// The admin API, under AdminPrefix when WithAdmin is given.
const (
	// AdminPrefix is the root of the admin API.
	AdminPrefix = "/__taskmock/"
	adminTasks  = AdminPrefix + "tasks"
	adminReset  = AdminPrefix + "reset"
	// AdminHeader is the header that every admin request but GET and HEAD
	// must carry with the value 1, "Taskmock-Admin: 1"; any other value is refused. A
	// web page cannot send it without a CORS preflight, which the admin API
	// refuses.
	AdminHeader = "Taskmock-Admin"
	// EvictedHeader names the tasks a PUT evicted, oldest first, as the
	// {api}/{id} of their admin URL (the id path-escaped, so that a comma
	// or a space in an id cannot split the list), separated by ", ". It
	// lists at most maxEvictedBytes bytes of names and then says how many
	// more there were: "oracle/a, oracle/b, and 4978 more".
	EvictedHeader = "Taskmock-Evicted"
)

// adminRoutes is what a request for a path the admin API does not have is
// told: every route under AdminPrefix.
const adminRoutes = "the admin API has " + DashboardPath + " (the dashboard), " + dashState + ", " +
	JournalPath + ", " + adminTasks + "[/{api}/{id}], " + NextPath + "{api}/{id}, " + worldPath + "{api}/{id}, " +
	adminReset + " and " + HealthPath

// maxEvictedBytes bounds the names listed in EvictedHeader, far below the
// 64 KiB beyond which clients refuse a header line.
const maxEvictedBytes = 1 << 10

// maxTaskBytes limits the body of an admin PUT.
const maxTaskBytes = 1 << 20

// WithAdmin turns on the admin API, which changes the tasks the mock
// answers while it runs (the mock's own JSON, not a vendor's):
//
//	GET    /__taskmock/tasks             list the stored tasks
//	GET    /__taskmock/tasks/{api}/{id}  a stored task
//	PUT    /__taskmock/tasks/{api}/{id}  store a task for id (validated:
//	                                     an invalid task is refused with
//	                                     400 and its violations)
//	DELETE /__taskmock/tasks/{api}/{id}  remove a stored task
//	POST   /__taskmock/reset             back to the fixtures, and the
//	                                     scenarios to their start
//
// {api} is esri or oracle; {id} is an Oracle task id, or an Esri
// taskOperationId. A PUT body is a task as "taskmock fixtures" writes it:
// an Oracle task, or an Esri getTask body, of at most 1 MiB and nested at
// most jsonlimit.DefaultMaxDepth levels.
//
// The stored tasks are bounded (WithStoreLimits; by default
// DefaultMaxStoredTasks tasks and DefaultMaxStoredBytes bytes): a PUT
// beyond the bounds evicts the tasks stored longest ago, names them in a
// Taskmock-Evicted header (see EvictedHeader) and logs a warning.
//
// The admin API is for the tools of the machine the mock runs on, never
// for a web page, whatever WithCORSOrigin allows. A request is answered
// only when all of these hold, else it gets 403 and a JSON body that says
// which one failed:
//
//   - the client is a loopback address (127.0.0.0/8, ::1), by the
//     connection's remote address: X-Forwarded-For is not trusted, and a
//     server listening on every interface still refuses other machines;
//   - the Host header names this machine: localhost or a loopback address
//     (127.0.0.1, [::1]), any port, any letter case, with or without a
//     final dot, so that a page whose own host name was made to resolve to
//     127.0.0.1 (DNS rebinding) is refused;
//   - a request that may change the stored tasks, any method but GET and
//     HEAD (PUT, DELETE, POST reset), carries the header AdminHeader
//     (Taskmock-Admin: 1, no other value), which a page can only send
//     after a CORS preflight;
//   - it is not a CORS preflight: preflights under /__taskmock/ are
//     refused, and no answer under /__taskmock/ carries
//     Access-Control-Allow-Origin or Access-Control-Allow-Private-Network.
//   - a browser did not mark it as made for a page of another origin
//     (Sec-Fetch-Site: cross-site or same-site): such a page cannot even
//     make the mock compute an answer it could not read. Tools send no
//     Sec-Fetch-Site, and the dashboard's own requests are same-origin.
//
// The request journal (see WithJournal) has the same protections.
//
// The health check, GET /__taskmock/health, changes nothing and tells
// nothing but {"status":"ok"}: it answers any client and any Host, so that
// a container's probe reaches it, and gets no CORS grant either.
func WithAdmin() Option {
	return func(s *Server) { s.admin = true }
}

// adminEntry is one stored task in the list.
type adminEntry struct {
	API    specs.Name `json:"api"`
	ID     string     `json:"id"`
	Source string     `json:"source"`
}

// adminViolation is a violation in the answer to an invalid PUT.
type adminViolation struct {
	Severity contract.Severity `json:"severity"`
	Rule     contract.Rule     `json:"rule"`
	Location string            `json:"location"`
	Message  string            `json:"message"`
}

// serveInternal answers every path under AdminPrefix: the health check
// and, with WithAdmin, the admin API. None of them gets a CORS grant.
func (s *Server) serveInternal(w http.ResponseWriter, r *http.Request) string {
	if r.Method == http.MethodHead {
		// A HEAD is answered as the GET would be, headers and all, with
		// no body.
		w = headOnly{w}
	}
	if r.URL.Path == HealthPath {
		return s.serveHealth(w, r)
	}
	if r.URL.Path == JournalPath || r.URL.Path == JournalPath+"/" {
		return s.serveJournal(w, r)
	}
	if isDashboardPath(r.URL.Path) {
		if refused, ok := guardAdmin(w, r, "the dashboard", "the mock's tasks"); !ok {
			return refused
		}
		if resp, ok := s.serveDashboard(w, r); ok {
			return resp
		}
	}
	if !s.admin {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no route", "detail": "the admin API is off: start the mock with --admin (WithAdmin)"})
		return "route.404"
	}
	return s.serveAdmin(w, r)
}

// adminForbidden answers 403 with the reason a request was refused.
func adminForbidden(w http.ResponseWriter, detail string) {
	writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden", "detail": detail})
}

// refuseCORS answers a CORS preflight for a route under AdminPrefix: 403,
// and none of the headers that would grant it.
func refuseCORS(w http.ResponseWriter) string {
	adminForbidden(w, "no CORS grant under "+AdminPrefix+": web pages cannot call the admin API or the health check")
	return "admin.403.cors"
}

// guardAdmin refuses, with 403, a request to what (the admin API, the
// journal) from anything but a tool of this machine: a loopback client, a
// loopback Host, no CORS preflight, and for a request that changes
// something (what it changes: change) the AdminHeader. It returns the
// name of its answer and false when it refused.
// fromOtherSite tells a request a browser made for a page of another
// origin (Sec-Fetch-Site cross-site or same-site), which a browser marks
// whatever the page wants: such a page cannot make the mock even compute
// an answer it would not be allowed to read. Tools (curl, Go) send no
// Sec-Fetch-Site; the dashboard's own requests are same-origin, and a
// person typing its address sends none.
func fromOtherSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	}
	return false
}

func guardAdmin(w http.ResponseWriter, r *http.Request, what, change string) (string, bool) {
	switch {
	case !fromLoopback(r.RemoteAddr):
		adminForbidden(w, what+" answers loopback clients only")
		return "admin.403", false
	case !loopbackHost(r.Host):
		adminForbidden(w, what+" answers requests whose Host is localhost or a loopback address such as 127.0.0.1 or [::1] (any port), found "+quoteValue(r.Host))
		return "admin.403.host", false
	case isPreflight(r):
		return refuseCORS(w), false
	case fromOtherSite(r):
		adminForbidden(w, what+" answers the pages of the mock itself and the tools of this machine, not a request a page of another origin made (Sec-Fetch-Site: "+quoteValue(r.Header.Get("Sec-Fetch-Site"))+")")
		return "admin.403.site", false
	case r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions && strings.TrimSpace(r.Header.Get(AdminHeader)) != "1":
		adminForbidden(w, "a request that changes "+change+" needs the header "+AdminHeader+": 1, which a web page cannot send")
		return "admin.403.header", false
	}
	return "", true
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) string {
	if refused, ok := guardAdmin(w, r, "the admin API", "the admin API's tasks"); !ok {
		return refused
	}
	path := r.URL.Path
	switch {
	case r.Method == http.MethodOptions:
		w.Header().Set("Allow", "GET, HEAD, PUT, DELETE, POST, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return "admin.options"
	case path == adminTasks || path == adminTasks+"/":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return adminMethod(w, "GET, HEAD")
		}
		list := []adminEntry{}
		for _, k := range s.store.keys() {
			if t, ok := s.store.get(k); ok {
				list = append(list, adminEntry{API: k.api, ID: adminID(k, t), Source: t.source})
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"tasks": list})
		return "admin.list"
	case path == adminReset:
		if r.Method != http.MethodPost {
			return adminMethod(w, "POST")
		}
		s.store.reset()
		s.world.reset()
		s.next.clear()
		w.WriteHeader(http.StatusNoContent)
		return "admin.reset"
	case strings.HasPrefix(path, adminTasks+"/"):
		return s.serveAdminTask(w, r, strings.TrimPrefix(r.URL.EscapedPath(), adminTasks+"/"))
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "no route", "detail": adminRoutes})
	return "admin.404"
}

// serveAdminTask answers /__taskmock/tasks/{api}/{id}; rest is
// "{api}/{id}", escaped.
func (s *Server) serveAdminTask(w http.ResponseWriter, r *http.Request, rest string) string {
	name, rawID, ok := strings.Cut(rest, "/")
	id, err := url.PathUnescape(rawID)
	api, apiErr := specs.Get(name)
	if !ok || err != nil || apiErr != nil || id == "" || strings.Contains(rawID, "/") {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no route", "detail": "expected " + adminTasks + "/{esri|oracle}/{id}"})
		return "admin.404"
	}
	key := taskKey{api: api.Name, id: id}
	if api.Name == specs.Esri {
		key = esriKey(id)
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		t, ok := s.store.get(key)
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no stored task for this id"})
			return "admin.404"
		}
		writeJSON(w, http.StatusOK, t.body)
		return "admin.get"
	case http.MethodDelete:
		if !s.store.delete(key) {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no stored task for this id"})
			return "admin.404"
		}
		w.WriteHeader(http.StatusNoContent)
		return "admin.delete"
	case http.MethodPut:
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTaskBytes))
		if err != nil {
			status := http.StatusBadRequest
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				status = http.StatusRequestEntityTooLarge
			}
			writeJSON(w, status, map[string]string{"error": "cannot read the task: " + err.Error()})
			return "admin.invalid"
		}
		k, body, err := s.readTask(api.Name, id, b)
		if err != nil {
			te, ok := errors.AsType[*taskError](err)
			if !ok {
				writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
				return "admin.500"
			}
			vs := []adminViolation{}
			for _, v := range te.violations {
				vs = append(vs, adminViolation{Severity: v.Severity, Rule: v.Rule, Location: v.Location, Message: v.Message})
			}
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid task: " + te.msg, "violations": vs})
			return "admin.invalid"
		}
		status := http.StatusCreated
		replaced, evicted := s.store.put(k, storedTask{body: body, source: "admin"})
		if replaced {
			status = http.StatusOK
		}
		if len(evicted) > 0 {
			names := evictedNames(evicted)
			w.Header().Set(EvictedHeader, names)
			s.log.Warn("admin store full: evicted the tasks stored longest ago", "count", len(evicted), "evicted", names,
				"max_tasks", s.store.limits.tasks, "max_bytes", s.store.limits.bytes)
		}
		writeJSON(w, status, body)
		return "admin.put"
	}
	return adminMethod(w, "GET, HEAD, PUT, DELETE")
}

// headOnly is the ResponseWriter of a HEAD: the headers of the GET
// (Content-Length included), and its body dropped.
type headOnly struct{ http.ResponseWriter }

func (h headOnly) Write(p []byte) (int, error) { return len(p), nil }

// Unwrap gives http.ResponseController the writer underneath.
func (h headOnly) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// adminID returns the id of a stored task as its body spells it.
func adminID(k taskKey, t storedTask) string {
	if k.api == specs.Esri {
		if task, err := t.body.child("task"); err == nil {
			if id, ok := task.str("taskOperationId"); ok {
				return id
			}
		}
	}
	return k.id
}

// evictedNames lists evicted keys for EvictedHeader: {api}/{id} with the
// id path-escaped, oldest first, at most maxEvictedBytes of them, then how
// many more there were.
func evictedNames(keys []taskKey) string {
	var b strings.Builder
	for i, k := range keys {
		name := string(k.api) + "/" + url.PathEscape(k.id)
		if i > 0 && b.Len()+len(", ")+len(name) > maxEvictedBytes {
			fmt.Fprintf(&b, ", and %d more", len(keys)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(name)
	}
	return b.String()
}

func adminMethod(w http.ResponseWriter, allow string) string {
	w.Header().Set("Allow", allow)
	writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
	return "admin.405"
}

// fromLoopback reports whether remoteAddr (host:port, as http.Request has
// it) is a loopback address. Anything else, unparsable included, is not.
func fromLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// loopbackHost reports whether host, a request's Host (host[:port]),
// names this machine: localhost or a loopback address, with any port (or
// none), in any letter case, with or without a final dot. Anything else is
// not, an empty Host, a port that is not a number and 0.0.0.0 included.
func loopbackHost(host string) bool {
	if h, port, err := net.SplitHostPort(host); err == nil {
		if strings.ContainsFunc(port, func(r rune) bool { return r < '0' || r > '9' }) {
			return false
		}
		host = h
	} else if len(host) > 2 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	host = strings.TrimSuffix(host, ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == "" && ip.Unmap().IsLoopback()
}
