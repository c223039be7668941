package cache

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/redis/go-redis/v9"
)

func TestParseMultiHostURL(t *testing.T) {
	for _, tt := range []struct {
		url  string
		want redis.UniversalOptions
		tls  bool
	}{
		{
			url: "redis-sentinel://:s3cret@s1:26380,s2/2?master=mymaster",
			want: redis.UniversalOptions{Addrs: []string{"s1:26380", "s2:26379"}, DB: 2, Password: "s3cret", MasterName: "mymaster",
				ContextTimeoutEnabled: true},
		},
		{
			url: "rediss-sentinel://app:p%40ss@[::1]:26379,10.0.0.2?master=m&sentinel_password=sp&sentinel_username=su&pool_size=7&dial_timeout=2s",
			want: redis.UniversalOptions{Addrs: []string{"[::1]:26379", "10.0.0.2:26379"}, Username: "app", Password: "p@ss", MasterName: "m",
				SentinelUsername: "su", SentinelPassword: "sp", PoolSize: 7, DialTimeout: 2 * time.Second, ContextTimeoutEnabled: true},
			tls: true,
		},
		{
			url: "redis-cluster://n1:7000,n2:7001,n3",
			want: redis.UniversalOptions{Addrs: []string{"n1:7000", "n2:7001", "n3:6379"}, IsClusterMode: true,
				ContextTimeoutEnabled: true},
		},
		{
			url: "rediss-cluster://:pw@n1/0?read_timeout=500ms&client_name=web",
			want: redis.UniversalOptions{Addrs: []string{"n1:6379"}, Password: "pw", IsClusterMode: true, ClientName: "web",
				ReadTimeout: 500 * time.Millisecond, ContextTimeoutEnabled: true},
			tls: true,
		},
	} {
		t.Run(tt.url, func(t *testing.T) {
			got, err := parseMultiHostURL(tt.url)
			if err != nil {
				t.Fatalf("parseMultiHostURL(%q) = %v", tt.url, err)
			}
			if (got.TLSConfig != nil) != tt.tls {
				t.Errorf("TLS = %v; want %v", got.TLSConfig != nil, tt.tls)
			}
			if diff := cmp.Diff(tt.want, *got, cmpopts.IgnoreFields(redis.UniversalOptions{}, "TLSConfig"), cmpopts.IgnoreUnexported(redis.UniversalOptions{})); diff != "" {
				t.Errorf("parseMultiHostURL(%q) (-want +got):\n%s", tt.url, diff)
			}
		})
	}
}

func TestRedisClientKinds(t *testing.T) {
	for _, tt := range []struct {
		url     string
		cluster bool
	}{
		{"redis://127.0.0.1:6379/0", false},
		{"redis-sentinel://s1,s2?master=m", false},
		{"redis-cluster://n1,n2", true},
		{"redis-cluster://n1", true}, // one seed node is still a Cluster
	} {
		c, err := RedisClient(tt.url)
		if err != nil {
			t.Fatalf("RedisClient(%q) = %v", tt.url, err)
		}
		_, cluster := c.(*redis.ClusterClient)
		if cluster != tt.cluster {
			t.Errorf("RedisClient(%q) is a %T; want a cluster client: %v", tt.url, c, tt.cluster)
		}
		c.Close()
	}
}
