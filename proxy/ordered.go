package proxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/taskmock/taskmock/internal/jsonlimit"
)

// member is one name/value pair of a JSON object.
type member struct {
	key string
	val any
}

// object is a JSON object that keeps its members in the order they were
// read, so that a rewritten body keeps the vendor's field order.
type object []member

// get returns the value of the first member named key.
func (o object) get(key string) (any, bool) {
	for _, m := range o {
		if m.key == key {
			return m.val, true
		}
	}
	return nil, false
}

// str returns the value of member key when it is a string.
func (o object) str(key string) (string, bool) {
	v, _ := o.get(key)
	s, ok := v.(string)
	return s, ok
}

// orderedMaxDepth is the deepest nesting decodeOrdered reads and
// encodeOrdered writes: the depth jsonlimit.Check allows by default, so
// that a body Check accepted decodes, and no body makes either recurse
// deeper.
const orderedMaxDepth = jsonlimit.DefaultMaxDepth

// decodeOrdered reads one JSON value: objects as object, arrays as []any,
// numbers as json.Number (the decoder must UseNumber), the rest as
// encoding/json does. A value nested deeper than orderedMaxDepth is an
// error wrapping jsonlimit.ErrTooDeep.
func decodeOrdered(dec *json.Decoder) (any, error) {
	return decodeValue(dec, 0)
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if depth == orderedMaxDepth {
		return nil, &jsonlimit.Error{Kind: jsonlimit.ErrTooDeep, Limit: orderedMaxDepth, Offset: dec.InputOffset() - 1}
	}
	switch d {
	case '{':
		o := object{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("object key is %T", k)
			}
			v, err := decodeValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			o = append(o, member{key, v})
		}
		if _, err := dec.Token(); err != nil { // '}'
			return nil, err
		}
		return o, nil
	case '[':
		a := []any{}
		for dec.More() {
			v, err := decodeValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		if _, err := dec.Token(); err != nil { // ']'
			return nil, err
		}
		return a, nil
	}
	return nil, errors.New("unexpected delimiter")
}

// encodeOrdered writes v as compact JSON, objects in their member order. A
// value nested deeper than orderedMaxDepth is an error wrapping
// jsonlimit.ErrTooDeep.
func encodeOrdered(buf *bytes.Buffer, v any) error {
	return encodeValue(buf, v, 0)
}

func encodeValue(buf *bytes.Buffer, v any, depth int) error {
	switch v.(type) {
	case object, []any:
		if depth == orderedMaxDepth {
			return &jsonlimit.Error{Kind: jsonlimit.ErrTooDeep, Limit: orderedMaxDepth, Offset: int64(buf.Len())}
		}
	}
	switch x := v.(type) {
	case object:
		buf.WriteByte('{')
		for i, m := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := encodeValue(buf, m.key, depth); err != nil {
				return err
			}
			buf.WriteByte(':')
			if err := encodeValue(buf, m.val, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
		return nil
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := encodeValue(buf, e, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return err
		}
		buf.Write(b)
		return nil
	}
}
