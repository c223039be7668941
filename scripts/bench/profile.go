package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// fetchProfile saves a CPU profile of secs seconds from the pprof server
// at addr (the Djinn side's, outside its middleware stack) into file.
func fetchProfile(addr string, secs int, file string) error {
	client := &http.Client{Timeout: time.Duration(secs+10) * time.Second}
	resp, err := client.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof: %s", resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
