package middleware

import (
	"net/netip"
	"strings"
)

// splitHost validates a Host header value the way Django's get_host does
// and splits it. domain is lower-cased, without a trailing dot, and keeps
// the brackets of an IPv6 literal ("[::1]"); port is "" or 1 to 5 digits.
//
// Accepted: a DNS name of letters, digits, hyphens and dots (no empty
// label, at most 253 characters, labels at most 63), or an IPv6 literal in
// brackets, optionally followed by ":port". Everything else fails: user
// info ("evil.com@good.com"), spaces, control bytes, underscores, several
// colons or ports, an empty host.
//
// It does not allocate unless host has upper-case letters.
func splitHost(host string) (domain, port string, ok bool) {
	if host == "" {
		return "", "", false
	}
	rest := host
	if host[0] == '[' {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return "", "", false
		}
		domain, rest = host[:end+1], host[end+1:]
		if !validIPv6Literal(domain) {
			return "", "", false
		}
	} else {
		i := strings.IndexByte(host, ':')
		if i < 0 {
			domain, rest = host, ""
		} else {
			domain, rest = host[:i], host[i:]
		}
		domain = strings.TrimSuffix(domain, ".")
		if !validDomain(domain) {
			return "", "", false
		}
	}
	if rest != "" {
		if rest[0] != ':' || !validPort(rest[1:]) {
			return "", "", false
		}
		port = rest[1:]
	}
	return strings.ToLower(domain), port, true
}

// validDomain reports whether s is a syntactically valid DNS name of
// letters, digits, hyphens and dots, without a trailing dot.
func validDomain(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	label := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-':
			label++
			if label > 63 {
				return false
			}
		case c == '.':
			if label == 0 {
				return false
			}
			label = 0
		default:
			return false
		}
	}
	return label > 0
}

// validIPv6Literal reports whether s is "[" an IPv6 address without a
// zone "]".
func validIPv6Literal(s string) bool {
	if len(s) < 4 || s[0] != '[' || s[len(s)-1] != ']' {
		return false
	}
	a, err := netip.ParseAddr(s[1 : len(s)-1])
	return err == nil && a.Is6() && a.Zone() == ""
}

// validPort reports whether s is a decimal port number, 0 to 65535, of at
// most 5 digits.
func validPort(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535
}

// isIPLiteral reports whether domain, as splitHost returns it, is an IP
// address rather than a name.
func isIPLiteral(domain string) bool {
	if strings.HasPrefix(domain, "[") {
		return true
	}
	_, err := netip.ParseAddr(domain)
	return err == nil
}
