package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/netip"

	"github.com/djinn-go/djinn/core/respond"
)

// KeyFunc returns the key a request is limited under. An empty key and a
// nil error mean "do not limit this request"; an error is rendered with
// respond.Error (a *respond.HTTPError chooses the status, anything else
// is a 500).
type KeyFunc func(*http.Request) (string, error)

// KeyByIP keys a request by its client address, "ip:<addr>": r.RemoteAddr,
// which ProxyHeaders (core/middleware) has already replaced with the real
// client when the request came through a trusted proxy. IPv6 clients are
// keyed by their /64 ("ip:2001:db8:1:2::/64"), since one subscriber
// usually holds a whole /64 and could otherwise rotate addresses to escape
// the limit. An IPv4-mapped address counts as IPv4. A RemoteAddr that is
// not an address (a Unix socket without a proxy in front) is an error.
func KeyByIP(r *http.Request) (string, error) {
	a, ok := clientAddr(r.RemoteAddr)
	if !ok {
		return "", fmt.Errorf("ratelimit: key by IP: remote address %q is not an IP address (a Unix socket needs ProxyHeaders)", r.RemoteAddr)
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "ip:" + p.String(), nil
	}
	return "ip:" + a.String(), nil
}

// clientAddr parses "ip:port", "[ipv6]:port" or a bare address.
func clientAddr(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

// KeyByHeader returns a KeyFunc keying requests by the value of the
// header name (an API key, say): "header:<name>:<value>", long values
// hashed. A request without the header gets 400 Bad Request, so that
// leaving the header out does not escape the limit.
func KeyByHeader(name string) KeyFunc {
	name = http.CanonicalHeaderKey(name)
	return func(r *http.Request) (string, error) {
		v := r.Header.Get(name)
		if v == "" {
			return "", respond.NewError(http.StatusBadRequest, "missing "+name+" header")
		}
		return "header:" + name + ":" + v, nil
	}
}

// KeyByUser returns a KeyFunc keying requests by the user id that user
// finds for r ("user:<id>"; auth's user from the request context, say),
// and anonymous requests (ok false) by client address like KeyByIP.
func KeyByUser(user func(*http.Request) (id string, ok bool)) KeyFunc {
	return func(r *http.Request) (string, error) {
		if id, ok := user(r); ok && id != "" {
			return "user:" + id, nil
		}
		return KeyByIP(r)
	}
}

// maxRawKey is the longest key stored as is; longer ones (hostile header
// values) are hashed.
const maxRawKey = 128

// storedKey joins the route's name and the request's key, hashing keys
// too long to store as they are.
func storedKey(name, key string) string {
	k := name + ":" + key
	if len(k) <= maxRawKey {
		return k
	}
	sum := sha256.Sum256([]byte(key))
	return name + ":sha256:" + hex.EncodeToString(sum[:])
}
