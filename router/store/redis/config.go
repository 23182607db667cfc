package redis

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Config says how to reach Redis. Exactly one of Address, URL,
// Sentinel and Cluster names the server(s).
type Config struct {
	// Address is host:port of a single server.
	Address string
	// URL is redis://[user:password@]host:port[/db] or rediss:// for
	// TLS. Username, Password and DB override what it contains.
	URL string
	// Username and Password authenticate (Redis ACL or requirepass).
	// The password never appears in errors or in String.
	Username string
	Password string
	// DB selects the database of a single server or Sentinel master.
	DB int
	// TLS encrypts connections.
	TLS TLSConfig
	// Sentinel finds the master through Redis Sentinel.
	Sentinel SentinelConfig
	// Cluster connects to a Redis Cluster.
	Cluster ClusterConfig
	// DialTimeout, ReadTimeout and WriteTimeout bound each network
	// operation; zero keeps go-redis's defaults (5s, 3s, 3s).
	DialTimeout  time.Duration
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// PoolSize is the number of connections per server; zero keeps
	// go-redis's default (10 per CPU).
	PoolSize int
}

// TLSConfig enables TLS.
type TLSConfig struct {
	// Enabled turns TLS on (a rediss:// URL does too).
	Enabled bool
	// InsecureSkipVerify accepts any server certificate; for tests only.
	InsecureSkipVerify bool
	// CAFile is a PEM file of CAs to trust instead of the system's.
	CAFile string
}

// SentinelConfig names a Sentinel-managed master.
type SentinelConfig struct {
	// MasterName is the master's name in Sentinel.
	MasterName string
	// Addresses are the Sentinels' host:port addresses.
	Addresses []string
}

// ClusterConfig names a Redis Cluster.
type ClusterConfig struct {
	// Addresses are host:port addresses of some of the cluster's nodes.
	Addresses []string
}

// String describes the configuration without its secrets.
func (c Config) String() string {
	if c.Password != "" {
		c.Password = "<secret>"
	}
	c.URL = redactURL(c.URL)
	type plain Config // without String, so %+v does not recurse
	return fmt.Sprintf("%+v", plain(c))
}

// NewClient returns a go-redis client for cfg: a plain, Sentinel-backed
// or Cluster client, as configured. It does not connect; go-redis dials
// on first use and redials whenever a connection breaks.
func NewClient(cfg Config) (goredis.UniversalClient, error) {
	opts, err := cfg.universalOptions()
	if err != nil {
		return nil, fmt.Errorf("redis config: %w", err)
	}
	return goredis.NewUniversalClient(opts), nil
}

func (c Config) universalOptions() (*goredis.UniversalOptions, error) {
	o := &goredis.UniversalOptions{
		Username:     c.Username,
		Password:     c.Password,
		DB:           c.DB,
		DialTimeout:  c.DialTimeout,
		ReadTimeout:  c.ReadTimeout,
		WriteTimeout: c.WriteTimeout,
		PoolSize:     c.PoolSize,
		// A caller's deadline (an HTTP request's, say) bounds the
		// command, so a slow Redis fails the call instead of outliving it.
		ContextTimeoutEnabled: true,
	}
	if err := c.setServers(o); err != nil {
		return nil, err
	}
	if err := c.TLS.apply(o); err != nil {
		return nil, err
	}
	return o, nil
}

// setServers fills in the servers from whichever of Address, URL,
// Sentinel and Cluster is set.
func (c Config) setServers(o *goredis.UniversalOptions) error {
	set := 0
	for _, ok := range []bool{c.Address != "", c.URL != "", c.Sentinel.MasterName != "", len(c.Cluster.Addresses) > 0} {
		if ok {
			set++
		}
	}
	if set != 1 {
		return errors.New("set exactly one of address, url, sentinel and cluster")
	}
	switch {
	case c.Address != "":
		if _, _, err := net.SplitHostPort(c.Address); err != nil {
			return fmt.Errorf("address %q: want host:port", c.Address)
		}
		o.Addrs = []string{c.Address}
	case c.URL != "":
		return c.applyURL(o)
	case c.Sentinel.MasterName != "":
		if len(c.Sentinel.Addresses) == 0 {
			return errors.New("sentinel: no addresses")
		}
		o.MasterName, o.Addrs = c.Sentinel.MasterName, c.Sentinel.Addresses
	default:
		if c.DB != 0 {
			return errors.New("cluster: Redis Cluster has no databases but 0")
		}
		o.Addrs, o.IsClusterMode = c.Cluster.Addresses, true
	}
	return nil
}

// applyURL takes server, credentials, database and TLS from the URL;
// explicit Config fields win. Errors never quote the URL: it may hold a
// password.
func (c Config) applyURL(o *goredis.UniversalOptions) error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		return errors.New("url: want redis://[user:password@]host:port[/db] or rediss://...")
	}
	p, err := goredis.ParseURL(c.URL)
	if err != nil {
		msg := err.Error()
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "<secret>")
		}
		return fmt.Errorf("url: %s", msg)
	}
	o.Addrs = []string{p.Addr}
	if o.Username == "" {
		o.Username = p.Username
	}
	if o.Password == "" {
		o.Password = p.Password
	}
	if o.DB == 0 {
		o.DB = p.DB
	}
	o.TLSConfig = p.TLSConfig
	return nil
}

// apply sets up TLS from the configuration, on top of what a rediss://
// URL already asked for.
func (t TLSConfig) apply(o *goredis.UniversalOptions) error {
	if !t.Enabled && o.TLSConfig == nil {
		if t.InsecureSkipVerify || t.CAFile != "" {
			return errors.New("tls: insecure_skip_verify or ca_file set but TLS is not enabled")
		}
		return nil
	}
	if o.TLSConfig == nil {
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	o.TLSConfig.InsecureSkipVerify = t.InsecureSkipVerify
	if t.CAFile == "" {
		return nil
	}
	pem, err := os.ReadFile(t.CAFile)
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return fmt.Errorf("tls: %s holds no PEM certificate", t.CAFile)
	}
	o.TLSConfig.RootCAs = pool
	return nil
}

// redactURL hides the password of a Redis URL.
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable url>"
	}
	return u.Redacted()
}
