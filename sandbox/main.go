// Command sandbox serves the Fortnox and Lightspeed simulators on their fixed addresses,
// seeded with the demo store, so fortspeed can be tried end to end without real accounts.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	fxsandbox "fortspeed/sandbox/fortnox"
	lssandbox "fortspeed/sandbox/lightspeed"
	"fortspeed/sandbox/testapi"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fxAddr := fs.String("fortnox-addr", "127.0.0.1:8081", "address of the Fortnox simulator")
	lsAddr := fs.String("lightspeed-addr", "127.0.0.1:8082", "address of the Lightspeed simulator")
	seed := fs.String("seed", "demo", `initial data: "demo", "empty" or "catalogue"`)
	articles := fs.Int("articles", 1000, "articles of a generated catalogue (--seed catalogue)")
	families := fs.Int("families", 100, "variant families of a generated catalogue (--seed catalogue)")
	trickle := fs.Duration("trickle", 0, "add a sale, an order, a stock change and an article edit this often (0: off)")
	noLimits := fs.Bool("no-limits", false, "turn the vendor rate limits off")
	warehouse := fs.Bool("warehouse", false, "Fortnox with the warehouse module")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *trickle < 0 {
		return fmt.Errorf("--trickle must not be negative, got %s", *trickle)
	}

	clock := testapi.NewClock()
	fx := fxsandbox.New(fxsandbox.Options{Clock: clock, NoLimits: *noLimits, Warehouse: *warehouse, BaseURL: "http://" + *fxAddr})
	ls := lssandbox.New(lssandbox.Options{Clock: clock, NoLimits: *noLimits, BaseURL: "http://" + *lsAddr})
	reset := testapi.ResetRequest{Seed: *seed, Articles: *articles, Families: *families, RandomSeed: 1}
	if err := fx.Reset(reset); err != nil {
		return fmt.Errorf("seed Fortnox: %w", err)
	}
	if err := ls.Reset(reset); err != nil {
		return fmt.Errorf("seed Lightspeed: %w", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	servers := []*http.Server{
		{Addr: *fxAddr, Handler: fx, ReadHeaderTimeout: 10 * time.Second},
		{Addr: *lsAddr, Handler: ls, ReadHeaderTimeout: 10 * time.Second},
	}
	errc := make(chan error, len(servers))
	for _, srv := range servers {
		ln, err := net.Listen("tcp", srv.Addr)
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		go func() { errc <- srv.Serve(ln) }()
	}
	log.Printf("Fortnox sandbox on http://%s (OAuth client fortspeed-demo / fortspeed-demo-secret)", *fxAddr)
	log.Printf("Lightspeed sandbox on http://%s (account 316401)", *lsAddr)
	log.Printf("test API: POST /_sandbox/reset, GET /_sandbox/state, GET /_sandbox/stats, PUT /_sandbox/faults, PUT /_sandbox/clock, POST /_sandbox/tokens")

	if *trickle > 0 {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
			t := time.NewTicker(*trickle)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					fx.DemoTick(rng)
					ls.DemoTick(rng)
				}
			}
		}()
		log.Printf("trickle: new demo activity every %s", *trickle)
	}

	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range servers {
		srv.Shutdown(shutdown)
	}
	return nil
}
