package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/curator-dev/curator/reconcile"
)

func newShowCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "show PLANFILE",
		Short: "Render a saved plan as text, JSON or Markdown",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			p, err := reconcile.ReadSavedPlan(data)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return render(cmd.OutOrStdout(), p, output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text, json or markdown")
	return cmd
}
