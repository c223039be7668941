// Command raw is the bench project's baseline: the same endpoints as
// examples/bench written by hand with net/http, a pgx pool, html/template,
// an in-process map and go-redis — the floor of what a request costs in Go.
// scripts/bench runs it next to the Djinn project.
//
//	go run ./examples/bench/raw -addr 127.0.0.1:8081 \
//		-db postgres://postgres@127.0.0.1:5432/bench?sslmode=disable \
//		-redis redis://127.0.0.1:6379/0 -prefix rawbench:
//
// It expects the tables that `go run ./examples/bench migrate benchdata`
// creates and fills.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/djinn-go/djinn/examples/bench/internal/benchpprof"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	dbURL := flag.String("db", os.Getenv("DATABASE_URL"), "PostgreSQL URL (DATABASE_URL)")
	redisURL := flag.String("redis", os.Getenv("REDIS_URL"), "Redis URL for /session (REDIS_URL)")
	prefix := flag.String("prefix", "rawbench:session:", "Redis key prefix of the sessions")
	flag.Parse()
	benchpprof.Serve()
	if err := run(*addr, *dbURL, *redisURL, *prefix); err != nil {
		log.Fatalf("raw: %v", err)
	}
}

func run(addr, dbURL, redisURL, prefix string) error {
	if dbURL == "" {
		return errors.New("no database: pass -db or set DATABASE_URL")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer pool.Close()
	s, err := newServer(pool)
	if err != nil {
		return err
	}
	if redisURL != "" {
		o, err := redis.ParseURL(redisURL)
		if err != nil {
			return fmt.Errorf("redis URL: %w", err)
		}
		s.redis = redis.NewClient(o)
		s.prefix = prefix
		defer s.redis.Close()
	}
	srv := &http.Server{Addr: addr, Handler: s.routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
