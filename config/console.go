package config

import (
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Console configures the web console served under / and who may use it.
// People log in with the admin token (operator) or the viewer token
// (read-only), or come through an authenticating proxy that names them
// in a header.
type Console struct {
	// Disabled turns the console off (404); the API stays.
	Disabled bool `yaml:"disabled"`
	// ViewerToken lets people read the console without acting.
	ViewerToken Secret `yaml:"viewer_token"`
	// SessionSecret signs session cookies and CSRF tokens. Empty means
	// one derived from server.admin_token, so every replica accepts the
	// others' sessions and changing the token logs everyone out.
	SessionSecret Secret `yaml:"session_secret"`
	// SessionTTL is how long a login lasts.
	SessionTTL model.Duration `yaml:"session_ttl"`
	// Proxy trusts an authenticating proxy (oauth2-proxy, say) to name
	// the user.
	Proxy *ConsoleProxy `yaml:"proxy"`
	// MaxUploadBytes caps what the What-if page accepts (a configuration
	// and a trace together); larger uploads get 413.
	MaxUploadBytes int64 `yaml:"max_upload_bytes"`
	// AuditLog, if set, is a file every action is appended to as one
	// JSON line (who, what, on what, from where), besides the log.
	AuditLog string `yaml:"audit_log"`
}

// ConsoleProxy says which proxy may name the console's user, and which
// of the users it names may act.
type ConsoleProxy struct {
	// UserHeader carries the user's name (X-Forwarded-User,
	// X-Forwarded-Email).
	UserHeader string `yaml:"user_header"`
	// GroupsHeader, if set, carries the user's groups, comma-separated
	// (oauth2-proxy's X-Forwarded-Groups).
	GroupsHeader string `yaml:"groups_header"`
	// TrustedAddresses are the proxy's addresses or CIDR ranges; the
	// header from anywhere else is ignored.
	TrustedAddresses []string `yaml:"trusted_addresses"`
	// Operators are users who may act (acknowledge, resolve, silence).
	Operators []string `yaml:"operators"`
	// OperatorGroups are groups whose members may act.
	OperatorGroups []string `yaml:"operator_groups"`
	// DefaultRole is the role of everyone else the proxy names: viewer
	// or operator.
	DefaultRole string `yaml:"default_role"`
}

// Console roles.
const (
	RoleViewer   = "viewer"
	RoleOperator = "operator"
)

// DefaultMaxUploadBytes is the default of console.max_upload_bytes.
const DefaultMaxUploadBytes = 16 << 20

func (c *Console) applyDefaults() {
	setDefault(&c.SessionTTL, model.Duration(12*time.Hour))
	setDefault(&c.MaxUploadBytes, DefaultMaxUploadBytes)
	if p := c.Proxy; p != nil {
		setDefault(&p.UserHeader, "X-Forwarded-User")
		setDefault(&p.DefaultRole, RoleViewer)
	}
}

// TrustedPrefixes parses the proxy's trusted addresses; Validate has
// rejected any that do not parse.
func (p *ConsoleProxy) TrustedPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, a := range p.TrustedAddresses {
		if pr, err := parsePrefix(a); err == nil {
			out = append(out, pr)
		}
	}
	return out
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

const maxUploadLimit = 512 << 20

func (c *Config) validateConsole(v *validator) {
	if u := c.Server.ExternalURL; u != "" {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" {
			v.add("server.external_url", "want an absolute http(s) URL without query, like https://alertgate.example.com, got %q", u)
		}
	}
	con := c.Server.Console
	v.positive("server.console.session_ttl", con.SessionTTL)
	if con.MaxUploadBytes <= 0 || con.MaxUploadBytes > maxUploadLimit {
		v.add("server.console.max_upload_bytes", "must be between 1 and %d, got %d", maxUploadLimit, con.MaxUploadBytes)
	}
	if con.ViewerToken.IsSet() && con.ViewerToken == c.Server.AdminToken {
		v.add("server.console.viewer_token", "must differ from server.admin_token")
	}
	p := con.Proxy
	if p == nil {
		return
	}
	if len(p.TrustedAddresses) == 0 {
		v.add("server.console.proxy.trusted_addresses", "list the proxy's addresses: a user header from anywhere else must not be believed")
	}
	for i, a := range p.TrustedAddresses {
		if _, err := parsePrefix(a); err != nil {
			v.add("server.console.proxy.trusted_addresses", "[%d] %q is not an IP address or CIDR range", i, a)
		}
	}
	if p.DefaultRole != RoleViewer && p.DefaultRole != RoleOperator {
		v.add("server.console.proxy.default_role", "must be viewer or operator, got %q", p.DefaultRole)
	}
	if !con.SessionSecret.IsSet() && !c.Server.AdminToken.IsSet() {
		v.add("server.console.session_secret", "set it (or server.admin_token) so that console forms can be protected against cross-site requests on every replica")
	}
}
