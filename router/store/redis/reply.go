package redis

import "fmt"

// reply reads the array a script returns, remembering the first value
// that has an unexpected type, so decoding code reads straight through
// and checks err once.
type reply struct {
	v   []any
	err error
}

func newReply(v []any) *reply { return &reply{v: v} }

func (r *reply) get(i int) any {
	if i < len(r.v) {
		return r.v[i]
	}
	return nil
}

func (r *reply) str(i int) string {
	if s, ok := r.get(i).(string); ok {
		return s
	}
	r.fail(i, "string")
	return ""
}

func (r *reply) int(i int) int64 {
	if n, ok := r.get(i).(int64); ok {
		return n
	}
	r.fail(i, "integer")
	return 0
}

func (r *reply) list(i int) []any {
	switch l := r.get(i).(type) {
	case []any:
		return l
	case nil:
		return nil
	}
	r.fail(i, "array")
	return nil
}

func (r *reply) fail(i int, want string) {
	if r.err == nil {
		r.err = fmt.Errorf("unexpected reply: value %d is %T, want %s", i, r.get(i), want)
	}
}
