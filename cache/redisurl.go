package cache

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djinn-go/djinn/core/respond"
)

// Default ports of the multi-host URL forms.
const (
	defaultRedisPort    = "6379"
	defaultSentinelPort = "26379"
)

// RedisClient returns a go-redis client for a REDIS_URL. It does not
// connect: the first command does. The forms are:
//
//	redis://[[user]:password@]host[:6379][/db][?options]       one server
//	rediss://…                                                  the same over TLS
//	unix://[[user]:password@]/path/to/redis.sock[?db=N]         a Unix socket
//	redis-sentinel://[[user]:password@]host1[:26379],host2[:26379][/db]?master=NAME[&options]
//	redis-cluster://[[user]:password@]host1[:6379],host2[:6379][?options]
//	rediss-sentinel://…, rediss-cluster://…                     those over TLS
//
// The single-server forms accept every option of go-redis's ParseURL
// (dial_timeout=3s, pool_size=20, …). The Sentinel and Cluster forms build
// redis.UniversalOptions: the user and password authenticate to the Redis
// servers; sentinel_username and sentinel_password, if the sentinels need
// their own; master names the Sentinel master (required); and both accept
// client_name, pool_size, max_retries, dial_timeout, read_timeout and
// write_timeout. A Cluster has one database: a path other than /0 is an
// error.
//
// Every client has ContextTimeoutEnabled, so that the cache's per-call
// Timeout bounds the network reads and writes, not only the wait for a
// connection. Errors show the URL with its passwords masked.
func RedisClient(rawURL string) (redis.UniversalClient, error) {
	scheme, _, ok := strings.Cut(rawURL, "://")
	if !ok {
		shown := respond.MaskString(rawURL)
		if strings.ContainsAny(rawURL, "@:") {
			shown = "(hidden: it may hold a password)"
		}
		return nil, fmt.Errorf("cache: Redis URL %s is not a URL (want redis://host:6379/0)", shown)
	}
	switch scheme {
	case "redis", "rediss", "unix":
		opt, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, redisURLError(rawURL, err)
		}
		opt.ContextTimeoutEnabled = true
		return redis.NewClient(opt), nil
	case "redis-sentinel", "rediss-sentinel", "redis-cluster", "rediss-cluster":
		opt, err := parseMultiHostURL(rawURL)
		if err != nil {
			return nil, err
		}
		return redis.NewUniversalClient(opt), nil
	default:
		return nil, fmt.Errorf("cache: Redis URL %s: unsupported scheme %q; use redis, rediss, unix, redis-sentinel or redis-cluster",
			respond.MaskString(rawURL), scheme)
	}
}

// redisURLError wraps a parse error without repeating the URL's text from
// err unmasked (url.Parse quotes the whole URL in its errors).
func redisURLError(rawURL string, err error) error {
	msg := err.Error()
	if ue, ok := err.(*url.Error); ok {
		msg = ue.Err.Error()
	}
	return fmt.Errorf("cache: Redis URL %s: %s", respond.MaskString(rawURL), respond.MaskString(msg))
}

// parseMultiHostURL parses the redis-sentinel:// and redis-cluster://
// forms (and their rediss- variants) into UniversalOptions.
func parseMultiHostURL(rawURL string) (*redis.UniversalOptions, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("cache: Redis URL %s: %s", respond.MaskString(rawURL), fmt.Sprintf(format, args...))
	}
	scheme, rest, _ := strings.Cut(rawURL, "://")
	kind := scheme[strings.IndexByte(scheme, '-')+1:] // "sentinel" or "cluster"
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	opt := &redis.UniversalOptions{ContextTimeoutEnabled: true}
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		user, pass, _ := strings.Cut(authority[:at], ":")
		var err error
		if opt.Username, err = url.PathUnescape(user); err != nil {
			return nil, fail("the user name is badly escaped")
		}
		if opt.Password, err = url.PathUnescape(pass); err != nil {
			return nil, fail("the password is badly escaped")
		}
		authority = authority[at+1:]
	}
	port := defaultRedisPort
	if kind == "sentinel" {
		port = defaultSentinelPort
	}
	for h := range strings.SplitSeq(authority, ",") {
		addr, err := hostPort(h, port)
		if err != nil {
			return nil, fail("%v", err)
		}
		opt.Addrs = append(opt.Addrs, addr)
	}
	u, err := url.Parse("x://h" + tail)
	if err != nil {
		return nil, fail("bad path or query")
	}
	if db := strings.Trim(u.Path, "/"); db != "" {
		n, err := strconv.Atoi(db)
		if err != nil || n < 0 {
			return nil, fail("database %q is not a number", db)
		}
		opt.DB = n
	}
	if strings.HasPrefix(scheme, "rediss") {
		host, _, _ := net.SplitHostPort(opt.Addrs[0])
		opt.TLSConfig = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	q := u.Query()
	for name, vals := range q {
		v := vals[len(vals)-1]
		var err error
		switch name {
		case "master":
			if kind != "sentinel" {
				return nil, fail("option %q is for redis-sentinel URLs", name)
			}
			opt.MasterName = v
		case "sentinel_username", "sentinel_password":
			if kind != "sentinel" {
				return nil, fail("option %q is for redis-sentinel URLs", name)
			}
			if name == "sentinel_username" {
				opt.SentinelUsername = v
			} else {
				opt.SentinelPassword = v
			}
		case "client_name":
			opt.ClientName = v
		case "pool_size":
			opt.PoolSize, err = strconv.Atoi(v)
		case "max_retries":
			opt.MaxRetries, err = strconv.Atoi(v)
		case "dial_timeout":
			opt.DialTimeout, err = time.ParseDuration(v)
		case "read_timeout":
			opt.ReadTimeout, err = time.ParseDuration(v)
		case "write_timeout":
			opt.WriteTimeout, err = time.ParseDuration(v)
		default:
			return nil, fail("unknown option %q (known: master, sentinel_username, sentinel_password, client_name, pool_size, max_retries, dial_timeout, read_timeout, write_timeout)", name)
		}
		if err != nil {
			return nil, fail("option %s=%q is not valid", name, v)
		}
	}
	switch kind {
	case "sentinel":
		if opt.MasterName == "" {
			return nil, fail("a redis-sentinel URL needs ?master=<name of the Sentinel master>")
		}
	case "cluster":
		if opt.DB != 0 {
			return nil, fail("a Redis Cluster has only database 0, not %d", opt.DB)
		}
		opt.IsClusterMode = true
	}
	return opt, nil
}

// hostPort returns h as "host:port", adding port when h has none.
func hostPort(h, port string) (string, error) {
	if h == "" {
		return "", fmt.Errorf("empty host in the host list")
	}
	if host, p, err := net.SplitHostPort(h); err == nil {
		if host == "" {
			return "", fmt.Errorf("host %q has no name", h)
		}
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("host %q has a bad port", h)
		}
		return net.JoinHostPort(host, p), nil
	}
	host := strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if strings.ContainsAny(host, "[]/@") {
		return "", fmt.Errorf("host %q is not a host name or address", h)
	}
	return net.JoinHostPort(host, port), nil
}
