package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enums "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"fortspeed/activities"
	"fortspeed/clients"
	"fortspeed/internal/codec"
	"fortspeed/internal/config"
	"fortspeed/internal/logging"
	"fortspeed/internal/temporalclient"
	"fortspeed/internal/workers"
	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

// protectedWorker is a worker built as the worker main builds it (its own client, the
// payload and failure codecs, the zap bridge for the SDK), logging to the test's file.
type protectedWorker struct {
	proc   *workers.Process
	cancel context.CancelFunc
	done   chan error
}

func (w *protectedWorker) stop(t *testing.T) {
	t.Helper()
	w.cancel()
	require.NoError(t, <-w.done)
	w.proc.Close()
}

// lockedFile is a log sink for several loggers at once.
type lockedFile struct {
	mu sync.Mutex
	f  *os.File
}

func (l *lockedFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Write(p)
}

func (l *lockedFile) Sync() error { return nil }

func newKey(t *testing.T, id string) string {
	t.Helper()
	b := make([]byte, 32)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return id + ":" + base64.StdEncoding.EncodeToString(b)
}

// TestHistoriesAndLogsCarryNoPersonalData runs orders-to-fortnox with one sale whose
// customer lookup times out at Fortnox and one that needs a fix, rotates the key, fixes and
// retries the second, and then reads every history raw (no personal data, no token), through
// the codec server (text, old and new key alike) and every log line the run wrote (no token,
// secret or e-mail address).
func TestHistoriesAndLogsCarryNoPersonalData(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-stack test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	s := startStack(t, stackOptions{needsFixWait: time.Hour})
	firstPair := s.lightspeedPair

	logPath := filepath.Join(s.dir, "protected-worker.log")
	f, err := os.Create(logPath)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	sink := &lockedFile{f: f}
	// The production logger's encoder and redaction, at debug so every request is logged.
	logger := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), sink, zapcore.DebugLevel),
		zap.WrapCore(logging.Redact))

	// The worker's vendor calls time out after 1.5 s; the sandbox delays the customer lookup 3 s.
	const vendorTimeout = 1500 * time.Millisecond
	workerConfig := func(keys string) config.Config {
		cfg := s.config()
		cfg.Fortspeed.AllowPlaintext = false
		cfg.Fortspeed.EncryptionKeys = nil
		if keys != "" {
			require.NoError(t, cfg.Fortspeed.EncryptionKeys.Decode(keys))
		}
		return cfg
	}
	start := func(keys string) *protectedWorker {
		t.Helper()
		runCtx, stop := context.WithCancel(ctx)
		proc, err := workers.New(runCtx, workerConfig(keys), workers.Options{Env: workers.Env{StateDir: s.stateDir}, Logger: logger,
			HTTPClient: &http.Client{Timeout: vendorTimeout}})
		require.NoError(t, err)
		w := &protectedWorker{proc: proc, cancel: stop, done: make(chan error, 1)}
		go func() { w.done <- proc.Run(runCtx) }()
		return w
	}

	_, err = workers.New(ctx, workerConfig(""), workers.Options{Env: workers.Env{StateDir: s.stateDir}, Logger: logger})
	require.EqualError(t, err, temporalclient.NoKeysMessage, "no keys, no worker")

	k1, k2 := newKey(t, "k1"), newKey(t, "k2")
	w1 := start(k1)

	fx, ls := s.fortnoxState(ctx), s.lightspeedState(ctx)
	item := anyItem(t, fx, ls)
	line := lsNewLine{itemID: item.ItemID, qty: 1, price: "120.00"}
	cash := paymentTypeID(t, ls, "Cash")
	since := time.Now().Add(-2 * time.Second)

	slow := lsNewCustomer{first: "Agnes", last: "Hemligsson", email: "agnes.hemligsson.e2e@example.com",
		street: "Hemliga gränd 7", zip: "621 55", city: "Visby", country: "SE"}
	bad := lsNewCustomer{first: "Bertil", last: "Tystberg", email: "bertil.tystberg.e2e@example.com",
		street: "Tysta vägen 12", zip: "9876543210987", city: "Kiruna", country: "SE"}
	phones := map[string]string{slow.email: "070-123 45 67", bad.email: "073-765 43 21"}
	createWithPhone := func(c lsNewCustomer) string {
		body := c.body()
		body["Contact"].(map[string]any)["Phones"] = map[string]any{"ContactPhone": map[string]any{"number": phones[c.email], "useType": "Mobile"}}
		var out struct {
			Customer struct {
				CustomerID string `json:"customerID"`
			} `json:"Customer"`
		}
		s.lightspeedAPI(ctx, http.MethodPost, "Customer.json", body, &out)
		require.NotEmpty(t, out.Customer.CustomerID)
		return out.Customer.CustomerID
	}
	slowSale := s.createSale(ctx, createWithPhone(slow), cash, line)
	badCustomer := createWithPhone(bad)
	badSale := s.createSale(ctx, badCustomer, cash, line)

	s.setFaults(ctx, testapi.Faults{LatencyMS: 3000, LatencyOn: "GET /3/customers"}, noFaults())
	run, err := w1.proc.Client().ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.ScheduleID(workflows.DefaultTenant, workflows.FlowOrdersToFortnox) + ":protect", TaskQueue: workflows.TaskQueueFortspeed,
	}, workflows.WorkflowFlowSync, s.syncInput(workflows.FlowOrdersToFortnox, since))
	require.NoError(t, err)
	customerWF := workflows.CustomerWorkflowID(workflows.DefaultTenant, "Fortnox", slow.email)
	dc1, err := temporalclient.DataConverter(workerConfig(k1).Fortspeed)
	require.NoError(t, err)
	timedOut := waitForRetriedActivity(ctx, t, w1.proc.Client(), dc1, customerWF)
	s.setFaults(ctx, noFaults(), noFaults())
	t.Logf("customer lookup timed out: %s", timedOut)
	assert.Contains(t, timedOut, "no response", "the failure is the Fortnox timeout")
	assert.Contains(t, timedOut, "/3/customers")

	var res workflows.SyncResult
	require.NoError(t, run.Get(ctx, &res))
	assert.Equal(t, 1, res.Committed, "the slow sale commits once the lookup answers: %+v", res)
	assert.Equal(t, 1, res.NeedsFix, "the sale with a too long postal code needs a fix: %+v", res)
	assert.Equal(t, workflows.StatusCommitted, s.recordStatus(ctx, saleWorkflowID(t, slowSale)))
	badWF := saleWorkflowID(t, badSale)
	require.Equal(t, workflows.StatusNeedsFix, s.recordStatus(ctx, badWF))

	// Rotate: k2 encrypts from now on, k1 still decrypts. The parked record is fixed and
	// retried on the rotated worker, which replays its k1 history.
	w1.stop(t)
	rotated := k2 + "," + k1
	w2 := start(rotated)
	bad.zip = "981 31"
	s.updateCustomer(ctx, badCustomer, bad)
	require.NoError(t, w2.proc.Client().SignalWorkflow(ctx, badWF, "", workflows.SignalRetry, nil))
	var badOut workflows.RecordResult
	require.NoError(t, w2.proc.Client().GetWorkflow(ctx, badWF, "").Get(ctx, &badOut))
	assert.Equal(t, workflows.StatusCommitted, badOut.Status)
	w2.stop(t)

	// Raw histories: no personal data and no token anywhere, in any workflow.
	dc2, err := temporalclient.DataConverter(workerConfig(rotated).Fortspeed)
	require.NoError(t, err)
	pairs := connectionTokens(ctx, t, s.client, dc2, workflows.ConnectionWorkflowID(workflows.DefaultTenant, workers.VendorLightspeed))
	pairs = append(pairs, connectionTokens(ctx, t, s.client, dc2, workflows.ConnectionWorkflowID(workflows.DefaultTenant, workers.VendorFortnox))...)
	require.NotEmpty(t, pairs, "the connections' tokens decode through the codec")
	personal := []string{}
	for _, c := range []lsNewCustomer{slow, bad} {
		personal = append(personal, c.first, c.last, c.email, c.street, c.city, phones[c.email],
			strings.ReplaceAll(c.zip, " ", ""))
	}
	personal = append(personal, "9876543210987")
	for _, v := range personal {
		personal = append(personal, url.QueryEscape(v)) // as a query string carries it
	}
	secrets := []string{firstPair.AccessToken, firstPair.RefreshToken, testapi.DemoClientSecret, strings.SplitN(k1, ":", 2)[1], strings.SplitN(k2, ":", 2)[1]}
	for _, tok := range s.tokens {
		secrets = append(secrets, tok)
	}
	for _, p := range pairs {
		for _, tok := range []string{p.AccessToken, p.RefreshToken} {
			if tok != "" {
				secrets = append(secrets, tok)
			}
		}
	}
	histories := 0
	for _, ex := range listAll(ctx, t, s.client) {
		for _, ev := range s.history(ctx, ex.GetExecution().GetWorkflowId(), ex.GetExecution().GetRunId()).GetEvents() {
			raw, err := ev.Marshal()
			require.NoError(t, err)
			text := strings.ToLower(string(raw))
			for _, v := range append(personal, secrets...) {
				assert.False(t, strings.Contains(text, strings.ToLower(v)), "%s event %d (%s) holds %q",
					ex.GetExecution().GetWorkflowId(), ev.GetEventId(), ev.GetEventType(), v)
			}
		}
		histories++
	}
	assert.GreaterOrEqual(t, histories, 5, "parent, two records and their customer writes")

	// Through the codec server, with the rotated keys, the same histories read as text.
	dc := codecServerConverter(t, rotated)
	customerStart := s.history(ctx, customerWF, "").GetEvents()[0].GetWorkflowExecutionStartedEventAttributes().GetInput()
	assert.Equal(t, "k1", keyID(customerStart.GetPayloads()[0]), "written before the rotation")
	var upsert map[string]any
	require.NoError(t, dc.FromPayloads(customerStart, &upsert))
	decoded, _ := json.Marshal(upsert)
	assert.Contains(t, string(decoded), slow.email, "the old key's payloads decode after the rotation")
	assert.Equal(t, timedOut, lastFailure(t, dc, s.history(ctx, customerWF, "")), "the encrypted failure reads as text")

	badHistory := s.history(ctx, badWF, "")
	var ids []string
	var reason string
	for _, ev := range badHistory.GetEvents() {
		if attrs := ev.GetActivityTaskScheduledEventAttributes(); attrs != nil {
			ids = append(ids, keyID(attrs.GetInput().GetPayloads()[0]))
			if attrs.GetActivityType().GetName() == activities.NotifyNeedsFix {
				var in activities.NotifyInput
				require.NoError(t, dc.FromPayloads(attrs.GetInput(), &in))
				reason = in.Reason
			}
		}
	}
	assert.Contains(t, ids, "k1", "the needs_fix record's history before the rotation")
	assert.Contains(t, ids, "k2", "and after it")
	assert.Contains(t, reason, "postal_code", "the needs_fix reason reads as text")

	// Every log line of the run: the worker's (with the SDK's through it), the stack
	// client's and the dev server's.
	emailAddress := regexp.MustCompile(`[A-Za-z0-9._%+-]+(@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	queryString := regexp.MustCompile(`https?://[^\s"]+\?[^\s"]*=`)
	lines := 0
	sawTimeout := false
	for _, name := range []string{"protected-worker.log", "sdk.log", "temporal.log"} {
		b, err := os.ReadFile(filepath.Join(s.dir, name))
		require.NoError(t, err)
		for _, l := range bytes.Split(b, []byte("\n")) {
			text := string(l)
			if text == "" {
				continue
			}
			lines++
			sawTimeout = sawTimeout || strings.Contains(text, "Client.Timeout")
			assert.False(t, emailAddress.MatchString(text), "%s: e-mail address in %s", name, text)
			assert.False(t, queryString.MatchString(text), "%s: a URL with its query in %s", name, text)
			assert.NotContains(t, text, "Bearer ", "%s: %s", name, text)
			assert.NotContains(t, text, "eyJ", "%s: a JWT in %s", name, text)
			for _, v := range append(personal, secrets...) {
				assert.NotContains(t, strings.ToLower(text), strings.ToLower(v), "%s: %s", name, text)
			}
		}
	}
	t.Logf("scanned %d log lines in %d histories", lines, histories)
	assert.True(t, sawTimeout, "the timed-out lookup was logged (scrubbed)")
}

// waitForRetriedActivity waits until an activity of workflowID is retried and returns its
// last failure's message, decoded with dc.
func waitForRetriedActivity(ctx context.Context, t *testing.T, c client.Client, dc converter.DataConverter, workflowID string) string {
	t.Helper()
	for {
		desc, err := c.DescribeWorkflow(ctx, workflowID, "")
		var notFound *serviceerror.NotFound
		if err != nil && !errors.As(err, &notFound) {
			require.NoError(t, err)
		}
		var pending []*workflowpb.PendingActivityInfo
		if err == nil {
			pending = desc.RawResponse.GetPendingActivities()
		}
		for _, a := range pending {
			if f := a.GetLastFailure(); a.GetAttempt() >= 2 && f != nil {
				require.Equal(t, "Encoded failure", f.GetMessage(), "the server holds the failure encrypted")
				return failureText(dc, f)
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no activity of %s was retried", workflowID)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// lastFailure is the last failure a retried activity of hist carried, decoded with dc.
func lastFailure(t *testing.T, dc converter.DataConverter, hist *historypb.History) string {
	t.Helper()
	for _, ev := range hist.GetEvents() {
		if f := ev.GetActivityTaskStartedEventAttributes().GetLastFailure(); f != nil {
			return failureText(dc, f)
		}
	}
	t.Fatal("no activity in the history was retried")
	return ""
}

func failureText(dc converter.DataConverter, f *failurepb.Failure) string {
	converter.DecodeCommonFailureAttributes(dc, f)
	return f.GetMessage()
}

// keyID is the id of the key that encrypted p.
func keyID(p *commonpb.Payload) string { return string(p.GetMetadata()[codec.MetadataKeyID]) }

// listAll lists every workflow execution of the namespace.
func listAll(ctx context.Context, t *testing.T, c client.Client) []*workflowpb.WorkflowExecutionInfo {
	t.Helper()
	var out []*workflowpb.WorkflowExecutionInfo
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default", NextPageToken: token})
		require.NoError(t, err)
		out = append(out, resp.GetExecutions()...)
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return out
		}
	}
}

// codecServerConverter decodes through `starter codec-server`'s handler, as the Web UI and
// CLI do, with its bearer token.
func codecServerConverter(t *testing.T, keys string) converter.DataConverter {
	t.Helper()
	parsed, err := codec.ParseKeys(keys)
	require.NoError(t, err)
	c, err := codec.New(parsed)
	require.NoError(t, err)
	const token = "codec-token-of-the-test"
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.Handler = codec.NewHandler(c, codec.HandlerOptions{Origin: "http://localhost:8233",
		Hosts: []string{srv.Listener.Addr().String()}, Token: token})
	srv.Start()
	t.Cleanup(srv.Close)
	remote := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{Endpoint: srv.URL,
		ModifyRequest: func(r *http.Request) error { r.Header.Set("Authorization", "Bearer "+token); return nil }})
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), remote)
}

// connectionTokens decodes every token pair a connection workflow's history holds — its
// starting state and each refresh's result — through the codec.
func connectionTokens(ctx context.Context, t *testing.T, c client.Client, dc converter.DataConverter, workflowID string) []clients.Token {
	t.Helper()
	var out []clients.Token
	it := c.GetWorkflowHistory(ctx, workflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
			var in workflows.ConnectionInput
			require.NoError(t, dc.FromPayloads(a.GetInput(), &in))
			out = append(out, in.State.Token)
		}
		if a := ev.GetActivityTaskCompletedEventAttributes(); a != nil {
			var tok clients.Token
			require.NoError(t, dc.FromPayloads(a.GetResult(), &tok))
			out = append(out, tok)
		}
	}
	var kept []clients.Token
	for _, p := range out {
		if p.AccessToken != "" || p.RefreshToken != "" {
			kept = append(kept, p)
		}
	}
	return kept
}
