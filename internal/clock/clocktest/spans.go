package clocktest

import "time"

// MaxInAnyMinute returns the most of times (in order) that fall in any 60-second span: what a
// rate limit of so many requests a minute must never be exceeded by.
func MaxInAnyMinute(times []time.Time) int {
	most, first := 0, 0
	for last := range times {
		for times[last].Sub(times[first]) >= time.Minute {
			first++
		}
		most = max(most, last-first+1)
	}
	return most
}
