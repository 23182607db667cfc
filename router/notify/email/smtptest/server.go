// Package smtptest is a real SMTP server for tests, in process: it
// speaks the protocol over TCP (EHLO, STARTTLS with a certificate it
// makes, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA with dot-unstuffing,
// RSET, NOOP, QUIT), keeps every message it accepts, and can be told to
// answer a command with a given reply, so a client's handling of 4xx and
// 5xx replies can be tested.
package smtptest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data string
	// TLS and User say how the client connected and who it logged in as.
	TLS  bool
	User string
}

// Server is a running SMTP server.
type Server struct {
	// Addr is host:port to dial.
	Addr string
	// RootCAs trusts the server's certificate.
	RootCAs *x509.CertPool
	// User and Password are the only credentials AUTH accepts.
	User, Password string
	// NoSTARTTLS stops the server offering STARTTLS; Mechanisms are the
	// AUTH mechanisms offered (default "PLAIN LOGIN").
	NoSTARTTLS bool
	Mechanisms string

	ln   net.Listener
	cert tls.Certificate
	mu   sync.Mutex
	msgs []Message
	// replies maps a command verb to the reply to give instead.
	replies map[string]string
}

// New starts a server on a free loopback port, stopped when t ends.
func New(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln, User: "alertgate", Password: "hunter2", Mechanisms: "PLAIN LOGIN", replies: map[string]string{}}
	s.cert, s.RootCAs = certificate(t)
	go s.serve()
	t.Cleanup(func() { ln.Close() })
	return s
}

// Reply makes the server answer verb (MAIL, RCPT, DATA, AUTH, or "." for
// the end of data) with reply, such as "451 4.3.0 try again later".
func (s *Server) Reply(verb, reply string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies[verb] = reply
}

// Messages returns the accepted messages.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

func (s *Server) reply(verb string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.replies[verb]
}

func (s *Server) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.session(c)
	}
}

// session is one SMTP conversation.
func (s *Server) session(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	st := &state{conn: conn, r: bufio.NewReader(conn)}
	st.send("220 smtptest ESMTP ready")
	for {
		line, err := st.r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		if r := s.reply(verb); r != "" && verb != "EHLO" && verb != "QUIT" {
			st.send(r)
			continue
		}
		if !s.command(st, verb, arg) {
			return
		}
	}
}

type state struct {
	conn    net.Conn
	r       *bufio.Reader
	tls     bool
	user    string
	from    string
	to      []string
	greeted bool
}

func (st *state) send(line string) { _, _ = st.conn.Write([]byte(line + "\r\n")) }

// command handles one command; false ends the session.
func (s *Server) command(st *state, verb, arg string) bool {
	switch verb {
	case "EHLO", "HELO":
		st.greeted = true
		lines := []string{"250-smtptest greets " + arg}
		if !st.tls && !s.NoSTARTTLS {
			lines = append(lines, "250-STARTTLS")
		}
		if s.Mechanisms != "" {
			lines = append(lines, "250-AUTH "+s.Mechanisms)
		}
		lines = append(lines, "250 8BITMIME")
		st.send(strings.Join(lines, "\r\n"))
	case "STARTTLS":
		if st.tls || s.NoSTARTTLS {
			st.send("503 5.5.1 TLS already active or not offered")
			return true
		}
		st.send("220 2.0.0 go ahead")
		tc := tls.Server(st.conn, &tls.Config{Certificates: []tls.Certificate{s.cert}, MinVersion: tls.VersionTLS12})
		if err := tc.Handshake(); err != nil {
			return false
		}
		st.conn, st.r, st.tls, st.greeted = tc, bufio.NewReader(tc), true, false
	case "AUTH":
		s.auth(st, arg)
	case "MAIL":
		if !st.greeted {
			st.send("503 5.5.1 EHLO first")
			return true
		}
		st.from, st.to = addr(arg), nil
		st.send("250 2.1.0 ok")
	case "RCPT":
		if st.from == "" {
			st.send("503 5.5.1 MAIL first")
			return true
		}
		st.to = append(st.to, addr(arg))
		st.send("250 2.1.5 ok")
	case "DATA":
		if len(st.to) == 0 {
			st.send("503 5.5.1 RCPT first")
			return true
		}
		st.send("354 end with <CRLF>.<CRLF>")
		data, ok := readData(st.r)
		if !ok {
			return false
		}
		if r := s.reply("."); r != "" {
			st.send(r)
			return true
		}
		s.mu.Lock()
		s.msgs = append(s.msgs, Message{From: st.from, To: st.to, Data: data, TLS: st.tls, User: st.user})
		s.mu.Unlock()
		st.from, st.to = "", nil
		st.send("250 2.0.0 queued")
	case "RSET":
		st.from, st.to = "", nil
		st.send("250 2.0.0 ok")
	case "NOOP":
		st.send("250 2.0.0 ok")
	case "QUIT":
		st.send("221 2.0.0 bye")
		return false
	default:
		st.send("502 5.5.2 command not recognized")
	}
	return true
}

func (s *Server) auth(st *state, arg string) {
	mech, initial, _ := strings.Cut(arg, " ")
	var user, pass string
	switch strings.ToUpper(mech) {
	case "PLAIN":
		if initial == "" {
			st.send("334 ")
			initial, _ = st.r.ReadString('\n')
		}
		b, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(initial))
		parts := strings.Split(string(b), "\x00")
		if len(parts) == 3 {
			user, pass = parts[1], parts[2]
		}
	case "LOGIN":
		st.send("334 " + base64.StdEncoding.EncodeToString([]byte("Username:")))
		u, _ := st.r.ReadString('\n')
		st.send("334 " + base64.StdEncoding.EncodeToString([]byte("Password:")))
		p, _ := st.r.ReadString('\n')
		ub, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(u))
		pb, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(p))
		user, pass = string(ub), string(pb)
	default:
		st.send("504 5.5.4 unrecognized authentication type")
		return
	}
	if user != s.User || pass != s.Password {
		st.send("535 5.7.8 authentication credentials invalid")
		return
	}
	st.user = user
	st.send("235 2.7.0 authentication successful")
}

// readData reads DATA lines until the lone dot, undoing dot-stuffing.
func readData(r *bufio.Reader) (string, bool) {
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", false
		}
		if line == ".\r\n" || line == ".\n" {
			return b.String(), true
		}
		b.WriteString(strings.TrimPrefix(line, "."))
	}
}

// addr reads the address out of "FROM:<a@b>" or "TO:<a@b> SIZE=1".
func addr(arg string) string {
	if i := strings.IndexByte(arg, '<'); i >= 0 {
		if j := strings.IndexByte(arg[i:], '>'); j > 0 {
			return arg[i+1 : i+j]
		}
	}
	_, v, _ := strings.Cut(arg, ":")
	return strings.TrimSpace(v)
}

// certificate makes a self-signed certificate for 127.0.0.1 and a pool
// that trusts it.
func certificate(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtptest"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
