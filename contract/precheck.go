package contract

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"github.com/pb33f/libopenapi/datamodel/high/base"
)

// A precheck is a small validator for the subset of JSON Schema the two
// documents use, compiled from the same schema model as the library's. It
// only ever says "this value certainly has no schema violation": anything it
// is unsure of (a keyword it does not know, a number such as 1.0 for an
// integer) makes it answer false, and the caller runs the library, which
// stays the authority on every reported violation.
type precheck struct {
	// any is true for the empty schema, which accepts every value.
	any bool
	// types is a set of jsonType bits; 0 means no type keyword.
	types    jsonType
	props    map[string]*precheck
	required []string
	items    *precheck
	allOf    []*precheck
	// enum holds the allowed values: a value passes only if it is of the
	// same kind and written exactly so.
	enum    []enumValue
	hasEnum bool
	format  func(any) bool
	// minimum and maximum bound integers written as plain digits.
	minimum, maximum *int64
}

// enumValue is a string, or an integer in its JSON text.
type enumValue struct {
	text     string
	isString bool
}

type jsonType uint8

const (
	typeObject jsonType = 1 << iota
	typeArray
	typeString
	typeInteger
	typeNumber
	typeBoolean
	typeNull
)

var jsonTypes = map[string]jsonType{
	"object": typeObject, "array": typeArray, "string": typeString, "integer": typeInteger,
	"number": typeNumber, "boolean": typeBoolean, "null": typeNull,
}

// precheckFields are the fields of base.Schema the precheck understands, or
// that are annotations without effect on validation. Compiling a schema with
// any other field set fails, so that the library alone judges it.
var precheckFields = map[string]bool{
	"Type": true, "Properties": true, "Required": true, "Items": true, "AllOf": true,
	"Enum": true, "Format": true, "Minimum": true, "Maximum": true,
	"Title": true, "Description": true, "Example": true, "Examples": true, "Default": true,
	"Comment": true, "ExternalDocs": true, "Deprecated": true, "XML": true, "ParentProxy": true,
	"Extensions": true,
}

// compilePrecheck compiles s, following $ref and allOf. An error means the
// schema uses something the precheck does not handle.
func compilePrecheck(s *base.Schema, depth int) (*precheck, error) {
	if s == nil {
		return nil, fmt.Errorf("no schema")
	}
	if depth > 32 {
		return nil, fmt.Errorf("schema nested too deep")
	}
	rv := reflect.ValueOf(s).Elem()
	rt := rv.Type()
	empty := true
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		if !f.IsExported() || rv.Field(i).IsZero() {
			continue
		}
		if f.Name == "Extensions" && s.Extensions.Len() == 0 {
			continue
		}
		if !precheckFields[f.Name] {
			return nil, fmt.Errorf("keyword %s is not handled", f.Name)
		}
		switch f.Name {
		case "Title", "Description", "Example", "Examples", "Default", "Comment", "ExternalDocs", "Deprecated", "XML", "ParentProxy":
		default:
			empty = false
		}
	}
	if s.Extensions.Len() > 0 {
		return nil, fmt.Errorf("extensions are not handled")
	}
	p := &precheck{any: empty}
	for _, t := range s.Type {
		bit, ok := jsonTypes[t]
		if !ok {
			return nil, fmt.Errorf("type %q is not handled", t)
		}
		p.types |= bit
	}
	if s.Properties != nil {
		p.props = map[string]*precheck{}
		for name, proxy := range s.Properties.FromOldest() {
			child, err := compilePrecheck(proxy.Schema(), depth+1)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			p.props[name] = child
		}
	}
	p.required = s.Required
	if s.Items != nil {
		if !s.Items.IsA() {
			return nil, fmt.Errorf("items: a boolean is not handled")
		}
		child, err := compilePrecheck(s.Items.A.Schema(), depth+1)
		if err != nil {
			return nil, fmt.Errorf("items: %w", err)
		}
		p.items = child
	}
	for _, member := range s.AllOf {
		child, err := compilePrecheck(member.Schema(), depth+1)
		if err != nil {
			return nil, fmt.Errorf("allOf: %w", err)
		}
		p.allOf = append(p.allOf, child)
	}
	if s.Enum != nil {
		p.hasEnum = true
		for _, n := range s.Enum {
			switch {
			case n == nil || len(n.Content) > 0:
				return nil, fmt.Errorf("enum: only strings and integers are handled")
			case n.Tag == "!!str":
				p.enum = append(p.enum, enumValue{n.Value, true})
			case n.Tag == "!!int" && isPlainInt(n.Value):
				p.enum = append(p.enum, enumValue{n.Value, false})
			default:
				return nil, fmt.Errorf("enum: %s %q is not handled", n.Tag, n.Value)
			}
		}
	}
	switch s.Format {
	case "":
	case FormatEsriDateTime:
		p.format = func(v any) bool { return checkEsriDateTime(v) == nil }
	case FormatOracleDateTime:
		p.format = func(v any) bool { return checkOracleDateTime(v) == nil }
	case "int32":
		p.format = func(v any) bool {
			n, ok := v.(json.Number)
			if !ok {
				return true // the format checks numbers only
			}
			i, ok := plainInt(n)
			return ok && i >= math.MinInt32 && i <= math.MaxInt32
		}
	default:
		return nil, fmt.Errorf("format %q is not handled", s.Format)
	}
	var err error
	if p.minimum, err = intBound(s.Minimum); err != nil {
		return nil, fmt.Errorf("minimum: %w", err)
	}
	if p.maximum, err = intBound(s.Maximum); err != nil {
		return nil, fmt.Errorf("maximum: %w", err)
	}
	return p, nil
}

func intBound(f *float64) (*int64, error) {
	if f == nil {
		return nil, nil
	}
	if *f != math.Trunc(*f) || math.Abs(*f) > 1<<53 {
		return nil, fmt.Errorf("%v is not a whole number", *f)
	}
	i := int64(*f)
	return &i, nil
}

// isPlainInt reports whether s is an integer written as JSON writes it with
// no fraction or exponent: -?(0|[1-9][0-9]*).
func isPlainInt(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// plainInt returns the value of a number written as a plain integer that
// fits in an int64.
func plainInt(n json.Number) (int64, bool) {
	if !isPlainInt(string(n)) {
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	return i, err == nil
}

// valid reports whether v certainly satisfies the schema. False means
// "not sure", never "invalid".
func (p *precheck) valid(v any) bool {
	if p.any {
		return true
	}
	if p.types != 0 && !p.typeOK(v) {
		return false
	}
	if p.hasEnum && !p.enumOK(v) {
		return false
	}
	if p.format != nil && !p.format(v) {
		return false
	}
	if p.minimum != nil || p.maximum != nil {
		if n, isNum := v.(json.Number); isNum {
			i, ok := plainInt(n)
			if !ok || (p.minimum != nil && i < *p.minimum) || (p.maximum != nil && i > *p.maximum) {
				return false
			}
		}
	}
	switch x := v.(type) {
	case map[string]any:
		for _, name := range p.required {
			if _, ok := x[name]; !ok {
				return false
			}
		}
		if len(p.props) > 0 {
			if len(x) < len(p.props) {
				for k, val := range x {
					if child, ok := p.props[k]; ok && !child.valid(val) {
						return false
					}
				}
			} else {
				for k, child := range p.props {
					if val, ok := x[k]; ok && !child.valid(val) {
						return false
					}
				}
			}
		}
	case []any:
		if p.items != nil {
			for _, e := range x {
				if !p.items.valid(e) {
					return false
				}
			}
		}
	}
	for _, member := range p.allOf {
		if !member.valid(v) {
			return false
		}
	}
	return true
}

func (p *precheck) typeOK(v any) bool {
	var t jsonType
	switch x := v.(type) {
	case map[string]any:
		t = typeObject
	case []any:
		t = typeArray
	case string:
		t = typeString
	case bool:
		t = typeBoolean
	case nil:
		t = typeNull
	case json.Number:
		if p.types&typeNumber != 0 {
			return true
		}
		// 1.0 and 1e2 are integers to the library; the precheck only
		// vouches for plain digits and leaves the rest to it.
		_, ok := plainInt(x)
		return ok && p.types&typeInteger != 0
	default:
		return false
	}
	return p.types&t != 0
}

func (p *precheck) enumOK(v any) bool {
	var e enumValue
	switch x := v.(type) {
	case string:
		e = enumValue{x, true}
	case json.Number:
		if !isPlainInt(string(x)) {
			return false
		}
		e = enumValue{string(x), false}
	default:
		return false
	}
	for _, w := range p.enum {
		if w == e {
			return true
		}
	}
	return false
}
