package main

import (
	"fmt"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/curator-dev/curator/cloud/emulator"
	"github.com/curator-dev/curator/model"
)

func newEmulatorCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "emulator", Short: "The ARM-compatible emulator of the local target"}
	var (
		addr, faults string
		pageSize     int
		useTLS       bool
		armThrottle  bool
		graphLag     time.Duration
	)
	serve := &cobra.Command{
		Use:   "serve",
		Short: "Serve the emulator over HTTPS on loopback",
		Long: `serve runs the emulator of the Compute Gallery and role-assignment APIs that
the local target uses, so that the estate in a state folder can be used by any
Azure client (an Azure SDK, the az CLI, Terraform, curl) or planned against with
target: local: endpoint: "<the printed endpoint>".

It serves HTTPS with a certificate authority of its own, made once in the state
folder (tls/ca.pem); it prints the environment variables that make common
clients trust it. --tls=false serves plain HTTP.

Every request needs a bearer token. A token without an oid claim (any string
that is not a JWT) is the estate's owner; "curator emulator token --principal
<object id>" prints one for another principal, whose role assignments decide
what it may do.

Clients that log in themselves find everything on this port: the cloud's
endpoint document (GET /metadata/endpoints, so "az cloud register
--endpoint-resource-manager URL" needs nothing else) and a token service with
an AD FS-style authority (URL/adfs) that issues tokens to service principals
(client credentials: the client ID is the principal's object ID, ` + emulator.OwnerID + `
for the owner; the secret is not checked).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			f, err := emulator.ParseFaults(faults)
			if err != nil {
				return fmt.Errorf("--faults: %w", err)
			}
			ctx, stop := signal.NotifyContext(ctxOf(cmd), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			srv, err := emulator.Start(ctx, emulator.Options{Addr: addr, StateDir: g.stateDir, TLS: useTLS, RegisterCA: true, ReplicationRate: g.replicationRate, PageSize: pageSize, Faults: f, Logger: log, ARMThrottle: armThrottle, GraphLag: graphLag})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "curator emulator serving %s (state %s); stop with Ctrl-C\n", srv.URL(), g.stateDir)
			if c := srv.Certificates(); c != nil {
				// The export lines are pasted into other shells, in other
				// folders: the CA's path must not depend on this one.
				caFile := c.CAFile
				if abs, err := filepath.Abs(caFile); err == nil {
					caFile = abs
				}
				fmt.Fprintf(out, "CA certificate: %s\n", caFile)
				// As each client really takes a CA (README, "Use the
				// emulator with other tools"): Debian's Python requests
				// and curl ignore SSL_CERT_FILE.
				fmt.Fprintf(out, "Trust it with:\n"+
					"  export REQUESTS_CA_BUNDLE=%[1]s   # Python: the az CLI, the Azure SDK for Python, MSAL\n"+
					"  export NODE_EXTRA_CA_CERTS=%[1]s  # Node.js: the Azure SDK for JavaScript\n"+
					"  export SSL_CERT_FILE=%[1]s        # Go (it then trusts only this CA)\n"+
					"  export CURL_CA_BUNDLE=%[1]s       # curl (or curl --cacert)\n", caFile)
				fmt.Fprintf(out, "Log in with the az CLI (a service principal: the client ID is its object ID, the owner's is %s; any secret):\n"+
					"  az cloud register -n curator --endpoint-resource-manager %s/ && az cloud set -n curator\n"+
					"  az login --service-principal -u %s -p local --tenant %s\n", emulator.OwnerID, srv.URL(), emulator.OwnerID, emulator.TenantID)
			}
			fmt.Fprintf(out, "Token of the estate's owner: any bearer token, e.g. %q; of another principal: curator emulator token --principal <object id>\n", emulator.Token(""))
			<-ctx.Done()
			return srv.Close()
		},
	}
	f := serve.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8443", "address to listen on (loopback only)")
	f.StringVar(&faults, "faults", "", `faults to inject, e.g. "throttle=0.1,5xx=0.05,drop=0.01,latency=50ms,fail-region=eastus,principal-not-found=2"`)
	f.IntVar(&pageSize, "page-size", 100, "items per list page")
	f.BoolVar(&armThrottle, "arm-throttle", false, "throttle as Resource Manager does: per-subscription token buckets (reads 250, +25/s; writes and deletes 200, +10/s) and Resource Graph's 15 queries per 5 s; 429 with Retry-After")
	f.DurationVar(&graphLag, "graph-lag", 0, "serve Resource Graph queries from a view this much older than Resource Manager's, as the service lags")
	f.BoolVar(&useTLS, "tls", true, "serve HTTPS with the state folder's own CA (tls/ca.pem); false serves plain HTTP")
	cmd.AddCommand(serve)

	var principal string
	token := &cobra.Command{
		Use:   "token",
		Short: "Print a bearer token for the emulator",
		Long: `token prints an unsigned JWT whose oid claim names --principal, for use as
"Authorization: Bearer <token>" against the emulator: the principal may do what
its role assignments grant. Without --principal it prints the estate owner's
token, which may do everything.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if principal != "" && !model.IsGUID(principal) {
				return fmt.Errorf("--principal %q: want an object ID (a GUID such as 5b0b4d0e-7c34-4a57-9a37-2b6f0a8e1c11)", principal)
			}
			fmt.Fprintln(cmd.OutOrStdout(), emulator.Token(principal))
			return nil
		},
	}
	token.Flags().StringVar(&principal, "principal", "", "object ID of the principal the token names (default: the estate's owner)")
	cmd.AddCommand(token)
	return cmd
}
