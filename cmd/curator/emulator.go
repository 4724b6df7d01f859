package main

import (
	"fmt"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/curator-dev/curator/cloud/emulator"
)

func newEmulatorCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "emulator", Short: "The ARM-compatible emulator of the local target"}
	var (
		addr, faults string
		pageSize     int
	)
	serve := &cobra.Command{
		Use:   "serve",
		Short: "Serve the emulator over HTTP on loopback",
		Long: `serve runs the emulator of the Compute Gallery and role-assignment APIs that
the local target uses, so that the estate in a state folder can be inspected
or changed with plain HTTP (any bearer token is accepted), or planned against
with target: local: endpoint: "<the printed endpoint>".`,
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
			srv, err := emulator.Start(ctx, emulator.Options{Addr: addr, StateDir: g.stateDir, ReplicationRate: g.replicationRate, PageSize: pageSize, Faults: f, Logger: log})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "curator emulator serving %s (state %s); stop with Ctrl-C\n", srv.URL(), g.stateDir)
			<-ctx.Done()
			return srv.Close()
		},
	}
	f := serve.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8443", "address to listen on (loopback only)")
	f.StringVar(&faults, "faults", "", `faults to inject, e.g. "throttle=0.1,5xx=0.05,drop=0.01,latency=50ms,fail-region=eastus"`)
	f.IntVar(&pageSize, "page-size", 100, "items per list page")
	cmd.AddCommand(serve)
	return cmd
}
