package mockserver

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// The CORS headers of every answer to a cross-origin request.
const (
	// corsAllowHeaders are the request headers a preflight that names none
	// is granted; one that names some (Access-Control-Request-Headers) is
	// granted those.
	corsAllowHeaders  = "Authorization, Accept-Language, oci-original-url, X-Esri-Authorization, Prefer, Content-Type"
	corsExposeHeaders = "Retry-After, Content-Language, WWW-Authenticate, Preference-Applied, Taskmock-Error"
	corsMaxAge        = "600"
)

// corsConfig says which origins may call the mock from a browser.
type corsConfig struct {
	any     bool
	raw     []string
	origins map[string]bool
}

// WithCORSOrigin restricts cross-origin calls to the given origins, such
// as "http://localhost:5173" (scheme, host and port, no path); "*" allows
// any origin, the default. Answers then carry Vary: Origin, and a request
// from another origin gets no Access-Control-Allow-Origin, so the browser
// refuses it.
//
// The grant covers the two APIs: a preflight from an allowed origin is
// granted the route's methods and whatever request headers it asks for
// (X-Requested-With, traceparent, ...), and Private Network Access when
// it asks. Nothing under AdminPrefix (the admin API, the health check) is
// ever granted, whatever the origins.
func WithCORSOrigin(origins ...string) Option {
	return func(s *Server) {
		s.cors.any = false
		s.cors.raw = append(s.cors.raw, origins...)
	}
}

// compile checks the origins of WithCORSOrigin.
func (c *corsConfig) compile() error {
	if c.any {
		return nil
	}
	c.origins = map[string]bool{}
	for _, o := range c.raw {
		o = strings.TrimSpace(o)
		if o == "*" {
			c.any = true
			continue
		}
		u, err := url.Parse(o)
		if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fmt.Errorf("invalid CORS origin %q: expected scheme://host[:port] such as http://localhost:5173", o)
		}
		c.origins[strings.ToLower(u.Scheme+"://"+u.Host)] = true
	}
	if !c.any && len(c.origins) == 0 {
		return fmt.Errorf("no CORS origin given")
	}
	return nil
}

// allows reports whether origin may read the answers.
func (c corsConfig) allows(origin string) bool {
	return c.any || c.origins[strings.ToLower(origin)]
}

// headers sets the CORS headers of an actual (not preflight) answer.
func (c corsConfig) headers(h http.Header, r *http.Request) {
	if !c.any {
		h.Add("Vary", "Origin")
	}
	origin := r.Header.Get("Origin")
	if origin == "" || !c.allows(origin) {
		return
	}
	if c.any {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
}

// isPreflight reports whether r is a CORS preflight request.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// preflight answers a CORS preflight for a route that allows methods, or
// an OPTIONS request that is not one with the Allow header.
func (c corsConfig) preflight(w http.ResponseWriter, r *http.Request, methods string) string {
	h := w.Header()
	h.Set("Allow", methods)
	if !isPreflight(r) {
		w.WriteHeader(http.StatusNoContent)
		return "options"
	}
	if !c.any {
		h.Add("Vary", "Origin")
	}
	origin := r.Header.Get("Origin")
	if !c.allows(origin) {
		w.WriteHeader(http.StatusNoContent)
		return "cors.refused"
	}
	if c.any {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	h.Set("Access-Control-Allow-Methods", methods)
	h.Set("Access-Control-Allow-Headers", allowHeaders(r.Header))
	h.Add("Vary", "Access-Control-Request-Headers")
	h.Set("Access-Control-Max-Age", corsMaxAge)
	if strings.EqualFold(r.Header.Get("Access-Control-Request-Private-Network"), "true") {
		// Chrome asks before a public page may call a local server.
		h.Set("Access-Control-Allow-Private-Network", "true")
	}
	w.WriteHeader(http.StatusNoContent)
	return "cors.preflight"
}

// maxRequestHeaders bounds the Access-Control-Request-Headers a preflight
// is granted as asked; a browser asks for a few dozen bytes.
const maxRequestHeaders = 4 << 10

// allowHeaders returns the Access-Control-Allow-Headers of a preflight:
// the headers its Access-Control-Request-Headers asks for, when that is a
// list of header names, else corsAllowHeaders. A mock has no header to
// hide from a page: refusing one would only make the page fail in the
// browser ("Failed to fetch") where it works against the real server.
func allowHeaders(h http.Header) string {
	asked := strings.Join(h.Values("Access-Control-Request-Headers"), ",")
	if asked == "" || len(asked) > maxRequestHeaders {
		return corsAllowHeaders
	}
	names := 0
	for name := range strings.SplitSeq(asked, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !headerName(name) {
			return corsAllowHeaders
		}
		names++
	}
	if names == 0 {
		return corsAllowHeaders
	}
	return asked
}

// headerName reports whether s is a header name: an RFC 9110 token.
func headerName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return s != ""
}
