package aria2

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// params are a call's positional parameters, the token already taken off.
type params []json.RawMessage

func wrongType(i int) *rpcError {
	return failed(fmt.Sprintf("The parameter at %d has wrong type.", i))
}

func (p params) has(i int) bool {
	return i < len(p) && !bytes.Equal(bytes.TrimSpace(p[i]), null)
}

// str reads a string parameter.
func (p params) str(i int) (string, *rpcError) {
	var s string
	if i >= len(p) || json.Unmarshal(p[i], &s) != nil {
		return "", wrongType(i)
	}
	return s, nil
}

// integer reads a number, or a string of one, as aria2 takes both.
func (p params) integer(i int) (int, *rpcError) {
	if i >= len(p) {
		return 0, wrongType(i)
	}
	var n int
	if json.Unmarshal(p[i], &n) == nil {
		return n, nil
	}
	var s string
	if json.Unmarshal(p[i], &s) == nil {
		if v, err := strconv.Atoi(s); err == nil {
			return v, nil
		}
	}
	return 0, wrongType(i)
}

// strs reads a list of strings; absent is empty.
func (p params) strs(i int) ([]string, *rpcError) {
	if !p.has(i) {
		return nil, nil
	}
	var out []string
	if json.Unmarshal(p[i], &out) != nil {
		return nil, wrongType(i)
	}
	return out, nil
}

// options reads an options struct: each value a string, or for header a
// list of them; numbers and booleans are taken as their text.
func (p params) options(i int) (map[string][]string, *rpcError) {
	if !p.has(i) {
		return map[string][]string{}, nil
	}
	var raw map[string]json.RawMessage
	if json.Unmarshal(p[i], &raw) != nil {
		return nil, wrongType(i)
	}
	out := make(map[string][]string, len(raw))
	for k, v := range raw {
		var list []any
		if json.Unmarshal(v, &list) != nil {
			var one any
			json.Unmarshal(v, &one)
			list = []any{one}
		}
		for _, item := range list {
			switch x := item.(type) {
			case string:
				out[k] = append(out[k], x)
			case float64:
				out[k] = append(out[k], strconv.FormatFloat(x, 'f', -1, 64))
			case bool:
				out[k] = append(out[k], strconv.FormatBool(x))
			default:
				return nil, failed(fmt.Sprintf("We encountered a problem while processing the option '--%s'.", k))
			}
		}
	}
	return out, nil
}
