package mockserver

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// ExpiredToken is the token that the auth simulation always refuses as
// invalid (Esri 498, Oracle 401), besides the revoked ones.
const ExpiredToken = "expired"

// authConfig is the auth simulation of WithRequireAuth.
type authConfig struct {
	required bool
	revoked  map[string]bool
}

// WithRequireAuth makes the mock ask for a token, as secured services do.
// Esri reads it from the token parameter (query or form), then from
// X-Esri-Authorization: Bearer, then from Authorization: Bearer: without
// one it answers error 499 "Token Required", and for the token "expired" or
// one of revoked, error 498 "Invalid token." (both with HTTP 200, as ArcGIS
// does). Oracle answers 401 with WWW-Authenticate: Bearer when the request
// has no well-formed Authorization: Bearer header, or has an expired or
// revoked token. Any other token is accepted.
func WithRequireAuth(revoked ...string) Option {
	return func(s *Server) {
		s.auth.required = true
		if s.auth.revoked == nil {
			s.auth.revoked = map[string]bool{}
		}
		for _, t := range revoked {
			if t = strings.TrimSpace(t); t != "" {
				s.auth.revoked[t] = true
			}
		}
	}
}

// invalid reports whether a token is refused.
func (a authConfig) invalid(token string) bool {
	return token == ExpiredToken || a.revoked[token]
}

// esri returns the ArcGIS error code of the request's credentials: 0 when
// they pass, 499 when there is no token, 498 when it is refused.
func (a authConfig) esri(r *http.Request, params url.Values) int {
	if !a.required {
		return 0
	}
	token := params.Get("token")
	if token == "" {
		token, _ = bearer(r.Header.Get("X-Esri-Authorization"))
	}
	if token == "" {
		token, _ = bearer(r.Header.Get("Authorization"))
	}
	switch {
	case token == "":
		return esriTokenRequired
	case a.invalid(token):
		return esriInvalidToken
	}
	return 0
}

// oracle returns the WWW-Authenticate challenge of a refused request, or ""
// when its credentials pass.
func (a authConfig) oracle(r *http.Request) string {
	if !a.required {
		return ""
	}
	token, ok := bearer(r.Header.Get("Authorization"))
	switch {
	case !ok:
		return `Bearer realm="taskmock"`
	case a.invalid(token):
		return `Bearer realm="taskmock", error="invalid_token", error_description="The access token expired or was revoked"`
	}
	return ""
}

// token68 is the syntax of a bearer token (RFC 6750, section 2.1).
var token68 = regexp.MustCompile(`^[A-Za-z0-9\-._~+/]+=*$`)

// bearer returns the token of an "Authorization: Bearer <token>" value
// (the scheme in any letter case) and whether the value is well formed.
func bearer(v string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimLeft(token, " ")
	if !token68.MatchString(token) {
		return "", false
	}
	return token, true
}
