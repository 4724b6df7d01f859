package model

import (
	"strconv"
	"strings"
)

// CompareVersions orders image version names by Major, then Minor, then
// Patch, as the service does when it resolves "latest": -1, 0 or +1.
func CompareVersions(a, b string) int {
	pa, pb := versionParts(a), versionParts(b)
	for i := range pa {
		switch {
		case pa[i] < pb[i]:
			return -1
		case pa[i] > pb[i]:
			return 1
		}
	}
	return 0
}

func versionParts(s string) [3]int64 {
	var out [3]int64
	// As strings.SplitN(s, ".", 3) would split it, without the slice.
	for i := range out {
		if i == len(out)-1 {
			out[i], _ = strconv.ParseInt(s, 10, 64)
			break
		}
		part, rest, found := strings.Cut(s, ".")
		out[i], _ = strconv.ParseInt(part, 10, 64)
		if !found {
			break
		}
		s = rest
	}
	return out
}
