package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/pb33f/jsonschema/v6"
	"github.com/pb33f/jsonschema/v6/kind"
	"golang.org/x/text/message"
)

var printer = message.NewPrinter(message.MatchLanguage("en"))

// schemaViolations validates data against a compiled schema and turns each
// failing leaf of the error tree into a Violation at the JSON Pointer of the
// value that failed.
func schemaViolations(bs *bodySchema, data any, sev Severity) []Violation {
	if bs.pre != nil && bs.pre.valid(data) {
		return nil
	}
	err := bs.compiled.Validate(data)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Violation{{Severity: sev, Rule: RuleSchemaOther, Location: "body", Message: err.Error()}}
	}
	var out []Violation
	collectLeaves(ve, data, sev, &out)
	return out
}

func collectLeaves(e *jsonschema.ValidationError, root any, sev Severity, out *[]Violation) {
	switch e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		// A body matching none of the alternatives: report the choice, not
		// every failure of every branch.
		*out = append(*out, Violation{Severity: sev, Rule: RuleSchemaOther, Location: locationOf(e.InstanceLocation),
			Message: "matches none of the documented alternatives (" + e.ErrorKind.LocalizedString(printer) + ")"})
		return
	}
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			collectLeaves(c, root, sev, out)
		}
		return
	}
	loc := locationOf(e.InstanceLocation)
	found := describe(lookup(root, e.InstanceLocation))
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, name := range k.Missing {
			*out = append(*out, Violation{Severity: sev, Rule: RuleSchemaRequired,
				Location: pointer(append(e.InstanceLocation[:len(e.InstanceLocation):len(e.InstanceLocation)], name)),
				Message:  fmt.Sprintf("required property %q is missing", name)})
		}
	case *kind.Type:
		*out = append(*out, Violation{Severity: sev, Rule: RuleSchemaType, Location: loc,
			Message: fmt.Sprintf("expected %s, found %s", strings.Join(k.Want, " or "), found)})
	case *kind.Enum:
		*out = append(*out, Violation{Severity: sev, Rule: RuleSchemaEnum, Location: loc,
			Message: enumMessage(k.Want, k.Got, found)})
	case *kind.Const:
		*out = append(*out, Violation{Severity: sev, Rule: RuleSchemaEnum, Location: loc,
			Message: fmt.Sprintf("expected %s, found %s", literal(k.Want), found)})
	case *kind.Format:
		msg := fmt.Sprintf("expected format %s, found %s", k.Want, found)
		if k.Err != nil {
			msg = fmt.Sprintf("expected format %s, found %s: %v", k.Want, found, k.Err)
		}
		*out = append(*out, Violation{Severity: sev, Rule: RuleSchemaFormat, Location: loc, Message: msg})
	case *kind.Minimum:
		*out = append(*out, Violation{Severity: sev, Rule: RuleSchemaRange, Location: loc,
			Message: fmt.Sprintf("expected at least %s, found %s", ratString(k.Want), found)})
	case *kind.Maximum:
		*out = append(*out, Violation{Severity: sev, Rule: RuleSchemaRange, Location: loc,
			Message: fmt.Sprintf("expected at most %s, found %s", ratString(k.Want), found)})
	default:
		*out = append(*out, Violation{Severity: sev, Rule: RuleSchemaOther, Location: loc,
			Message: e.ErrorKind.LocalizedString(printer) + ", found " + found})
	}
}

func enumMessage(want []any, got any, found string) string {
	vals := make([]string, len(want))
	for i, w := range want {
		vals[i] = literal(w)
	}
	msg := fmt.Sprintf("expected one of %s, found %s", strings.Join(vals, ", "), found)
	if s, ok := got.(string); ok {
		for _, w := range want {
			if ws, ok := w.(string); ok && ws != s && strings.EqualFold(ws, s) {
				return msg + fmt.Sprintf(" (wrong letter case: the documented value is %q)", ws)
			}
		}
	}
	return msg
}

func ratString(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func locationOf(tokens []string) string {
	if len(tokens) == 0 {
		return "body"
	}
	return pointer(tokens)
}

// lookup follows reference tokens into a decoded JSON value.
func lookup(v any, tokens []string) any {
	for _, t := range tokens {
		switch x := v.(type) {
		case map[string]any:
			v = x[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// describe renders a JSON value for a message: its type and, for scalars, a
// short rendering of the value.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "string " + strconv.Quote(truncate(x, 60))
	case bool:
		return "boolean " + strconv.FormatBool(x)
	case json.Number:
		return "number " + truncate(x.String(), 40)
	case float64:
		return "number " + strconv.FormatFloat(x, 'g', -1, 64)
	case int:
		return "number " + strconv.Itoa(x)
	case map[string]any:
		return "object"
	case []any:
		return "array"
	default:
		return fmt.Sprintf("%v", x)
	}
}

// literal renders a scalar JSON value as it is written in JSON.
func literal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
