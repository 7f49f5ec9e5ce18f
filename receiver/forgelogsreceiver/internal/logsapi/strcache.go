package logsapi // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"

// maxCachedStrings bounds a decoder's cache. Forge apps are installed on up to a few thousand
// sites, whose ids are among the cached values.
const maxCachedStrings = 8192

// stringCache hands out one string per distinct attribute key and low-cardinality value. Every
// Forge record repeats the same dozen keys and mostly the same values; sharing them saves an
// allocation each.
type stringCache struct {
	m map[string]string
	// recent holds the string last handed out at each place in a record (the n-th attribute's key
	// or value), checked before the map: consecutive records repeat them in the same order.
	recent [64]string
}

func newStringCache() *stringCache {
	return &stringCache{m: make(map[string]string)}
}

// intern returns the string at sp, shared with earlier equal ones. place says where in a record
// the string stands.
func (c *stringCache) intern(s *scanner, sp span, place int) string {
	if !sp.present() {
		return ""
	}
	if !sp.plain {
		return stringAt(s, sp)
	}
	raw := s.data[sp.start+1 : sp.end-1]
	place %= len(c.recent)
	if string(raw) == c.recent[place] {
		return c.recent[place]
	}
	v, ok := c.m[string(raw)]
	if !ok {
		v = string(raw)
		if len(c.m) < maxCachedStrings {
			c.m[v] = v
		}
	}
	c.recent[place] = v
	return v
}
