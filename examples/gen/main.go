// Command gen writes a valid curator configuration of a chosen size, for
// benchmarks, load tests and anyone who wants to see curator at estate scale:
//
//	go run ./examples/gen -galleries 10 -definitions 1000 -versions 10000 -regions 3 -out DIR
//
// The output is deterministic for a given set of flags and -seed.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/curator-dev/curator/examples/gen/estate"
)

func main() {
	var o estate.Options
	flag.IntVar(&o.Galleries, "galleries", 1, "number of galleries")
	flag.IntVar(&o.Definitions, "definitions", 10, "number of image definitions, spread over the galleries")
	flag.IntVar(&o.Versions, "versions", 100, "number of image versions, spread over the definitions")
	flag.IntVar(&o.Regions, "regions", 2, "target regions per version (1-"+fmt.Sprint(len(estate.Regions))+")")
	flag.IntVar(&o.Shares, "shares", 1, "role assignments per gallery")
	flag.Int64Var(&o.Seed, "seed", 1, "seed for the deterministic choices")
	flag.StringVar(&o.Name, "name", "generated", "configuration name")
	flag.StringVar(&o.Target, "target", "local: {}", "the target, as CUE")
	flag.IntVar(&o.Locations, "locations", 1, "regions the galleries are spread over (the service's limits are per region: 50,000 versions need 5)")
	flag.StringVar(&o.Style, "style", estate.StylePlain, "how the files are written: plain (data), or templated (a #Version template, a let and comprehensions: the same configuration as people write CUE)")
	flag.BoolVar(&o.OverLimits, "over-limits", false, "allow sizes beyond the service's limits (a configuration curator refuses)")
	out := flag.String("out", "", "folder to write the configuration into (created if missing)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gen: -out is required")
		os.Exit(2)
	}
	if err := estate.Write(*out, o); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
