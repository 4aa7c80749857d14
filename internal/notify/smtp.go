package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// SMTPConfig is where and as whom e-mail notifications are sent.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string // empty: no AUTH
	Password string
	From     string   // an address, optionally with a name: "fortspeed <alerts@example.com>"
	To       []string // addresses
	// TLS is the STARTTLS configuration; nil verifies the server's certificate for Host.
	TLS *tls.Config
	// Timeout bounds one delivery; zero is DefaultTimeout.
	Timeout time.Duration
}

// SMTP sends each notification as one plain-text e-mail, with STARTTLS whenever the server
// offers it. Credentials are only sent over TLS (or to loopback): net/smtp's PLAIN auth
// refuses anything else.
type SMTP struct {
	cfg  SMTPConfig
	from *mail.Address
	to   []*mail.Address
}

// NewSMTP checks the configuration and returns the notifier.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if strings.TrimSpace(cfg.Host) == "" {
		return nil, errors.New("no SMTP host")
	}
	if cfg.Port <= 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("SMTP port %d is not 1-65535", cfg.Port)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("sender %q is not an e-mail address", cfg.From)
	}
	if len(cfg.To) == 0 {
		return nil, errors.New("no recipient")
	}
	to := make([]*mail.Address, 0, len(cfg.To))
	for _, s := range cfg.To {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return nil, fmt.Errorf("recipient %q is not an e-mail address", s)
		}
		to = append(to, a)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &SMTP{cfg: cfg, from: from, to: to}, nil
}

// Notify delivers the notification to every recipient in one SMTP transaction.
func (s *SMTP) Notify(ctx context.Context, n Notification) error {
	if err := s.send(ctx, n); err != nil {
		return fmt.Errorf("notify %s: e-mail via %s: %w", n.WorkflowID, s.cfg.Host, err)
	}
	return nil
}

func (s *SMTP) send(ctx context.Context, n Notification) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	// net/smtp has no context: the deadline ends a server that stops answering.
	if dl, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			return err
		}
	}
	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		tc := s.cfg.TLS
		if tc == nil {
			tc = &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(tc); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if s.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	for _, to := range s.to {
		if err := c.Rcpt(to.Address); err != nil {
			return fmt.Errorf("rcpt to: %w", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if _, err := w.Write(Email(n, s.from, s.to, time.Now())); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	return c.Quit()
}

// Email renders a notification as an RFC 5322 message: the summary as subject, the status,
// reason, digest lines and link as a quoted-printable UTF-8 text body.
func Email(n Notification, from *mail.Address, to []*mail.Address, now time.Time) []byte {
	var b bytes.Buffer
	rcpts := make([]string, len(to))
	for i, a := range to {
		rcpts[i] = a.String()
	}
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", from.String())
	header("To", strings.Join(rcpts, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", oneLine(clip(n.Summary(), 200))))
	header("Date", now.UTC().Format(time.RFC1123Z))
	header("Message-ID", messageID(from.Address))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")

	var body strings.Builder
	fmt.Fprintf(&body, "%s is %s\n", n.WorkflowID, n.Status)
	if n.Reason != "" {
		fmt.Fprintf(&body, "\n%s\n", n.Reason)
	}
	if len(n.Lines) > 0 {
		body.WriteString("\n")
		for _, line := range n.Lines {
			fmt.Fprintf(&body, "- %s\n", line)
		}
	}
	fmt.Fprintf(&body, "\ntenant %s · flow %s\n", n.Tenant, n.Flow)
	if n.URL != "" {
		fmt.Fprintf(&body, "Open in Temporal: %s\n", n.URL)
	}
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(body.String(), "\n", "\r\n")))
	qp.Close()
	return b.Bytes()
}

// oneLine keeps header values on one line, whatever a reason holds.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// messageID is a unique Message-ID at the sender's domain.
func messageID(from string) string {
	var r [12]byte
	_, _ = rand.Read(r[:])
	domain := "fortspeed.invalid"
	if _, d, ok := strings.Cut(from, "@"); ok && d != "" {
		domain = d
	}
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">"
}
