package report

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/taskmock/taskmock/contract"

	"github.com/taskmock/taskmock/internal/textutil"
)

// The formats for CI: github (GitHub Actions workflow commands, one
// annotation per violation) and markdown (a summary table and the
// violations, for $GITHUB_STEP_SUMMARY or a pull-request comment).

// writeGitHub writes r's annotations: "::error file=F,line=L,title=RULE::
// SOURCE LOCATION: MESSAGE" for each violation (::warning for a warning;
// a live check, which has no file, has the request in the title),
// an ::error for an input that could not be read, a ::notice for what was
// set aside.
func writeGitHub(b *bytes.Buffer, r Result) {
	props := func(title string, line int) string {
		var p []string
		if r.File != "" {
			p = append(p, "file="+ghProperty(r.File))
			if line > 0 {
				p = append(p, "line="+strconv.Itoa(line))
			}
		}
		p = append(p, "title="+ghProperty(title))
		return strings.Join(p, ",")
	}
	switch {
	case r.Notice != "":
		fmt.Fprintf(b, "::notice %s::%s\n", props("taskmock: set aside", 0), ghData(r.Source+": "+textutil.OneLine(r.Notice)))
		return
	case r.Error != "":
		fmt.Fprintf(b, "::error %s::%s\n", props("taskmock: unreadable", 0), ghData(r.Source+": "+textutil.OneLine(r.Error)))
		return
	}
	for i, v := range r.Report.Violations {
		level := "error"
		if v.Severity == contract.SeverityWarning {
			level = "warning"
		}
		line := 0
		if i < len(r.Lines) {
			line = r.Lines[i]
		}
		title := string(v.Rule)
		if r.Live != nil {
			// A live check has no file: the title says which request.
			title += " " + textutil.OneLine(r.Source)
		}
		fmt.Fprintf(b, "::%s %s::%s\n", level, props(title, line), ghData(resultSource(r)+" "+v.Location+": "+textutil.OneLine(v.Message)))
	}
}

// ghData escapes a workflow command's message.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(ghNoControls(s))
}

// ghProperty escapes a workflow command's property value.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(ghNoControls(s))
}

// ghNoControls replaces the control characters of s other than CR and LF
// (escaped as the runner reads them), such as ESC that would recolour the
// log, and invalid UTF-8 by spaces, as the text format does.
func ghNoControls(s string) string {
	return textutil.MapRunes(s, func(r rune, valid bool) rune {
		if r == '\r' || r == '\n' {
			return r
		}
		if !valid || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	})
}

// writeMarkdownHead writes the title and the summary table, and the head of
// the violations table when there are rows to follow.
func writeMarkdownHead(b *bytes.Buffer, tool string, s Summary, rows bool) {
	b.WriteString("## " + tool + "\n\n")
	b.WriteString("| checked | passed | failed | errors | warnings | unreadable |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n")
	fmt.Fprintf(b, "| %d | %d | %d | %d | %d | %d |\n", s.Checked, s.Passed, s.Failed(), s.Errors, s.Warnings, s.Unreadable)
	if !rows {
		b.WriteString("\nNo violation.\n")
		return
	}
	b.WriteString("\n### Violations\n\n| source | severity | rule | location | message |\n| --- | --- | --- | --- | --- |\n")
}

// writeMarkdownRows writes r's rows of the violations table.
func writeMarkdownRows(b *bytes.Buffer, r Result) {
	row := func(severity, rule, location, msg string) {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", mdCode(resultSource(r)), severity, mdCode(rule), mdCode(location), mdCode(msg))
	}
	switch {
	case r.Notice != "":
		row("notice", "", "", r.Notice)
		return
	case r.Error != "":
		row("unreadable", "", "", r.Error)
		return
	}
	for _, v := range r.Report.Violations {
		row(string(v.Severity), string(v.Rule), v.Location, v.Message)
	}
}

// mdCode puts s in a code span that no backtick in it can close; "" stays
// empty. A message is one too: the values it quotes come from the server
// or a Pact file under review, and in a code span a Markdown image, link,
// emphasis, HTML or @mention in them is inert text.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(textutil.OneLine(s), "|", `\|`)
	if !strings.Contains(s, "`") {
		return "`" + s + "`"
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + " " + s + " " + fence
}
