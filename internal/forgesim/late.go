package forgesim

import "time"

// ServedAt is when the logs API begins to serve r: at its timestamp, or Lateness after it for
// the share of records that Config.LateShare makes late. Which records are late depends only on
// the seed and the record's index, so every run and every query agree.
func (s *Server) ServedAt(r Record) time.Time {
	at := time.Unix(0, r.TimeUnixNano).UTC()
	if s.IsLate(r) {
		return at.Add(s.cfg.Lateness)
	}
	return at
}

// IsLate reports whether the API serves r late.
func (s *Server) IsLate(r Record) bool {
	if s.cfg.LateShare <= 0 || s.cfg.Lateness <= 0 {
		return false
	}
	return float64(splitmix(s.cfg.Seed^uint64(r.Index))>>11)/(1<<53) < s.cfg.LateShare
}

// splitmix is SplitMix64's finaliser: a well-spread hash of x.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Written returns every record of env whose timestamp lies from from up to until, served yet or
// not: what a receiver must deliver once the late ones have been served and read.
func (s *Server) Written(app, env string, from, until time.Time) []Record {
	var out []Record
	for i := s.timeline.first(from); !s.timeline.at(i).After(until); i++ {
		out = append(out, s.record(app, env, i))
	}
	return out
}
