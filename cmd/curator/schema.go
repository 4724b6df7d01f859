package main

import (
	"github.com/spf13/cobra"

	"github.com/curator-dev/curator/schema"
)

func newSchemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print curator's embedded CUE schema",
		Long: `schema prints the CUE schema curator unifies every configuration with
(#Config). Configurations never need it — curator embeds it — but an editor's
CUE support can use a copy: curator schema > cue.mod/curator_schema.cue`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(schema.SchemaSource())
			return err
		},
	}
}
