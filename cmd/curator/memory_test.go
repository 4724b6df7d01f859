package main

import (
	"strings"
	"testing"
)

func TestAvailableMemory(t *testing.T) {
	const meminfo = "MemTotal:       24683772 kB\nMemFree:         1000 kB\n"
	tests := []struct {
		name  string
		files map[string]string
		want  int64
	}{
		{"the machine's RAM", map[string]string{"/proc/meminfo": meminfo}, 24683772 << 10},
		{"a cgroup v2 limit below it", map[string]string{"/proc/meminfo": meminfo, "/sys/fs/cgroup/memory.max": "1073741824\n"}, 1 << 30},
		{"no cgroup v2 limit", map[string]string{"/proc/meminfo": meminfo, "/sys/fs/cgroup/memory.max": "max\n"}, 24683772 << 10},
		{"a cgroup v1 limit", map[string]string{"/proc/meminfo": meminfo, "/sys/fs/cgroup/memory/memory.limit_in_bytes": "536870912"}, 512 << 20},
		{"a cgroup v1 limit above the RAM (none set)", map[string]string{"/proc/meminfo": meminfo, "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712"}, 24683772 << 10},
		{"a cgroup limit, no meminfo", map[string]string{"/sys/fs/cgroup/memory.max": "2147483648"}, 2 << 30},
		{"nothing known", map[string]string{}, 0},
		{"meminfo unreadable as numbers", map[string]string{"/proc/meminfo": "MemTotal: lots kB\n"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := availableMemory(func(name string) []byte {
				if s, ok := tt.files[name]; ok {
					return []byte(s)
				}
				return nil
			})
			if got != tt.want {
				t.Errorf("availableMemory = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestLongRunning(t *testing.T) {
	for args, want := range map[string]bool{
		"watch":                          true,
		"--state /tmp/s watch --apply .": true,
		"emulator serve --addr :0":       true,
		"plan .":                         false,
		"--state /tmp/s plan -o json .":  false,
		"apply --auto-approve .":         false,
		"validate":                       false,
		"no-such-command":                false,
		"":                               false,
	} {
		if got := longRunning(strings.Fields(args)); got != want {
			t.Errorf("longRunning(%q) = %v, want %v", args, got, want)
		}
	}
}
