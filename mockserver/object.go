package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// object is a JSON object that keeps its members in the order they were
// read or added, so that a task is written in the order its source has.
// It is a value: with returns a new object and never changes its receiver.
type object []member

type member struct {
	key   string
	value json.RawMessage
}

// parseObject reads one JSON object and nothing after it.
func parseObject(b []byte) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, errors.New("expected a JSON object")
	}
	o := object{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := t.(string)
		if !ok {
			return nil, fmt.Errorf("expected a member name, found %v", t)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		o = append(o, member{key: key, value: v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("unexpected data after the JSON object")
	}
	return o, nil
}

// toObject encodes v as JSON and reads it back as an object.
func toObject(v any) (object, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return parseObject(b)
}

// get returns the raw value of key.
func (o object) get(key string) (json.RawMessage, bool) {
	for _, m := range o {
		if m.key == key {
			return m.value, true
		}
	}
	return nil, false
}

// str returns the value of key if it is a JSON string.
func (o object) str(key string) (string, bool) {
	raw, ok := o.get(key)
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// child returns the value of key read as an object.
func (o object) child(key string) (object, error) {
	raw, ok := o.get(key)
	if !ok {
		return nil, fmt.Errorf("member %q is missing", key)
	}
	return parseObject(raw)
}

// with returns a copy of o where key has the JSON encoding of v: in place
// if key was there, else at the end.
func (o object) with(key string, v any) (object, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := make(object, 0, len(o)+1)
	found := false
	for _, m := range o {
		if m.key == key {
			m.value, found = raw, true
		}
		out = append(out, m)
	}
	if !found {
		out = append(out, member{key: key, value: raw})
	}
	return out, nil
}

// MarshalJSON writes the members in order. encoding/json compacts (or, with
// MarshalIndent, indents) the result, so the layout of the source values
// does not matter.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		if len(m.value) == 0 {
			b.WriteString("null")
			continue
		}
		b.Write(m.value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// without returns a copy of o without key.
func (o object) without(key string) object {
	out := make(object, 0, len(o))
	for _, m := range o {
		if m.key != key {
			out = append(out, m)
		}
	}
	return out
}
