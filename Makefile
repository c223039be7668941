# The two commands of the README, and a few more for developers.
# Every go command here builds without cgo and lets go.mod's toolchain line
# pick the (patched) Go toolchain.
export CGO_ENABLED := 0
export GOTOOLCHAIN := auto

.PHONY: run test race bench loadtest vulncheck

# run serves the polls example on http://127.0.0.1:8000 with the embedded
# SQLite default (db.sqlite3): in DEBUG it applies its migrations first,
# and runserver rebuilds and restarts on every change.
run:
	go run ./examples/polls runserver

# test is what CI runs: vet and every test.
test:
	go vet ./...
	go test -count=1 ./...

race:
	CGO_ENABLED=1 go test -race -count=1 ./...

bench:
	go test -run '^$$' -bench . -benchmem ./core/...

loadtest:
	go run ./scripts/loadtest

# vulncheck runs govulncheck with the vulnerability database built from the
# golang.org/x/vulndb module (only the Go module proxy is needed); see
# scripts/vulncheck.
vulncheck:
	scripts/vulncheck
