package shipping_test

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// parseYAML reads a YAML document with gopkg.in/yaml.v3 (a test-only
// dependency of the module, at the version Tyk 5.8 links) and returns it
// with every scalar as its string form, every sequence a []any and every
// mapping a map[string]any, which is what the checks of this package walk.
// Tabs in indentation are errors, as they are to yaml.v3, and so are
// duplicate keys (which yaml.v3 only refuses when decoding into a map).
func parseYAML(src string) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return plainYAML(doc.Content[0])
}

// plainYAML converts one node (aliases resolved) as parseYAML says.
func plainYAML(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.AliasNode:
		return plainYAML(n.Alias)
	case yaml.ScalarNode:
		return n.Value, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := plainYAML(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key that is not a scalar", k.Line)
			}
			if _, dup := out[k.Value]; dup {
				return nil, fmt.Errorf("line %d: key %q defined twice", k.Line, k.Value)
			}
			v, err := plainYAML(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node kind %d", n.Line, n.Kind)
}

// yget walks a parsed YAML value by map keys and sequence indexes.
func yget(v any, path ...any) (any, error) {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%v: not a mapping", k)
			}
			if v, ok = m[k]; !ok {
				return nil, fmt.Errorf("no key %q", k)
			}
		case int:
			s, ok := v.([]any)
			if !ok || k >= len(s) {
				return nil, fmt.Errorf("[%d]: not a sequence or too short", k)
			}
			v = s[k]
		}
	}
	return v, nil
}
