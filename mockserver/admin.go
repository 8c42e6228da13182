package mockserver

import (
	"errors"
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
)

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
// an Oracle task, or an Esri getTask body.
//
// The stored tasks are bounded (WithStoreLimits; by default
// DefaultMaxStoredTasks tasks and DefaultMaxStoredBytes bytes): a PUT
// beyond the bounds evicts the tasks stored longest ago, names them in a
// Taskmock-Evicted header and logs a warning.
//
// The admin API answers loopback clients only (127.0.0.0/8, ::1, by the
// connection's remote address): any other client gets 403, even when the
// server listens on every interface. X-Forwarded-For is not trusted.
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

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) string {
	const methods = "GET, PUT, DELETE, POST, OPTIONS"
	if !fromLoopback(r.RemoteAddr) {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden", "detail": "the admin API answers loopback clients only"})
		return "admin.403"
	}
	if r.Method == http.MethodOptions {
		return s.cors.preflight(w, r, methods)
	}
	s.cors.headers(w.Header(), r)
	path := r.URL.Path
	switch {
	case path == adminTasks || path == adminTasks+"/":
		if r.Method != http.MethodGet {
			return adminMethod(w, "GET")
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
		w.WriteHeader(http.StatusNoContent)
		return "admin.reset"
	case strings.HasPrefix(path, adminTasks+"/"):
		return s.serveAdminTask(w, r, strings.TrimPrefix(r.URL.EscapedPath(), adminTasks+"/"))
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "no route", "detail": "the admin API has " + adminTasks + " and " + adminReset})
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
	case http.MethodGet:
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
			names := make([]string, len(evicted))
			for i, e := range evicted {
				names[i] = string(e.api) + "/" + e.id
			}
			w.Header().Set("Taskmock-Evicted", strings.Join(names, ", "))
			s.log.Warn("admin store full: evicted the tasks stored longest ago", "evicted", names,
				"max_tasks", s.store.limits.tasks, "max_bytes", s.store.limits.bytes)
		}
		writeJSON(w, status, body)
		return "admin.put"
	}
	return adminMethod(w, "GET, PUT, DELETE")
}

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
