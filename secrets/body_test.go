package secrets_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/taskmock/taskmock/secrets"
)

// TestBodyFields: the credential parameters of a request body are found
// whatever its encoding, and only those.
func TestBodyFields(t *testing.T) {
	const boundary = "------------------------7778fe16c547eef2"
	multipart := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\njson\r\n" +
		"--" + boundary + "\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nmp-token-1234\r\n" +
		"--" + boundary + "\r\nContent-Disposition: form-data; name=\"key\"; filename=\"k.txt\"\r\n\r\nfile-not-a-key\r\n" +
		"--" + boundary + "--\r\n"
	for _, tc := range []struct {
		name, contentType, body string
		want                    url.Values
	}{
		{"form", "application/x-www-form-urlencoded", "f=json&token=form-tok%2F1&x=y", url.Values{"token": {"form-tok/1"}}},
		{"form sent as text", "text/plain", "f=json&Access_Token=plain-tok", url.Values{"Access_Token": {"plain-tok"}}},
		{"form without its type", "", "tok%65n=no-type-tok", url.Values{"token": {"no-type-tok"}}},
		{"multipart", "multipart/form-data; boundary=" + boundary, multipart, url.Values{"token": {"mp-token-1234"}}},
		{"multipart without its type", "", multipart, url.Values{"token": {"mp-token-1234"}}},
		{"json", "application/json", `{"identities":[{"id":"a"}],"access_token":"json-tok","nested":{"api_key":"json-key","list":[{"token":12345678}]},"comment":"token"}`,
			url.Values{"access_token": {"json-tok"}, "api_key": {"json-key"}, "token": {"12345678"}}},
		{"json with the wrong type", "text/plain", ` {"apikey":"typed-wrong"}`, url.Values{"apikey": {"typed-wrong"}}},
		{"json cut short", "application/json", `{"token":"first-tok","x":[1,`, url.Values{"token": {"first-tok"}}},
		{"json keys and values apart", "application/json", `{"a":"token","b":{"token":{"x":"not-this"}},"c":"key"}`, nil},
		{"none", "application/json", `{"identities":[{"id":"bob"}],"comment":"x"}`, nil},
		{"empty", "application/json", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, secrets.BodyFields(tc.contentType, []byte(tc.body)))
		})
	}
	// Deep nesting costs no recursion.
	deep := strings.Repeat(`{"a":`, 100000) + `{"token":"deep-token"}` + strings.Repeat("}", 100000)
	assert.Equal(t, url.Values{"token": {"deep-token"}}, secrets.BodyFields("application/json", []byte(deep)))
}

// TestCollectRequest: a request's body credentials are hidden with the
// others.
func TestCollectRequest(t *testing.T) {
	s := secrets.CollectRequest("/x?token=url-tok-1", nil, url.Values{"api_key": {"form-key-1"}}, "application/json", []byte(`{"token":"body-tok-1"}`))
	assert.Equal(t, "R R R", strings.ReplaceAll(s.Redact(`url-tok-1 form-key-1 body-tok-1`), secrets.Redacted, "R"))
	assert.Nil(t, secrets.CollectRequest("/x", nil, nil, "application/json", []byte(`{"identities":[]}`)))
}
