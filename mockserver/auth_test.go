package mockserver_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/mockserver"
	"github.com/taskmock/taskmock/specs"
)

func TestEsriAuth(t *testing.T) {
	s := newServer(t, mockserver.WithRequireAuth("revoked-1", " "))
	tests := []struct {
		name    string
		query   url.Values
		form    url.Values
		headers []string
		code    int // 0: the task
	}{
		{"no token", esriQuery("json"), nil, nil, 499},
		{"empty token", esriQuery("json", "token", ""), nil, nil, 499},
		{"query token", esriQuery("json", "token", "good"), nil, nil, 0},
		{"form token", nil, esriQuery("json", "token", "good"), nil, 0},
		{"form token wins over the query", esriQuery("json", "token", "good"), url.Values{"token": {"expired"}}, nil, 498},
		{"X-Esri-Authorization", esriQuery("json"), nil, []string{"X-Esri-Authorization", "Bearer good"}, 0},
		{"Authorization", esriQuery("json"), nil, []string{"Authorization", "Bearer good"}, 0},
		{"expired", esriQuery("json", "token", mockserver.ExpiredToken), nil, nil, 498},
		{"expired in a header", esriQuery("json"), nil, []string{"X-Esri-Authorization", "Bearer expired"}, 498},
		{"revoked", esriQuery("json", "token", "revoked-1"), nil, nil, 498},
		{"a malformed header is no token", esriQuery("json"), nil, []string{"Authorization", "Basic dXNlcjpwYXNz"}, 499},
		{"control code after auth", esriQuery("json", "token", "good", "__code", "404"), nil, nil, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req *http.Request
			if tt.form != nil {
				u := "http://mock.test" + mockserver.EsriPath
				if tt.query != nil {
					u += "?" + tt.query.Encode()
				}
				req = httptest.NewRequest(http.MethodPost, u, strings.NewReader(tt.form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			} else {
				req = httptest.NewRequest(http.MethodGet, esriURL(tt.query), nil)
			}
			for i := 0; i+1 < len(tt.headers); i += 2 {
				req.Header.Set(tt.headers[i], tt.headers[i+1])
			}
			a := do(t, s, req)
			require.Equal(t, http.StatusOK, a.status)
			e := decodeEsri(t, a.body)
			if tt.code == 0 {
				require.Nil(t, e.Error, a.text())
				requireValid(t, specs.Esri, a)
				return
			}
			require.NotNil(t, e.Error, a.text())
			assert.Equal(t, tt.code, *e.Error.Code)
			switch tt.code {
			case 498:
				assert.Equal(t, "Invalid token.", e.Error.Message)
			case 499:
				assert.Equal(t, "Token Required", e.Error.Message)
			}
			requireVendorError(t, specs.Esri, a)
		})
	}

	t.Run("the official client with its token", func(t *testing.T) {
		a := do(t, s, arcgisRestRequest("tok"))
		requireValid(t, specs.Esri, a)
		a = do(t, s, arcgisRestRequest(""))
		assert.Equal(t, 499, *decodeEsri(t, a.body).Error.Code)
	})
}

func TestOracleAuth(t *testing.T) {
	s := newServer(t, mockserver.WithRequireAuth("revoked-1"))
	tests := []struct {
		name   string
		auth   string
		ok     bool
		reason string // in WWW-Authenticate
	}{
		{"no header", "", false, `Bearer realm="taskmock"`},
		{"not bearer", "Basic dXNlcjpwYXNz", false, `Bearer realm="taskmock"`},
		{"no token", "Bearer ", false, `Bearer realm="taskmock"`},
		{"bad token syntax", "Bearer a b", false, `Bearer realm="taskmock"`},
		{"expired", "Bearer expired", false, `error="invalid_token"`},
		{"revoked", "Bearer revoked-1", false, `error="invalid_token"`},
		{"well formed", "Bearer eyJhbGciOi.J9eyJzdWIi-_.x~+/==", true, ""},
		{"scheme in any case", "bearer abc", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.auth != "" {
				headers = []string{"Authorization", tt.auth}
			}
			a := get(t, s, oracleURL(taskID, nil), headers...)
			if tt.ok {
				require.Equal(t, http.StatusOK, a.status)
				requireValid(t, specs.Oracle, a)
				return
			}
			require.Equal(t, http.StatusUnauthorized, a.status)
			assert.Contains(t, a.header.Get("WWW-Authenticate"), tt.reason)
			assert.Equal(t, "Unauthorized", decodeProblem(t, a.body).Title)
			requireVendorError(t, specs.Oracle, a)
		})
	}
}

func TestNoAuthByDefault(t *testing.T) {
	s := newServer(t)
	requireValid(t, specs.Esri, get(t, s, esriURL(esriQuery("json", "token", "expired"))))
	requireValid(t, specs.Oracle, get(t, s, oracleURL(taskID, nil)))
}
