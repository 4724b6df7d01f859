package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/curator-dev/curator/model"
	"github.com/curator-dev/curator/reconcile"
	"github.com/curator-dev/curator/schema"
)

func newImportCmd(g *globals) *cobra.Command {
	var (
		subscription, resourceGroup, endpoint, name, out string
		galleries                                        []string
	)
	cmd := &cobra.Command{
		Use:   "import --out DIR",
		Short: "Write an existing estate as a configuration whose plan is empty",
		Long: `import reads the galleries, image definitions, image versions, shares and
sharing profiles of a scope — with the same list calls plan uses — and writes
them as a configuration: DIR/curator.cue (name, target, prune: false) and one
DIR/<gallery>.cue per gallery (a name close to it where the gallery's own would
not be read, e.g. NAME_tool), formatted by CUE. DIR must be new or empty: import
writes only its own new files, and reads them back as plan does.

Resources without the ownership tag of --name are written with adopt: true,
so the first plan of DIR only adopts them and its apply only adds the tag.
What the service reports but nobody configures (replication state, published
dates) is written as comments.

The scope: --subscription and --resource-group (Azure, with
DefaultAzureCredential), --endpoint (a running emulator), or neither (the
local target in --state).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("--out DIR is required: the folder to write the configuration to")
			}
			// Refused before anything is read: import writes only into a
			// new or empty folder (WriteFiles checks again as it writes).
			if fi, err := os.Stat(out); err == nil && !fi.IsDir() {
				return withExitCode(exitError, fmt.Errorf("--out %s is a file: give a new or empty folder to write the configuration to", out))
			}
			if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
				return withExitCode(exitError, fmt.Errorf("--out %s is not empty (it holds %s): import writes only into a new or empty folder", out, entries[0].Name()))
			}
			var target model.Target
			switch {
			case endpoint != "":
				target.Local = &model.LocalTarget{Endpoint: endpoint, Subscription: subscription, ResourceGroup: resourceGroup}
			case subscription != "":
				if resourceGroup == "" {
					return errors.New("--subscription needs --resource-group: import reads one resource group")
				}
				target.Azure = &model.AzureTarget{Subscription: subscription, ResourceGroup: resourceGroup}
			default:
				target.Local = &model.LocalTarget{ResourceGroup: resourceGroup}
			}
			// The scope becomes the written configuration's target: check
			// it as the loader will, before reading anything.
			var bad []error
			for _, p := range schema.TargetProblems(target) {
				flag := map[string]string{"endpoint": "--endpoint", "subscription": "--subscription", "resourceGroup": "--resource-group"}[p.Field]
				bad = append(bad, fmt.Errorf("%s: %s", flag, p.Message))
			}
			if len(bad) > 0 {
				return withExitCode(exitError, errors.Join(bad...))
			}
			log, err := g.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			start := time.Now()
			r := reconcile.New(reconcile.Options{Target: g.targetOptions(log), Logger: log})
			imp, err := r.Import(ctxOf(cmd), reconcile.ImportOptions{Name: name, Target: target, Galleries: galleries})
			if err != nil {
				return withExitCode(exitError, err)
			}
			if err := reconcile.WriteFiles(out, imp.Files); err != nil {
				return withExitCode(exitError, err)
			}
			for _, w := range imp.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), w)
			}
			if err := reconcile.CheckWritten(out, imp); err != nil {
				return withExitCode(exitError, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Imported %s into %s (%d files, %d requests, %s). Next: curator plan %s\n",
				imp.Counts, out, len(imp.Files), imp.Requests, time.Since(start).Round(10*time.Millisecond), out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&subscription, "subscription", "", "Azure subscription to read (with --resource-group)")
	f.StringVar(&resourceGroup, "resource-group", "", "resource group to read")
	f.StringVar(&endpoint, "endpoint", "", "read a running emulator (curator emulator serve) at this URL instead")
	f.StringArrayVar(&galleries, "gallery", nil, "import only this gallery (repeatable)")
	f.StringVar(&name, "name", model.DefaultName, "name of the configuration to write (its ownership mark)")
	f.StringVar(&out, "out", "", "folder to write the configuration to (new or empty)")
	return cmd
}
