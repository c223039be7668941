# The two commands of the README, and a few more for developers.
# Every go command here builds without cgo and lets go.mod's toolchain line
# pick the (patched) Go toolchain.
export CGO_ENABLED := 0
export GOTOOLCHAIN := auto

.PHONY: run test race bench loadtest vulncheck

# run serves the example site on http://127.0.0.1:8000 (embedded SQLite default).
run:
	go run ./examples/hello runserver

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
