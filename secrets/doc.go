// Package secrets knows what a credential is in the traffic of the two task
// APIs and hides it in every form it can take in an output. It is the one
// place taskmock's commands (check, proxy, validate), its validator and the
// mock's request journal ask; it knows nothing else.
//
// What a credential is:
//
//   - the value of a credential header: Authorization, Proxy-Authorization,
//     X-Esri-Authorization, Cookie, Set-Cookie, X-Auth-Token, X-API-Key, and
//     any header whose name contains "token", "secret", "password",
//     "passwd", "api-key", "api_key", "apikey" or "signature" (see
//     IsHeader). Of an Authorization value such
//     as "Bearer X" or "Basic B64", the part after the scheme is one too, and
//     of Basic the decoded "user:password" and the password; of a cookie
//     header, each cookie's value;
//   - the value of a credential parameter, in a query or a request body:
//     token, api_key, access_token, apikey, key, sig and pwd, and any
//     parameter whose name contains one of the words of a credential header,
//     such as client_secret, refresh_token, id_token, password or
//     X-Amz-Signature (see IsParam; names in any letter case); in a body whatever its encoding, a URL-encoded or
//     multipart form or a JSON document's members (see BodyFields);
//   - the user-info part of any URL (user:password@).
//
// A Set holds the secret values collected from headers, URLs, parameters
// and plain strings. Its Redact methods replace with Redacted:
//
//   - each value of the Set, in every form it takes in an output: as sent;
//     JSON-escaped (\/, \", \\, \b \f \n \r \t, and \uXXXX for any character,
//     the \u0026 \u003c \u003e of Go's HTML escaping included, and escaped twice
//     as in a JSON text held in a JSON string: \\\/, \\u002f); percent-encoded
//     with upper- or lower-case hex digits, as QueryEscape and PathEscape write
//     it, + for a space, and percent-encoded again (%252F for /); base64-encoded
//     whole (standard or URL alphabet, padded or not); as an HTML or XML character reference (&#43;, &#x2B;,
//     &amp; ...); any mix of these, character by character;
//   - a piece of a value cut short, when it holds at least MinPartial bytes of
//     the value: a beginning of the value at the end of the text or just before
//     an ellipsis ("…" or "..."), or an end of the value at the start of the
//     text or just after an ellipsis; and a beginning of at least half the
//     value just before a quote (" or '), where a server cut the string it
//     echoed. A piece from the middle of a value, cut on both sides, is not
//     recognised;
//   - whatever the Set holds, the user-info of a URL written in the text
//     (scheme://user:password@host) and the value of a credential parameter of
//     a URL or query written in the text (?token=..., &api_key=...).
//
// Values shorter than MinLen bytes are not registered: they would replace
// common words and numbers in every output and protect nothing.
//
// The search costs a bounded number of steps per byte of text, whatever the
// secrets and the text: a text built to match long pieces of a long,
// repetitive secret at every position has the rest of it redacted whole
// once the steps run out, so that nothing leaks and the time stays linear.
//
// Redact before a message is built or cut to a length: the validator of
// package contract redacts a response body with the credentials of its
// request before it decodes it, so that no violation message can quote one.
package secrets
