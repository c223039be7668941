# The two commands of the README, and a few more for developers.
# Every go command here builds without cgo and lets go.mod's toolchain line
# pick the (patched) Go toolchain.
export CGO_ENABLED := 0
export GOTOOLCHAIN := auto

.PHONY: run test race bench loadtest vulncheck

# run applies the example's migrations to the embedded SQLite default
# (db.sqlite3) and serves the site on http://127.0.0.1:8000.
run:
	go build -o bin/hello ./examples/hello
	DEBUG=true ./bin/hello migrate
	./bin/hello runserver

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
