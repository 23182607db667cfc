package redis

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestConfig_UniversalOptions(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     Config
		addrs   []string
		tls     bool
		cluster bool
		master  string
		db      int
		user    string
		pass    string
		err     string
	}{
		{name: "address", cfg: Config{Address: "redis:6379", DB: 2}, addrs: []string{"redis:6379"}, db: 2},
		{name: "url", cfg: Config{URL: "redis://bob:hunter2@redis:6380/3"}, addrs: []string{"redis:6380"}, db: 3, user: "bob", pass: "hunter2"},
		{name: "url with TLS", cfg: Config{URL: "rediss://redis:6380"}, addrs: []string{"redis:6380"}, tls: true},
		{name: "fields override the url", cfg: Config{URL: "redis://bob:old@redis:6380/3", Password: "new", DB: 4}, addrs: []string{"redis:6380"}, db: 4, user: "bob", pass: "new"},
		{name: "sentinel", cfg: Config{Sentinel: SentinelConfig{MasterName: "mymaster", Addresses: []string{"s1:26379", "s2:26379"}}}, addrs: []string{"s1:26379", "s2:26379"}, master: "mymaster"},
		{name: "cluster", cfg: Config{Cluster: ClusterConfig{Addresses: []string{"n1:6379"}}, TLS: TLSConfig{Enabled: true}}, addrs: []string{"n1:6379"}, cluster: true, tls: true},
		{name: "nothing", cfg: Config{}, err: "exactly one"},
		{name: "two", cfg: Config{Address: "a:1", URL: "redis://b:2"}, err: "exactly one"},
		{name: "address without port", cfg: Config{Address: "redis"}, err: "host:port"},
		{name: "bad scheme", cfg: Config{URL: "http://bob:hunter2@redis:6379"}, err: "url"},
		{name: "bad db", cfg: Config{URL: "redis://bob:hunter2@redis:6379/hunter2"}, err: "database"},
		{name: "sentinel without addresses", cfg: Config{Sentinel: SentinelConfig{MasterName: "m"}}, err: "sentinel"},
		{name: "cluster with a db", cfg: Config{Cluster: ClusterConfig{Addresses: []string{"n1:6379"}}, DB: 1}, err: "cluster"},
		{name: "CA file without TLS", cfg: Config{Address: "a:1", TLS: TLSConfig{CAFile: ca}}, err: "not enabled"},
		{name: "CA file that is no PEM", cfg: Config{Address: "a:1", TLS: TLSConfig{Enabled: true, CAFile: ca}}, err: "no PEM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := tt.cfg.universalOptions()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want one mentioning %q", err, tt.err)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error %q reveals the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(o.Addrs, tt.addrs) || (o.TLSConfig != nil) != tt.tls || o.IsClusterMode != tt.cluster ||
				o.MasterName != tt.master || o.DB != tt.db || o.Username != tt.user || o.Password != tt.pass {
				t.Errorf("options = addrs %v tls %v cluster %v master %q db %d user %q pass %q",
					o.Addrs, o.TLSConfig != nil, o.IsClusterMode, o.MasterName, o.DB, o.Username, o.Password)
			}
		})
	}
}

func TestConfig_TimeoutsAndPoolArePassedOn(t *testing.T) {
	o, err := Config{Address: "a:1", DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 3 * time.Second, PoolSize: 7}.universalOptions()
	if err != nil {
		t.Fatal(err)
	}
	if o.DialTimeout != time.Second || o.ReadTimeout != 2*time.Second || o.WriteTimeout != 3*time.Second || o.PoolSize != 7 {
		t.Errorf("options = %+v", o)
	}
}

func TestConfig_StringHidesThePassword(t *testing.T) {
	c := Config{URL: "redis://bob:hunter2@redis:6379", Password: "hunter2"}
	for _, s := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%v", &c)} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("%q reveals the password", s)
		}
	}
	if _, err := NewClient(Config{URL: "redis://bob:hunter2@redis:6379/x"}); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("NewClient error = %v, want one without the password", err)
	}
}
