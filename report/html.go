package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/taskmock/taskmock/contract"
	"github.com/taskmock/taskmock/internal/jsonlimit"
	"github.com/taskmock/taskmock/internal/textutil"
)

// The html format: one self-contained page (no network, no external
// asset: a Content-Security-Policy forbids any) a person opens after a CI
// run. The summary comes first, with filters by severity and by rule;
// then each response with violations, its body pretty-printed and each
// offending value highlighted (a <mark> with data-loc, the violation's
// location) beside the list of messages, each linking to its value; then
// what could not be checked; then the responses that passed, one line
// each.

// MaxBodyShown bounds the body the html format pretty-prints: a longer
// one is named by its size only.
const MaxBodyShown = 1 << 20

// htmlState is what the html format gathers while results are added.
type htmlState struct {
	sections  spool // the responses with violations
	skipped   spool // the inputs not checked: unreadable, set aside
	passed    spool // the responses that passed, one line each
	n         int   // the responses with violations so far, for ids
	nSkipped  int
	nPassed   int
	rules     map[contract.Rule]int
	severity  map[contract.Severity]int
	withViols int
}

// addHTML renders r into the html spools.
func (rw *Writer) addHTML(r Result) error {
	h := &rw.html
	if h.rules == nil {
		h.rules, h.severity = map[contract.Rule]int{}, map[contract.Severity]int{}
	}
	b := &rw.buf
	switch {
	case r.Notice != "" || r.Error != "":
		kind, text := "unreadable", r.Error
		if r.Notice != "" {
			kind, text = "set aside", r.Notice
		}
		fmt.Fprintf(b, "<li><span class=\"tag\">%s</span> <code>%s</code>: %s</li>\n",
			kind, esc(textutil.OneLine(r.Source)), esc(textutil.OneLine(text)))
		h.nSkipped++
		return rw.toSpool(&h.skipped, b.Bytes())
	case len(r.Report.Violations) == 0:
		fmt.Fprintf(b, "<li><code>%s</code> <span class=\"meta\">%s</span></li>\n", esc(textutil.OneLine(htmlName(r))), esc(htmlMeta(r)))
		h.nPassed++
		return rw.toSpool(&h.passed, b.Bytes())
	}
	h.n++
	h.withViols++
	id := "r" + strconv.Itoa(h.n)
	var rules, sevs []string
	for _, v := range r.Report.Violations {
		h.rules[v.Rule]++
		h.severity[v.Severity]++
		if !slices.Contains(rules, string(v.Rule)) {
			rules = append(rules, string(v.Rule))
		}
		if !slices.Contains(sevs, string(v.Severity)) {
			sevs = append(sevs, string(v.Severity))
		}
	}
	verdict, vclass := "failed", "failed"
	if r.Report.Passed(rw.opts.Strict) {
		verdict, vclass = "passed with warnings", "warned"
	}
	fmt.Fprintf(b, "<section class=\"response %s\" id=\"%s\" data-rules=\"%s\" data-severities=\"%s\">\n",
		vclass, id, esc(strings.Join(rules, " ")), esc(strings.Join(sevs, " ")))
	fmt.Fprintf(b, "<h3><code>%s</code> <span class=\"verdict\">%s</span></h3>\n<p class=\"meta\">%s</p>\n",
		esc(textutil.OneLine(htmlName(r))), verdict, esc(htmlMeta(r)))

	// Each location in the body gets one mark; the violations link to it.
	marks := map[string]*htmlMark{}
	body, bodyNote := r.Body, ""
	switch {
	case len(body) == 0:
		bodyNote = "no body"
	case len(body) > MaxBodyShown:
		bodyNote = fmt.Sprintf("body of %s not shown (over %s)", jsonlimit.Size(int64(len(body))), jsonlimit.Size(MaxBodyShown))
		body = nil
	}
	for _, v := range r.Report.Violations {
		if strings.HasPrefix(v.Location, "/") || v.Location == "" {
			m := marks[v.Location]
			if m == nil {
				m = &htmlMark{id: fmt.Sprintf("%s-m%d", id, len(marks)+1), severity: v.Severity}
				marks[v.Location] = m
			}
			if v.Severity == contract.SeverityError {
				m.severity = v.Severity
			}
			m.rules = append(m.rules, string(v.Rule))
			m.messages = append(m.messages, v.Message)
		}
	}
	var pre bytes.Buffer
	shown := map[string]bool{}
	if body != nil {
		if !prettyHTML(&pre, body, marks, shown) {
			pre.Reset()
			clear(shown)
			pre.WriteString(esc(strings.ToValidUTF8(string(body), "\uFFFD")))
		}
	}
	b.WriteString("<div class=\"cols\">\n<ol class=\"violations\">\n")
	for _, v := range r.Report.Violations {
		fmt.Fprintf(b, "<li class=\"violation sev-%s\" data-rule=\"%s\" data-severity=\"%s\"><span class=\"sev\">%s</span> ",
			esc(string(v.Severity)), esc(string(v.Rule)), esc(string(v.Severity)), esc(string(v.Severity)))
		loc := esc(textutil.OneLine(orDash(v.Location)))
		if m := marks[v.Location]; m != nil && shown[v.Location] {
			fmt.Fprintf(b, "<a class=\"loc\" href=\"#%s\">%s</a>", m.id, loc)
		} else {
			fmt.Fprintf(b, "<span class=\"loc\">%s</span>", loc)
		}
		fmt.Fprintf(b, " <code class=\"rule\">%s</code><p class=\"msg\">%s</p></li>\n", esc(string(v.Rule)), esc(textutil.OneLine(v.Message)))
	}
	b.WriteString("</ol>\n")
	if bodyNote != "" {
		fmt.Fprintf(b, "<p class=\"body note\">%s</p>\n", esc(bodyNote))
	} else {
		fmt.Fprintf(b, "<pre class=\"body\" tabindex=\"0\" aria-label=\"response body\"><code>%s</code></pre>\n", pre.String())
	}
	b.WriteString("</div>\n</section>\n")
	return rw.toSpool(&h.sections, b.Bytes())
}

// htmlMark is the highlight of one location of a body.
type htmlMark struct {
	id       string
	severity contract.Severity
	rules    []string
	messages []string
}

// toSpool appends p to *s, made on first use.
func (rw *Writer) toSpool(s *spool, p []byte) error {
	if *s == nil {
		sp, err := rw.spool()
		if err != nil {
			return err
		}
		*s = sp
	}
	_, err := (*s).Write(p)
	return err
}

// htmlName is what a response is called on the page: the request for a
// recorded or live exchange, else its source.
func htmlName(r Result) string {
	if r.Request != "" && !strings.HasPrefix(r.Source, r.Request) {
		return r.Source + " (" + r.Request + ")"
	}
	return r.Source
}

// htmlMeta is a response's API, operation, status and counts.
func htmlMeta(r Result) string {
	parts := []string{string(r.Report.API)}
	if r.Report.Operation != "" {
		parts = append(parts, r.Report.Operation)
	}
	if r.Live != nil && r.Live.Error != "" {
		parts = append(parts, "no answer")
	} else {
		parts = append(parts, "status "+strconv.Itoa(judgedStatus(r.Report)))
	}
	if r.Live != nil {
		parts = append(parts, fmt.Sprintf("%d ms", r.Live.Latency.Milliseconds()))
	}
	if n := r.Report.Errors(); n > 0 {
		parts = append(parts, textutil.Plural(n, "error"))
	}
	if n := r.Report.Warnings(); n > 0 {
		parts = append(parts, textutil.Plural(n, "warning"))
	}
	return strings.Join(parts, " · ")
}

// closeHTML writes the page: head, summary and filters, then the spools.
func (rw *Writer) closeHTML() error {
	h := &rw.html
	s := rw.sum
	b := &rw.buf
	title := fmt.Sprintf("%s: %d of %s failed", rw.opts.tool(), s.Failed(), textutil.Plural(s.Checked, "response"))
	fmt.Fprintf(b, htmlHead, esc(title), htmlStyle)
	fmt.Fprintf(b, "<header>\n<h1>%s</h1>\n", esc(rw.opts.tool()))
	verdict := "pass"
	if s.Failed() > 0 {
		verdict = "fail"
	}
	fmt.Fprintf(b, "<table class=\"summary %s\"><caption>Summary</caption>\n<tr><th scope=\"col\">checked</th><th scope=\"col\">passed</th><th scope=\"col\">failed</th><th scope=\"col\">errors</th><th scope=\"col\">warnings</th><th scope=\"col\">not checked</th></tr>\n", verdict)
	fmt.Fprintf(b, "<tr><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td></tr>\n</table>\n",
		s.Checked, s.Passed, s.Failed(), s.Errors, s.Warnings, s.Unreadable+s.Notices+s.NotRecorded)
	if len(h.rules) > 0 {
		b.WriteString("<form id=\"filters\" aria-label=\"Filter the violations\">\n<fieldset><legend>Severity</legend>\n")
		for _, sev := range []contract.Severity{contract.SeverityError, contract.SeverityWarning} {
			if n := h.severity[sev]; n > 0 {
				fmt.Fprintf(b, "<label><input type=\"checkbox\" name=\"severity\" value=\"%s\" checked> %s (%d)</label>\n", sev, sev, n)
			}
		}
		b.WriteString("</fieldset>\n<fieldset><legend>Rule</legend>\n")
		rules := make([]string, 0, len(h.rules))
		for r := range h.rules {
			rules = append(rules, string(r))
		}
		slices.Sort(rules)
		for _, r := range rules {
			fmt.Fprintf(b, "<label><input type=\"checkbox\" name=\"rule\" value=\"%s\" checked> <code>%s</code> (%d)</label>\n",
				esc(r), esc(r), h.rules[contract.Rule(r)])
		}
		b.WriteString("</fieldset>\n<p id=\"shown\" role=\"status\"></p>\n</form>\n")
	}
	b.WriteString("</header>\n<main>\n")
	if err := rw.write(b.Bytes()); err != nil {
		return err
	}
	parts := []struct {
		title string
		n     int
		s     spool
		open  string
		end   string
	}{
		{"Responses with violations", h.withViols, h.sections, "", ""},
		{"Not checked", h.nSkipped, h.skipped, "<ul class=\"skipped\">\n", "</ul>\n"},
		{"Passed without a violation", h.nPassed, h.passed, "<ul class=\"passed\">\n", "</ul>\n"},
	}
	for _, p := range parts {
		if p.n == 0 {
			continue
		}
		b.Reset()
		fmt.Fprintf(b, "<h2>%s (%d)</h2>\n%s", p.title, p.n, p.open)
		if err := rw.write(b.Bytes()); err != nil {
			return err
		}
		if err := rw.copy(p.s); err != nil {
			return err
		}
		if err := rw.write([]byte(p.end)); err != nil {
			return err
		}
	}
	if s.Checked+s.Unreadable+s.Notices == 0 {
		if err := rw.write([]byte("<p>Nothing was checked.</p>\n")); err != nil {
			return err
		}
	}
	b.Reset()
	fmt.Fprintf(b, "</main>\n<script>%s</script>\n</body>\n</html>\n", htmlScript)
	return rw.write(b.Bytes())
}

// esc escapes text for HTML content and quoted attribute values.
func esc(s string) string { return html.EscapeString(s) }

// errNotPretty stops prettyHTML on a body it does not print.
var errNotPretty = errors.New("not printable as JSON")

// prettyHTML writes body as indented JSON, HTML-escaped, each value whose
// JSON pointer has a mark wrapped in it; shown gets the locations marked.
// It returns false, having written part of it, when body is not JSON
// within jsonlimit's bounds.
func prettyHTML(w *bytes.Buffer, body []byte, marks map[string]*htmlMark, shown map[string]bool) bool {
	if jsonlimit.Check(body, jsonlimit.Limits{}) != nil || !json.Valid(body) {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	p := &pretty{w: w, dec: dec, marks: marks, shown: shown}
	if err := p.value("", 0); err != nil {
		return false
	}
	_, err := dec.Token()
	return err == io.EOF
}

type pretty struct {
	w     *bytes.Buffer
	dec   *json.Decoder
	marks map[string]*htmlMark
	shown map[string]bool
}

// value prints the next value of the decoder, at JSON pointer path,
// indented to depth.
func (p *pretty) value(path string, depth int) error {
	tok, err := p.dec.Token()
	if err != nil {
		return err
	}
	m := p.marks[path]
	if m != nil {
		p.shown[path] = true
		fmt.Fprintf(p.w, "<mark id=\"%s\" class=\"sev-%s\" data-loc=\"%s\" data-rules=\"%s\" title=\"%s\">", m.id, esc(string(m.severity)),
			esc(orDash(path)), esc(strings.Join(m.rules, " ")), esc(textutil.OneLine(strings.Join(m.messages, "; "))))
	}
	switch t := tok.(type) {
	case json.Delim:
		open, end := string(t), "}"
		if t == '[' {
			end = "]"
		}
		p.w.WriteString(open)
		n := 0
		for p.dec.More() {
			if n > 0 {
				p.w.WriteByte(',')
			}
			p.w.WriteByte('\n')
			p.w.WriteString(strings.Repeat("  ", depth+1))
			child := path + "/" + strconv.Itoa(n)
			if t == '{' {
				kt, err := p.dec.Token()
				if err != nil {
					return err
				}
				key, ok := kt.(string)
				if !ok {
					return errNotPretty
				}
				p.w.WriteString("<span class=\"key\">" + esc(quote(key)) + "</span>: ")
				child = path + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(key)
			}
			if err := p.value(child, depth+1); err != nil {
				return err
			}
			n++
		}
		if _, err := p.dec.Token(); err != nil {
			return err
		}
		if n > 0 {
			p.w.WriteByte('\n')
			p.w.WriteString(strings.Repeat("  ", depth))
		}
		p.w.WriteString(end)
	case string:
		p.w.WriteString("<span class=\"str\">" + esc(quote(t)) + "</span>")
	case json.Number:
		p.w.WriteString("<span class=\"num\">" + esc(t.String()) + "</span>")
	case bool:
		p.w.WriteString("<span class=\"lit\">" + strconv.FormatBool(t) + "</span>")
	case nil:
		p.w.WriteString("<span class=\"lit\">null</span>")
	}
	if m != nil {
		p.w.WriteString("</mark>")
	}
	return nil
}

// quote is s as a JSON string, without Go's HTML escapes (the page
// escapes it).
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

const htmlHead = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="taskmock">
<title>%s</title>
<style>%s</style>
</head>
<body>
`

const htmlStyle = `
:root { color-scheme: light; --err: #b3261e; --warn: #8a5a00; --ok: #1b6e20; --line: #d0d7de; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 90rem; padding: 1rem 1.5rem 3rem; color: #1f2328; }
h1 { font-size: 1.5rem; margin: .2rem 0 .8rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 0; overflow-wrap: anywhere; }
code, pre { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
table.summary { border-collapse: collapse; margin-bottom: .8rem; }
table.summary caption { text-align: left; font-weight: 600; }
table.summary th, table.summary td { border: 1px solid var(--line); padding: .25rem .8rem; text-align: right; }
table.summary.fail td:nth-child(3) { color: var(--err); font-weight: 700; }
table.summary.pass td:nth-child(2) { color: var(--ok); font-weight: 700; }
form#filters { display: flex; flex-wrap: wrap; gap: .8rem; align-items: flex-start; }
fieldset { border: 1px solid var(--line); border-radius: 6px; padding: .3rem .8rem .5rem; margin: 0; }
fieldset label { display: inline-block; margin-right: .9rem; white-space: nowrap; }
#shown { margin: .5rem 0 0; color: #59636e; }
section.response { border: 1px solid var(--line); border-left: 5px solid var(--err); border-radius: 6px; padding: .7rem 1rem; margin: 0 0 1rem; }
section.response.warned { border-left-color: var(--warn); }
.verdict { font-size: .85rem; font-weight: 600; color: var(--err); margin-left: .4rem; }
.warned .verdict { color: var(--warn); }
.meta { color: #59636e; margin: .2rem 0 .5rem; font-size: .9rem; }
.cols { display: grid; grid-template-columns: minmax(18rem, 2fr) 3fr; gap: 1rem; align-items: start; }
@media (max-width: 60rem) { .cols { grid-template-columns: 1fr; } }
ol.violations { margin: 0; padding-left: 1.3rem; }
ol.violations li { margin-bottom: .5rem; }
.sev { font-weight: 700; font-size: .8rem; text-transform: uppercase; }
.sev-error .sev { color: var(--err); }
.sev-warning .sev { color: var(--warn); }
a.loc, span.loc { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
a.loc:focus { outline: 2px solid #0969da; }
.rule { color: #59636e; }
.msg { margin: .1rem 0 0; overflow-wrap: anywhere; }
pre.body { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; overflow: auto; max-height: 40rem; margin: 0; }
pre.body:focus { outline: 2px solid #0969da; }
.key { color: #0550ae; } .str { color: #0a3069; } .num, .lit { color: #953800; }
mark { border-radius: 3px; padding: 0 1px; }
mark.sev-error { background: #ffd7d5; outline: 2px solid var(--err); }
mark.sev-warning { background: #fff1c2; outline: 2px solid var(--warn); }
mark:target { box-shadow: 0 0 0 4px #0969da; }
.note { color: #59636e; font-style: italic; }
ul.passed, ul.skipped { padding-left: 1.3rem; columns: 2 28rem; }
ul.passed li, ul.skipped li { overflow-wrap: anywhere; }
.tag { font-size: .8rem; font-weight: 600; color: var(--warn); }
.hidden { display: none !important; }
`

// htmlScript filters the violations, and the responses left without one,
// by the checked severities and rules.
const htmlScript = `
(function () {
  var form = document.getElementById("filters");
  if (!form) return;
  function checked(name) {
    var on = {};
    form.querySelectorAll("input[name=" + name + "]").forEach(function (i) { if (i.checked) on[i.value] = true; });
    return on;
  }
  function apply() {
    var sev = checked("severity"), rule = checked("rule"), shown = 0, total = 0;
    document.querySelectorAll("section.response").forEach(function (s) {
      var any = false;
      s.querySelectorAll("li.violation").forEach(function (li) {
        var on = sev[li.dataset.severity] && rule[li.dataset.rule];
        li.classList.toggle("hidden", !on);
        total++;
        if (on) { any = true; shown++; }
      });
      s.classList.toggle("hidden", !any);
    });
    document.getElementById("shown").textContent = shown + " of " + total + " violations shown";
  }
  form.addEventListener("change", apply);
  apply();
})();
`
