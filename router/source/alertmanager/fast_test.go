package alertmanager

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fastCases are bodies at the edges of what the fast path takes: each
// must parse exactly as encoding/json parses it, whichever path runs.
var fastCases = []string{
	`{"alerts":[{"labels":{"alertname":"A"}}]}`,
	`  {"alerts" : [ {"labels" : {"alertname" : "A"} , "status":"firing"} ] }  `,
	`{"alerts":[{"labels":{"alertname":"A"}}]} x`,
	`{"alerts":[{"labels":{"alertname":"A"}}]}{}`,
	`{"alerts":[{"labels":{"alertname":"A","a":"1","a":"2"}}]}`,
	`{"alerts":[{"labels":{"alertname":"A"},"labels":{"b":"c"}}]}`,
	`{"alerts":[{"labels":{"alertname":"A"}}],"alerts":[]}`,
	`{"Alerts":[{"labels":{"alertname":"A"}}]}`,
	`{"alerts":[{"Labels":{"alertname":"A"}}]}`,
	`{"alerts":[{"labels":{"alertname":"A"},"STATUS":"resolved"}]}`,
	`{"alerts":[{"labels":{"alertname":"A"},"statu\u0073":"resolved"}]}`,
	`{"alerts":[{"labels":{"alertname":"caf\u00e9 \ud83d\ude00 \ud800 \"q\" \\ \/ \b\f\n\r\t"}}]}`,
	`{"alerts":[{"labels":{"alertname":"a\u0026b \u00e9 \u0000 \"x\" \\ \/ é \u2028","b\u00e9":"\ud83d\ude00"}}]}`,
	`{"alerts":[{"labels":{"alertname":"\udc00 \ud800x"}}]}`,
	"{\"alerts\":[{\"labels\":{\"alertname\":\"caf\xc3\xa9 \xff\xfe bad utf-8\"}}]}",
	"{\"alerts\":[{\"labels\":{\"alertname\":\"tab\there\"}}]}",
	`{"alerts":[{"labels":{"alertname":"A","k\u00e9y":"v"}}]}`,
	`{"alerts":[{"labels":{"alertname":"A","n":null}}]}`,
	`{"alerts":[{"labels":{"alertname":"A","n":1}}]}`,
	`{"alerts":[{"labels":null}]}`,
	`{"alerts":[null]}`,
	`{"alerts":[{"labels":{"alertname":"A"}}, "x"]}`,
	`{"alerts":null}`,
	`{"alerts":[]}`,
	`{"alerts":{}}`,
	`{"alerts":[{"labels":{"alertname":"A"},"startsAt":"2026-03-04T04:51:37.912Z","endsAt":"2026-03-04T05:51:37+09:00"}]}`,
	`{"alerts":[{"labels":{"alertname":"A"},"startsAt":null,"endsAt":"0001-01-01T00:00:00Z"}]}`,
	`{"alerts":[{"labels":{"alertname":"A"},"startsAt":"yesterday"}]}`,
	`{"alerts":[{"labels":{"alertname":"A"},"startsAt":1772600000}]}`,
	`{"alerts":[{"labels":{"alertname":"A"},"startsAt":"2026-03-04T04:51:37\u002e912Z"}]}`,
	`{"alerts":[{"labels":{"alertname":"A"},"status":5}]}`,
	`{"alerts":[{"labels":{"alertname":"A"},"status":null,"fingerprint":null}]}`,
	`{"alerts":[{"labels":{"alertname":"A"},"extra":{"deep":[1,-2.5e+3,true,false,null,{"x":[]}]}}]}`,
	`{"alerts":[{"labels":{"alertname":"A"},"extra":[01]}]}`,
	`{"alerts":[{"labels":{"alertname":"A"},"extra":-}]}`,
	`{"alerts":[{"labels":{"alertname":"A"},"extra":1.}]}`,
	`{"alerts":[{"labels":{"alertname":"A"},"extra":tru}]}`,
	`{"alerts":[{"labels":{"alertname":"A"},"extra":"\x"}]}`,
	`{"alerts":[{"labels":{"alertname":"A"}}],"truncatedAlerts":3}`,
	`{"alerts":[{"labels":{"alertname":"A"}}],"truncatedAlerts":-1}`,
	`{"alerts":[{"labels":{"alertname":"A"}}],"truncatedAlerts":1.0}`,
	`{"alerts":[{"labels":{"alertname":"A"}}],"truncatedAlerts":1e2}`,
	`{"alerts":[{"labels":{"alertname":"A"}}],"truncatedAlerts":18446744073709551616}`,
	`{"alerts":[{"labels":{"alertname":"A"}}],"truncatedAlerts":"3"}`,
	`{"alerts":[{"labels":{"alertname":"A"}}],"version":4}`,
	`{"alerts":[{"labels":{"a":"b"}}],"commonLabels":{"alertname":"Common"},"status":"resolved","groupKey":"{}:{}","externalURL":"http://am"}`,
	`{"alerts":[{"labels":{"a":"b"}}],"commonLabels":null,"groupLabels":null,"routeLabels":null,"commonAnnotations":{}}`,
	// Alerts whose entries repeat those of the alert before (kv reuses
	// their strings from the second alert of a webhook on): escaped,
	// null after empty and empty after null, shifted by an extra label,
	// a repeated key, a value sent escaped once and plain once, the same
	// entry in labels and annotations.
	`{"alerts":[{"labels":{"alertname":"Z"}},` +
		`{"labels":{"alertname":"A","b":"x\u0026y","c":"","d":"was","k\u00e9y":"v"},"annotations":{"s":"x\u0026y"}},` +
		`{"labels":{"alertname":"A","b":"x\u0026y","c":null,"d":null,"k\u00e9y":"w"},"annotations":{"s":"x\u0026y"}},` +
		`{"labels":{"alertname":"A","b":"x\u0026y","c":"","d":"","k\u00e9y":"w"}},` +
		`{"labels":{"alertname":"A","a":"new","b":"x\u0026y","c":"2","c":"3"}},` +
		`{"labels":{"alertname":"A","b":"x&y"},"annotations":{"alertname":"A","b":"x\u0026y"}}]}`,
	`{"alerts":[{"labels":{"a":"b"}}],"groupLabels":[]}`,
	`{"alerts":[{"labels":{"a":"b"}}],"commonLabels":{"alertname":"X","alertname":"Y"}}`,
	`{"alerts":[{"labels":{"a":"b"}}],"commonLabels":{"alertname":"X","alert\u006eame":"Esc"}}`,
	`{"alerts":[{"labels":{"a":"b"}}],"commonLabels":{"alertname":"X","alertname":null}}`,
	`{"alerts":[{"labels":{"a":"b"}}],"commonLabels":{"alertname":"X","other":5}}`,
	`{"alerts":[{"labels":{"a":"b"}}],"commonLabels":{"alertname":"caf\u00e9"},"groupLabels":{"k":"\ud800"},"routeLabels":{"k":null}}`,
	`{"alerts":[{"labels":{"a":"b"}}],"commonAnnotations":{"k":true}}`,
	`{"alerts":[{"labels":{"a":"b"},"endsAt":"2026-01-01T00:00:00Z"}],"status":"firing"}`,
	`{"alerts":[{"labels":{"alertname":"A"}}],"nested":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`,
	`[{"labels":{"alertname":"A"}}]`,
	`null`,
	``,
	`   `,
}

func fastInputs(t testing.TB) [][]byte {
	var out [][]byte
	for _, c := range fastCases {
		out = append(out, []byte(c))
	}
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, ".golden.json") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// checkSameAsReference fails unless Parse and the encoding/json path
// agree on body: the same alerts, or the same error.
func checkSameAsReference(t *testing.T, p Parser, body []byte) {
	t.Helper()
	got, gotErr := p.Parse(body)
	want, wantErr := p.parseReference(body)
	if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && !reflect.DeepEqual(gotErr, wantErr)) {
		t.Fatalf("body %q:\nerror %v\nwant  %v", body, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("body %q:\ngot  %+v\nwant %+v", body, got, want)
	}
}

func TestParse_FastPathMatchesReference(t *testing.T) {
	p := testParser()
	for _, body := range fastInputs(t) {
		checkSameAsReference(t, p, body)
	}
}

// TestFastDecode_TakesWhatAlertmanagerSends guards the speed: real
// payloads, and the benchmark's, must not fall back to encoding/json.
func TestFastDecode_TakesWhatAlertmanagerSends(t *testing.T) {
	bodies := map[string][]byte{"benchmark": benchBody(&testing.B{}, 3)}
	for _, name := range []string{"firing_group", "firing_group_ha_peer", "mixed_group", "old_alertmanager", "resolved_group", "truncated_group"} {
		bodies[name] = readSample(t, name)
	}
	for name, body := range bodies {
		if _, ok := fastDecode(body); !ok {
			t.Errorf("%s: the fast path declined it", name)
		}
	}
}

func FuzzParse_FastPathMatchesReference(f *testing.F) {
	for _, body := range fastInputs(f) {
		f.Add(body)
	}
	p := testParser()
	f.Fuzz(func(t *testing.T, body []byte) {
		checkSameAsReference(t, p, body)
	})
}
