package notify

import (
	"context"
	"encoding/json"
	"mime"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/internal/notify/smtptest"
)

func smtpConfig(t *testing.T, srv *smtptest.Server) SMTPConfig {
	t.Helper()
	host, port, err := net.SplitHostPort(srv.Addr)
	require.NoError(t, err)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	return SMTPConfig{Host: host, Port: p, From: "fortspeed <alerts@shop.example>",
		To: []string{"ops@shop.example", "Kim <kim@shop.example>"}, TLS: srv.ClientTLS}
}

func TestSMTPSendsOverSTARTTLSWithAuth(t *testing.T) {
	srv, err := smtptest.Start(smtptest.Options{User: "alerts", Password: "s3cret"})
	require.NoError(t, err)
	defer srv.Close()
	cfg := smtpConfig(t, srv)
	cfg.Username, cfg.Password = "alerts", "s3cret"
	n, err := NewSMTP(cfg)
	require.NoError(t, err)

	require.NoError(t, n.Notify(context.Background(), sample()))
	msgs := srv.Messages()
	require.Len(t, msgs, 1)
	m := msgs[0]
	assert.True(t, m.TLS, "STARTTLS was offered, so it is used")
	assert.Equal(t, "alerts", m.Auth)
	assert.Equal(t, "alerts@shop.example", m.From)
	assert.Equal(t, []string{"ops@shop.example", "kim@shop.example"}, m.To)
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Msg.Header.Get("Subject"))
	require.NoError(t, err)
	assert.Equal(t, `fortspeed: default:orders-to-fortnox:sale:1042 is needs_fix: payment_method: payment method "Klarna" has no Fortnox mode of payment`, subject)
	assert.Contains(t, m.Body, "default:orders-to-fortnox:sale:1042 is needs_fix\n")
	assert.Contains(t, m.Body, "tenant default · flow orders-to-fortnox\n")
	assert.Contains(t, m.Body, "Open in Temporal: http://localhost:8233/namespaces/default/workflows/default%3Aorders-to-fortnox%3Asale%3A1042\n")
}

func TestSMTPWithoutTLSSendsNoPassword(t *testing.T) {
	srv, err := smtptest.Start(smtptest.Options{NoTLS: true})
	require.NoError(t, err)
	defer srv.Close()
	cfg := smtpConfig(t, srv)
	n, err := NewSMTP(cfg)
	require.NoError(t, err)
	require.NoError(t, n.Notify(context.Background(), sample()), "without credentials a server without STARTTLS is used as it is")
	require.Len(t, srv.Messages(), 1)
	assert.False(t, srv.Messages()[0].TLS)
}

func TestSMTPRefusedAuthIsAnError(t *testing.T) {
	srv, err := smtptest.Start(smtptest.Options{User: "alerts", Password: "right"})
	require.NoError(t, err)
	defer srv.Close()
	cfg := smtpConfig(t, srv)
	cfg.Username, cfg.Password = "alerts", "wrong"
	n, err := NewSMTP(cfg)
	require.NoError(t, err)
	err = n.Notify(context.Background(), sample())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "notify default:orders-to-fortnox:sale:1042: e-mail via 127.0.0.1: auth: 535")
	assert.NotContains(t, err.Error(), "wrong", "the password never appears in errors")
	assert.Empty(t, srv.Messages())
}

func TestSMTPServerThatHangsTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			buf := make([]byte, 1)
			_, _ = c.Read(buf) // never greets
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := strconv.Atoi(port)
	n, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: p, From: "a@b.example", To: []string{"c@d.example"}, Timeout: 100 * time.Millisecond})
	require.NoError(t, err)
	require.Error(t, n.Notify(context.Background(), sample()))
}

func TestNewSMTPRejectsBadAddresses(t *testing.T) {
	base := SMTPConfig{Host: "smtp.example", Port: 587, From: "a@b.example", To: []string{"c@d.example"}}
	for name, tc := range map[string]struct {
		edit func(*SMTPConfig)
		want string
	}{
		"no host":      {func(c *SMTPConfig) { c.Host = " " }, "no SMTP host"},
		"bad port":     {func(c *SMTPConfig) { c.Port = 0 }, "SMTP port 0 is not 1-65535"},
		"bad sender":   {func(c *SMTPConfig) { c.From = "alerts" }, `sender "alerts" is not an e-mail address`},
		"no recipient": {func(c *SMTPConfig) { c.To = nil }, "no recipient"},
		"bad rcpt":     {func(c *SMTPConfig) { c.To = []string{"ops"} }, `recipient "ops" is not an e-mail address`},
	} {
		t.Run(name, func(t *testing.T) {
			c := base
			tc.edit(&c)
			_, err := NewSMTP(c)
			require.EqualError(t, err, tc.want)
		})
	}
}

func TestEmailFormat(t *testing.T) {
	n := Notification{Tenant: "default", Flow: "", WorkflowID: "default:digest", Status: "digest",
		Reason: "2 records wait for a fix, 1 failed\nsince yesterday", Lines: []string{"default:stock:article:TS-RED-M needs_fix: SKU on two items", "default:orders-to-fortnox:sale:7 failed: Fortnox answered 503"}}
	from := &mail.Address{Name: "fortspeed", Address: "alerts@shop.example"}
	raw := Email(n, from, []*mail.Address{{Address: "ops@shop.example"}}, time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC))
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	require.NoError(t, err)
	assert.Equal(t, `"fortspeed" <alerts@shop.example>`, m.Header.Get("From"))
	assert.Equal(t, "<ops@shop.example>", m.Header.Get("To"))
	assert.Equal(t, "fortspeed: default:digest is digest: 2 records wait for a fix, 1 failed since yesterday", m.Header.Get("Subject"),
		"the subject is one line")
	assert.Equal(t, "Wed, 02 Dec 2026 07:00:00 +0000", m.Header.Get("Date"))
	assert.True(t, strings.HasSuffix(m.Header.Get("Message-ID"), "@shop.example>"))
	assert.Equal(t, "text/plain; charset=utf-8", m.Header.Get("Content-Type"))
	assert.Contains(t, string(raw), "\r\n\r\n", "headers end with an empty CRLF line")
	assert.Contains(t, string(raw), "- default:stock:article:TS-RED-M needs_fix: SKU on two items\r\n")
}

func TestEmailSubjectEncodesNonASCII(t *testing.T) {
	n := sample()
	n.Reason = "kund saknar e-post (Åsa)"
	raw := Email(n, &mail.Address{Address: "a@b.example"}, []*mail.Address{{Address: "c@d.example"}}, time.Now())
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(m.Header.Get("Subject"), "=?utf-8?q?"), "got %q", m.Header.Get("Subject"))
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(subject, "(Åsa)"))
}

func TestMessageListsDigestLinesAndClipsLongBodies(t *testing.T) {
	n := sample()
	n.Lines = []string{"a <b>", strings.Repeat("x", 4000)}
	b, err := Message(n)
	require.NoError(t, err)
	var m slackMessage
	require.NoError(t, json.Unmarshal(b, &m))
	text := m.Blocks[0].Text.Text
	assert.Contains(t, text, "\n• a &lt;b&gt;")
	assert.Len(t, []rune(text), slackSectionLimit)
	assert.True(t, strings.HasSuffix(text, "…"))
}
