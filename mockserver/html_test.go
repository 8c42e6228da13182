package mockserver

import (
	"bytes"
	"html/template"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/taskmock/taskmock/fixtures"
)

// referencePage is pageTemplate parsed: the reference appendPage is
// tested against.
var referencePage = template.Must(template.New("getTask").Parse(pageTemplate))

// templatePage renders d with the reference.
func templatePage(t *testing.T, d *pageData) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, referencePage.Execute(&b, d))
	return b.String()
}

// TestPageIsTheTemplate: the page of a generated task, built from its
// fields (esriFields) or from its members (the object path), is what
// pageTemplate renders, and so is an error page; for many tasks, seeds,
// statuses and ids with markup.
func TestPageIsTheTemplate(t *testing.T) {
	s, err := New()
	require.NoError(t, err)
	outs := []esriOut{
		{format: "html", path: EsriPath, groupID: ExampleTaskGroupJobID, opID: ExampleTaskOperationID},
		{format: "html", path: "/x/<y>&'\"+", groupID: `"><script>alert(1)</script>`, opID: "a b+c&d=é\xff"},
		{format: "html"},
	}
	statuses := []string{"", "new", "ready", "inProgress", "completed", "failed", "canceled"}
	for _, seed := range []uint64{1, 7, 4242} {
		g := fixtures.New(fixtures.WithSeed(seed))
		for i := range 100 {
			resp, err := g.Esri(g.EsriIdentity(i), fixtures.Request{Status: statuses[i%len(statuses)]})
			require.NoError(t, err)
			if i%10 == 0 {
				resp.Task.AssignTo = "<script>alert('x')</script> & \x00 + \xff \u2028"
			}
			generated, err := encodeEsri(&resp)
			require.NoError(t, err)
			out := outs[i%len(outs)]
			fast, err := s.esriPage(out, generated, nil)
			require.NoError(t, err)
			members, err := s.esriPage(out, task{raw: generated.raw}, nil)
			require.NoError(t, err)
			generated.release()
			require.Equal(t, string(members), string(fast), "fields and members give one page")

			obj, err := toObject(resp)
			require.NoError(t, err)
			d, err := newPageData(out, task{body: obj}, nil)
			require.NoError(t, err)
			require.Equal(t, templatePage(t, &d), string(fast), "the page is the template's of the members")
		}
	}
	for _, out := range outs {
		for _, e := range []esriError{esriErrorFor(404), esriErrorFor(400, "Invalid or missing input parameters: taskGroupJobId", "<b>&'\"+"), esriErrorFor(esriNoTaskGroup)} {
			page, err := s.esriPage(out, task{}, &e)
			require.NoError(t, err)
			d, err := newPageData(out, task{}, &e)
			require.NoError(t, err)
			require.Equal(t, templatePage(t, &d), string(page))
		}
	}
}

// FuzzPage: with any strings in every slot, appendPage writes what
// pageTemplate renders, so that it escapes as html/template does.
func FuzzPage(f *testing.F) {
	f.Add("/x", "name", "<script>alert('x')</script>", "?f=json&a=b+c", 404, true)
	f.Add("\x00\xff\u2028", "&#34;", `"'+<>&`, "javascript:alert(1)", 0, false)
	f.Add("", "", "", "%zz%41%4", -2147211775, true)
	f.Add("é", "a\xc3", "HTTP:x", "/a b/?'\"<>\\^`{|}\x7f", 1, false)
	f.Fuzz(func(t *testing.T, a, b, c, href string, code int, failed bool) {
		d := pageData{Path: a, GroupID: b, OperationID: c, JSONHref: href, PJSONHref: a + href, Success: c}
		if failed {
			d.Error = &pageError{Code: code, Message: a, Details: []string{b, c}}
		} else {
			d.Fields = []pageField{{a, b}, {c, href}}
		}
		require.Equal(t, templatePage(t, &d), string(appendPage(nil, &d)))
	})
}
