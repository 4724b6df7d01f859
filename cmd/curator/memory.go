package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// curator's memory policy. A command that loads a configuration once and
// exits (plan, apply, validate, import, drift…) lets the heap grow to five
// times what is live before a collection (GOGC=400): evaluating CUE makes a
// lot of short-lived garbage, and at Go's default pace (GOGC=100) the
// collector took a quarter of the CPU of a templated estate's load. The
// peak memory stays linear in the estate (it is mostly the live
// configuration: 10,000 versions peak at ~220 MB either way). Long-running
// commands (watch, emulator serve) keep Go's default pace. The soft memory
// limit is only a guard against running out, never a target: three
// quarters of the memory this process may use — its cgroup's limit
// (memory.max, cgroup v2; memory.limit_in_bytes, v1), else the machine's
// RAM. A fixed limit near a small estate's peak (280 MiB, before) made a
// large one collect without pause once its live heap neared the limit: at
// 50,000 versions 36% of the CPU went to marking and the plan took twice
// as long. GOGC and GOMEMLIMIT in the environment override the policy, as
// Go documents.

// oneShotGCPercent is the collector's pace for commands that exit after
// one evaluation.
const oneShotGCPercent = 400

// setMemoryPolicy applies the policy for the command args names.
func setMemoryPolicy(args []string) {
	setMemoryGuard()
	if _, set := os.LookupEnv("GOGC"); !set && !longRunning(args) {
		debug.SetGCPercent(oneShotGCPercent)
	}
}

// longRunning reports whether args name a command that runs until stopped.
func longRunning(args []string) bool {
	cmd, _, err := newRootCmd(strings.NewReader(""), io.Discard, io.Discard).Find(args)
	if err != nil {
		return false
	}
	switch cmd.CommandPath() {
	case "curator watch", "curator emulator serve":
		return true
	}
	return false
}

// guardFraction is the share of the available memory the soft limit
// allows.
const guardFraction = 0.75

// setMemoryGuard sets the soft memory limit unless GOMEMLIMIT is set or
// the available memory is unknown.
func setMemoryGuard() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return
	}
	if avail := availableMemory(readSystemFile); avail > 0 {
		debug.SetMemoryLimit(int64(float64(avail) * guardFraction))
	}
}

func readSystemFile(name string) []byte {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil
	}
	return data
}

// availableMemory is the memory this process may use, in bytes: the
// smaller of its cgroup's limit and the machine's RAM, 0 when neither is
// known. read returns a file's content, nil when it cannot be read.
func availableMemory(read func(string) []byte) int64 {
	ram := memTotal(read("/proc/meminfo"))
	limit := int64(0)
	for _, name := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		// "max" (v2) or a huge number (v1) means no limit.
		if n, err := strconv.ParseInt(string(bytes.TrimSpace(read(name))), 10, 64); err == nil && n > 0 {
			limit = n
			break
		}
	}
	switch {
	case limit > 0 && (ram == 0 || limit < ram):
		return limit
	default:
		return ram
	}
}

// memTotal reads MemTotal from /proc/meminfo's content, in bytes.
func memTotal(meminfo []byte) int64 {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		if err != nil || kb <= 0 {
			return 0
		}
		return kb << 10
	}
	return 0
}
