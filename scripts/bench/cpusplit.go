package main

import (
	"fmt"
	"strconv"
	"strings"
)

// cpuSplit gives the servers and the load generator CPUs of their own
// (-split-cpus): TechEmpower runs its generator on another machine, and
// on a shared box the generator's work and its cache traffic land on the
// servers' CPUs. The servers get the last CPU this process may use, the
// generator (this process) the others.
type cpuSplit struct {
	server int   // CPU the servers run on
	client []int // CPUs of this process and its generator
}

// splitCPUs divides the CPUs in allowed (ascending) between the servers
// and the generator; it needs at least two.
func splitCPUs(allowed []int) (cpuSplit, error) {
	if len(allowed) < 2 {
		return cpuSplit{}, fmt.Errorf("-split-cpus needs at least 2 CPUs; this process may use %d", len(allowed))
	}
	n := len(allowed) - 1
	return cpuSplit{server: allowed[n], client: allowed[:n:n]}, nil
}

// String describes the split for the table's header.
func (s cpuSplit) String() string {
	client := make([]string, len(s.client))
	for i, c := range s.client {
		client[i] = strconv.Itoa(c)
	}
	return fmt.Sprintf("servers on CPU %d, generator on CPU %s", s.server, strings.Join(client, ","))
}
