package amimport

import (
	"strconv"

	"gopkg.in/yaml.v3"
)

// get returns the value of key in the mapping m, or nil.
func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// str returns the scalar value of key in m, or "".
func str(m *yaml.Node, key string) string {
	if n := get(m, key); n != nil && n.Kind == yaml.ScalarNode {
		return n.Value
	}
	return ""
}

// pairs calls f for each key and value of the mapping m, in order.
func pairs(m *yaml.Node, f func(key *yaml.Node, value *yaml.Node)) {
	if m == nil || m.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		f(m.Content[i], m.Content[i+1])
	}
}

// items returns the elements of a sequence node.
func items(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

// obj builds a mapping node.
type obj struct{ n *yaml.Node }

func newObj() *obj { return &obj{n: &yaml.Node{Kind: yaml.MappingNode}} }

// set appends key: v.
func (o *obj) set(key string, v *yaml.Node) *yaml.Node {
	k := &yaml.Node{Kind: yaml.ScalarNode, Value: key}
	o.n.Content = append(o.n.Content, k, v)
	return k
}

// has reports whether key is set.
func (o *obj) has(key string) bool { return get(o.n, key) != nil }

// setStr appends key: value as a string.
func (o *obj) setStr(key, value string) *yaml.Node { return o.set(key, scalar(value)) }

// child returns the mapping under key, creating it.
func (o *obj) child(key string) *obj {
	if n := get(o.n, key); n != nil {
		return &obj{n: n}
	}
	c := newObj()
	o.set(key, c.n)
	return c
}

func (o *obj) empty() bool { return len(o.n.Content) == 0 }

func scalar(v string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Value: v}
	if v == "" || needsQuotes(v) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

func boolean(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}

func integer(i int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(i)}
}

func list(values ...string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, v := range values {
		n.Content = append(n.Content, scalar(v))
	}
	return n
}

// needsQuotes reports whether a plain scalar would not read back as the
// same string.
func needsQuotes(v string) bool {
	var out any
	if err := yaml.Unmarshal([]byte("k: "+v), &out); err != nil {
		return true
	}
	m, ok := out.(map[string]any)
	if !ok {
		return true
	}
	s, ok := m["k"].(string)
	return !ok || s != v
}

// strip returns a deep copy of n without the input's comments, which
// would otherwise land in odd places of the output.
func strip(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.HeadComment, c.LineComment, c.FootComment = "", "", ""
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, x := range n.Content {
		c.Content[i] = strip(x)
	}
	return &c
}
