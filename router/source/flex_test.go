package source

import (
	"encoding/json"
	"testing"
	"time"
)

func TestFlexTime_AcceptsEverySpellingSendersUse(t *testing.T) {
	want := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, in := range []string{
		`"2026-03-04T05:06:07Z"`,
		`"2026-03-04T14:06:07+09:00"`,
		`"2026-03-04T05:06:07.000+0000"`,
		`1772600767000`,
		`"1772600767000"`,
		`1772600767`,
		`1772600767000000`,
		`1772600767000000000`,
	} {
		var got FlexTime
		if err := json.Unmarshal([]byte(in), &got); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if !got.Equal(want) {
			t.Errorf("%s = %v, want %v", in, got.Time, want)
		}
	}
}

func TestFlexTime_NullAndEmptyAreZero(t *testing.T) {
	for _, in := range []string{`null`, `""`, `0`, `"0"`} {
		got := FlexTime{time.Now()}
		if err := json.Unmarshal([]byte(in), &got); err != nil || !got.IsZero() {
			t.Errorf("%s = %v, %v; want zero, nil", in, got.Time, err)
		}
	}
}

func TestFlexTime_RejectsGarbage(t *testing.T) {
	for _, in := range []string{`"yesterday"`, `{}`, `[1]`, `true`, `-5`, `1e30`} {
		var got FlexTime
		if err := json.Unmarshal([]byte(in), &got); err == nil {
			t.Errorf("%s accepted as %v", in, got.Time)
		}
	}
}

func TestFlexBool(t *testing.T) {
	for in, want := range map[string]bool{`true`: true, `"true"`: true, `"False"`: false, `1`: true, `"0"`: false, `null`: false} {
		var got FlexBool
		if err := json.Unmarshal([]byte(in), &got); err != nil || bool(got) != want {
			t.Errorf("%s = %v, %v; want %v", in, got, err, want)
		}
	}
	var b FlexBool
	if err := json.Unmarshal([]byte(`"maybe"`), &b); err == nil {
		t.Error(`"maybe" accepted as a boolean`)
	}
}

func TestFlexStrings(t *testing.T) {
	for in, want := range map[string][]string{
		`["a","b"]`: {"a", "b"},
		`"a"`:       {"a"},
		`[1,"",2]`:  {"1", "2"},
		`null`:      nil,
	} {
		var got FlexStrings
		if err := json.Unmarshal([]byte(in), &got); err != nil || len(got) != len(want) {
			t.Errorf("%s = %q, %v; want %q", in, got, err, want)
			continue
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s = %q, want %q", in, got, want)
			}
		}
	}
}

func TestDecodeJSON_NamesTheField(t *testing.T) {
	var v struct {
		Alerts []struct {
			Status string `json:"status"`
		} `json:"alerts"`
	}
	tests := []struct {
		name, body, field string
	}{
		{"empty", "", ""},
		{"truncated", `{"alerts": [`, ""},
		{"wrong type", `{"alerts": [{"status": 3}]}`, "alerts.status"},
		{"trailing", `{} {}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := DecodeJSON([]byte(tt.body), &v)
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("DecodeJSON = %v, want *Error", err)
			}
			if e.Status != 400 || e.Field != tt.field || e.Reason == "" {
				t.Errorf("DecodeJSON = %+v, want 400 on field %q with a reason", e, tt.field)
			}
		})
	}
}
