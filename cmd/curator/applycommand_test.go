package main

import "testing"

// TestApplyCommand: the command plan --out prints repeats the plan's
// source (apply PLANFILE alone plans the current folder), quoted for a
// shell, and never a git URL's credentials.
func TestApplyCommand(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  sourceFlags
		args []string
		want string
	}{
		{"current folder", sourceFlags{}, nil, "curator apply plan.json"},
		{"folder", sourceFlags{}, []string{"envs/prod"}, "curator apply plan.json envs/prod"},
		{"folder with a space and a quote", sourceFlags{}, []string{"my images/it's"}, `curator apply plan.json 'my images/it'\''s'`},
		{"git", sourceFlags{gitURL: "https://user:t0ken@example.com/images.git", ref: "main", path: "prod"}, nil,
			"curator apply plan.json --git https://example.com/images.git --ref main --path prod"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.src.applyCommand("plan.json", tc.args); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
