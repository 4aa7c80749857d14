// Package smtptest is a small SMTP server on loopback that records every message it takes,
// for tests of e-mail notifications. It speaks EHLO, STARTTLS (with a self-signed
// certificate), AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP and QUIT.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"time"
)

// Message is one delivered e-mail.
type Message struct {
	From string
	To   []string
	// TLS says whether the message came over STARTTLS.
	TLS bool
	// Auth is the user name it authenticated as, "" without AUTH.
	Auth string
	Msg  *mail.Message
	// Body is the decoded text body.
	Body string
}

// Server is a running recording server.
type Server struct {
	// Addr is host:port on 127.0.0.1.
	Addr string
	// ClientTLS trusts the server's certificate; give it to the notifier under test.
	ClientTLS *tls.Config

	ln       net.Listener
	tls      *tls.Config
	user     string
	password string

	mu       sync.Mutex
	messages []Message
	wg       sync.WaitGroup
}

// Options shape the server: a user and password make AUTH PLAIN required; NoTLS hides
// STARTTLS.
type Options struct {
	User, Password string
	NoTLS          bool
}

// Start listens on a free loopback port.
func Start(opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln, user: opts.User, password: opts.Password}
	if !opts.NoTLS {
		cert, pool, err := selfSigned()
		if err != nil {
			ln.Close()
			return nil, err
		}
		s.tls = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.ClientTLS = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Close stops the server and waits for its sessions.
func (s *Server) Close() {
	s.ln.Close()
	s.wg.Wait()
}

// Messages returns what was delivered so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(time.Minute))
			s.session(conn)
		}()
	}
}

// session serves one connection; it returns when the client quits or breaks the protocol.
func (s *Server) session(conn net.Conn) {
	tp := textproto.NewConn(conn)
	reply := func(code int, msg string) bool { return tp.PrintfLine("%d %s", code, msg) == nil }
	if !reply(220, "smtptest ready") {
		return
	}
	var (
		secure bool
		authed string
		from   string
		to     []string
	)
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			lines := []string{"smtptest"}
			if s.tls != nil && !secure {
				lines = append(lines, "STARTTLS")
			}
			if s.user != "" {
				lines = append(lines, "AUTH PLAIN")
			}
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				if tp.PrintfLine("250%s%s", sep, l) != nil {
					return
				}
			}
		case "STARTTLS":
			if s.tls == nil || secure {
				reply(502, "no STARTTLS")
				continue
			}
			if !reply(220, "go ahead") {
				return
			}
			tc := tls.Server(conn, s.tls)
			if tc.Handshake() != nil {
				return
			}
			conn, secure = tc, true
			tp = textproto.NewConn(conn)
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			raw, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(raw), "\x00")
			if !strings.EqualFold(mech, "PLAIN") || err != nil || len(parts) != 3 || parts[1] != s.user || parts[2] != s.password {
				reply(535, "authentication failed")
				continue
			}
			authed = parts[1]
			reply(235, "authenticated")
		case "MAIL":
			if s.user != "" && authed == "" {
				reply(530, "authentication required")
				continue
			}
			from, to = address(arg), nil
			reply(250, "ok")
		case "RCPT":
			to = append(to, address(arg))
			reply(250, "ok")
		case "DATA":
			if from == "" || len(to) == 0 {
				reply(503, "MAIL and RCPT first")
				continue
			}
			if !reply(354, "end with .") {
				return
			}
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			msg, err := parse(data)
			if err != nil {
				reply(554, err.Error())
				continue
			}
			msg.From, msg.To, msg.TLS, msg.Auth = from, to, secure, authed
			s.mu.Lock()
			s.messages = append(s.messages, msg)
			s.mu.Unlock()
			from, to = "", nil
			reply(250, "queued")
		case "RSET":
			from, to = "", nil
			reply(250, "ok")
		case "NOOP":
			reply(250, "ok")
		case "QUIT":
			reply(221, "bye")
			return
		default:
			reply(502, "unknown command")
		}
	}
}

// address takes the mailbox out of "FROM:<a@b>" or "TO:<a@b>".
func address(arg string) string {
	_, a, _ := strings.Cut(arg, ":")
	a, _, _ = strings.Cut(strings.TrimSpace(a), " ")
	return strings.Trim(a, "<>")
}

func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtptest"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool, nil
}

func parse(data []byte) (Message, error) {
	m, err := mail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		return Message{}, fmt.Errorf("not an RFC 5322 message: %w", err)
	}
	body, err := decodeBody(m)
	if err != nil {
		return Message{}, err
	}
	return Message{Msg: m, Body: body}, nil
}

// decodeBody reads a text body in the transfer encodings a notifier uses.
func decodeBody(m *mail.Message) (string, error) {
	var r io.Reader = m.Body
	switch enc := strings.ToLower(m.Header.Get("Content-Transfer-Encoding")); enc {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "", "7bit", "8bit":
	default:
		return "", fmt.Errorf("transfer encoding %q not understood", enc)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("read body: %w", err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n"), nil
}
