// Command bare is the loadtest baseline: net/http's ServeMux answering the
// hello example's /json with the same body, and nothing else.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8001", "listen address")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /json", func(w http.ResponseWriter, r *http.Request) {
		b, _ := json.Marshal(map[string]string{"message": "Hello, World!"})
		w.Header().Set("Content-Type", "application/json")
		w.Write(append(b, '\n'))
	})
	log.Fatal(http.ListenAndServe(*addr, mux))
}
